//! `cartsim simulate --nonmem-out FILE.csv`: the run's doses and a column observed at every
//! output time with residual error and BLQ censoring, as a NONMEM dataset of ID 1
//! (`data::nonmem`) that `cartsim fit` reads.

use super::SimulateArgs;
use crate::cli::Failure;
use crate::data::nonmem::{NonmemLayout, ObservationDesign, SubjectRecords};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::population::{ResidualModel, ResidualNameError, residual_deviates};
use crate::simulate::{RunPlan, Simulation};
use crate::study::Study;
use std::path::Path;

/// `--residual MODEL:SD` (additive, proportional, exponential) or
/// `combined:PROPORTIONAL:ADDITIVE`.
pub(super) fn parse_residual(text: &str) -> Result<ResidualModel, String> {
    let usage = "expected MODEL:SD (additive, proportional, exponential) or combined:PROPORTIONAL:ADDITIVE, e.g. exponential:0.3";
    let mut parts = text.split(':');
    let name = parts.next().unwrap_or_default().trim();
    let mut sds = Vec::new();
    for part in parts {
        let sd = super::finite(part.trim())?;
        if sd < 0.0 {
            return Err(format!("the SD `{part}` must not be negative"));
        }
        sds.push(sd);
    }
    let (Some(&sd), true) = (sds.first(), sds.len() <= 2) else {
        return Err(format!("`{text}`: {usage}"));
    };
    ResidualModel::named(name, sd, sds.get(1).copied()).map_err(|e| match e {
        ResidualNameError::Unknown => format!(
            "`{name}` is not a residual error model ({}); {usage}",
            ResidualModel::NAMES.join(", ")
        ),
        ResidualNameError::CombinedNeedsAdditive => {
            format!("`{text}`: combined needs two SDs, combined:PROPORTIONAL:ADDITIVE")
        }
    })
}

/// The observed column: `--observe` (a state or output), else the model's only output.
fn observed_column(model: &Model, observe: Option<&str>) -> Result<usize, Diagnostic> {
    let names = Study::column_names(model);
    match observe {
        Some(name) => Study::column(model, name).ok_or_else(|| {
            Diagnostic::new(format!("`--observe {name}`: no such state or output"))
                .suggest(name, names.iter().copied())
                .note(format!("states and outputs: {}", names.join(", ")))
        }),
        None if model.outputs.len() == 1 => Ok(model.states.len()),
        None => Err(Diagnostic::new(format!(
            "which column does `--nonmem-out` observe? the model has {} outputs",
            model.outputs.len()
        ))
        .hint("name a state or output with `--observe NAME`")
        .note(format!("states and outputs: {}", names.join(", ")))),
    }
}

/// Writes the dataset of `simulation` (of `plan`) to `path`.
pub(super) fn write(
    args: &SimulateArgs,
    model: &Model,
    plan: &RunPlan,
    simulation: &Simulation,
    path: &Path,
) -> Result<(), Failure> {
    let design = ObservationDesign {
        column: observed_column(model, args.observe.as_deref())?,
        residual: (args.residual).unwrap_or(ResidualModel::Additive { sd: 0.0 }),
        lloq: args.lloq,
    };
    let layout = NonmemLayout::new(model, &design, &[], 1);
    let trajectory = &simulation.trajectory;
    let rows = trajectory.times.len();
    let predictions: Vec<f64> = (0..rows)
        .map(|row| trajectory.row(row)[design.column])
        .collect();
    let records = SubjectRecords {
        id: 1,
        arm: 1,
        covariates: &[],
        doses: &plan.doses,
        times: &trajectory.times,
        predictions: &predictions,
        deviates: &residual_deviates(args.seed, 1, rows),
    };
    let mut text = layout.header();
    if let Some((time, prediction, observation)) =
        layout.write_subject(&mut text, &design, &records)
    {
        return Err(Diagnostic::new(format!(
            "the simulated observation at time {} is {observation} (prediction {})",
            crate::diag::number(time),
            crate::diag::number(prediction)
        ))
        .hint("the `--residual` SD is far too large: for `proportional` and `exponential` it is a fraction (0.2 means 20%)")
        .into());
    }
    let name = path.display().to_string();
    std::fs::write(path, text)
        .map_err(|e| Diagnostic::new(format!("cannot write `{name}`: {e}")))?;
    println!("wrote {name}");
    Ok(())
}
