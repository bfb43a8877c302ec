//! `cartsim simulate --nonmem-out FILE.csv`: the run's doses and a column observed at every
//! output time with residual error and BLQ censoring, as a NONMEM dataset of ID 1
//! (`data::nonmem`) that `cartsim fit` reads; with `--data`, each ID of the dataset with its
//! doses, resets, EVID 2 rows, covariates and observation records, observed in its simulation.

use super::SimulateArgs;
use crate::cli::Failure;
use crate::data::nonmem::{NonmemLayout, ObservationDesign, SubjectRecords};
use crate::data::{DataSubject, Dataset};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::population::{ResidualModel, ResidualNameError, residual_deviates};
use crate::simulate::{ParameterSchedule, RunPlan, RunTemplate, Simulation};
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

/// The design of `--nonmem-out`: the observed column (`column` when `--observe` is not given),
/// `--residual` (none by default) and `--lloq`.
fn design(args: &SimulateArgs, column: usize) -> ObservationDesign {
    ObservationDesign {
        column,
        residual: (args.residual).unwrap_or(ResidualModel::Additive { sd: 0.0 }),
        lloq: args.lloq,
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
    let design = design(args, observed_column(model, args.observe.as_deref())?);
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
        resets: &[],
        other_events: &[],
        times: &trajectory.times,
        before_doses: &[],
        predictions: &predictions,
        deviates: &residual_deviates(args.seed, 1, rows),
    };
    let mut text = layout.header();
    let bad = layout.write_subject(&mut text, &design, &records);
    refuse_bad(bad)?;
    write_file(&text, path)
}

/// The text of each ID of `dataset` again, simulated (`simulations`, in the same order): its doses,
/// its covariates (those that change within the ID at each row with their value there; a
/// parameter another ID has as a covariate at `base`'s value) and its observation records,
/// observed with `--residual` error and censored below `--lloq` (the residual error of ID n
/// drawn from stream n of `--seed`, as a population's are).
pub(super) fn dataset_text(
    args: &SimulateArgs,
    model: &Model,
    base: &RunTemplate,
    dataset: &Dataset,
    simulations: &[Simulation],
) -> Result<String, Failure> {
    let design = design(
        args,
        dataset_column(model, args.observe.as_deref(), dataset)?,
    );
    let mut covariates: Vec<usize> = Vec::new();
    for subject in &dataset.subjects {
        for &(parameter, _) in &subject.covariates {
            if !covariates.contains(&parameter) {
                covariates.push(parameter);
            }
        }
    }
    let layout = NonmemLayout::new(model, &design, &covariates, 1);
    let mut text = layout.header();
    let mut bad = None;
    for (subject, simulation) in dataset.subjects.iter().zip(simulations) {
        let id: u64 = subject.id.trim().parse().map_err(|_| {
            Diagnostic::new(format!(
                "ID `{}` is not a whole number, which a NONMEM dataset needs",
                subject.id
            ))
            .hint("number the IDs of the dataset 1, 2, 3, ... to write it with `--nonmem-out`")
        })?;
        let trajectory = &simulation.trajectory;
        let times: Vec<f64> = subject.observations.iter().map(|o| o.time).collect();
        let before_doses: Vec<bool> = (subject.observations.iter())
            .map(|o| o.before_doses)
            .collect();
        let predictions: Vec<f64> = (subject.observations.iter())
            .map(|o| {
                let row = trajectory.row_at(o.time, o.before_doses);
                row.map_or(f64::NAN, |row| trajectory.row(row)[design.column])
            })
            .collect();
        let values: Vec<f64> = (covariates.iter())
            .map(|&p| {
                let own = subject.covariates.iter().find(|c| c.0 == p);
                own.map_or(base.parameters[p], |c| c.1)
            })
            .collect();
        let schedules: Vec<(usize, &ParameterSchedule)> = (subject.schedules.iter())
            .filter_map(|s| Some((covariates.iter().position(|&p| p == s.parameter)?, s)))
            .collect();
        let records = SubjectRecords {
            id,
            arm: 1,
            covariates: &values,
            doses: &subject.doses,
            resets: &subject.resets,
            other_events: &other_events(subject),
            times: &times,
            before_doses: &before_doses,
            predictions: &predictions,
            deviates: &residual_deviates(args.seed, id, times.len()),
        };
        let wrong = layout.write_subject_with_schedules(&mut text, &design, &records, &schedules);
        bad = bad.or(wrong);
    }
    refuse_bad(bad)?;
    Ok(text)
}

/// The times of a dataset ID's EVID 2 rows written again: its output times and its covariates'
/// record times where it has no observation, dose or reset (which show the value themselves).
fn other_events(subject: &DataSubject) -> Vec<f64> {
    let mut shown: Vec<f64> = (subject.observations.iter().map(|o| o.time))
        .chain(subject.doses.iter().map(|d| d.time))
        .chain(subject.resets.iter().copied())
        .collect();
    shown.sort_by(f64::total_cmp);
    let records = (subject.schedules.iter()).flat_map(|s| s.records.iter().map(|r| r.0));
    let mut times: Vec<f64> = (subject.output_times.iter().copied())
        .chain(records)
        .filter(|t| shown.binary_search_by(|s| s.total_cmp(t)).is_err())
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// The column observed in a dataset written again: `--observe`, else the one its
/// observations belong to.
fn dataset_column(
    model: &Model,
    observe: Option<&str>,
    dataset: &Dataset,
) -> Result<usize, Diagnostic> {
    if observe.is_some() {
        return observed_column(model, observe);
    }
    let mut columns: Vec<usize> = (dataset.subjects.iter())
        .flat_map(|s| s.observations.iter().map(|o| o.column))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let names = Study::column_names(model);
    match columns.as_slice() {
        [column] => Ok(*column),
        [] => observed_column(model, None),
        several => Err(Diagnostic::new(format!(
            "the dataset observes {} columns ({}); `--nonmem-out` writes one",
            several.len(),
            several
                .iter()
                .map(|&c| names[c])
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .hint("name the one to write with `--observe NAME`")),
    }
}

/// The error for an observation that is not a finite number (`bad`: time, prediction,
/// observation).
fn refuse_bad(bad: Option<(f64, f64, f64)>) -> Result<(), Failure> {
    if let Some((time, prediction, observation)) = bad {
        return Err(Diagnostic::new(format!(
            "the simulated observation at time {} is {observation} (prediction {})",
            crate::diag::number(time),
            crate::diag::number(prediction)
        ))
        .hint("the `--residual` SD is far too large: for `proportional` and `exponential` it is a fraction (0.2 means 20%)")
        .into());
    }
    Ok(())
}

/// Writes the dataset's text to `path`.
pub(super) fn write_file(text: &str, path: &Path) -> Result<(), Failure> {
    let name = path.display().to_string();
    std::fs::write(path, text)
        .map_err(|e| Diagnostic::new(format!("cannot write `{name}`: {e}")))?;
    println!("wrote {name}");
    Ok(())
}
