//! `cartsim sensitivity`: local coefficients, Morris screening or Sobol' indices of a run
//! file's metrics, in parallel and reproducibly, with CSV tables, figures and provenance.

use super::run_files::{LoadedStudy, default_folder, load_study, write_all};
use super::{Failure, provenance};
use crate::diag::{Severity, count};
use crate::output::{Destination, Owner, Staging};
use crate::present::failed_simulations;
use crate::present::sensitivity::{self as present, Analysis, RecordSettings};
use crate::record::{Record, sensitivity::SensitivityRecord, to_json};
use crate::sensitivity::{
    Method, Overrides, Setup, evaluation_count, forward_system, local, morris, setup, sobol,
};
use clap::{Args, ValueEnum};
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
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

/// Runs the analysis of `method` in the worker pool, counting simulations on `bar`.
fn analyse(
    loaded: &LoadedStudy,
    setup: &Setup,
    method: Method,
    pool: &rayon::ThreadPool,
    bar: &indicatif::ProgressBar,
) -> Analysis {
    let study = &loaded.study;
    let progress = || bar.inc(1);
    match method {
        Method::Local => {
            let system = forward_system(study, &loaded.run, setup);
            let forward = system.as_ref().map(|(m, r)| (m, r)).map_err(String::clone);
            Analysis::Local(pool.install(|| local(study, setup, forward, &progress)))
        }
        Method::Morris => Analysis::Morris(pool.install(|| morris(study, setup, &progress))),
        Method::Sobol => Analysis::Sobol(pool.install(|| sobol(study, setup, &progress))),
    }
}

pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let loaded = load_study(&args.run, &[])?;
    let study = &loaded.study;
    let look = args.figure.resolve(loaded.run.spec.figures.as_ref())?;
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
    let setup = setup(&loaded.run, study, &overrides, method).map_err(Failure)?;
    let directory = (args.out.clone()).unwrap_or_else(|| default_folder(&args.run, "_sensitivity"));
    let (pool, threads) = super::worker_pool(args.threads)?;
    let total = evaluation_count(&setup, method);
    let bar = super::progress_bar(total, "simulations");
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Sensitivity,
        force: args.force,
        inputs: provenance::paths(&loaded.files),
    })?;
    let arm_label = study.arms[setup.arm].label(&study.grid_names);
    let analysis = analyse(&loaded, &setup, method, &pool, &bar);
    write_all(
        &mut staging,
        &present::files(study, &setup, &analysis, &arm_label, &look)?,
    )?;
    for (metric, message) in analysis.not_estimated(&setup) {
        super::console::warn(format_args!("no Sobol' indices for `{metric}`: {message}"));
    }
    bar.finish_and_clear();
    let failures = analysis.failures();
    let failed = (failures.first.as_ref()).map(|first| {
        let consequence = "their metrics are left out";
        failed_simulations(failures.count, total as usize, consequence, "", first)
    });
    if let Some(all) = failed.as_ref().filter(|f| f.severity == Severity::Error) {
        let hint = "run the scenario with `cartsim run` first, or narrow the parameter ranges";
        return Err(all.clone().hint(hint).into());
    }
    let settings = RecordSettings {
        command: std::env::args().collect(),
        inputs: loaded.inputs.clone(),
        threads,
        simulations: total,
        wall_time_seconds: started.elapsed().as_secs_f64(),
    };
    let record = present::record(study, &setup, &analysis, settings);
    staging.write(SensitivityRecord::FILE, to_json(&record).as_bytes())?;
    staging.commit()?;
    if let Some(some) = failed {
        super::console::warning(&some);
    }
    println!(
        "wrote {}: {} sensitivity of {} x {} in scenario {arm_label} ({} in {:.1} s)",
        directory.display(),
        method.name(),
        count(setup.parameters.len(), "parameter"),
        count(setup.metrics.len(), "metric"),
        count(total, "simulation"),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
