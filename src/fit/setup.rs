//! What a fit is asked to estimate, checked before it starts: the parameters named (known,
//! each once, estimable on their scale), the starting residual SDs, and the sensitivity model
//! its gradients come from.

use super::likelihood::ErrorModel;
use crate::data::DataSubject;
use crate::diag::Diagnostic;
use crate::model::Model;

/// The estimated parameters' indices, each checked: known, and estimable on its scale.
pub fn estimated_indices(
    model: &Model,
    names: &[String],
    start: &[f64],
) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let mut indices = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let Some(index) = model.parameter_index(name) else {
            let context = format!("--estimate {name}");
            problems.push(model.unknown_parameter(&context, name));
            continue;
        };
        if indices.contains(&index) {
            problems.push(Diagnostic::new(format!(
                "`--estimate` names `{name}` twice"
            )));
        } else if model.parameters[index].bounds.is_none() && start[index] <= 0.0 {
            problems.push(
                Diagnostic::new(format!(
                    "`{name}` starts at {}; a parameter without bounds is estimated on the log \
                     scale and must start above 0",
                    start[index]
                ))
                .hint(format!(
                    "give a positive start with `--set {name}=...`, or `bounds: [lower, upper]` \
                     to `{name}` in the model file"
                )),
            );
        }
        indices.push(index);
    }
    if problems.is_empty() {
        Ok(indices)
    } else {
        Err(problems)
    }
}

/// Refuses to estimate a parameter that a dataset's covariate column changes within an ID (one
/// estimate cannot be a value that follows the data over time). A column that holds one value
/// per ID is overridden by the estimate, as ever.
pub fn refuse_time_varying(
    model: &Model,
    estimated: &[usize],
    subjects: &[DataSubject],
) -> Result<(), Vec<Diagnostic>> {
    let problems: Vec<Diagnostic> = (estimated.iter())
        .filter_map(|&index| {
            let mut varying = (subjects.iter())
                .filter(|s| s.schedules.iter().any(|c| c.parameter == index));
            let first = varying.next()?;
            let name = &model.parameters[index].name;
            Some(
                Diagnostic::new(format!(
                    "`--estimate {name}`: the dataset's covariate column `{name}` changes it within {} ID(s) (the first: ID {})",
                    1 + varying.count(),
                    first.id
                ))
                .hint(format!(
                    "estimate a parameter the dataset does not set over time, or leave the `{name}` column out of the dataset"
                )),
            )
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems),
    }
}

/// Starting residual SDs: `given` (`--sigma`), or the error model's defaults for the data.
pub fn initial_sigma(
    error: ErrorModel,
    given: &[f64],
    subjects: &[DataSubject],
) -> Result<Vec<f64>, Diagnostic> {
    if given.is_empty() {
        return Ok(error.starting_sigma(subjects));
    }
    let wanted = error.parameter_names();
    if given.len() != wanted.len() {
        return Err(Diagnostic::new(format!(
            "`--sigma` gives {} value(s) but the {:?} error model has {}: {}",
            given.len(),
            error,
            wanted.len(),
            wanted.join(", ")
        )));
    }
    Ok(given.to_vec())
}

/// The forward sensitivity model of the estimated parameters when exact gradients are
/// `wanted`, or why the fit falls back to finite differences: (model, reason for the fallback).
pub fn sensitivity_or_fallback(
    model: &Model,
    estimated: &[usize],
    wanted: bool,
) -> (Option<Model>, Option<String>) {
    match wanted.then(|| model.sensitivity_model(estimated)) {
        Some(Ok(sensitivity)) => (Some(sensitivity), None),
        Some(Err(reason)) => (None, Some(reason)),
        None => (None, None),
    }
}
