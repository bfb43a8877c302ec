//! `cartsim simulate --data FILE`: one run per ID of a NONMEM-style dataset, with its doses,
//! covariates and record times. Writes, all or nothing: trajectory.csv (long: an `ID` column,
//! then time, states and outputs), observations.csv (each observation beside the simulated
//! value at its time), events.csv (`ID,event,time`), run.json, and figures/ID_<id>.png (the
//! observed curves with the observations over them) for the first `--max-figures` IDs.

use super::{SimulateArgs, out_directory, provenance, sim_error, y_label};
use crate::cli::{Failure, provenance as prov};
use crate::csv::text_cell;
use crate::data::{DataSubject, Dataset, simulate_subject};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::output::Staging;
use crate::plot::{ObservedSeries, YScale, observed_png};
use crate::record::provenance::InputRole;
use crate::record::provenance::{FILE as PROVENANCE, Kind};
use crate::simulate::{RunPlan, Simulation};
use rayon::prelude::*;
use serde_json::json;
use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

/// The index of the output `--output` names.
pub(in crate::cli) fn output_index(model: &Model, name: &str) -> Result<usize, Diagnostic> {
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

/// The trajectory columns the figures draw: those observed anywhere in the dataset, else all.
fn drawn_columns(dataset: &Dataset, width: usize) -> Vec<usize> {
    let mut columns: Vec<usize> = (dataset.subjects.iter())
        .flat_map(|s| s.observations.iter().map(|o| o.column))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    if columns.is_empty() {
        (0..width).collect()
    } else {
        columns
    }
}

/// The unit of a trajectory column (states, then outputs).
pub(in crate::cli) fn unit(model: &Model, column: usize) -> Option<&str> {
    match column.checked_sub(model.states.len()) {
        None => model.states[column].unit.as_deref(),
        Some(output) => model.outputs[output].unit.as_deref(),
    }
}

/// The simulated value of `column` at `time`; `None` when the run stopped before it.
fn value_at(simulation: &Simulation, time: f64, column: usize) -> Option<f64> {
    let trajectory = &simulation.trajectory;
    let row = (trajectory.times)
        .binary_search_by(|t| t.total_cmp(&time))
        .ok()?;
    Some(trajectory.row(row)[column])
}

/// One subject's figure: the drawn columns with its observations (BLQ ones at their LLOQ).
fn figure(
    model: &Model,
    subject: &DataSubject,
    simulation: &Simulation,
    columns: &[usize],
    scale: YScale,
) -> Result<Vec<u8>, Diagnostic> {
    let trajectory = &simulation.trajectory;
    let series: Vec<ObservedSeries> = (columns.iter())
        .map(|&column| ObservedSeries {
            name: trajectory.columns[column].clone(),
            values: (0..trajectory.times.len())
                .map(|row| trajectory.row(row)[column])
                .collect(),
            observations: (subject.observations.iter())
                .filter(|o| o.column == column)
                .map(|o| match (o.censored, o.lloq) {
                    (true, Some(lloq)) => (o.time, lloq, true),
                    _ => (o.time, o.value, o.censored),
                })
                .collect(),
        })
        .collect();
    let title = format!("{}: ID {}", model.title, subject.id);
    let x_label = format!("time ({})", model.time_unit);
    let y_label = y_label(columns.iter().map(|&c| unit(model, c)));
    observed_png(
        (&title, &x_label, &y_label),
        &trajectory.times,
        &series,
        scale,
    )
    .map_err(|e| Diagnostic::new(format!("ID {}: cannot draw the figure: {e}", subject.id)))
}

/// figures/ID_<id>.png per subject: characters other than letters, digits, `-`, `_` and `.`
/// become `_`; a name taken already gets a number appended (from the subject's position).
fn figure_names(subjects: &[DataSubject]) -> Vec<String> {
    let mut taken = HashSet::new();
    (subjects.iter().enumerate())
        .map(|(k, subject)| {
            let safe: String = (subject.id.chars())
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
                    _ => '_',
                })
                .collect();
            let mut name = format!("figures/ID_{safe}.png");
            let mut suffix = k + 1;
            while !taken.insert(name.clone()) {
                name = format!("figures/ID_{safe}_{suffix}.png");
                suffix += 1;
            }
            name
        })
        .collect()
}

fn trajectory_csv(runs: &[(&DataSubject, Simulation)]) -> String {
    let mut text = String::from("ID,time");
    if let Some((_, first)) = runs.first() {
        for column in &first.trajectory.columns {
            let _ = write!(text, ",{column}");
        }
    }
    text.push('\n');
    for (subject, simulation) in runs {
        let trajectory = &simulation.trajectory;
        for (row, time) in trajectory.times.iter().enumerate() {
            let _ = write!(text, "{},{time}", text_cell(&subject.id));
            for value in trajectory.row(row) {
                let _ = write!(text, ",{value}");
            }
            text.push('\n');
        }
    }
    text
}

fn observations_csv(runs: &[(&DataSubject, Simulation)]) -> String {
    let mut text = String::from("ID,row,time,output,DV,BLQ,LLOQ,PRED\n");
    for (subject, simulation) in runs {
        for o in &subject.observations {
            let name = &simulation.trajectory.columns[o.column];
            let lloq = o.lloq.map(|l| l.to_string()).unwrap_or_default();
            let pred = value_at(simulation, o.time, o.column)
                .map(|p| p.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "{},{},{},{name},{},{},{lloq},{pred}",
                text_cell(&subject.id),
                o.row,
                o.time,
                o.value,
                u8::from(o.censored)
            );
        }
    }
    text
}

fn events_csv(runs: &[(&DataSubject, Simulation)]) -> String {
    let mut text = String::from("ID,event,time\n");
    for (subject, simulation) in runs {
        for (name, time) in &simulation.events {
            let _ = writeln!(text, "{},{name},{time}", text_cell(&subject.id));
        }
    }
    text
}

/// A subject's entry in run.json.
fn subject_json(
    model: &Model,
    subject: &DataSubject,
    simulation: &Simulation,
) -> serde_json::Value {
    let covariates: serde_json::Map<String, serde_json::Value> = (subject.covariates.iter())
        .map(|&(p, value)| (model.parameters[p].name.clone(), json!(value)))
        .collect();
    let times = &simulation.trajectory.times;
    json!({
        "id": subject.id,
        "first_row": subject.row,
        "covariates": covariates,
        "doses": subject.doses.iter()
            .map(|d| json!({"state": model.states[d.state].name, "time": d.time, "amount": d.amount, "duration": d.duration}))
            .collect::<Vec<_>>(),
        "observations": subject.observations.len(),
        "output_times": subject.output_times,
        "resets": subject.resets,
        "span": [times.first(), times.last()],
        "solver_statistics": simulation.stats,
        "stopped_at": simulation.stopped,
        "method_switch": simulation.method_switch,
    })
}

/// A subject's simulation, and its figure when one is drawn.
type Run = (Simulation, Option<Vec<u8>>);

pub(super) fn run(
    args: &SimulateArgs,
    (model, text): (&Model, &str),
    base: RunPlan,
    path: &Path,
    started: Instant,
) -> Result<(), Failure> {
    let default_output = (args.output.as_deref())
        .map(|name| output_index(model, name))
        .transpose()?;
    let options = args.dataset.options(default_output, false);
    let (dataset, data_file) = crate::cli::dataset::read(path, model, &options)?;
    let columns = drawn_columns(&dataset, model.states.len() + model.outputs.len());
    let scale = if args.linear {
        YScale::Linear
    } else {
        YScale::Auto
    };
    let results: Vec<Result<Run, Diagnostic>> = (dataset.subjects.par_iter().enumerate())
        .map(|(k, subject)| {
            let simulation = simulate_subject(model, &base, subject).map_err(|error| {
                let mut diagnostic = sim_error(model, error);
                diagnostic.message = format!("ID {}: {}", subject.id, diagnostic.message);
                diagnostic
            })?;
            let png = (k < args.max_figures)
                .then(|| figure(model, subject, &simulation, &columns, scale))
                .transpose()?;
            Ok((simulation, png))
        })
        .collect();
    let mut runs = Vec::new();
    let mut figures = Vec::new();
    let mut problems = Vec::new();
    for (subject, result) in dataset.subjects.iter().zip(results) {
        match result {
            Ok((simulation, png)) => {
                runs.push((subject, simulation));
                figures.extend(png);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(Failure(problems));
    }
    let mut warnings = dataset.warnings.clone();
    for (subject, simulation) in &runs {
        let id = &subject.id;
        warnings.extend(simulation.warnings.iter().map(|w| format!("ID {id}: {w}")));
    }
    let mut run = provenance(model, text, args, &base);
    let subjects: Vec<serde_json::Value> = (runs.iter())
        .map(|(subject, simulation)| subject_json(model, subject, simulation))
        .collect();
    let mut data = data_file.json(&dataset);
    if let Some(data) = data.as_object_mut() {
        data.insert("default_output".into(), json!(args.output));
        data.insert("figures".into(), json!(figures.len()));
        data.insert("subjects".into(), json!(subjects));
    }
    run.insert("data".into(), data);
    run.insert("warnings".into(), json!(warnings));
    let seconds = started.elapsed().as_secs_f64();
    run.insert("wall_time_seconds".into(), json!(seconds));
    let run_json = serde_json::to_string_pretty(&run).unwrap_or_default() + "\n";
    let inputs = vec![
        prov::input(InputRole::Model, &args.model, text),
        data_file.input(),
    ];
    let mut record = prov::record(Kind::Simulate, inputs, &base.solver, started);
    record.n = runs.len() as u64;
    for (subject, simulation) in &runs {
        prov::add_statistics(&mut record.solver_statistics, &simulation.stats);
        (record.solver_switches).extend(
            simulation
                .method_switch
                .iter()
                .map(|s| format!("ID {}: {}", subject.id, prov::switch(s))),
        );
    }
    record.warnings = warnings.clone();
    let directory = out_directory(args, model);
    let mut staging = Staging::new(&directory)?;
    staging.write("trajectory.csv", trajectory_csv(&runs).as_bytes())?;
    staging.write("observations.csv", observations_csv(&runs).as_bytes())?;
    staging.write("events.csv", events_csv(&runs).as_bytes())?;
    staging.write("run.json", run_json.as_bytes())?;
    for (name, png) in figure_names(&dataset.subjects).iter().zip(&figures) {
        staging.write(name, png)?;
    }
    staging.record(record);
    staging.commit()?;
    for (subject, simulation) in &runs {
        if let (true, Some(switch)) = (args.verbose, &simulation.method_switch) {
            eprintln!(
                "note: ID {}: `auto` switched to bdf at time {}: {}",
                subject.id, switch.time, switch.reason
            );
        }
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "wrote {}/trajectory.csv, observations.csv, events.csv, run.json, {PROVENANCE} and {} figure(s) in figures/",
        directory.path.display(),
        figures.len()
    );
    if figures.len() < runs.len() {
        println!(
            "figures drawn for {} of {} IDs (the first ones; `--max-figures N` draws more)",
            figures.len(),
            runs.len()
        );
    }
    Ok(())
}
