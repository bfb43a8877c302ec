//! `cartsim simulate`: one model, one parameter set, one regimen; writes trajectory.csv,
//! trajectory.png and run.json. With `--data`, one run per ID of a dataset (see `data`).

pub(super) mod data;

use super::{Failure, load, provenance};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::output::{Destination, Owner, Staging};
use crate::plot::{Figure, Series, YScale, render_png};
use crate::record::provenance::InputRole;
use crate::record::provenance::{FILE as PROVENANCE, Kind};
use crate::simulate::{RunPlan, SimError, Simulation, locate_peaks, simulate};
use crate::spec::{DoseSpec, ExprText, SolverName};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct SimulateArgs {
    /// The model file (YAML).
    model: PathBuf,
    /// Output folder [default: output/<model name>/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a simulation.
    #[arg(long)]
    force: bool,
    /// Use a named parameter set of the model.
    #[arg(long)]
    params: Option<String>,
    /// Override a parameter: NAME=VALUE (repeatable).
    #[arg(long = "set", value_parser = parse_assignment)]
    set: Vec<(String, f64)>,
    /// A bolus STATE:AMOUNT@TIME (repeatable); replaces the model's doses.
    #[arg(long = "dose", value_parser = parse_dose)]
    doses: Vec<DoseSpec>,
    /// A NONMEM-style dataset (CSV): simulate each ID with its doses (replacing the model's),
    /// covariates and record times; writes trajectory.csv (with an ID column),
    /// observations.csv, events.csv, run.json and figures/ID_<id>.png.
    #[arg(long, conflicts_with = "doses")]
    data: Option<PathBuf>,
    /// With `--data`: the model output observations without a DVID belong to.
    #[arg(long, requires = "data")]
    output: Option<String>,
    /// With `--data`: draw figures/ID_<id>.png for at most this many IDs (the first ones).
    #[arg(long, default_value_t = 100, requires = "data")]
    max_figures: usize,
    #[command(flatten)]
    dataset: crate::cli::dataset::DataArgs,
    /// Last time to simulate.
    #[arg(long, value_parser = finite)]
    end: Option<f64>,
    /// Output interval.
    #[arg(long, value_parser = positive)]
    step: Option<f64>,
    /// Integration method.
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
    /// Relative tolerance.
    #[arg(long, value_parser = positive)]
    rtol: Option<f64>,
    /// Absolute tolerance (state units).
    #[arg(long, value_parser = positive)]
    atol: Option<f64>,
    /// Linear y-axis in the figure (default: log when values span more than two decades).
    #[arg(long)]
    linear: bool,
    /// Report solver decisions (such as `auto` switching to BDF) on stderr.
    #[arg(long)]
    verbose: bool,
}

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

pub(super) fn parse_assignment(text: &str) -> Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or("expected NAME=VALUE, e.g. --set alpha=0.2")?;
    Ok((name.trim().to_string(), finite(value.trim())?))
}

fn parse_dose(text: &str) -> Result<DoseSpec, String> {
    let usage = "expected STATE:AMOUNT@TIME, e.g. --dose E:1e7@0";
    let (state, rest) = text.split_once(':').ok_or(usage)?;
    let (amount, time) = rest.split_once('@').unwrap_or((rest, "0"));
    let amount = finite(amount.trim())?;
    if amount < 0.0 {
        return Err(format!("the dose amount `{amount}` must not be negative"));
    }
    Ok(DoseSpec {
        state: state.trim().to_string(),
        amount: ExprText::Number(amount),
        time: ExprText::Number(finite(time.trim())?),
        every: None,
        count: None,
        duration: None,
        per_kg: false,
    })
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

/// Builds the run plan from the model and the command line.
fn plan(model: &Model, args: &SimulateArgs) -> Result<RunPlan, Failure> {
    let parameters = parameter_values(model, args.params.as_deref(), &args.set)?;
    let regimen = if args.doses.is_empty() {
        model.default_regimen.clone()
    } else {
        model
            .compile_regimen(&args.doses, "--dose", &|_, _| None)
            .map_err(Failure)?
    };
    let mut plan = RunPlan::for_model(model, parameters, &regimen, args.step)?;
    if let Some(end) = args.end {
        if end <= plan.start {
            return Err(Diagnostic::new(format!(
                "`--end {end}` must be after the start time {}",
                plan.start
            ))
            .into());
        }
        plan.end = end;
    }
    let solver = &mut plan.solver;
    solver.method = args.solver.unwrap_or(solver.method);
    solver.rtol = args.rtol.unwrap_or(solver.rtol);
    solver.atol = args.atol.unwrap_or(solver.atol);
    Ok(plan)
}

fn sim_error(model: &Model, error: SimError) -> Diagnostic {
    let states: Vec<String> = error
        .states
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect();
    Diagnostic::new(format!(
        "simulation of `{}` failed at time {:?}: {}",
        model.name, error.time, error.message
    ))
    .note(format!(
        "states at time {:?}: {}",
        error.states_time,
        states.join(", ")
    ))
    .hint(error.hint)
}

/// A y axis label from the units of the values drawn (repeats next to each other shown once).
pub(super) fn y_label<'a>(units: impl Iterator<Item = Option<&'a str>>) -> String {
    let mut units: Vec<&str> = units.flatten().collect();
    units.dedup();
    if units.is_empty() {
        "value".to_string()
    } else {
        units.join(", ")
    }
}

/// The trajectory figure: every state and output against time.
fn figure(model: &Model, simulation: &Simulation, linear: bool) -> Figure {
    let trajectory = &simulation.trajectory;
    let units = (model.states.iter().map(|s| s.unit.as_deref()))
        .chain(model.outputs.iter().map(|o| o.unit.as_deref()));
    Figure {
        title: model.title.clone(),
        x_label: format!("time ({})", model.time_unit),
        y_label: y_label(units),
        times: trajectory.times.clone(),
        series: trajectory
            .columns
            .iter()
            .map(|name| Series {
                name: name.clone(),
                values: trajectory.column(name).unwrap_or_default(),
            })
            .collect(),
        scale: if linear { YScale::Linear } else { YScale::Auto },
        width: 1400,
        height: 900,
    }
}

/// Exposure metrics of the model's outputs (of its states when it names no outputs), with
/// Cmax and Tmax on the solver's solution.
fn metrics_csv(model: &Model, plan: &RunPlan, simulation: &Simulation) -> Result<String, Failure> {
    let trajectory = &simulation.trajectory;
    let outputs: Vec<&str> = model.outputs.iter().map(|o| o.name.as_str()).collect();
    let states: Vec<&str> = model.states.iter().map(|s| s.name.as_str()).collect();
    let names = if outputs.is_empty() { states } else { outputs };
    let indexes: Vec<usize> = names
        .iter()
        .filter_map(|name| trajectory.columns.iter().position(|c| c == name))
        .collect();
    let peaks = locate_peaks(model, plan, simulation, &indexes).map_err(|e| sim_error(model, e))?;
    Ok(crate::metrics::table(
        trajectory,
        names.into_iter().zip(peaks),
    ))
}

/// Recorded event times, one row per firing: `event,time`.
fn events_csv(simulation: &Simulation) -> String {
    let mut text = String::from("event,time\n");
    for (name, time) in &simulation.events {
        text.push_str(&format!("{name},{time}\n"));
    }
    text
}

/// The output folder: `--out`, or output/<model name>/.
fn out_directory(args: &SimulateArgs, model: &Model) -> Destination {
    let path = (args.out.clone()).unwrap_or_else(|| PathBuf::from("output").join(&model.name));
    Destination {
        path,
        owner: Owner::Simulate,
        force: args.force,
    }
}

/// What every run.json records: the program and command, the model file, the parameters, the
/// time span and grid, and the solver settings.
fn provenance(
    model: &Model,
    text: &str,
    args: &SimulateArgs,
    plan: &RunPlan,
) -> serde_json::Map<String, serde_json::Value> {
    let parameters: serde_json::Map<String, serde_json::Value> = model
        .parameters
        .iter()
        .zip(&plan.parameters)
        .map(|(p, value)| (p.name.clone(), json!(value)))
        .collect();
    let tolerances: serde_json::Map<String, serde_json::Value> = model
        .states
        .iter()
        .zip(model.absolute_tolerances(plan.solver.atol, &plan.parameters))
        .map(|(s, atol)| (s.name.clone(), json!(atol)))
        .collect();
    let model_file = json!({"name": model.name, "title": model.title, "file": args.model.display().to_string(),
                            "sha256": crate::output::sha256_hex(text.as_bytes())});
    [
        ("cartsim_version", json!(env!("CARGO_PKG_VERSION"))),
        ("command", json!(std::env::args().collect::<Vec<_>>())),
        ("model", model_file),
        ("parameter_set", json!(args.params)),
        ("parameters", json!(parameters)),
        (
            "time",
            json!({"start": plan.start, "end": plan.end, "step": plan.step, "unit": model.time_unit}),
        ),
        ("solver", json!(plan.solver)),
        ("absolute_tolerances", json!(tolerances)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect()
}

pub fn run(args: &SimulateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let (model, text) = load(&args.model)?;
    let directory = out_directory(args, &model);
    directory.check()?;
    let plan = plan(&model, args)?;
    if let Some(path) = &args.data {
        return data::run(args, (&model, &text), plan, path, started);
    }
    let simulation = simulate(&model, &plan).map_err(|e| sim_error(&model, e))?;
    let png = render_png(&figure(&model, &simulation, args.linear))
        .map_err(|e| Diagnostic::new(format!("cannot draw the figure: {e}")))?;
    let doses: Vec<serde_json::Value> = plan
        .doses
        .iter()
        .map(|d| json!({"state": model.states[d.state].name, "time": d.time, "amount": d.amount, "duration": d.duration}))
        .collect();
    let mut run = provenance(&model, &text, args, &plan);
    run.extend([
        ("doses".to_string(), json!(doses)),
        ("solver_statistics".to_string(), json!(simulation.stats)),
        (
            "events".to_string(),
            json!(
                simulation
                    .events
                    .iter()
                    .map(|(name, time)| json!({"event": name, "time": time}))
                    .collect::<Vec<_>>()
            ),
        ),
        ("stopped_at".to_string(), json!(simulation.stopped)),
        ("method_switch".to_string(), json!(simulation.method_switch)),
        ("warnings".to_string(), json!(simulation.warnings)),
        (
            "wall_time_seconds".to_string(),
            json!(started.elapsed().as_secs_f64()),
        ),
    ]);
    let run_json = serde_json::to_string_pretty(&run).unwrap_or_default() + "\n";
    let inputs = vec![provenance::input(InputRole::Model, &args.model, &text)];
    let mut record = provenance::record(Kind::Simulate, inputs, &plan.solver, started);
    provenance::add_statistics(&mut record.solver_statistics, &simulation.stats);
    record.solver_switches = simulation
        .method_switch
        .iter()
        .map(provenance::switch)
        .collect();
    record.warnings = simulation.warnings.clone();
    let mut staging = Staging::new(&directory)?;
    staging.write("trajectory.csv", simulation.trajectory.to_csv().as_bytes())?;
    staging.write("trajectory.png", &png)?;
    staging.write("run.json", run_json.as_bytes())?;
    staging.write("events.csv", events_csv(&simulation).as_bytes())?;
    staging.write(
        "metrics.csv",
        metrics_csv(&model, &plan, &simulation)?.as_bytes(),
    )?;
    staging.record(record);
    staging.commit()?;
    if let (true, Some(switch)) = (args.verbose, &simulation.method_switch) {
        eprintln!(
            "note: `auto` switched to bdf at time {}: {}",
            switch.time, switch.reason
        );
    }
    for warning in &simulation.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "wrote {}/trajectory.csv, trajectory.png, run.json, events.csv, metrics.csv, {PROVENANCE}",
        directory.path.display()
    );
    Ok(())
}
