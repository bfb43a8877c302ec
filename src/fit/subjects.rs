//! Fitting every subject of a dataset: one run plan per subject (its parameters with covariates,
//! its doses, output at its observation times), fits in parallel, and what is reported of each:
//! the estimates, the observations with their individual predictions and residuals, and the
//! fitted curve.

use super::likelihood::{Datum, ErrorModel};
use super::{
    FitSettings, Gradient, IndividualFit, ObservedPoint, Predictor, Scale, SimulatedSubject,
    fit_subject,
};
use crate::data::{DataSubject, Observation, plan_subject};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::simulate::{RunPlan, RunTemplate, SimError, output_times, simulate};
use crate::trajectory::Trajectory;
use rayon::prelude::*;

/// Points of the fitted curve drawn per subject.
const CURVE_POINTS: usize = 241;

/// What every subject's fit shares.
pub struct FitRequest<'a> {
    pub model: &'a Model,
    /// Indices of the estimated parameters, and the scale each is estimated on.
    pub estimated: Vec<usize>,
    pub scales: Vec<Scale>,
    /// Parameters (before covariates; the estimated ones are the starting values), start,
    /// solver and tolerances (`RunTemplate::for_data`); each subject's plan comes from it by
    /// `data::plan_subject`.
    pub template: RunTemplate,
    pub initial_sigma: Vec<f64>,
    pub settings: FitSettings,
    /// How predictions are differentiated (sensitivity equations, or finite differences for
    /// models they refuse).
    pub gradient: Gradient<'a>,
}

/// One observation as reported: the individual prediction and the individual weighted
/// residual (on the error model's scale; NaN for BLQ observations).
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub observation: Observation,
    pub prediction: f64,
    pub iwres: f64,
}

/// The outcome of one subject.
#[derive(Debug, Clone)]
pub struct SubjectFit {
    pub id: String,
    /// The fit, or why there is none (a failed simulation keeps its time, states and hint).
    pub result: Result<FittedSubject, Diagnostic>,
}

#[derive(Debug, Clone)]
pub struct FittedSubject {
    pub fit: IndividualFit,
    pub residuals: Vec<Residual>,
    /// The model at the estimates on a fine grid over the subject's span (for figures).
    pub curve: Trajectory,
}

/// Scales of the estimated parameters: logit within the model file's bounds, log otherwise.
pub fn scales_for(model: &Model, estimated: &[usize]) -> Vec<Scale> {
    estimated
        .iter()
        .map(|&index| match model.parameters[index].bounds {
            Some([low, high]) => Scale::Bounded { low, high },
            None => Scale::Log,
        })
        .collect()
}

/// Fits every subject in parallel; the order of the result is the order of `subjects`, and a
/// subject that fails does not stop the others.
pub fn fit_subjects(request: &FitRequest, subjects: &[DataSubject]) -> Vec<SubjectFit> {
    subjects
        .par_iter()
        .map(|subject| SubjectFit {
            id: subject.id.clone(),
            result: fit_one(request, subject),
        })
        .collect()
}

/// The predictor of a data subject's observations, individual or in a population fit: its
/// plan from the fit's `template`, refused when it has resets or no observations.
pub(crate) fn predictor<'a>(
    model: &'a Model,
    template: &RunTemplate,
    estimated: &[usize],
    gradient: Gradient<'a>,
    subject: &DataSubject,
) -> Result<SimulatedSubject<'a>, Diagnostic> {
    if !subject.resets.is_empty() {
        return Err(Diagnostic::new(
            "resets (EVID 3 or 4) are not supported in fits; split the ID into one ID per treatment period",
        ));
    }
    if subject.observations.is_empty() {
        return Err(Diagnostic::new(
            "no observations to fit; remove the ID from the dataset",
        ));
    }
    Ok(SimulatedSubject {
        model,
        plan: plan_subject(template, subject).map_err(|e| e.diagnostic())?,
        estimated: estimated.to_vec(),
        observations: subject
            .observations
            .iter()
            .map(ObservedPoint::from)
            .collect(),
        gradient,
    })
}

fn fit_one(request: &FitRequest, subject: &DataSubject) -> Result<FittedSubject, Diagnostic> {
    let (model, template) = (request.model, &request.template);
    let predictor = predictor(
        model,
        template,
        &request.estimated,
        request.gradient,
        subject,
    )?;
    let plan = predictor.plan.clone();
    let data = likelihood_data(subject);
    let names: Vec<String> = request
        .estimated
        .iter()
        .map(|&i| request.model.parameters[i].name.clone())
        .collect();
    let initial: Vec<f64> = request
        .estimated
        .iter()
        .map(|&i| plan.parameters[i])
        .collect();
    let fit = fit_subject(
        &predictor as &dyn Predictor,
        &names,
        &request.scales,
        &initial,
        &request.initial_sigma,
        &data,
        &request.settings,
    )?;
    let sigma: Vec<f64> = fit.estimates[names.len()..]
        .iter()
        .map(|e| e.value)
        .collect();
    let residuals = subject
        .observations
        .iter()
        .zip(&fit.predictions)
        .map(|(observation, &prediction)| Residual {
            observation: observation.clone(),
            prediction,
            iwres: if observation.censored {
                f64::NAN
            } else {
                weighted_residual(
                    request.settings.error,
                    observation.value,
                    prediction,
                    &sigma,
                )
            },
        })
        .collect();
    let mut parameters = plan.parameters.clone();
    for (&index, estimate) in request.estimated.iter().zip(&fit.estimates) {
        parameters[index] = estimate.value;
    }
    let curve = fitted_curve(request.model, &plan, parameters).map_err(Diagnostic::new)?;
    Ok(FittedSubject {
        fit,
        residuals,
        curve,
    })
}

/// The model with `parameters` on a fine grid over a subject's plan (its observation times
/// included), for drawing a fitted curve.
pub fn fitted_curve(
    model: &Model,
    plan: &RunPlan,
    parameters: Vec<f64>,
) -> Result<Trajectory, String> {
    let step = (plan.end - plan.start) / (CURVE_POINTS - 1) as f64;
    let mut times = output_times(plan.start, plan.end, step);
    times.extend(plan.times.iter().flatten());
    times.sort_by(f64::total_cmp);
    times.dedup();
    let curve_plan = RunPlan {
        parameters,
        times: Some(times),
        ..plan.clone()
    };
    let failed = |e: SimError| format!("the fitted curve failed {}", e.diagnostic().one_line());
    Ok(simulate(model, &curve_plan).map_err(failed)?.trajectory)
}

/// A subject's observations as the likelihood sees them (a missing LLOQ is NaN: only censored
/// observations use it, and the reader always sets theirs).
pub fn likelihood_data(subject: &DataSubject) -> Vec<Datum> {
    (subject.observations.iter())
        .map(|o| Datum {
            value: o.value,
            censored: o.censored,
            lloq: o.lloq.unwrap_or(f64::NAN),
        })
        .collect()
}

/// (observation - prediction) / SD, both on the scale the error is additive on.
pub fn weighted_residual(error: ErrorModel, observed: f64, predicted: f64, sigma: &[f64]) -> f64 {
    let (sd, _, _) = error.sd(predicted, sigma);
    (error.scale(observed) - error.scale(predicted)) / sd
}
