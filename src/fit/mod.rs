//! Fitting models to observed data: the likelihood (residual error models, BLQ handling), the
//! per-subject maximum-likelihood estimator, and its results (estimates, standard errors,
//! intervals, correlations, -2LL, AIC, BIC, convergence).

mod estimate;
pub mod likelihood;
pub mod population;
mod predict;
mod profile;
mod setup;
mod starts;
mod subjects;
pub use setup::{estimated_indices, initial_sigma, refuse_time_varying, sensitivity_or_fallback};

use crate::diag::Diagnostic;
use crate::metrics::summary::NORMAL_QUANTILE_975;
pub use estimate::{Prediction, Predictor, Problem, Scale, SearchResult, SearchSettings};
use estimate::{covariance, search};
use likelihood::{BlqMethod, Datum, ErrorModel, prepare};
pub use predict::{Gradient, ObservedPoint, SimulatedSubject};
pub use profile::Intervals;
use profile::profile_intervals;
use starts::start_points;
pub use starts::{DEFAULT_STARTS, OtherOptimum, Starts};
pub use subjects::{
    FitRequest, FittedSubject, Residual, SubjectFit, fit_subjects, fitted_curve, likelihood_data,
    scales_for, weighted_residual,
};

/// The 97.5% quantile of Student's t with `degrees` degrees of freedom, by the Cornish-Fisher
/// expansion of Abramowitz & Stegun 26.7.5 (error below 1e-3 for 3 or more degrees, exact in
/// the limit); below 3 degrees of freedom the interval is not informative and this gives the
/// exact values 12.706 (1) and 4.303 (2).
pub fn t_quantile_975(degrees: usize) -> f64 {
    match degrees {
        0 => f64::INFINITY,
        1 => 12.706204736174705,
        2 => 4.302652729749464,
        _ => {
            let (z, n) = (NORMAL_QUANTILE_975, degrees as f64);
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * n)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n.powi(3))
        }
    }
}

/// The correlation matrix (row-major, `size` x `size`) of a covariance matrix; all NaN when
/// there is none (a singular information matrix or Hessian).
pub fn correlation_matrix(covariance: Option<&nalgebra::DMatrix<f64>>, size: usize) -> Vec<f64> {
    match covariance {
        Some(c) => (0..size * size)
            .map(|i| {
                let (r, s) = (i / size, i % size);
                c[(r, s)] / (c[(r, r)] * c[(s, s)]).sqrt()
            })
            .collect(),
        None => vec![f64::NAN; size * size],
    }
}

/// One estimated quantity on the natural scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    pub name: String,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub value: f64,
    /// Standard error (delta method from the transformed scale); NaN when the information
    /// matrix is singular.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub se: f64,
    /// 100 SE / |value|.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub rse_percent: f64,
    /// 95% interval: Wald, symmetric on the estimation scale (log or logit), so asymmetric
    /// here; or the profile-likelihood ends (`Intervals::Profile`; an open end is the bound of
    /// a bounded parameter, NaN otherwise).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub low: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub high: f64,
    pub at_bound: bool,
}

/// The fit of one subject.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndividualFit {
    /// Model parameters then residual error parameters.
    pub estimates: Vec<Estimate>,
    /// Correlations of the estimates on the estimation scale, row-major.
    #[serde(deserialize_with = "crate::record::fit::numbers")]
    pub correlation: Vec<f64>,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub minus_2_log_likelihood: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub aic: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub bic: f64,
    /// Observations entering the likelihood.
    pub observations: usize,
    pub converged: bool,
    /// Why the search stopped, and any problem with the result (singular information matrix,
    /// a parameter at a bound).
    pub status: String,
    pub iterations: u32,
    pub evaluations: u32,
    /// Predictions at every observation (BLQ ones included) at the estimates.
    #[serde(deserialize_with = "crate::record::fit::numbers")]
    pub predictions: Vec<f64>,
    /// How the searches from the several starts ended.
    pub starts: Starts,
    /// Profile-likelihood ends that are open or were not refined (also in `status`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interval_notes: Vec<String>,
}

/// What to estimate and how.
#[derive(Debug, Clone)]
pub struct FitSettings {
    pub error: ErrorModel,
    pub blq: BlqMethod,
    /// Searches: from the initial values, then from the points of `starts::start_points`
    /// (`seed` for those beyond its design); the best end point wins.
    pub starts: usize,
    pub seed: u64,
    pub search: SearchSettings,
    /// Wald intervals, or profile-likelihood ones (each inner fit with `search`).
    pub intervals: Intervals,
}

/// Fits one subject: `names` and `scales` of the estimated model parameters, their initial
/// values, initial residual SDs, and the data (every observation, in predictor order).
pub fn fit_subject(
    predictor: &dyn Predictor,
    names: &[String],
    scales: &[Scale],
    initial: &[f64],
    initial_sigma: &[f64],
    data: &[Datum],
    settings: &FitSettings,
) -> Result<IndividualFit, Diagnostic> {
    let used = prepare(data, settings.blq);
    let observations = used.iter().filter(|d| d.is_some()).count();
    let problem = Problem {
        predictor,
        data: &used,
        error: settings.error,
        scales,
    };
    let (ends, last_error) = search_every_start(&problem, initial, initial_sigma, settings);
    let starts = Starts::summarize(settings.starts.max(1), &ends, &|theta| {
        problem.parameters(theta).0
    });
    let best = (ends.into_iter())
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
        .ok_or_else(|| Diagnostic {
            message: format!("every start failed; the last: {}", last_error.message),
            ..last_error
        })?;
    let (parameters, sigma) = problem.parameters(&best.theta);
    let covariance = covariance(&problem, &best.theta)?;
    let m = best.theta.len();
    let quantile = t_quantile_975(observations.saturating_sub(m));
    let values: Vec<f64> = parameters.iter().chain(&sigma).copied().collect();
    let mut estimates = individual_estimates(
        &problem,
        names,
        &best.theta,
        &values,
        covariance.as_ref(),
        quantile,
    );
    let interval_notes = match settings.intervals {
        Intervals::Wald => Vec::new(),
        Intervals::Profile => with_profiles(
            &problem,
            &best,
            covariance.as_ref(),
            settings,
            &mut estimates,
        ),
    };
    let correlation = correlation_matrix(covariance.as_ref(), m);
    let mut status = individual_status(&best, covariance.is_some(), &estimates, &starts, names);
    for note in &interval_notes {
        status.push_str(&format!("; {note}"));
    }
    let k = m as f64;
    let predictions = predictor.predict(&parameters)?.values;
    Ok(IndividualFit {
        correlation,
        minus_2_log_likelihood: best.objective,
        aic: best.objective + 2.0 * k,
        bic: best.objective + k * (observations as f64).ln(),
        observations,
        converged: best.converged && covariance.is_some() && estimates.iter().all(|e| !e.at_bound),
        status,
        iterations: best.iterations,
        evaluations: best.evaluations,
        estimates,
        predictions,
        starts,
        interval_notes,
    })
}

/// Replaces the intervals of `estimates` (at the `best` search's end) by profile-likelihood
/// ones; what to say about open or unrefined ends.
fn with_profiles(
    problem: &Problem,
    best: &SearchResult,
    covariance: Option<&nalgebra::DMatrix<f64>>,
    settings: &FitSettings,
    estimates: &mut [Estimate],
) -> Vec<String> {
    let theta_se: Vec<f64> = (0..best.theta.len())
        .map(|k| covariance.map_or(f64::NAN, |c| c[(k, k)].sqrt()))
        .collect();
    let names: Vec<String> = estimates.iter().map(|e| e.name.clone()).collect();
    let profiles = profile_intervals(
        problem,
        &names,
        &best.theta,
        best.objective,
        &theta_se,
        settings.search,
    );
    for (estimate, [low, high]) in estimates.iter_mut().zip(profiles.ends) {
        (estimate.low, estimate.high) = (low, high);
    }
    profiles.notes
}

/// Searches from the initial values and every other start point: the ends reached, and the
/// message of the last search that failed.
fn search_every_start(
    problem: &Problem,
    initial: &[f64],
    initial_sigma: &[f64],
    settings: &FitSettings,
) -> (Vec<SearchResult>, Diagnostic) {
    let scales = problem.scales;
    let start: Vec<f64> = scales
        .iter()
        .zip(initial)
        .map(|(s, &p)| s.to_theta(p))
        .chain(initial_sigma.iter().map(|s| s.ln()))
        .collect();
    let mut ends: Vec<SearchResult> = Vec::new();
    let mut last_error = Diagnostic::new("no start was searched");
    for from in start_points(&start, scales.len(), settings.starts, settings.seed) {
        match search(problem, &from, settings.search) {
            Ok(result) => ends.push(result),
            Err(error) => last_error = error,
        }
    }
    (ends, last_error)
}

/// The model parameters' then the residual error parameters' estimates at `theta` (`values`
/// on the natural scale), with t-based intervals symmetric on the estimation scale.
fn individual_estimates(
    problem: &Problem,
    names: &[String],
    theta: &[f64],
    values: &[f64],
    covariance: Option<&nalgebra::DMatrix<f64>>,
    quantile: f64,
) -> Vec<Estimate> {
    let m = theta.len();
    let all_scales: Vec<Scale> = (problem.scales.iter())
        .copied()
        .chain(std::iter::repeat_n(Scale::Log, m - problem.scales.len()))
        .collect();
    let all_names: Vec<String> = names
        .iter()
        .cloned()
        .chain(
            problem
                .error
                .parameter_names()
                .iter()
                .map(|s| s.to_string()),
        )
        .collect();
    (0..m)
        .map(|k| {
            let theta_se = covariance.map_or(f64::NAN, |c| c[(k, k)].sqrt());
            let scale = all_scales[k];
            let se = scale.derivative(theta[k]).abs() * theta_se;
            Estimate {
                name: all_names[k].clone(),
                value: values[k],
                se,
                rse_percent: 100.0 * se / values[k].abs(),
                low: scale.to_parameter(theta[k] - quantile * theta_se),
                high: scale.to_parameter(theta[k] + quantile * theta_se),
                at_bound: scale.at_bound(values[k]),
            }
        })
        .collect()
}

/// The best search's stopping reason, then: a singular information matrix, estimates at a
/// bound, and starts that ended elsewhere.
fn individual_status(
    best: &SearchResult,
    has_covariance: bool,
    estimates: &[Estimate],
    starts: &Starts,
    names: &[String],
) -> String {
    let mut status = best.reason.clone();
    if !has_covariance {
        status.push_str("; the information matrix is singular (no standard errors)");
    }
    for estimate in estimates.iter().filter(|e| e.at_bound) {
        status.push_str(&format!("; `{}` is at a bound", estimate.name));
    }
    if let Some(text) = starts.disagreement(names) {
        status.push_str(&format!("; {text}"));
    }
    status
}

#[cfg(test)]
mod tests;
