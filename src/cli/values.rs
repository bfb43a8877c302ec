//! Values of the command line that several subcommands take: numbers (finite, positive, a
//! fraction), `--set NAME=VALUE` and the parameter values it makes, and `--output NAME`.

use super::Failure;
use crate::diag::Diagnostic;
use crate::model::Model;

pub(super) fn finite(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("`{text}` is not a finite number")),
    }
}

pub(super) fn positive(text: &str) -> Result<f64, String> {
    match finite(text)? {
        value if value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` must be greater than 0")),
    }
}

/// A fraction strictly between 0 and 1.
pub(super) fn fraction(text: &str) -> Result<f64, String> {
    match finite(text)? {
        value if value > 0.0 && value < 1.0 => Ok(value),
        _ => Err(format!(
            "`{text}` must lie strictly between 0 and 1 (0.2 means +-20%)"
        )),
    }
}

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
            None => problems.push(model.unknown_parameter(&format!("--set {name}=..."), name)),
        }
    }
    if problems.is_empty() {
        Ok(parameters)
    } else {
        Err(Failure(problems))
    }
}

/// `--format` of the listing commands (`check`, `models`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum TextOrJson {
    /// Lines for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// Pretty JSON of console output for scripts (not a record: nothing reads it back).
pub(super) fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
