//! `cartsim fit --population`: resolves the population options (variability, Omega's blocks,
//! covariance of the estimates, SAEM's settings, a mixture, replicates), runs the FOCE-I or
//! SAEM estimation over every ID of a dataset, the visual predictive check and the NPDE from
//! replicates simulated at its estimates, and commits the files of `present::fit::population`.

use super::{FitArgs, Start, commit, destination, positive, report, warn};
use crate::cli::values::{fraction, parse_assignment};
use crate::cli::{Failure, provenance};
use crate::data::DataSubject;
use crate::diag::Diagnostic;
use crate::fit::population::{
    Covariance, FittedPopulation, Mixture, OmegaStructure, PopulationFit, PopulationMethod,
    PopulationRequest, SaemSettings, fit_population, individual_curves, npde,
    prediction_corrected_check, predictive_check, simulate_replicates,
};
use crate::fit::scales_for;
use crate::model::Model;
use crate::present::fit::{PopulationFiles, npde_warning, population, population_summary};
use crate::record::fit::VpcEntry;
use crate::record::provenance::Kind;
use clap::{Args, ValueEnum};
use nalgebra::DMatrix;

#[derive(Args)]
pub struct PopulationArgs {
    /// Estimate one population model from all IDs at once (typical values, between-subject
    /// variability, residual error) instead of one fit per ID.
    #[arg(long)]
    pub population: bool,
    /// Population estimation method.
    #[arg(long, value_enum, default_value = "focei")]
    pub method: Method,
    /// SAEM's exploration and smoothing iterations (K1,K2).
    #[arg(long, default_value = "200,300", value_parser = iteration_pair)]
    pub saem_iterations: [u32; 2],
    /// SAEM's Markov chains per subject [default: enough that subjects x chains >= 50].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub saem_chains: Option<u32>,
    /// Draws per subject for SAEM's importance-sampling -2LL.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(10..))]
    pub importance_samples: u32,
    /// A second class of IDs with its own typical value of NAME, starting at VALUE (NONMEM's
    /// $MIX; repeatable for a set of parameters; FOCE-I only).
    #[arg(long, value_parser = parse_assignment)]
    pub mixture: Vec<(String, f64)>,
    /// Starting fraction of IDs in the first class of `--mixture`.
    #[arg(long, default_value_t = 0.5, value_parser = fraction)]
    pub mixture_fraction: f64,
    /// Estimated parameters with between-subject variability, comma-separated (log-normal, or
    /// logit-normal within the model file's bounds) [default: every estimated parameter].
    #[arg(long, value_delimiter = ',')]
    pub variability: Vec<String>,
    /// Parameters whose random effects are correlated (one block of Omega), comma-separated;
    /// repeatable [default: a diagonal Omega].
    #[arg(long)]
    pub block: Vec<String>,
    /// Starting SD of each random effect (on the log or logit scale).
    #[arg(long, default_value_t = 0.3, value_parser = positive)]
    pub omega: f64,
    /// Replicates of the dataset simulated for the visual predictive check (0 for none).
    #[arg(long, default_value_t = 200)]
    pub replicates: usize,
    /// Outer iterations before the search gives up.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_iterations: u32,
    /// Which covariance of the estimates gives the standard errors and intervals.
    #[arg(long, value_enum, default_value = "hessian")]
    pub covariance: Covariance,
}

/// Population estimation methods.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// First-order conditional estimation with interaction (Laplace for BLQ observations).
    Focei,
    /// Stochastic approximation EM (MCMC for the random effects), then -2LL by importance
    /// sampling; standard errors from the FOCE-I linearization.
    Saem,
}

/// `--mixture`: estimated parameters with a second class's starting value.
fn mixture(
    args: &FitArgs,
    names: &[&str],
    method: PopulationMethod,
) -> Result<Option<Mixture>, Failure> {
    let population = &args.population;
    if population.mixture.is_empty() {
        return Ok(None);
    }
    if let PopulationMethod::Saem(_) = method {
        return Err(Diagnostic::new("`--mixture` is estimated by FOCE-I only")
            .hint("leave out `--method saem`")
            .into());
    }
    let mut parameters = Vec::new();
    for (name, _) in &population.mixture {
        match names.iter().position(|n| n == name) {
            Some(k) if !parameters.contains(&k) => parameters.push(k),
            Some(_) => {
                return Err(Diagnostic::new(format!("`--mixture` names `{name}` twice")).into());
            }
            None => {
                return Err(Diagnostic::new(format!(
                    "`--mixture {name}=...`: `{name}` is not an estimated parameter (estimated: {})",
                    names.join(", ")
                ))
                .hint(format!("add `{name}` to `--estimate`, or leave it out of `--mixture`"))
                .into());
            }
        }
    }
    Ok(Some(Mixture {
        parameters,
        initial: population.mixture.iter().map(|(_, v)| *v).collect(),
        initial_fraction: population.mixture_fraction,
    }))
}

/// Two positive counts, `K1,K2`.
fn iteration_pair(text: &str) -> Result<[u32; 2], String> {
    let counts: Vec<Option<u32>> = (text.split(','))
        .map(|part| part.trim().parse().ok().filter(|&n| n > 0))
        .collect();
    match counts[..] {
        [Some(exploration), Some(smoothing)] => Ok([exploration, smoothing]),
        _ => Err(format!(
            "`{text}` is not two positive counts (exploration,smoothing), e.g. `200,300`"
        )),
    }
}

/// The estimation method and its settings from the command line.
fn method(args: &FitArgs) -> PopulationMethod {
    let population = &args.population;
    match population.method {
        Method::Focei => PopulationMethod::Focei,
        Method::Saem => {
            let [exploration, smoothing] = population.saem_iterations;
            PopulationMethod::Saem(SaemSettings {
                exploration,
                smoothing,
                chains: population.saem_chains,
                importance_samples: population.importance_samples,
                seed: args.seed,
                ..SaemSettings::default()
            })
        }
    }
}

/// For each random effect, the index into `estimated` of its parameter.
fn random_effects(
    model: &Model,
    args: &FitArgs,
    estimated: &[usize],
) -> Result<Vec<usize>, Failure> {
    if args.population.variability.is_empty() {
        return Ok((0..estimated.len()).collect());
    }
    let mut random = Vec::new();
    let mut problems = Vec::new();
    for name in &args.population.variability {
        let position = model
            .parameter_index(name)
            .and_then(|index| estimated.iter().position(|&e| e == index));
        match position {
            Some(k) if random.contains(&k) => {
                problems.push(Diagnostic::new(format!("`--variability` names `{name}` twice")))
            }
            Some(k) => random.push(k),
            None => problems.push(
                Diagnostic::new(format!(
                    "`--variability {name}`: `{name}` is not an estimated parameter (estimated: {})",
                    args.estimate.join(", ")
                ))
                .hint(format!("add `{name}` to `--estimate`, or leave it out of `--variability`")),
            ),
        }
    }
    if problems.is_empty() {
        Ok(random)
    } else {
        Err(Failure(problems))
    }
}

/// Omega's blocks from `--block`: names must have variability, each in one block at most.
fn structure(args: &FitArgs, names: &[&str], random: &[usize]) -> Result<OmegaStructure, Failure> {
    let mut block: Vec<usize> = (0..random.len()).collect();
    let mut claimed = vec![false; random.len()];
    for (group, list) in args.population.block.iter().enumerate() {
        for name in list.split(',').map(str::trim) {
            let Some(effect) = random.iter().position(|&k| names[k] == name) else {
                return Err(Diagnostic::new(format!(
                    "`--block {list}`: `{name}` has no random effect"
                ))
                .hint("a block lists parameters named in `--variability` (or, by default, `--estimate`)")
                .into());
            };
            if claimed[effect] {
                return Err(
                    Diagnostic::new(format!("`--block`: `{name}` is in two blocks"))
                        .hint("list each parameter in one block only")
                        .into(),
                );
            }
            claimed[effect] = true;
            block[effect] = random.len() + group;
        }
    }
    Ok(OmegaStructure { block })
}

/// The dataset simulated `--replicates` times from the estimates (none for 0).
fn replicates(
    args: &FitArgs,
    request: &PopulationRequest,
    fit: &PopulationFit,
    subjects: &[DataSubject],
) -> Result<Vec<Vec<f64>>, Failure> {
    if args.population.replicates == 0 {
        return Ok(Vec::new());
    }
    let typical: Vec<f64> = (request.scales.iter().zip(&fit.typical))
        .map(|(s, &p)| s.to_theta(p))
        .collect();
    let q = request.random.len();
    let omega = DMatrix::from_row_slice(q, q, &fit.omega);
    let fitted = FittedPopulation {
        typical: &typical,
        omega: &omega,
        sigma: &fit.sigma,
        second: fit.second_class.as_ref(),
    };
    simulate_replicates(
        request,
        subjects,
        &fitted,
        args.population.replicates,
        args.seed,
    )
    .map_err(|message| {
        Diagnostic::new(format!("the visual predictive check failed: {message}")).into()
    })
}

/// The population fit, its predictive check and its files.
pub(super) fn run(args: &FitArgs, start: Start) -> Result<(), Failure> {
    let (model, subjects) = (start.model, &start.dataset.subjects);
    let names: Vec<&str> = (start.estimated.iter())
        .map(|&i| model.parameters[i].name.as_str())
        .collect();
    let random = random_effects(model, args, &start.estimated)?;
    let structure = structure(args, &names, &random)?;
    let method = method(args);
    let request = PopulationRequest {
        model,
        scales: scales_for(model, &start.estimated),
        estimated: start.estimated,
        initial_omega: vec![args.population.omega; random.len()],
        random,
        structure,
        template: start.template,
        initial_sigma: start.initial_sigma,
        error: args.error,
        blq: args.blq,
        gradient: start.gradient,
        max_iterations: args.population.max_iterations,
        method,
        covariance: args.population.covariance,
        mixture: mixture(args, &names, method)?,
    };
    let fit = fit_population(&request, subjects).map_err(|message| {
        Diagnostic::new(format!("the population fit failed: {message}"))
            .hint("check the starting values (`--set`, `--omega`, `--sigma`) and the data's units")
    })?;
    let simulated = replicates(args, &request, &fit, subjects)?;
    let check = predictive_check(start.dataset, &simulated);
    let pred: Vec<f64> = (fit.subjects.iter())
        .flat_map(|s| s.residuals.iter().map(|r| r.pred))
        .collect();
    let corrected = prediction_corrected_check(start.dataset, &simulated, &pred);
    let npde = npde(subjects, &simulated, args.error, args.seed);
    let curves = individual_curves(&request, &fit, subjects).map_err(Diagnostic::new)?;
    let files = PopulationFiles {
        request: &request,
        fit: &fit,
        curves: &curves,
        check: check.as_ref(),
        corrected: corrected.as_ref(),
        npde: npde.as_ref(),
        omega_blocks: &args.population.block,
        vpc: VpcEntry {
            replicates: args.population.replicates,
            seed: args.seed,
        },
    };
    let solver = &request.template.solver;
    let base = provenance::record(Kind::Population, start.inputs, solver, start.started);
    let presented = population(&files, &start.settings, base)?;
    let destination = destination(args, model);
    commit(&destination, presented)?;
    warn(start.dataset);
    if let Some(warning) = npde.as_ref().and_then(npde_warning) {
        crate::cli::console::warn(warning);
    }
    print!("{}", population_summary(&fit, npde.as_ref()));
    println!(
        "wrote {}: estimates.csv, subjects.csv, predictions.csv, population.json, figures/",
        destination.path.display()
    );
    report(args, &destination.path)
}
