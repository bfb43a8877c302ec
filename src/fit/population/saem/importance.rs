//! The population log-likelihood by importance sampling, as Monolix computes it after SAEM:
//! each subject's likelihood is the integral over its random effects of p(y | eta) p(eta),
//! estimated with draws from a multivariate t distribution (5 degrees of freedom) centred on
//! the subject's conditional mean with its conditional covariance.

use super::super::Objective;
use super::chains::data_objective;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rayon::prelude::*;
use std::f64::consts::PI;

/// Degrees of freedom of the proposal (heavier tails than the posterior's).
const DEGREES_OF_FREEDOM: f64 = 5.0;
/// Keeps the importance draws apart from the chains' streams for the same seed.
const STREAM_KEY: u64 = 0x1b9a_4c3d_0000_0000;

/// -2 log-likelihood by importance sampling and its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportanceEstimate {
    pub minus_2_log_likelihood: f64,
    pub standard_error: f64,
    pub samples: u32,
}

/// The estimate at `psi` from each subject's conditional (mean, covariance) of eta; subject
/// i draws from stream (seed, i), so the result does not depend on the thread count.
pub(in crate::fit::population) fn importance_log_likelihood(
    objective: &Objective,
    psi: &[f64],
    conditional: &[(DVector<f64>, DMatrix<f64>)],
    samples: u32,
    seed: u64,
) -> Result<ImportanceEstimate, String> {
    let unpacked = objective.unpack(psi);
    let omega = unpacked.omega_inverse()?;
    let population = unpacked.population(objective.request, &omega);
    let inverse = &omega.0;
    let q = unpacked.omega.nrows() as f64;
    let prior_constant = omega.1 + q * (2.0 * PI).ln();
    let per_subject: Vec<(f64, f64)> = (objective.subjects.par_iter().enumerate())
        .zip(conditional)
        .map(|((index, subject), (mean, covariance))| {
            let proposal = Proposal::new(mean, covariance)
                .ok_or_else(|| format!("ID {}: no importance proposal", subject.source.id))?;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(STREAM_KEY | index as u64);
            let mut log_weights = Vec::with_capacity(samples as usize);
            for _ in 0..samples {
                let (eta, log_q) = proposal.draw(&mut rng);
                let (parameters, _) = population.individual(eta.as_slice());
                let Ok(predictions) = subject.predictor.values(&parameters) else {
                    continue;
                };
                let data =
                    data_objective(subject, &predictions, population.error, population.sigma);
                let prior = eta.dot(&(inverse * &eta)) + prior_constant;
                log_weights.push(-0.5 * (data + prior) - log_q);
            }
            subject_estimate(&log_weights, samples)
                .ok_or_else(|| format!("ID {}: every importance draw failed", subject.source.id))
        })
        .collect::<Result<_, String>>()?;
    Ok(ImportanceEstimate {
        minus_2_log_likelihood: per_subject.iter().map(|p| p.0).sum(),
        standard_error: per_subject.iter().map(|p| p.1).sum::<f64>().sqrt(),
        samples,
    })
}

/// A subject's -2 ln of the mean weight and the variance of that estimate (delta method);
/// failed draws count as weight zero.
fn subject_estimate(log_weights: &[f64], samples: u32) -> Option<(f64, f64)> {
    let largest = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if !largest.is_finite() {
        return None;
    }
    let n = f64::from(samples);
    let scaled: Vec<f64> = log_weights.iter().map(|w| (w - largest).exp()).collect();
    let mean = scaled.iter().sum::<f64>() / n;
    let variance = scaled.iter().map(|w| (w - mean).powi(2)).sum::<f64>()
        + (n - scaled.len() as f64) * mean * mean;
    let variance_of_mean = variance / (n - 1.0).max(1.0) / n;
    let log_likelihood = largest + mean.ln();
    Some((
        -2.0 * log_likelihood,
        4.0 * variance_of_mean / (mean * mean),
    ))
}

/// A multivariate t proposal.
struct Proposal {
    mean: DVector<f64>,
    factor: DMatrix<f64>,
    inverse: DMatrix<f64>,
    log_normaliser: f64,
}

impl Proposal {
    fn new(mean: &DVector<f64>, covariance: &DMatrix<f64>) -> Option<Proposal> {
        let cholesky = covariance.clone().cholesky()?;
        let q = mean.len() as f64;
        let nu = DEGREES_OF_FREEDOM;
        let log_det: f64 = cholesky.l().diagonal().iter().map(|d| 2.0 * d.ln()).sum();
        Some(Proposal {
            mean: mean.clone(),
            factor: cholesky.l(),
            inverse: cholesky.inverse(),
            log_normaliser: libm::lgamma(0.5 * (nu + q))
                - libm::lgamma(0.5 * nu)
                - 0.5 * q * (nu * PI).ln()
                - 0.5 * log_det,
        })
    }

    /// A draw and the log density of the proposal there.
    fn draw(&self, rng: &mut ChaCha8Rng) -> (DVector<f64>, f64) {
        let nu = DEGREES_OF_FREEDOM;
        let q = self.mean.len();
        let z = DVector::from_fn(q, |_, _| StandardNormal.sample(rng));
        let chi: f64 = ChiSquared::new(nu).map_or(nu, |c| c.sample(rng));
        let eta = &self.mean + (&self.factor * z) * (nu / chi).sqrt();
        let centred = &eta - &self.mean;
        let distance = centred.dot(&(&self.inverse * &centred));
        let log_q = self.log_normaliser - 0.5 * (nu + q as f64) * (distance / nu).ln_1p();
        (eta, log_q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The t density integrates the normaliser correctly: in one dimension with scale 1 and
    /// 5 degrees of freedom the density at the mean is Gamma(3)/(Gamma(2.5) sqrt(5 pi)) =
    /// 0.379607...
    #[test]
    fn the_proposal_density_at_its_mean_matches_the_closed_form() {
        let proposal =
            Proposal::new(&DVector::from_vec(vec![0.0]), &DMatrix::identity(1, 1)).unwrap();
        assert!((proposal.log_normaliser.exp() - 0.379_606_8).abs() < 1e-6);
    }

    /// Equal weights give the weight itself and zero Monte Carlo variance.
    #[test]
    fn equal_weights_give_their_value() {
        let (value, variance) = subject_estimate(&[-3.0; 10], 10).unwrap();
        assert!((value - 6.0).abs() < 1e-12);
        assert!(variance.abs() < 1e-20);
    }
}
