//! `cartsim sensitivity`: local coefficients, Morris screening or Sobol' indices of a run
//! file's metrics, in parallel and reproducibly, with CSV tables, figures and provenance.

mod figures;

use super::Failure;
use super::run::{LoadedStudy, load_study};
use crate::diag::Diagnostic;
use crate::gsa::{
    Evaluator, Method, Overrides, Setup, evaluation_count, local, local_curves_csv,
    local_metrics_csv, morris, morris_csv, setup, sobol, sobol_csv,
};
use crate::model::{Model, Regimen};
use crate::output::{Destination, Owner, Staging};
use crate::spec::{Loaded, RunSpec, load_yaml};
use crate::study::Study;
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Normalized coefficients d log metric / d log parameter, a tornado chart of +-X% changes
    /// and coefficients of the outputs over time.
    Local,
    /// Elementary-effects screening (mu*, sigma) over the parameter ranges.
    Morris,
    /// First-order and total Sobol' indices with 95% bootstrap intervals.
    Sobol,
}

#[derive(Args)]
pub struct SensitivityArgs {
    /// The run file (its `sensitivity:` block gives defaults for the options below).
    pub run: PathBuf,
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Parameters to analyse, comma-separated (default: those with `sensitivity.bounds`, then
    /// those with variability).
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub parameters: Option<Vec<String>>,
    /// Metrics, comma-separated: metric columns (cmax, auc_0_28, nadir, ...) or OUTPUT@TIME.
    #[arg(long, value_delimiter = ',', value_name = "M,...")]
    pub metrics: Option<Vec<String>>,
    /// Sobol': base samples N (runs N (k + 2)); Morris: trajectories r (runs r (k + 1));
    /// 2 to 10,000,000.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    pub n: Option<u64>,
    /// Seed of the sampling and the bootstrap (default: the population's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Local: the fractional change of the tornado chart, strictly between 0 and 1 (default
    /// 0.2, i.e. +-20%).
    #[arg(long, value_parser = super::values::fraction)]
    pub change: Option<f64>,
    /// The scenario analysed (default: the run file's first).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Output folder (default: output/<run file name>_sensitivity).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a sensitivity analysis.
    #[arg(long)]
    pub force: bool,
    /// Worker threads, at most 1024 (default, or 0: all cores); the numbers do not depend on it.
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
}

/// The sensitivity model of the analysed parameters and the arm's doses compiled against it,
/// or why the forward sensitivity equations cannot be used.
fn forward_system(
    study: &Study,
    run: &Loaded<RunSpec>,
    setup: &Setup,
) -> Result<(Model, Regimen), String> {
    let indices: Vec<usize> = setup.parameters.iter().map(|(k, _)| *k).collect();
    let model = study.model.sensitivity_model(&indices)?;
    let scenario = &study.arms[setup.arm].scenario;
    let regimen = match run
        .spec
        .scenarios
        .get(scenario)
        .and_then(|s| s.doses.as_ref())
    {
        Some(doses) => model
            .compile_regimen(doses, &format!("scenarios.{scenario}.doses"), &|_, _| None)
            .map_err(|d| d.first().map(|d| d.message.clone()).unwrap_or_default())?,
        None => model.default_regimen.clone(),
    };
    Ok((model, regimen))
}

pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let LoadedStudy {
        study,
        run_text,
        inputs,
        ..
    } = load_study(&args.run, &[])?;
    let run: Loaded<RunSpec> =
        load_yaml(&args.run.display().to_string(), &run_text).map_err(Failure)?;
    let method = match args.method {
        MethodArg::Local => Method::Local,
        MethodArg::Morris => Method::Morris,
        MethodArg::Sobol => Method::Sobol,
    };
    let overrides = Overrides {
        scenario: args.scenario.clone(),
        parameters: args.parameters.clone(),
        metrics: args.metrics.clone(),
        change: args.change,
        n: args.n,
        seed: args.seed,
    };
    let setup = setup(&run, &study, &overrides, method).map_err(Failure)?;
    let directory = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .run
            .file_stem()
            .map_or("run".into(), |s| s.to_string_lossy().to_string());
        PathBuf::from("output").join(format!("{stem}_sensitivity"))
    });
    let (pool, threads) = super::worker_pool(args.threads)?;
    let total = evaluation_count(&setup, method);
    let bar = super::progress_bar(total, "simulations");
    let progress = || bar.inc(1);
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Sensitivity,
        force: args.force,
    })?;
    let arm_label = study.arms[setup.arm].label(&study.grid_names);
    let (failures, details) = match method {
        Method::Local => {
            let system = forward_system(&study, &run, &setup);
            let forward = system.as_ref().map(|(m, r)| (m, r)).map_err(String::clone);
            let result = pool.install(|| local(&study, &setup, forward, &progress));
            staging.write(
                "local_metrics.csv",
                local_metrics_csv(&setup, &result).as_bytes(),
            )?;
            staging.write(
                "local_over_time.csv",
                local_curves_csv(&study, &setup, &result).as_bytes(),
            )?;
            for (name, png) in figures::local(&study, &setup, &result, &arm_label)? {
                staging.write(&name, &png)?;
            }
            let details = json!({"step_in_log_parameter": crate::gsa::LOCAL_STEP, "rtol": study.plan.solver.rtol.min(crate::gsa::LOCAL_RTOL),
                "change": setup.change, "curves": result.curve_method});
            (result.failures, details)
        }
        Method::Morris => {
            let result = pool.install(|| morris(&study, &setup, &progress));
            staging.write("morris.csv", morris_csv(&setup, &result).as_bytes())?;
            for (name, png) in figures::morris(&setup, &result, &arm_label)? {
                staging.write(&name, &png)?;
            }
            let details = json!({"trajectories": result.design.trajectories, "levels": result.design.levels, "delta": result.design.delta()});
            (result.failures, details)
        }
        Method::Sobol => {
            let outcome = pool.install(|| sobol(&study, &setup, &progress));
            staging.write("sobol.csv", sobol_csv(&setup, &outcome).as_bytes())?;
            for (name, png) in figures::sobol(&setup, &outcome, &arm_label)? {
                staging.write(&name, &png)?;
            }
            for (metric, result) in setup.metrics.iter().zip(&outcome.indices) {
                if let Err(message) = result {
                    eprintln!(
                        "warning: no Sobol' indices for `{}`: {message}",
                        metric.name()
                    );
                }
            }
            let not_estimated: serde_json::Map<String, serde_json::Value> = setup
                .metrics
                .iter()
                .zip(&outcome.indices)
                .filter_map(|(m, r)| r.as_ref().err().map(|e| (m.name().to_string(), json!(e))))
                .collect();
            let details = json!({"base_samples": setup.n, "design": "Saltelli (A, B, A_B^i) from seeded uniform samples", "estimators": "Jansen",
                "bootstrap": {"resamples": outcome.bootstrap.resamples, "confidence": outcome.bootstrap.confidence, "interval": "percentile"},
                "not_estimated": not_estimated});
            (outcome.failures, details)
        }
    };
    bar.finish_and_clear();
    if failures.count == total as usize {
        return Err(Diagnostic::new(format!(
            "every simulation failed; the first: {}",
            failures.first.unwrap_or_default()
        ))
        .hint("run the scenario with `cartsim run` first, or narrow the parameter ranges")
        .into());
    }
    let nominal = Evaluator::new(&study, &study.arms[setup.arm], Vec::new()).nominal;
    let record = json!({
        "cartsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "inputs": inputs,
        "method": format!("{method:?}").to_lowercase(),
        "scenario": arm_label,
        "parameters": setup.parameters.iter().map(|(k, name)| json!({"name": name, "nominal": nominal[*k]})).collect::<Vec<_>>(),
        "ranges": setup.ranges.iter().map(|r| json!({"parameter": r.name, "min": r.value(0.0), "max": r.value(1.0), "scale": r.scale(), "source": r.source()})).collect::<Vec<_>>(),
        "metrics": setup.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "seed": setup.seed,
        "settings": details,
        "simulations": total,
        "failed_simulations": failures.count,
        "first_failure": failures.first,
        "threads": threads,
        "wall_time_seconds": started.elapsed().as_secs_f64(),
    });
    staging.write(
        "sensitivity.json",
        (serde_json::to_string_pretty(&record).unwrap_or_default() + "\n").as_bytes(),
    )?;
    staging.commit()?;
    if failures.count > 0 {
        eprintln!(
            "warning: {} of {total} simulations failed (their metrics are left out); the first: {}",
            failures.count,
            failures.first.unwrap_or_default()
        );
    }
    println!(
        "wrote {}: {} sensitivity of {} parameters x {} metrics in scenario {arm_label} ({total} simulations in {:.1} s)",
        directory.display(),
        format!("{method:?}").to_lowercase(),
        setup.parameters.len(),
        setup.metrics.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
