//! What a population fit reports: estimates with standard errors from the covariance asked for
//! (inverse Hessian or sandwich; delta method to the reported scale), variability as SD and
//! CV%, shrinkage, -2LL, AIC, BIC; per subject the empirical Bayes estimates, and per
//! observation PRED, IPRED, IWRES and the FOCE conditional weighted residuals (CWRES).

use super::conditional::Conditional;
use super::covariance::{Covariance, Covariances};
use super::diagnose::{Evidence, diagnose};
use super::omega::log_normal_cv_percent;
use super::outer::Minimum;
use super::saem::SaemReport;
use super::{PopulationRequest, SecondClass};
use crate::data::{DataSubject, Observation};
use crate::fit::likelihood::Datum;
use crate::fit::{Scale, SimulatedSubject, correlation_matrix};
use crate::metrics::summary::NORMAL_QUANTILE_975;
use nalgebra::{DMatrix, DVector};
use subjects::subject_estimate;

mod reported;
mod subjects;

use reported::identity;
pub(super) use reported::reported;

/// What an estimate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateKind {
    Typical,
    /// SD of a random effect on its parameter's estimation scale.
    Omega,
    /// Correlation of two random effects in a block.
    Correlation,
    Sigma,
    /// The fraction of the first class of a mixture.
    Fraction,
}

/// One population estimate on its reported scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationEstimate {
    pub name: String,
    pub kind: EstimateKind,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub value: f64,
    /// From the fit's covariance (the inverse Hessian of the objective, or the sandwich) by
    /// the delta method; NaN when that matrix is not positive definite.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub se: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub rse_percent: f64,
    /// 95% interval, symmetric on the estimation scale (log, logit, or natural for
    /// correlations).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub low: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub high: f64,
    /// CV% of a log-normal parameter (omega of a log-scale parameter), else NaN.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub cv_percent: f64,
    /// eta-shrinkage% of a random effect, else NaN.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub shrinkage_percent: f64,
    /// Each method's standard error, with `Covariance::Both` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_errors: Option<StandardErrors>,
}

/// One estimate's standard error by each covariance (NaN where that matrix is missing).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StandardErrors {
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub hessian: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub sandwich: f64,
}

/// One observation's predictions and residuals.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationResidual {
    pub observation: Observation,
    /// The typical subject's prediction (random effects 0).
    pub pred: f64,
    /// At the subject's empirical Bayes estimates.
    pub ipred: f64,
    pub iwres: f64,
    /// NaN for BLQ observations and those the likelihood leaves out.
    pub cwres: f64,
}

/// One subject's empirical Bayes estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectEstimate {
    pub id: String,
    pub eta: Vec<f64>,
    /// The estimated parameters at the random effects (natural scale).
    pub parameters: Vec<f64>,
    /// Its contribution to -2LL.
    pub objective: f64,
    pub residuals: Vec<PopulationResidual>,
    /// Whether the search for its random effects' mode ended on a small step (not at its
    /// iteration limit).
    pub mode_converged: bool,
    /// In a mixture, the posterior probability of the first class (the estimates above are
    /// those of the more probable class).
    pub first_class_probability: Option<f64>,
}

/// The result of a population fit.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationFit {
    pub estimates: Vec<PopulationEstimate>,
    /// Omega on the estimation scale, row-major.
    pub omega: Vec<f64>,
    /// Correlations of the unconstrained estimates, row-major (NaN when singular).
    pub correlation: Vec<f64>,
    /// -2 log-likelihood, constants included (NONMEM's OFV omits N ln 2 pi).
    pub minus_2_log_likelihood: f64,
    pub aic: f64,
    pub bic: f64,
    pub observations: usize,
    pub converged: bool,
    pub status: String,
    /// Which covariance gave the standard errors.
    pub covariance: Covariance,
    pub iterations: u32,
    pub evaluations: u32,
    /// Evaluations of the analytic gradient of the objective (all subjects).
    pub gradient_evaluations: u32,
    /// Whether the outer search had the analytic gradient (otherwise central differences).
    pub analytic_gradient: bool,
    pub subjects: Vec<SubjectEstimate>,
    /// Typical values on the natural scale, Omega's SDs and sigma, for simulating from the fit.
    pub typical: Vec<f64>,
    pub sigma: Vec<f64>,
    /// What SAEM reports (None for FOCE-I).
    pub saem: Option<SaemReport>,
    /// A mixture's second class (typical values on the estimation scales) and the first
    /// class's fraction, for simulating from the fit.
    pub second_class: Option<SecondClass>,
}

impl PopulationFit {
    /// How the objective's gradient was had, in words.
    pub fn outer_gradient(&self) -> &'static str {
        if self.analytic_gradient {
            "analytic"
        } else {
            "central differences"
        }
    }

    /// Replaces -2LL (and AIC, BIC) by another estimate of it at the same `parameters`
    /// estimated values.
    pub(super) fn set_minus_2_log_likelihood(&mut self, value: f64, parameters: usize) {
        let count = parameters as f64;
        self.minus_2_log_likelihood = value;
        self.aic = value + 2.0 * count;
        self.bic = value + count * (self.observations as f64).ln();
    }
}

pub(super) struct Inputs<'a> {
    pub request: &'a PopulationRequest<'a>,
    pub subjects: Vec<(
        &'a DataSubject,
        &'a SimulatedSubject<'a>,
        &'a Vec<Option<Datum>>,
    )>,
    pub conditionals: Vec<Conditional>,
    pub psi: &'a [f64],
    pub typical: &'a [f64],
    pub omega: &'a DMatrix<f64>,
    pub sigma: &'a [f64],
    /// A mixture's second class.
    pub second: Option<&'a SecondClass>,
    pub objective: f64,
    pub hessian: &'a DMatrix<f64>,
    pub covariances: &'a Covariances,
    pub minimum: &'a Minimum,
    pub evaluations: u32,
    pub gradients: u32,
    pub analytic_gradient: bool,
}

/// The fit's report from its minimum: estimates with standard errors, per-subject results,
/// -2LL, AIC, BIC and a status saying what to trust.
pub(super) fn assemble(inputs: Inputs) -> Result<PopulationFit, String> {
    let request = inputs.request;
    let names: Vec<String> = request
        .estimated
        .iter()
        .map(|&i| request.model.parameters[i].name.clone())
        .collect();
    let n = inputs.psi.len();
    let covariances = inputs.covariances;
    let values = reported(request, inputs.psi);
    let estimates = population_estimates(&inputs, &names, &values);
    let correlation = correlation_matrix(covariances.primary(), n);
    let subjects = inputs
        .subjects
        .iter()
        .zip(&inputs.conditionals)
        .map(|(&(source, predictor, data), conditional)| {
            subject_estimate(&inputs, source, predictor, data, conditional)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let observations = inputs
        .subjects
        .iter()
        .map(|s| s.2.iter().flatten().count())
        .sum::<usize>();
    let count = n as f64;
    let has_hessian = covariances.hessian.is_some();
    let status = fit_status(&inputs, &names, &estimates, has_hessian);
    Ok(PopulationFit {
        converged: inputs.minimum.converged && has_hessian && !status.contains("at a bound"),
        status,
        covariance: covariances.method,
        omega: inputs.omega.iter().copied().collect::<Vec<_>>(),
        correlation,
        minus_2_log_likelihood: inputs.objective,
        aic: inputs.objective + 2.0 * count,
        bic: inputs.objective + count * (observations as f64).ln(),
        observations,
        iterations: inputs.minimum.iterations,
        evaluations: inputs.evaluations,
        gradient_evaluations: inputs.gradients,
        analytic_gradient: inputs.analytic_gradient,
        subjects,
        typical: values[..names.len()].to_vec(),
        sigma: inputs.sigma.to_vec(),
        estimates,
        saem: None,
        second_class: inputs.second.cloned(),
    })
}

/// Every reported value with its standard error (delta method through `reported`), 95%
/// interval, and for random effects CV% and shrinkage.
fn population_estimates(
    inputs: &Inputs,
    names: &[String],
    values: &[f64],
) -> Vec<PopulationEstimate> {
    let request = inputs.request;
    let n = inputs.psi.len();
    let jacobian = DMatrix::from_fn(values.len(), n, |row, column| {
        let step = 1e-6;
        let mut up = inputs.psi.to_vec();
        let mut down = inputs.psi.to_vec();
        up[column] += step;
        down[column] -= step;
        (reported(request, &up)[row] - reported(request, &down)[row]) / (2.0 * step)
    });
    let standard_errors = |covariance: Option<&DMatrix<f64>>| -> Vec<f64> {
        let reported = covariance.map(|c| &jacobian * c * jacobian.transpose());
        (0..values.len())
            .map(|k| reported.as_ref().map_or(f64::NAN, |c| c[(k, k)].sqrt()))
            .collect()
    };
    let covariances = inputs.covariances;
    let primary = standard_errors(covariances.primary());
    let both: Option<Vec<StandardErrors>> = (covariances.method == Covariance::Both).then(|| {
        let hessian = standard_errors(covariances.hessian.as_ref());
        let sandwich = standard_errors(covariances.sandwich.as_ref());
        let pairs = hessian.into_iter().zip(sandwich);
        (pairs.map(|(hessian, sandwich)| StandardErrors { hessian, sandwich })).collect()
    });
    let etas: Vec<&DVector<f64>> = inputs.conditionals.iter().map(|c| &c.eta).collect();
    let mut estimates = Vec::with_capacity(values.len());
    let m = names.len();
    for (k, &value) in values.iter().enumerate() {
        let se = primary[k];
        let (name, kind, scale) = identity(request, names, k);
        let theta = scale.to_theta(value);
        let theta_se = se / scale.derivative(theta).abs();
        let (cv_percent, shrinkage_percent) = if kind == EstimateKind::Omega {
            let effect = k - m;
            let log_scale = request.scales[request.random[effect]] == Scale::Log;
            (
                if log_scale {
                    log_normal_cv_percent(value)
                } else {
                    f64::NAN
                },
                100.0 * (1.0 - sample_sd(etas.iter().map(|e| e[effect])) / value),
            )
        } else {
            (f64::NAN, f64::NAN)
        };
        estimates.push(PopulationEstimate {
            name,
            kind,
            value,
            se,
            rse_percent: 100.0 * se / value.abs(),
            low: scale.to_parameter(theta - NORMAL_QUANTILE_975 * theta_se),
            high: scale.to_parameter(theta + NORMAL_QUANTILE_975 * theta_se),
            cv_percent,
            shrinkage_percent,
            standard_errors: both.as_ref().map(|b| b[k]),
        });
    }
    estimates
}

/// The search's stopping reason, then: a covariance that could not be computed, typical
/// values at a bound, and when the fit is not trusted, a diagnosis of why.
fn fit_status(
    inputs: &Inputs,
    names: &[String],
    estimates: &[PopulationEstimate],
    has_hessian: bool,
) -> String {
    let request = inputs.request;
    let mut status = inputs.minimum.reason.clone();
    status.push_str(&inputs.covariances.problems);
    for estimate in estimates.iter().filter(|e| e.kind == EstimateKind::Typical) {
        let k = names.iter().position(|n| *n == estimate.name).unwrap_or(0);
        if request.scales[k].at_bound(estimate.value) {
            status.push_str(&format!("; `{}` is at a bound", estimate.name));
        }
    }
    if !(inputs.minimum.converged && has_hessian) {
        let unconverged_modes: Vec<String> = (inputs.subjects.iter().zip(&inputs.conditionals))
            .filter(|(_, c)| !c.converged)
            .map(|(s, _)| s.0.id.clone())
            .collect();
        let psi_names: Vec<String> = estimates.iter().map(|e| e.name.clone()).collect();
        let diagnosis = diagnose(&Evidence {
            names: &psi_names,
            hessian: inputs.hessian,
            unconverged_modes: &unconverged_modes,
            rtol: request.template.solver.rtol,
        });
        status.push_str(&format!("; {diagnosis}"));
    }
    status
}

fn sample_sd(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}
