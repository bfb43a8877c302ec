//! `cartsim fit --population`: nonlinear mixed-effects estimation (FOCE-I) over every ID of a
//! dataset, then a visual predictive check simulated from the estimates; what it writes is in
//! `population_files` and `vpc`.

use super::{FitArgs, population_files, vpc};
use crate::cli::Failure;
use crate::cli::values::positive;
use crate::data::Dataset;
use crate::diag::Diagnostic;
use crate::fit::population::{
    FittedPopulation, OmegaStructure, PopulationFit, PopulationRequest, fit_population,
    simulate_replicates,
};
use crate::fit::{Gradient, scales_for};
use crate::model::Model;
use crate::simulate::RunPlan;
use clap::{Args, ValueEnum};
use nalgebra::DMatrix;
use std::fmt::Write;
use std::time::Instant;

#[derive(Args)]
pub struct PopulationArgs {
    /// Estimate one population model from all IDs at once (typical values, between-subject
    /// variability, residual error) instead of one fit per ID.
    #[arg(long)]
    pub population: bool,
    /// Population estimation method: FOCE with interaction.
    #[arg(long, value_enum, default_value = "focei")]
    pub method: Method,
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
}

/// Population estimation methods.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// First-order conditional estimation with interaction (Laplace for BLQ observations).
    Focei,
}

/// What the population files describe besides the fit itself.
pub(super) struct Inputs<'a> {
    pub model: &'a Model,
    pub model_text: &'a str,
    pub args: &'a FitArgs,
    pub data: &'a crate::cli::dataset::DataFile,
    pub dataset: &'a Dataset,
    pub gradient_fallback: Option<&'a str>,
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
fn structure(
    args: &FitArgs,
    names: &[String],
    random: &[usize],
) -> Result<OmegaStructure, Failure> {
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

pub(super) fn run(
    inputs: &Inputs,
    estimated: Vec<usize>,
    template: RunPlan,
    initial_sigma: Vec<f64>,
    gradient: Gradient,
    started: Instant,
) -> Result<(), Failure> {
    let (model, args) = (inputs.model, inputs.args);
    let names: Vec<String> = estimated
        .iter()
        .map(|&i| model.parameters[i].name.clone())
        .collect();
    let random = random_effects(model, args, &estimated)?;
    let structure = structure(args, &names, &random)?;
    let request = PopulationRequest {
        model,
        scales: scales_for(model, &estimated),
        estimated,
        initial_omega: vec![args.population.omega; random.len()],
        random,
        structure,
        template,
        initial_sigma,
        error: args.error,
        blq: args.blq,
        gradient,
        max_iterations: args.population.max_iterations,
    };
    let subjects = &inputs.dataset.subjects;
    let fit = fit_population(&request, subjects).map_err(|message| {
        Diagnostic::new(format!("the population fit failed: {message}"))
            .hint("check the starting values (`--set`, `--omega`, `--sigma`) and the data's units")
    })?;
    let simulated = if args.population.replicates > 0 {
        let typical: Vec<f64> = (request.scales.iter().zip(&fit.typical))
            .map(|(s, &p)| s.to_theta(p))
            .collect();
        let q = request.random.len();
        let omega = DMatrix::from_row_slice(q, q, &fit.omega);
        let fitted = FittedPopulation {
            typical: &typical,
            omega: &omega,
            sigma: &fit.sigma,
        };
        simulate_replicates(
            &request,
            subjects,
            &fitted,
            args.population.replicates,
            args.seed,
        )
        .map_err(|message| {
            Diagnostic::new(format!("the visual predictive check failed: {message}"))
        })?
    } else {
        Vec::new()
    };
    let check = vpc::check(inputs.dataset, &simulated);
    let directory = args.out_folder(model);
    let destination = args.destination(model);
    population_files::write(
        inputs,
        &request,
        &fit,
        check.as_ref(),
        &destination,
        started,
    )?;
    for warning in &inputs.dataset.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", summary(&fit));
    println!(
        "wrote {}: estimates.csv, subjects.csv, predictions.csv, population.json, figures/",
        directory.display()
    );
    if args.report {
        let report =
            crate::cli::report::write_report(&directory, crate::report::Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}

/// The estimates, one per line, after the objective and convergence.
fn summary(fit: &PopulationFit) -> String {
    let flag = if fit.converged {
        "converged"
    } else {
        "NOT CONVERGED"
    };
    let mut text = format!(
        "FOCE-I: {flag} ({}), -2LL {:.4}, AIC {:.4}, BIC {:.4}, {} observations, {} IDs, {} iterations, {} objective evaluations\n",
        fit.status,
        fit.minus_2_log_likelihood,
        fit.aic,
        fit.bic,
        fit.observations,
        fit.subjects.len(),
        fit.iterations,
        fit.evaluations
    );
    for e in &fit.estimates {
        let _ = write!(
            text,
            "  {:<24} {:>12.5e}  RSE {:>6.1}%  95% CI [{:.4e}, {:.4e}]",
            e.name, e.value, e.rse_percent, e.low, e.high
        );
        if e.cv_percent.is_finite() {
            let _ = write!(text, "  CV {:.1}%", e.cv_percent);
        }
        if e.shrinkage_percent.is_finite() {
            let _ = write!(text, "  shrinkage {:.1}%", e.shrinkage_percent);
        }
        text.push('\n');
    }
    text
}
