//! `cartsim fit MODEL --data FILE --estimate a,b,...`: resolves the command line into what to
//! estimate and how, fits each ID of a NONMEM-style dataset in parallel (or all IDs at once
//! with `--population`, see `population`), and commits the files of `present::fit`, all or
//! nothing; a failed ID is reported and the others still finish.

mod population;

use super::dataset::{DataArgs, DataFile};
use super::values::{parameter_values, parse_assignment, positive};
use super::{Failure, console, load, provenance};
use crate::data::Dataset;
use crate::diag::Diagnostic;
use crate::fit::likelihood::{BlqMethod, ErrorModel};
use crate::fit::{
    DEFAULT_STARTS, FitRequest, FitSettings, Gradient, Intervals, SearchSettings, fit_subjects,
    scales_for,
};
use crate::model::Model;
use crate::output::{Destination, Owner, Staging, sha256_hex};
use crate::present::fit::{Presented, Settings, individual, individual_summary};
use crate::record::provenance::{InputFile, InputRole, Kind};
use crate::report::Format;
use crate::simulate::RunTemplate;
use crate::solver::SolverOverrides;
use crate::spec::SolverName;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Default relative tolerance of fits (the model file's, when tighter): predictions and their
/// derivatives must be accurate well beyond the data's noise for the search's convergence test
/// (1e-9 relative in -2LL).
const FIT_RTOL: f64 = 1e-8;

#[derive(Args)]
pub struct FitArgs {
    /// The model file (YAML).
    model: PathBuf,
    /// The NONMEM-style dataset (CSV): doses, covariates and observations per ID.
    #[arg(long)]
    data: PathBuf,
    /// Parameters to estimate, comma-separated (on the log scale, or the logit scale of the
    /// model file's `bounds`); their values in the model file (or `--params`, `--set`) are the
    /// starting values.
    #[arg(long, value_delimiter = ',', required = true)]
    estimate: Vec<String>,
    /// The model output observations without a DVID belong to.
    #[arg(long)]
    output: Option<String>,
    /// Residual error model.
    #[arg(long, value_enum, default_value = "log-additive")]
    error: ErrorModel,
    /// Observations below the LLOQ: M3 likelihood, dropped, or replaced by LLOQ/2.
    #[arg(long, value_enum, default_value = "m3")]
    blq: BlqMethod,
    /// Starting residual SD(s), comma-separated in the order of the error model's parameters
    /// (combined: additive, proportional) [default: 0.5 log-additive, 0.3 proportional, 10% of
    /// the median observation additive].
    #[arg(long, value_delimiter = ',', value_parser = positive)]
    sigma: Vec<f64>,
    /// Searches per ID: from the starting values, then from each estimated parameter moved by
    /// a factor e up and down in a fixed pattern, then from random perturbations; the best end
    /// point wins, and an ID whose searches mostly end elsewhere is flagged.
    #[arg(long, default_value_t = DEFAULT_STARTS as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    starts: u32,
    /// Seed of the random starts (those beyond the fixed pattern); with `--population`, of
    /// SAEM's chains and importance draws and of the predictive check's replicates.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 95% intervals of an individual fit's estimates: Wald, or profile likelihood (each end
    /// found by refitting the others with the quantity held; slower).
    #[arg(
        long,
        value_enum,
        default_value = "wald",
        conflicts_with = "population"
    )]
    intervals: Intervals,
    /// How predictions are differentiated.
    #[arg(long, value_enum, default_value = "sensitivity")]
    gradient: GradientChoice,
    /// Use a named parameter set of the model.
    #[arg(long)]
    params: Option<String>,
    /// Override a parameter: NAME=VALUE (repeatable).
    #[arg(long = "set", value_parser = parse_assignment)]
    set: Vec<(String, f64)>,
    /// Integration method [default: the model file's].
    #[arg(long, value_enum)]
    solver: Option<SolverName>,
    /// Relative tolerance [default: the smaller of the model file's and 1e-8].
    #[arg(long, value_parser = positive)]
    rtol: Option<f64>,
    /// Absolute tolerance (state units) [default: the model file's].
    #[arg(long, value_parser = positive)]
    atol: Option<f64>,
    /// Worker threads, at most 1024 [default, or 0: all cores].
    #[arg(long, value_parser = super::thread_count)]
    threads: Option<usize>,
    /// Output folder [default: output/<model name>_fit/, or _population/ with --population].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a fit's result.
    #[arg(long)]
    force: bool,
    /// Also write report.html (as `cartsim report` does) at the end.
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    dataset: DataArgs,
    #[command(flatten)]
    population: population::PopulationArgs,
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

/// `--gradient`: forward sensitivity equations (falling back to finite differences, with a
/// note, for models they refuse), or finite differences throughout.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GradientChoice {
    Sensitivity,
    FiniteDifference,
}

/// What an individual or population fit starts from, resolved from the command line.
struct Start<'a> {
    model: &'a Model,
    dataset: &'a Dataset,
    estimated: Vec<usize>,
    initial_sigma: Vec<f64>,
    template: RunTemplate,
    gradient: Gradient<'a>,
    /// What the records say about how the fit was asked for.
    settings: Settings,
    /// The model and data files, for provenance.json.
    inputs: Vec<InputFile>,
    started: Instant,
}

/// The output folder: `--out`, or output/<model name>_fit (_population).
fn destination(args: &FitArgs, model: &Model) -> Destination {
    let suffix = if args.population.population {
        "population"
    } else {
        "fit"
    };
    let folder = PathBuf::from("output").join(format!("{}_{suffix}", model.name));
    Destination {
        path: args.out.clone().unwrap_or(folder),
        owner: Owner::Fit,
        force: args.force,
        inputs: vec![args.model.clone(), args.data.clone()],
    }
}

/// The template every subject's plan starts from: the model's start and solver with the fit's
/// tolerances and the command line's solver settings (the data set each span and grid).
fn template(model: &Model, args: &FitArgs, parameters: Vec<f64>) -> RunTemplate {
    let overrides = SolverOverrides {
        method: args.solver,
        rtol: Some(args.rtol.unwrap_or(model.simulation.rtol.min(FIT_RTOL))),
        atol: args.atol,
    };
    RunTemplate::for_data(model, parameters, &overrides)
}

/// The command-line name of a value of a `clap::ValueEnum`.
fn option_name(value: &impl ValueEnum) -> String {
    (value.to_possible_value()).map_or_else(String::new, |v| v.get_name().to_string())
}

/// What the records say about the fit's settings.
fn settings(
    args: &FitArgs,
    text: &str,
    data: (&DataFile, &Dataset),
    fallback: Option<String>,
) -> Result<Settings, Failure> {
    Ok(Settings {
        model_file: args.model.display().to_string(),
        model_sha256: sha256_hex(text.as_bytes()),
        data: data.0.facts(data.1),
        parameter_set: args.params.clone(),
        error_model: option_name(&args.error),
        blq: option_name(&args.blq),
        sensitivity: args.gradient == GradientChoice::Sensitivity && fallback.is_none(),
        gradient_fallback: fallback,
        figures: args.figure.resolve(None)?,
    })
}

pub fn fit(args: &FitArgs) -> Result<(), Failure> {
    let started = Instant::now();
    super::one_standard_input(&args.model, &args.data)?;
    let (model, text) = load(&args.model)?;
    destination(args, &model).check()?;
    let default_output = (args.output.as_deref())
        .map(|name| model.output_index(name))
        .transpose()?;
    let log_scale = args.error == ErrorModel::LogAdditive;
    let options = args.dataset.options(default_output, log_scale);
    let (dataset, data) = super::dataset::read(&args.data, &model, &options)?;
    let parameters = parameter_values(&model, args.params.as_deref(), &args.set)?;
    let estimated =
        crate::fit::estimated_indices(&model, &args.estimate, &parameters).map_err(Failure)?;
    crate::fit::refuse_time_varying(&model, &estimated, &dataset.subjects).map_err(Failure)?;
    let wanted = args.gradient == GradientChoice::Sensitivity;
    let (sensitivity, fallback) = crate::fit::sensitivity_or_fallback(&model, &estimated, wanted);
    if let Some(reason) = &fallback {
        console::note(format_args!("finite-difference gradients: {reason}"));
    }
    let start = Start {
        model: &model,
        dataset: &dataset,
        initial_sigma: crate::fit::initial_sigma(args.error, &args.sigma, &dataset.subjects)?,
        template: template(&model, args, parameters),
        estimated,
        gradient: (sensitivity.as_ref()).map_or(Gradient::FiniteDifference, Gradient::Sensitivity),
        settings: settings(args, &text, (&data, &dataset), fallback)?,
        inputs: vec![
            provenance::input(InputRole::Model, &args.model, &text),
            data.input(),
        ],
        started,
    };
    let (pool, _) = super::worker_pool(args.threads)?;
    if args.population.population {
        pool.install(|| population::run(args, start))
    } else {
        pool.install(|| individuals(args, start))
    }
}

/// One fit per ID.
fn individuals(args: &FitArgs, start: Start) -> Result<(), Failure> {
    let request = FitRequest {
        model: start.model,
        scales: scales_for(start.model, &start.estimated),
        estimated: start.estimated,
        template: start.template,
        initial_sigma: start.initial_sigma,
        settings: FitSettings {
            error: args.error,
            blq: args.blq,
            starts: args.starts as usize,
            seed: args.seed,
            search: SearchSettings::default(),
            intervals: args.intervals,
        },
        gradient: start.gradient,
    };
    let fits = fit_subjects(&request, &start.dataset.subjects);
    let solver = &request.template.solver;
    let base = provenance::record(Kind::Fit, start.inputs, solver, start.started);
    let presented = individual(&request, &fits, &start.settings, base)?;
    let destination = destination(args, start.model);
    commit(&destination, presented)?;
    warn(start.dataset);
    let disagreeing = (fits.iter()).filter_map(|f| f.result.as_ref().ok().map(|s| (f, s)));
    for (f, subject) in disagreeing.filter(|(_, s)| !s.fit.starts.agree) {
        console::warn(format_args!(
            "ID {}: the best of {} searches was reached by only {}: the likelihood has \
             several optima (see the ID's line and fit.json); check the estimates or try more `--starts`",
            f.id, subject.fit.starts.finished, subject.fit.starts.reaching_best
        ));
    }
    print!("{}", individual_summary(&fits, args.intervals));
    println!(
        "wrote {}: estimates.csv, predictions.csv, fit.json, figures/",
        destination.path.display()
    );
    let failed: Vec<&str> = (fits.iter())
        .filter(|f| f.result.is_err())
        .map(|f| f.id.as_str())
        .collect();
    if !failed.is_empty() && failed.len() == fits.len() {
        return Err(
            Diagnostic::new(format!("every ID failed to fit ({})", failed.join(", ")))
                .hint("see the reasons above and in fit.json; check starting values and units")
                .into(),
        );
    }
    report(args, &destination.path)
}

/// Writes every file, then provenance.json, or none.
fn commit(destination: &Destination, presented: Presented) -> Result<(), Failure> {
    let mut staging = Staging::new(destination)?;
    for file in &presented.files {
        staging.write(&file.name, &file.bytes)?;
    }
    staging.record(presented.provenance);
    staging.commit()?;
    Ok(())
}

/// The dataset's warnings, on stderr.
fn warn(dataset: &Dataset) {
    for warning in &dataset.warnings {
        console::warn(warning);
    }
}

/// With `--report`, report.html beside the files.
fn report(args: &FitArgs, directory: &Path) -> Result<(), Failure> {
    if args.report {
        let report = super::report_files::write_report(directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}
