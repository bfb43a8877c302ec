//! Maximum-likelihood estimation for one subject: parameters on an unconstrained scale (log,
//! or logit within bounds), residual error SDs on the log scale, a Levenberg-Marquardt search
//! on the -2 log-likelihood with the Fisher information as its curvature (outer products of
//! gradients for censored observations), several starts, and standard errors from the observed
//! information (central differences of the exact gradient).

use super::likelihood::{Datum, ErrorModel, contribution};
use crate::diag::Diagnostic;
use nalgebra::{DMatrix, DVector};

/// Model predictions at the observations, and their derivatives with respect to the estimated
/// model parameters on the natural scale (`jacobian[observation][parameter]`).
pub struct Prediction {
    pub values: Vec<f64>,
    pub jacobian: Vec<Vec<f64>>,
}

/// Something that predicts the observations from estimated parameter values.
pub trait Predictor {
    fn predict(&self, parameters: &[f64]) -> Result<Prediction, Diagnostic>;
}

/// The scale a parameter is estimated on.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Scale {
    /// theta = ln p (p > 0)
    Log,
    /// theta = logit((p - low) / (high - low))
    Bounded { low: f64, high: f64 },
}

impl Scale {
    pub fn to_theta(self, p: f64) -> f64 {
        match self {
            Scale::Log => p.ln(),
            Scale::Bounded { low, high } => {
                let u = (p - low) / (high - low);
                (u / (1.0 - u)).ln()
            }
        }
    }

    pub fn to_parameter(self, theta: f64) -> f64 {
        match self {
            Scale::Log => theta.exp(),
            Scale::Bounded { low, high } => low + (high - low) / (1.0 + (-theta).exp()),
        }
    }

    /// d p / d theta at theta.
    pub fn derivative(self, theta: f64) -> f64 {
        match self {
            Scale::Log => theta.exp(),
            Scale::Bounded { low, high } => {
                let s = 1.0 / (1.0 + (-theta).exp());
                (high - low) * s * (1.0 - s)
            }
        }
    }

    /// Whether `p` sits at a bound (within 1e-6 of the range).
    pub fn at_bound(self, p: f64) -> bool {
        match self {
            Scale::Log => false,
            Scale::Bounded { low, high } => {
                let margin = 1e-6 * (high - low);
                p < low + margin || p > high - margin
            }
        }
    }
}

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchSettings {
    pub max_iterations: u32,
    /// Relative change of -2LL that counts as converged.
    pub tolerance: f64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            max_iterations: 300,
            tolerance: 1e-9,
        }
    }
}

/// A point of the search: objective, gradient and curvature at theta.
struct Evaluation {
    objective: f64,
    gradient: DVector<f64>,
    curvature: DMatrix<f64>,
    predictions: Vec<f64>,
}

impl Evaluation {
    /// The evaluation as a search that keeps coordinate `held` fixed sees it: no gradient
    /// along it, and a unit row and column of curvature (so every step leaves it unchanged).
    fn holding(mut self, held: Option<usize>) -> Evaluation {
        if let Some(k) = held {
            self.gradient[k] = 0.0;
            self.curvature.row_mut(k).fill(0.0);
            self.curvature.column_mut(k).fill(0.0);
            self.curvature[(k, k)] = 1.0;
        }
        self
    }
}

/// The problem: data, error model, scales of the model parameters. theta = [model parameters
/// on their scales..., ln sigma...].
pub struct Problem<'a> {
    pub predictor: &'a dyn Predictor,
    pub data: &'a [Option<Datum>],
    pub error: ErrorModel,
    pub scales: &'a [Scale],
}

impl Problem<'_> {
    pub fn parameters(&self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let k = self.scales.len();
        let model = self
            .scales
            .iter()
            .zip(theta)
            .map(|(s, &t)| s.to_parameter(t))
            .collect();
        (model, theta[k..].iter().map(|t| t.exp()).collect())
    }

    fn evaluate(&self, theta: &[f64]) -> Result<Evaluation, Diagnostic> {
        let (parameters, sigma) = self.parameters(theta);
        let k = self.scales.len();
        let m = theta.len();
        let prediction = self.predictor.predict(&parameters)?;
        let mut objective = 0.0;
        let mut gradient = DVector::zeros(m);
        let mut curvature = DMatrix::zeros(m, m);
        let chain: Vec<f64> = self
            .scales
            .iter()
            .zip(theta)
            .map(|(s, &t)| s.derivative(t))
            .collect();
        for (datum, (&f, row)) in self
            .data
            .iter()
            .zip(prediction.values.iter().zip(&prediction.jacobian))
        {
            let Some(datum) = datum else { continue };
            let (value, d_f, d_sigma) = contribution(datum, f, self.error, &sigma);
            if !value.is_finite() {
                return Err(Diagnostic::new(format!(
                    "the likelihood is not finite at prediction {f}"
                )));
            }
            objective += value;
            let mut g = DVector::zeros(m);
            for j in 0..k {
                g[j] = d_f * row[j] * chain[j];
            }
            for (j, d) in d_sigma.iter().enumerate().take(m - k) {
                g[k + j] = d * sigma[j];
            }
            gradient += &g;
            if datum.censored {
                // Outer product of the gradient (BHHH) for -2LL: half of g g'.
                curvature += 0.5 * &g * g.transpose();
            } else {
                // Fisher information of a normal observation, in -2LL units:
                // 2/sd^2 (d mean)(d mean)' + 4/sd^2 (d sd)(d sd)'.
                let scaled = self.error.scale(f);
                let to_scale = if self.error == ErrorModel::LogAdditive {
                    1.0 / f
                } else {
                    1.0
                };
                let (sd, sd_f, sd_sigma) = self.error.sd(scaled, &sigma);
                let mut d_mean = DVector::zeros(m);
                let mut d_sd = DVector::zeros(m);
                for j in 0..k {
                    d_mean[j] = row[j] * chain[j] * to_scale;
                    d_sd[j] = sd_f * d_mean[j];
                }
                for (j, d) in sd_sigma.iter().enumerate().take(m - k) {
                    d_sd[k + j] = d * sigma[j];
                }
                curvature += (2.0 / (sd * sd)) * &d_mean * d_mean.transpose()
                    + (4.0 / (sd * sd)) * &d_sd * d_sd.transpose();
            }
        }
        Ok(Evaluation {
            objective,
            gradient,
            curvature,
            predictions: prediction.values,
        })
    }

    /// The -2LL gradient alone (for the observed information).
    fn gradient(&self, theta: &[f64]) -> Result<DVector<f64>, Diagnostic> {
        self.evaluate(theta).map(|e| e.gradient)
    }
}

/// Where a search ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub theta: Vec<f64>,
    pub objective: f64,
    pub predictions: Vec<f64>,
    pub converged: bool,
    pub reason: String,
    pub iterations: u32,
    pub evaluations: u32,
}

/// Levenberg-Marquardt from `start`.
pub fn search(
    problem: &Problem,
    start: &[f64],
    settings: SearchSettings,
) -> Result<SearchResult, Diagnostic> {
    search_holding(problem, start, None, settings)
}

/// Levenberg-Marquardt from `start` with coordinate `held` (if any) kept at its start: the
/// other coordinates are searched (a profile likelihood's inner fit).
pub fn search_holding(
    problem: &Problem,
    start: &[f64],
    held: Option<usize>,
    settings: SearchSettings,
) -> Result<SearchResult, Diagnostic> {
    let evaluate = |theta: &[f64]| problem.evaluate(theta).map(|e| e.holding(held));
    let mut theta = start.to_vec();
    let mut current = evaluate(&theta)?;
    let mut evaluations = 1;
    let mut damping = 1e-3;
    for iteration in 1..=settings.max_iterations {
        let diagonal = DMatrix::from_diagonal(&current.curvature.diagonal().map(|d| d.max(1e-12)));
        let mut accepted = None;
        while damping < 1e12 {
            let system = &current.curvature + damping * &diagonal;
            let Some(step) = system.lu().solve(&(-&current.gradient)) else {
                damping *= 10.0;
                continue;
            };
            let trial: Vec<f64> = theta.iter().zip(step.iter()).map(|(t, s)| t + s).collect();
            evaluations += 1;
            match evaluate(&trial) {
                Ok(next) if next.objective <= current.objective => {
                    accepted = Some((trial, next, step));
                    break;
                }
                _ => damping *= 4.0,
            }
        }
        let Some((trial, next, step)) = accepted else {
            let small_gradient = current.gradient.amax() < 1e-4;
            return Ok(SearchResult {
                theta,
                objective: current.objective,
                predictions: current.predictions,
                converged: small_gradient,
                reason: if small_gradient {
                    "no further decrease possible at a stationary point".into()
                } else {
                    "no step decreases the objective (flat or non-smooth likelihood)".into()
                },
                iterations: iteration,
                evaluations,
            });
        };
        let change = current.objective - next.objective;
        theta = trial;
        current = next;
        damping = (damping / 3.0).max(1e-9);
        if change <= settings.tolerance * (1.0 + current.objective.abs())
            && step.amax() < 1e-7 * (1.0 + theta.iter().fold(0.0f64, |a, t| a.max(t.abs())))
        {
            return Ok(SearchResult {
                theta,
                objective: current.objective,
                predictions: current.predictions,
                converged: true,
                reason: "relative change of -2LL below tolerance".into(),
                iterations: iteration,
                evaluations,
            });
        }
    }
    Ok(SearchResult {
        theta,
        objective: current.objective,
        predictions: current.predictions,
        converged: false,
        reason: format!("iteration limit ({}) reached", settings.max_iterations),
        iterations: settings.max_iterations,
        evaluations,
    })
}

/// The covariance of theta: 2 H^-1 with H the Hessian of -2LL by central differences of the
/// exact gradient (step 1e-4 on theta, a log or logit scale). `None` when H is not positive
/// definite (the information matrix is singular or the point is not a minimum).
pub fn covariance(problem: &Problem, theta: &[f64]) -> Result<Option<DMatrix<f64>>, Diagnostic> {
    let m = theta.len();
    let h = 1e-4;
    let mut hessian = DMatrix::zeros(m, m);
    for k in 0..m {
        let mut up = theta.to_vec();
        let mut down = theta.to_vec();
        up[k] += h;
        down[k] -= h;
        let column = (problem.gradient(&up)? - problem.gradient(&down)?) / (2.0 * h);
        hessian.set_column(k, &column);
    }
    let symmetric = 0.5 * (&hessian + hessian.transpose());
    Ok(symmetric.cholesky().map(|c| 2.0 * c.inverse()))
}
