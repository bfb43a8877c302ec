//! `cartsim simulate`: one model, one parameter set, one regimen, simulated and written as
//! trajectory.csv, the trajectory figure (PNG, SVG, PDF as asked), metrics.csv, events.csv and run.json (see
//! `present::simulate`). With `--data`, one run per ID of a dataset (see `data`).

mod data;
mod nonmem;

use super::values::{finite, parameter_values, parse_assignment, positive};
use super::{Failure, console, load, provenance as prov};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::output::{Destination, Owner, Staging};
use crate::present::NamedFile;
use crate::present::simulate::{self as present, Settings, failure, metric_columns};
use crate::record::provenance::{FILE as PROVENANCE, InputRole, Kind, Provenance};
use crate::simulate::{RunPlan, RunTemplate, locate_peaks, simulate};
use crate::solver::SolverOverrides;
use crate::spec::{DoseSpec, ExprText, SolverName};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct SimulateArgs {
    /// The model file (YAML), or a shipped model by name (`stein2019`; see `cartsim models`).
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
    /// A bolus STATE:AMOUNT@TIME (repeatable; the time is required); replaces the model's doses.
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
    dataset: super::dataset::DataArgs,
    /// Also write the doses and a column observed at every output time (with `--residual`
    /// error, censored below `--lloq`) as a NONMEM dataset (CSV, ID 1) that `cartsim fit` reads;
    /// with `--data`, each ID's doses, covariates and observation records, observed again.
    #[arg(long, value_name = "FILE.csv")]
    nonmem_out: Option<PathBuf>,
    /// With `--nonmem-out`: the state or output observed [default: the model's only output;
    /// with `--data`, the one the dataset's observations belong to].
    #[arg(long, value_name = "NAME", requires = "nonmem_out")]
    observe: Option<String>,
    /// With `--nonmem-out`: residual error MODEL:SD (additive, proportional, exponential) or
    /// combined:PROPORTIONAL:ADDITIVE [default: none].
    #[arg(long, requires = "nonmem_out", value_parser = nonmem::parse_residual)]
    residual: Option<crate::population::ResidualModel>,
    /// With `--nonmem-out`: limit of quantification; observations below it are written with
    /// BLQ = 1 and DV = LLOQ (Beal's M3).
    #[arg(long, requires = "nonmem_out", value_parser = positive)]
    lloq: Option<f64>,
    /// With `--nonmem-out`: the seed of the residual error's random numbers.
    #[arg(long, requires = "nonmem_out", default_value_t = 1)]
    seed: u64,
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
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

fn parse_dose(text: &str) -> Result<DoseSpec, String> {
    let usage = "expected STATE:AMOUNT@TIME, e.g. --dose E:1e7@0";
    let (state, rest) = text.split_once(':').ok_or(usage)?;
    let (amount, time) = rest.split_once('@').ok_or_else(|| {
        format!(
            "`{text}` gives no dose time; write STATE:AMOUNT@TIME, e.g. `--dose {text}@0` for a dose at time 0"
        )
    })?;
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

/// The model file's run with the command line's parameters, span, grid and solver settings.
fn template(model: &Model, args: &SimulateArgs) -> Result<RunTemplate, Failure> {
    let parameters = parameter_values(model, args.params.as_deref(), &args.set)?;
    let mut template = RunTemplate::for_model(model, parameters, args.step);
    if let Some(end) = args.end {
        if end <= template.start {
            return Err(Diagnostic::new(format!(
                "`--end {end}` must be after the start time {}",
                template.start
            ))
            .into());
        }
        template.end = end;
    }
    template.solver = template.solver.overridden(&SolverOverrides {
        method: args.solver,
        rtol: args.rtol,
        atol: args.atol,
    });
    Ok(template)
}

/// The run: the template with the `--dose`s, or the model's own doses.
fn plan(model: &Model, args: &SimulateArgs, template: &RunTemplate) -> Result<RunPlan, Failure> {
    let regimen = match args.doses.is_empty() {
        true => model.default_regimen.clone(),
        false => (model.compile_regimen(&args.doses, "--dose", &|_, _| None)).map_err(Failure)?,
    };
    Ok(template.plan(regimen.events(&template.parameters)?))
}

impl SimulateArgs {
    /// How the results are presented.
    fn settings(&self) -> Result<Settings, Failure> {
        Ok(Settings {
            parameter_set: self.params.clone(),
            linear: self.linear,
            default_output: self.output.clone(),
            max_figures: self.max_figures,
            figures: self.figure.resolve(None)?,
        })
    }

    /// The output folder: `--out`, or output/<model name>/.
    fn destination(&self, model: &Model) -> Destination {
        let path = (self.out.clone()).unwrap_or_else(|| PathBuf::from("output").join(&model.name));
        Destination {
            path,
            owner: Owner::Simulate,
            force: self.force,
            inputs: [Some(&self.model), self.data.as_ref()]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        }
    }
}

/// Writes `files` and the run's provenance into the output folder, all or nothing.
fn commit(
    destination: &Destination,
    files: &[NamedFile],
    provenance: Provenance,
) -> Result<(), Failure> {
    let mut staging = Staging::new(destination)?;
    for file in files {
        staging.write(&file.name, &file.bytes)?;
    }
    staging.record(provenance);
    staging.commit()?;
    Ok(())
}

pub fn run(args: &SimulateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    if let Some(data) = &args.data {
        super::one_standard_input(&args.model, data)?;
    }
    let (model, text) = load(&args.model)?;
    let destination = args.destination(&model);
    destination.check()?;
    let template = template(&model, args)?;
    if let Some(path) = &args.data {
        return data::run(args, (&model, &text), template, path, started);
    }
    let plan = plan(&model, args, &template)?;
    let simulation = simulate(&model, &plan).map_err(|e| failure(&model, e))?;
    let peaks = locate_peaks(&model, &plan, &simulation, &metric_columns(&model))
        .map_err(|e| failure(&model, e))?;
    let inputs = vec![prov::input(InputRole::Model, &args.model, &text)];
    let mut provenance = prov::record(Kind::Simulate, inputs, &plan.solver, started);
    provenance.add_simulation(None, &simulation);
    provenance.warnings = simulation.warnings.clone();
    let settings = args.settings()?;
    let files = present::simulation(
        &model,
        &settings,
        &plan,
        &simulation,
        &peaks,
        provenance.clone(),
    )?;
    commit(&destination, &files, provenance)?;
    if let Some(path) = &args.nonmem_out {
        nonmem::write(args, &model, &plan, &simulation, path)?;
    }
    if let (true, Some(switch)) = (console::verbose(), &simulation.method_switch) {
        console::note(crate::record::provenance::switch_text(switch));
    }
    for warning in &simulation.warnings {
        console::warn(warning);
    }
    let figures: String = (settings.figures.formats.iter())
        .map(|f| format!(", trajectory.{}", f.extension()))
        .collect();
    println!(
        "wrote {}/trajectory.csv{figures}, run.json, events.csv, metrics.csv, {PROVENANCE}",
        destination.path.display(),
    );
    Ok(())
}
