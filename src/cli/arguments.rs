//! Argument values the subcommands share: number parsers for clap, `--set NAME=VALUE`, and the
//! model's parameters and outputs the command line names (with the diagnostics when it names
//! one the model does not have).

use super::Failure;
use crate::diag::Diagnostic;
use crate::model::Model;

/// A finite number.
pub(super) fn finite(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("`{text}` is not a finite number")),
    }
}

/// A finite number above 0.
pub(super) fn positive(text: &str) -> Result<f64, String> {
    match finite(text)? {
        value if value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` must be greater than 0")),
    }
}

/// `NAME=VALUE` of `--set`.
pub(super) fn parse_assignment(text: &str) -> Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or("expected NAME=VALUE, e.g. --set alpha=0.2")?;
    Ok((name.trim().to_string(), finite(value.trim())?))
}

/// The model's parameter values: its file's (or the named set's), then `--set` overrides.
pub(super) fn parameter_values(
    model: &Model,
    set_name: Option<&str>,
    overrides: &[(String, f64)],
) -> Result<Vec<f64>, Failure> {
    let mut parameters = model.parameter_values(set_name).map_err(|message| {
        Diagnostic::new(message).hint("omit `--params` to use the file's values")
    })?;
    let mut problems = Vec::new();
    for (name, value) in overrides {
        match model.parameter_index(name) {
            Some(index) => parameters[index] = *value,
            None => problems.push(unknown_parameter(model, &format!("--set {name}=..."), name)),
        }
    }
    if problems.is_empty() {
        Ok(parameters)
    } else {
        Err(Failure(problems))
    }
}

/// `name` (given where `context` says) is not a parameter of `model`.
pub(super) fn unknown_parameter(model: &Model, context: &str, name: &str) -> Diagnostic {
    let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    Diagnostic::new(format!(
        "`{context}`: `{name}` is not a parameter of `{}`",
        model.name
    ))
    .suggest(name, names.iter().copied())
    .note(format!("parameters: {}", names.join(", ")))
}

/// The index of the output `--output` names.
pub(super) fn output_index(model: &Model, name: &str) -> Result<usize, Diagnostic> {
    let outputs: Vec<&str> = model.outputs.iter().map(|o| o.name.as_str()).collect();
    outputs.iter().position(|o| *o == name).ok_or_else(|| {
        let listing = if outputs.is_empty() {
            "the model has no outputs".to_string()
        } else {
            format!("outputs: {}", outputs.join(", "))
        };
        Diagnostic::new(format!(
            "`--output {name}`: `{name}` is not an output of `{}`",
            model.name
        ))
        .suggest(name, outputs.iter().copied())
        .note(listing)
    })
}
