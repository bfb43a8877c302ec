//! One subject given the population parameters: the mode of its random effects (the empirical
//! Bayes estimate, by damped Gauss-Newton on the joint -2 log density) and its FOCE-I
//! contribution to the population objective (the Laplace approximation with the expected
//! information of the observations).

use crate::fit::likelihood::{Datum, ErrorModel, contribution, curvature};
use crate::fit::{Predictor, Scale};
use nalgebra::{DMatrix, DVector};

/// Inner iterations before the mode search gives up.
const MAX_ITERATIONS: usize = 100;
/// A Gauss-Newton step below this (in every random effect) ends the search without taking it:
/// near the mode the steps shrink quadratically, so the mode is then known to about the square
/// of the previous step, and the objective's noise stays far below what the outer finite
/// differences resolve.
const STEP_TOLERANCE: f64 = 1e-7;

/// The population parameters a subject is conditioned on.
pub struct PopulationParameters<'a> {
    /// Typical values of the estimated parameters on their estimation scales.
    pub typical: &'a [f64],
    pub scales: &'a [Scale],
    /// For each random effect, the estimated parameter it acts on (an index into `typical`).
    pub random: &'a [usize],
    pub omega_inverse: &'a DMatrix<f64>,
    /// ln det Omega.
    pub omega_log_det: f64,
    pub error: ErrorModel,
    pub sigma: &'a [f64],
}

impl PopulationParameters<'_> {
    /// The estimated parameters (natural scale) of a subject with random effects `eta`, and
    /// d parameter / d eta_k for each random effect.
    pub fn individual(&self, eta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut transformed = self.typical.to_vec();
        for (&target, &value) in self.random.iter().zip(eta) {
            transformed[target] += value;
        }
        let parameters = self
            .scales
            .iter()
            .zip(&transformed)
            .map(|(s, &t)| s.to_parameter(t))
            .collect();
        let chain = self
            .random
            .iter()
            .map(|&target| self.scales[target].derivative(transformed[target]))
            .collect();
        (parameters, chain)
    }
}

/// A subject at its mode.
#[derive(Debug, Clone)]
pub struct Conditional {
    pub eta: DVector<f64>,
    /// The subject's FOCE-I -2 log-likelihood (constants included).
    pub objective: f64,
    /// Predictions at every observation (those the likelihood leaves out included).
    pub predictions: Vec<f64>,
    /// d prediction / d eta at the mode, one row per observation.
    pub jacobian: DMatrix<f64>,
    pub iterations: usize,
    /// Whether the mode search ended on a small step (not at its iteration limit).
    pub converged: bool,
    /// In a mixture: the posterior class probabilities and both classes' modes (this
    /// conditional is the more probable class's).
    pub membership: Option<super::Membership>,
}

/// Joint -2 log density at eta (without ln det Omega), its gradient and expected curvature.
struct Point {
    value: f64,
    gradient: DVector<f64>,
    curvature: DMatrix<f64>,
    predictions: Vec<f64>,
    jacobian: DMatrix<f64>,
}

fn evaluate(
    predictor: &dyn Predictor,
    data: &[Option<Datum>],
    population: &PopulationParameters,
    eta: &DVector<f64>,
) -> Result<Point, String> {
    let q = eta.len();
    let (parameters, chain) = population.individual(eta.as_slice());
    let prediction = predictor.predict(&parameters).map_err(|d| d.one_line())?;
    let mut jacobian = DMatrix::zeros(data.len(), q);
    for (row, derivatives) in prediction.jacobian.iter().enumerate() {
        for (k, &target) in population.random.iter().enumerate() {
            jacobian[(row, k)] = derivatives[target] * chain[k];
        }
    }
    let prior = population.omega_inverse * eta;
    let mut value = eta.dot(&prior);
    let mut gradient = 2.0 * prior;
    let mut information = 2.0 * population.omega_inverse;
    for (row, datum) in data.iter().enumerate() {
        let Some(datum) = datum else { continue };
        let f = prediction.values[row];
        let (c, d_f, _) = contribution(datum, f, population.error, population.sigma);
        let weight = curvature(datum, f, population.error, population.sigma);
        if !(c.is_finite() && d_f.is_finite() && weight.is_finite()) {
            return Err(format!("the likelihood is not finite at prediction {f}"));
        }
        value += c;
        let derivative = jacobian.row(row).transpose();
        gradient += d_f * &derivative;
        information += weight * &derivative * derivative.transpose();
    }
    Ok(Point {
        value,
        gradient,
        curvature: information,
        predictions: prediction.values,
        jacobian,
    })
}

/// The mode of the subject's random effects from `start`, and its FOCE-I objective.
pub fn conditional(
    predictor: &dyn Predictor,
    data: &[Option<Datum>],
    population: &PopulationParameters,
    start: &DVector<f64>,
) -> Result<Conditional, String> {
    let mut eta = start.clone();
    let mut point = evaluate(predictor, data, population, &eta)?;
    let mut damping = 1e-6;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let diagonal = DMatrix::from_diagonal(&point.curvature.diagonal());
        let system = &point.curvature + damping * diagonal;
        let step = system
            .cholesky()
            .ok_or("the curvature of the random effects is not positive definite")?
            .solve(&(-&point.gradient));
        if step.amax() < STEP_TOLERANCE {
            converged = true;
            break;
        }
        let trial = &eta + &step;
        match evaluate(predictor, data, population, &trial) {
            Ok(next) if next.value <= point.value + 1e-12 * point.value.abs() => {
                eta = trial;
                point = next;
                damping = (damping / 10.0).max(1e-9);
            }
            _ => damping *= 10.0,
        }
    }
    let half = 0.5 * &point.curvature;
    let log_det = half
        .cholesky()
        .ok_or("the curvature at the mode is not positive definite")?
        .l()
        .diagonal()
        .iter()
        .map(|d| 2.0 * d.ln())
        .sum::<f64>();
    Ok(Conditional {
        objective: point.value + population.omega_log_det + log_det,
        eta,
        predictions: point.predictions,
        jacobian: point.jacobian,
        iterations,
        converged,
        membership: None,
    })
}
