//! SAEM's stochastic approximation and M-step: the sufficient statistics of the random
//! effects' components (their mean and mean outer product over subjects and chains), the
//! typical values and Omega they give in closed form, each subject's conditional moments
//! over the smoothing phase, and the residual error that maximises the likelihood of the
//! chains' current predictions.

use super::super::Objective;
use super::chains::{SubjectChains, data_objective};
use crate::fit::population::OmegaStructure;
use nalgebra::{DMatrix, DVector};

/// Through the exploration phase a variance may fall by at most 5% per iteration (Monolix's
/// simulated annealing), so Omega does not collapse before the chains have explored.
const ANNEALING: f64 = 0.95;
/// The smallest variance Omega keeps (an SD of 1e-4 on the log scale).
const MIN_VARIANCE: f64 = 1e-8;
/// How far (on the log scale) the residual error search looks either side of the current
/// value, and where it stops: a factor e^4 either way is more than one iteration moves it.
const SIGMA_RANGE: f64 = 4.0;
const SIGMA_TOLERANCE: f64 = 1e-7;

/// The approximated statistics, and each subject's sums over the smoothing phase.
pub(super) struct Statistics {
    mean: DVector<f64>,
    outer: DMatrix<f64>,
    subjects: Vec<(DVector<f64>, DMatrix<f64>)>,
    samples: u32,
}

impl Statistics {
    /// Statistics that give back `means` and `omega`.
    pub fn new(means: &DVector<f64>, omega: &DMatrix<f64>) -> Statistics {
        Statistics {
            mean: means.clone(),
            outer: omega + means * means.transpose(),
            subjects: Vec::new(),
            samples: 0,
        }
    }

    /// s <- s + step (s(current samples) - s); through the smoothing phase each subject's
    /// samples are also summed for its conditional moments.
    pub fn update(&mut self, states: &[SubjectChains], step: f64, smoothing: bool) {
        let q = self.mean.len();
        if self.subjects.is_empty() {
            self.subjects = vec![(DVector::zeros(q), DMatrix::zeros(q, q)); states.len()];
        }
        let mut mean = DVector::zeros(q);
        let mut outer = DMatrix::zeros(q, q);
        let mut count = 0.0;
        for (state, sums) in states.iter().zip(&mut self.subjects) {
            for chain in &state.chains {
                let product = &chain.phi * chain.phi.transpose();
                mean += &chain.phi;
                outer += &product;
                count += 1.0;
                if smoothing {
                    sums.0 += &chain.phi;
                    sums.1 += product;
                }
            }
        }
        if smoothing {
            self.samples += (count / states.len().max(1) as f64) as u32;
        }
        self.mean += step * (mean / count - &self.mean);
        self.outer += step * (outer / count - &self.outer);
    }

    /// The typical values of the random effects' parameters.
    pub fn means(&self) -> DVector<f64> {
        self.mean.clone()
    }

    /// Omega from the statistics, within `structure`'s blocks; while `exploring`, no variance
    /// below 95% of `previous`'s.
    pub fn omega(
        &self,
        structure: &OmegaStructure,
        previous: &DMatrix<f64>,
        exploring: bool,
    ) -> DMatrix<f64> {
        let q = self.mean.len();
        let mut omega = &self.outer - &self.mean * self.mean.transpose();
        for row in 0..q {
            for column in 0..q {
                if structure.block[row] != structure.block[column] {
                    omega[(row, column)] = 0.0;
                }
            }
            let floor = if exploring {
                ANNEALING * previous[(row, row)]
            } else {
                MIN_VARIANCE
            };
            omega[(row, row)] = omega[(row, row)].max(floor).max(MIN_VARIANCE);
        }
        omega = 0.5 * (&omega + omega.transpose());
        if omega.clone().cholesky().is_none() {
            omega = DMatrix::from_diagonal(&omega.diagonal());
        }
        omega
    }

    /// Each subject's mean and covariance of its random effects (phi minus `means`) over the
    /// smoothing phase; a covariance that is not positive definite is replaced by Omega.
    pub fn conditional(
        &self,
        means: &DVector<f64>,
        omega: &DMatrix<f64>,
    ) -> Vec<(DVector<f64>, DMatrix<f64>)> {
        let n = f64::from(self.samples.max(1));
        self.subjects
            .iter()
            .map(|(sum, outer)| {
                let mean = sum / n;
                let covariance = outer / n - &mean * mean.transpose();
                let covariance = 0.5 * (&covariance + covariance.transpose());
                let covariance = if covariance.clone().cholesky().is_some() {
                    covariance
                } else {
                    omega.clone()
                };
                (mean - means, covariance)
            })
            .collect()
    }
}

/// The residual error parameters that maximise the likelihood of every chain's current
/// predictions (averaged over each subject's chains): coordinate-wise golden-section
/// searches on ln sigma around `current`.
pub(super) fn best_sigma(
    objective: &Objective,
    states: &[SubjectChains],
    current: &[f64],
) -> Vec<f64> {
    let error = objective.request.error;
    let total = |sigma: &[f64]| -> f64 {
        (objective.subjects.iter().zip(states))
            .map(|(subject, state)| {
                let sum: f64 = (state.chains.iter())
                    .map(|c| data_objective(subject, &c.predictions, error, sigma))
                    .sum();
                sum / state.chains.len() as f64
            })
            .sum()
    };
    let mut sigma = current.to_vec();
    let passes = if sigma.len() > 1 { 4 } else { 1 };
    for _ in 0..passes {
        for k in 0..sigma.len() {
            let centre = sigma[k].ln();
            let along = |log: f64| {
                let mut trial = sigma.clone();
                trial[k] = log.exp();
                total(&trial)
            };
            sigma[k] = golden_section(along, centre - SIGMA_RANGE, centre + SIGMA_RANGE).exp();
        }
    }
    sigma
}

/// The minimum of a unimodal `f` on [low, high] by golden-section search.
fn golden_section(f: impl Fn(f64) -> f64, mut low: f64, mut high: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut left = high - ratio * (high - low);
    let mut right = low + ratio * (high - low);
    let (mut f_left, mut f_right) = (f(left), f(right));
    while high - low > SIGMA_TOLERANCE {
        if f_left <= f_right {
            high = right;
            right = left;
            f_right = f_left;
            left = high - ratio * (high - low);
            f_left = f(left);
        } else {
            low = left;
            left = right;
            f_left = f_right;
            right = low + ratio * (high - low);
            f_right = f(right);
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_section_finds_the_minimum_of_a_parabola() {
        let x = golden_section(|x| (x - 0.3).powi(2) + 1.0, -4.0, 4.0);
        assert!((x - 0.3).abs() < 1e-6, "{x}");
    }

    /// With step 1 the statistics are those of the samples: the mean and the (biased)
    /// covariance of phi over subjects and chains.
    #[test]
    fn omega_is_the_sample_covariance_within_blocks() {
        let mut statistics = Statistics::new(&DVector::zeros(2), &DMatrix::identity(2, 2));
        statistics.mean = DVector::from_vec(vec![1.0, 2.0]);
        statistics.outer = DMatrix::from_row_slice(2, 2, &[1.25, 2.1, 2.1, 4.36]);
        let full = OmegaStructure { block: vec![0, 0] };
        let omega = statistics.omega(&full, &DMatrix::zeros(2, 2), false);
        let expected = DMatrix::from_row_slice(2, 2, &[0.25, 0.1, 0.1, 0.36]);
        assert!((&omega - expected).amax() < 1e-12, "{omega}");
        let diagonal = statistics.omega(&OmegaStructure::diagonal(2), &DMatrix::zeros(2, 2), false);
        assert_eq!(diagonal[(0, 1)], 0.0);
        let annealed = statistics.omega(&full, &DMatrix::from_diagonal_element(2, 2, 1.0), true);
        assert!((annealed[(0, 0)] - 0.95).abs() < 1e-12);
    }
}
