//! Population estimation (nonlinear mixed effects) by FOCE with interaction or SAEM: typical
//! values, a log-normal (or logit-normal, within bounds) variability matrix and the residual
//! error (and a mixture's second class), from every subject at once; each subject's random
//! effects at their mode by the individual machinery and its sensitivities, subjects in
//! parallel; standard errors from the inverse Hessian or the sandwich of the FOCE-I objective.

mod conditional;
mod covariance;
mod diagnose;
mod gradient;
mod mixture;
mod npde;
mod objective;
mod omega;
mod outer;
mod predictive_check;
mod results;
mod saem;
mod vpc;

pub use conditional::{Conditional, PopulationParameters};
pub use covariance::Covariance;
pub use mixture::{Membership, Mixture, SecondClass};
pub use npde::{Npde, NpdeSummary, decorrelated_npde, npde};
pub use omega::{OmegaStructure, log_normal_cv_percent};
pub use predictive_check::{Bin, PredictiveCheck, prediction_corrected_check, predictive_check};
pub use results::{
    EstimateKind, PopulationEstimate, PopulationFit, PopulationResidual, StandardErrors,
    SubjectEstimate,
};
pub use saem::{ImportanceEstimate, SaemReport, SaemSettings};
pub use vpc::{FittedPopulation, simulate_replicates};

use super::likelihood::{BlqMethod, ErrorModel, prepare};
use super::subjects::predictor;
use super::{Gradient, Scale, fitted_curve, likelihood_data};
use crate::data::{DataSubject, plan_subject};
use crate::model::Model;
use crate::simulate::RunTemplate;
use crate::trajectory::Trajectory;
use nalgebra::{DMatrix, DVector};
use objective::{Objective, Subject};
use outer::hessian;
pub use outer::{Minimum, Surface, minimize};

/// What a population fit estimates and from where it starts.
pub struct PopulationRequest<'a> {
    pub model: &'a Model,
    /// Model parameters with a typical value estimated (fixed effects), and their scales.
    pub estimated: Vec<usize>,
    pub scales: Vec<Scale>,
    /// For each random effect, the estimated parameter (index into `estimated`) it acts on.
    pub random: Vec<usize>,
    pub structure: OmegaStructure,
    /// Initial SDs of the random effects (on the estimation scale).
    pub initial_omega: Vec<f64>,
    /// As for individual fits: parameters (the estimated ones are the initial typical values),
    /// solver, tolerances; each subject's plan comes from it with its doses and covariates.
    pub template: RunTemplate,
    pub initial_sigma: Vec<f64>,
    pub error: ErrorModel,
    pub blq: BlqMethod,
    pub gradient: Gradient<'a>,
    /// Outer iterations of FOCE-I's search.
    pub max_iterations: u32,
    pub method: PopulationMethod,
    /// Which covariance gives the standard errors.
    pub covariance: Covariance,
    /// A second class of subjects with other typical values (FOCE-I only).
    pub mixture: Option<Mixture>,
}

/// How the population parameters are estimated; either way the standard errors come from
/// the FOCE-I objective at the estimates (its Hessian, and for the sandwich its per-subject
/// gradients).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PopulationMethod {
    /// FOCE-I: the objective's minimum by BFGS.
    Focei,
    /// SAEM, then -2LL by importance sampling.
    Saem(SaemSettings),
}

/// Fits the population model to every subject of a dataset (all must be usable: a subject
/// without observations or with resets is an error naming it).
pub fn fit_population(
    request: &PopulationRequest,
    subjects: &[DataSubject],
) -> Result<PopulationFit, String> {
    let prepared = subjects
        .iter()
        .map(|subject| prepare_subject(request, subject))
        .collect::<Result<Vec<_>, _>>()?;
    let q = request.random.len();
    let mut objective = Objective {
        request,
        subjects: prepared,
        modes: vec![DVector::zeros(q); subjects.len()],
        second_modes: vec![DVector::zeros(q); subjects.len()],
    };
    let start = initial_psi(request)?;
    let (minimum, saem) = match request.method {
        PopulationMethod::Focei => {
            let minimum = minimize(&mut objective, &start, 1e-9, request.max_iterations)?;
            (minimum, None)
        }
        PopulationMethod::Saem(settings) => {
            let (minimum, outcome) = estimate_by_saem(&mut objective, &start, &settings)?;
            (minimum, Some((settings, outcome)))
        }
    };
    let (value, point) = objective.evaluate(&minimum.psi)?;
    objective.accept(point.clone());
    let (mut evaluations, mut gradients) = (minimum.evaluations + 1, minimum.gradients);
    let psi = &minimum.psi;
    let curvature = hessian(&objective, psi, value, &mut evaluations, &mut gradients)?;
    let subject_gradients = request.covariance.needs_gradients().then(|| {
        if objective.analytic_gradient() {
            gradients += 1;
            return objective.subject_gradients(psi, &point);
        }
        let objectives = |psi: &[f64]| objective.subject_objectives(psi);
        covariance::subject_gradients(objectives, psi, &mut evaluations)
    });
    let covariances = covariance::covariances(request.covariance, &curvature, subject_gradients);
    let unpacked = objective.unpack(&minimum.psi);
    let mut fit = results::assemble(results::Inputs {
        request,
        subjects: objective
            .subjects
            .iter()
            .map(|s| (s.source, &s.predictor, &s.data))
            .collect(),
        conditionals: point,
        psi: &minimum.psi,
        typical: &unpacked.typical,
        omega: &unpacked.omega,
        sigma: &unpacked.sigma,
        second: unpacked.second.as_ref(),
        objective: value,
        hessian: &curvature,
        covariances: &covariances,
        minimum: &minimum,
        evaluations,
        gradients,
        analytic_gradient: objective.analytic_gradient(),
    })?;
    if let Some((settings, outcome)) = saem {
        let importance = saem::importance_log_likelihood(
            &objective,
            &minimum.psi,
            &outcome.conditional,
            settings.importance_samples,
            settings.seed,
        )?;
        fit.set_minus_2_log_likelihood(importance.minus_2_log_likelihood, minimum.psi.len());
        fit.saem = Some(SaemReport {
            settings,
            chains: outcome.chains,
            simulations: outcome.simulations,
            importance,
            focei_minus_2_log_likelihood: value,
            history: (outcome.history.iter())
                .map(|psi| results::reported(request, psi))
                .collect(),
        });
    }
    Ok(fit)
}

/// SAEM from `start`, leaving each subject's conditional mean as the warm start of its mode.
fn estimate_by_saem(
    objective: &mut Objective,
    start: &[f64],
    settings: &SaemSettings,
) -> Result<(Minimum, saem::SaemOutcome), String> {
    let request = objective.request;
    if request.mixture.is_some() {
        return Err("a mixture is estimated by FOCE-I only: use `--method focei`".into());
    }
    let outcome = saem::saem(objective, start, settings)?;
    objective.modes = outcome.conditional.iter().map(|c| c.0.clone()).collect();
    let minimum = Minimum {
        psi: outcome.psi.clone(),
        converged: true,
        reason: format!(
            "SAEM ran its {} exploration and {} smoothing iterations",
            settings.exploration, settings.smoothing
        ),
        iterations: settings.exploration + settings.smoothing,
        evaluations: 0,
        gradients: 0,
    };
    Ok((minimum, outcome))
}

fn prepare_subject<'a>(
    request: &'a PopulationRequest,
    subject: &'a DataSubject,
) -> Result<Subject<'a>, String> {
    let (model, template) = (request.model, &request.template);
    let predictor = predictor(
        model,
        template,
        &request.estimated,
        request.gradient,
        subject,
    )
    .map_err(|d| format!("ID {}: {}", subject.id, d.one_line()))?;
    let data = likelihood_data(subject);
    Ok(Subject {
        source: subject,
        predictor,
        data: prepare(&data, request.blq),
    })
}

fn initial_psi(request: &PopulationRequest) -> Result<Vec<f64>, String> {
    let mut psi: Vec<f64> = request
        .estimated
        .iter()
        .zip(&request.scales)
        .map(|(&index, scale)| scale.to_theta(request.template.parameters[index]))
        .collect();
    let variances: Vec<f64> = request.initial_omega.iter().map(|w| w * w).collect();
    let omega = DMatrix::from_diagonal(&DVector::from_vec(variances));
    psi.extend(
        request
            .structure
            .values(&omega)
            .ok_or("the initial variability must be positive")?,
    );
    psi.extend(request.initial_sigma.iter().map(|s| s.ln()));
    if let Some(mixture) = &request.mixture {
        psi.extend(mixture.initial_psi(&request.scales));
    }
    if psi.iter().all(|v| v.is_finite()) {
        Ok(psi)
    } else {
        Err("an initial value is outside its scale (a typical value must be positive, or inside its bounds)".into())
    }
}

/// Each subject's individual prediction curve (IPRED): its plan with the estimated parameters
/// at its empirical Bayes estimates, solved on a dense grid; `subjects` in the fit's order.
pub fn individual_curves(
    request: &PopulationRequest,
    fit: &PopulationFit,
    subjects: &[DataSubject],
) -> Result<Vec<Trajectory>, String> {
    (fit.subjects.iter().zip(subjects))
        .map(|(subject, data)| {
            let mut plan = plan_subject(&request.template, data)
                .map_err(|e| format!("ID {}: {}", data.id, e.message))?;
            for (&index, &value) in request.estimated.iter().zip(&subject.parameters) {
                plan.parameters[index] = value;
            }
            let parameters = plan.parameters.clone();
            fitted_curve(request.model, &plan, parameters)
                .map_err(|e| format!("ID {}: {e}", subject.id))
        })
        .collect()
}
