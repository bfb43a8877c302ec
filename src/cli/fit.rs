//! `cartsim fit MODEL --data FILE --estimate a,b,...`: maximum-likelihood fits of each ID of a
//! NONMEM-style dataset, in parallel. Writes, all or nothing, estimates.csv, predictions.csv,
//! fit.json and goodness-of-fit figures; a failed ID is reported and the others still finish.

mod files;
mod population;
mod population_files;
mod vpc;

use super::dataset::DataArgs;
use super::values::{
    output_index, parameter_values, parse_assignment, positive, unknown_parameter,
};
use super::{Failure, load};
use crate::data::Dataset;
use crate::diag::Diagnostic;
use crate::fit::likelihood::{BlqMethod, ErrorModel};
use crate::fit::{
    DEFAULT_STARTS, FitRequest, FitSettings, Gradient, Scale, SearchSettings, fit_subjects,
    scales_for,
};
use crate::model::Model;
use crate::output::{Destination, Owner};
use crate::report::Format;
use crate::simulate::RunPlan;
use crate::spec::SolverName;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

/// Default relative tolerance of fits: predictions and their derivatives must be accurate well
/// beyond the data's noise for the search's convergence test (1e-9 relative in -2LL).
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
    /// Seed of the random starts (those beyond the fixed pattern).
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
}

impl FitArgs {
    /// The output folder: `--out`, or output/<model name>_fit (_population).
    fn out_folder(&self, model: &Model) -> PathBuf {
        let suffix = if self.population.population {
            "population"
        } else {
            "fit"
        };
        (self.out.clone())
            .unwrap_or_else(|| PathBuf::from("output").join(format!("{}_{suffix}", model.name)))
    }

    fn destination(&self, model: &Model) -> Destination {
        Destination {
            path: self.out_folder(model),
            owner: Owner::Fit,
            force: self.force,
        }
    }

    fn gradient_is_sensitivity(&self) -> bool {
        self.gradient == GradientChoice::Sensitivity
    }
}

/// `--gradient`: forward sensitivity equations (falling back to finite differences, with a
/// note, for models they refuse), or finite differences throughout.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GradientChoice {
    Sensitivity,
    FiniteDifference,
}

/// The estimated parameters' indices, each checked: known, and estimable on its scale.
fn estimated(model: &Model, args: &FitArgs, start: &[f64]) -> Result<Vec<usize>, Failure> {
    let mut indices = Vec::new();
    let mut problems = Vec::new();
    for name in &args.estimate {
        let Some(index) = model.parameter_index(name) else {
            problems.push(unknown_parameter(
                model,
                &format!("--estimate {name}"),
                name,
            ));
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
        Err(Failure(problems))
    }
}

/// Starting residual SDs: `--sigma`, or defaults from the error model and the data.
fn initial_sigma(args: &FitArgs, dataset: &Dataset) -> Result<Vec<f64>, Failure> {
    let wanted = args.error.parameter_names();
    if !args.sigma.is_empty() {
        if args.sigma.len() != wanted.len() {
            return Err(Diagnostic::new(format!(
                "`--sigma` gives {} value(s) but the {:?} error model has {}: {}",
                args.sigma.len(),
                args.error,
                wanted.len(),
                wanted.join(", ")
            ))
            .into());
        }
        return Ok(args.sigma.clone());
    }
    let mut observed: Vec<f64> = (dataset.subjects.iter())
        .flat_map(|s| s.observations.iter())
        .filter(|o| !o.censored && o.value.is_finite())
        .map(|o| o.value.abs())
        .collect();
    observed.sort_by(f64::total_cmp);
    let median = observed.get(observed.len() / 2).copied().unwrap_or(1.0);
    let additive = (0.1 * median).max(f64::MIN_POSITIVE);
    Ok(match args.error {
        ErrorModel::LogAdditive => vec![0.5],
        ErrorModel::Proportional => vec![0.3],
        ErrorModel::Additive => vec![additive],
        ErrorModel::Combined => vec![0.1 * additive, 0.3],
    })
}

/// The template every subject's plan starts from: the model's run with the fit's tolerances,
/// no output grid of its own, ending at its start (the data set each span).
fn template(model: &Model, args: &FitArgs, parameters: Vec<f64>) -> Result<RunPlan, Failure> {
    let mut plan = RunPlan::for_model(model, parameters, &model.default_regimen, None)?;
    plan.end = plan.start;
    plan.times = Some(Vec::new());
    plan.doses.clear();
    let solver = &mut plan.solver;
    solver.method = args.solver.unwrap_or(solver.method);
    solver.rtol = args.rtol.unwrap_or(solver.rtol.min(FIT_RTOL));
    solver.atol = args.atol.unwrap_or(solver.atol);
    Ok(plan)
}

pub fn fit(args: &FitArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let (model, text) = load(&args.model)?;
    args.destination(&model).check()?;
    let default_output = (args.output.as_deref())
        .map(|name| output_index(&model, name))
        .transpose()?;
    let log_scale = args.error == ErrorModel::LogAdditive;
    let options = args.dataset.options(default_output, log_scale);
    let (dataset, data) = super::dataset::read(&args.data, &model, &options)?;
    let parameters = parameter_values(&model, args.params.as_deref(), &args.set)?;
    let estimated = estimated(&model, args, &parameters)?;
    let initial_sigma = initial_sigma(args, &dataset)?;
    let template = template(&model, args, parameters)?;
    let (sensitivity, fallback) = match args.gradient {
        GradientChoice::FiniteDifference => (None, None),
        GradientChoice::Sensitivity => match model.sensitivity_model(&estimated) {
            Ok(sensitivity) => (Some(sensitivity), None),
            Err(reason) => (None, Some(reason)),
        },
    };
    if let Some(reason) = &fallback {
        eprintln!("note: finite-difference gradients: {reason}");
    }
    let gradient = sensitivity
        .as_ref()
        .map_or(Gradient::FiniteDifference, Gradient::Sensitivity);
    let (pool, _) = super::worker_pool(args.threads)?;
    if args.population.population {
        let inputs = population::Inputs {
            model: &model,
            model_text: &text,
            args,
            data: &data,
            dataset: &dataset,
            gradient_fallback: fallback.as_deref(),
        };
        return pool.install(|| {
            population::run(
                &inputs,
                estimated,
                template,
                initial_sigma,
                gradient,
                started,
            )
        });
    }
    let request = FitRequest {
        model: &model,
        scales: scales_for(&model, &estimated),
        estimated,
        template,
        initial_sigma,
        settings: FitSettings {
            error: args.error,
            blq: args.blq,
            starts: args.starts as usize,
            seed: args.seed,
            search: SearchSettings::default(),
        },
        gradient,
    };
    let fits = pool.install(|| fit_subjects(&request, &dataset.subjects));
    let inputs = files::Inputs {
        model: &model,
        model_text: &text,
        args,
        data: &data,
        dataset: &dataset,
        request: &request,
        gradient_fallback: fallback.as_deref(),
    };
    let directory = args.out_folder(&model);
    files::write(&inputs, &fits, &args.destination(&model), started)?;
    let failed: Vec<&str> = (fits.iter())
        .filter(|f| f.result.is_err())
        .map(|f| f.id.as_str())
        .collect();
    for warning in &dataset.warnings {
        eprintln!("warning: {warning}");
    }
    let disagreeing = (fits.iter()).filter_map(|f| f.result.as_ref().ok().map(|s| (f, s)));
    for (f, subject) in disagreeing.filter(|(_, s)| !s.fit.starts.agree) {
        eprintln!(
            "warning: ID {}: the best of {} searches was reached by only {}: the likelihood has \
             several optima (see the ID's line and fit.json); check the estimates or try more `--starts`",
            f.id, subject.fit.starts.finished, subject.fit.starts.reaching_best
        );
    }
    print!("{}", files::summary(&fits));
    println!(
        "wrote {}: estimates.csv, predictions.csv, fit.json, figures/",
        directory.display()
    );
    if !failed.is_empty() && failed.len() == fits.len() {
        return Err(
            Diagnostic::new(format!("every ID failed to fit ({})", failed.join(", ")))
                .hint("see the reasons above and in fit.json; check starting values and units")
                .into(),
        );
    }
    if args.report {
        let report = super::report::write_report(&directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}

/// Whether an estimated parameter's scale is the log scale (for the summary's notes).
pub(super) fn scale_name(scale: Scale) -> &'static str {
    match scale {
        Scale::Log => "log",
        Scale::Bounded { .. } => "logit within bounds",
    }
}
