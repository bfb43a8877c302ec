//! `cartsim run`: a run file's scenarios x grid x population, in parallel, with tables,
//! figures and provenance; `--shard K/N` runs a slice for `cartsim merge`.

use super::run_files::{default_folder, load_study, run_provenance, write_record, write_run_files};
use super::run_tables::{RunTables, Streamed};
use super::{Failure, provenance};
use crate::diag::{Diagnostic, Severity, count};
use crate::output::{Destination, Owner, Staging};
use crate::present::run::{self as present, RecordSettings};
use crate::record::provenance::FILE as PROVENANCE;
use crate::record::run::{ExtraTables, ShardSlice, TrajectoryTable};
use crate::report::Format;
use crate::study::{Study, TrajectorySelection, execute, shard_subjects, trajectories_header};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    /// The run file (YAML: model, scenarios, grid, population, metrics).
    pub run: PathBuf,
    /// Output folder (default: output/<run file name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a run's result.
    #[arg(long)]
    pub force: bool,
    /// Worker threads, at most 1024 (default, or 0: all cores).
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Run only these scenarios (repeatable).
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Run the K-th of N equal slices of the population (1-based), for `cartsim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Also write trajectories.csv (every subject, time and output; grows with n).
    #[arg(long)]
    pub save_trajectories: bool,
    /// With --save-trajectories: only these outputs or states (comma-separated; default: the
    /// run's `simulation.outputs`, else every output).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAMES",
        requires = "save_trajectories"
    )]
    pub trajectory_outputs: Vec<String>,
    /// With --save-trajectories: only these times (comma-separated), each one of the run's
    /// output times (default: all).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "TIMES",
        value_parser = super::values::finite,
        requires = "save_trajectories"
    )]
    pub trajectory_times: Vec<f64>,
    /// Also write observations.csv: every subject's doses and simulated observations (the
    /// population's `residual`, censored below its `lloq`) as a NONMEM dataset `cartsim fit`
    /// reads.
    #[arg(long)]
    pub save_observations: bool,
    /// Also write report.html (as `cartsim report` does) at the end.
    #[arg(long, conflicts_with = "shard")]
    pub report: bool,
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok((k, n)),
        _ => Err(format!("`{text}` is not K/N with 1 <= K <= N (e.g. 2/8)")),
    }
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let loaded = load_study(&args.run, &args.scenarios)?;
    let study = &loaded.study;
    let look = args.figure.resolve(loaded.run.spec.figures.as_ref())?;
    let range = shard_subjects(study.population.n, args.shard);
    let directory = (args.out.clone()).unwrap_or_else(|| default_folder(&args.run, ""));
    let (pool, threads) = super::worker_pool(args.threads)?;
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Run,
        force: args.force,
        inputs: provenance::paths(&loaded.files),
    })?;
    let header = (args.save_trajectories).then(|| trajectories_header(study));
    let trajectories = Streamed::open(&mut staging, "trajectories.csv", header)?;
    let selection = TrajectorySelection::new(
        study,
        &args.trajectory_outputs,
        &args.trajectory_times,
        ["--trajectory-outputs", "--trajectory-times"],
    )?;
    let header = match args.save_observations {
        true => Some(observations_header(study, &args.run).map_err(|d| loaded.run.place(d))?),
        false => None,
    };
    let observations = Streamed::open(&mut staging, "observations.csv", header)?;
    let extra_tables = ExtraTables {
        trajectories: (args.save_trajectories).then(|| trajectory_table(study, &selection)),
        observations: args.save_observations,
    };
    let trajectories = (trajectories, Some(selection));
    let mut tables = RunTables::open(&mut staging, study, trajectories, observations)?;
    let bar = super::progress_bar(range.end - range.start, "subjects");
    let progress = || bar.inc(1);
    let result = pool
        .install(|| execute(study, range.clone(), &mut tables, &progress))
        .map_err(|d| loaded.run.place(d))?;
    bar.finish_and_clear();
    let writing = super::phase("writing tables and figures");
    let summaries = tables.finish(&result.tally)?;
    let shard = args.shard.is_some();
    let mut written = write_run_files(&mut staging, study, &result, &summaries, shard, &look)?;
    if args.save_trajectories {
        written.push("trajectories.csv".into());
    }
    if args.save_observations {
        written.push("observations.csv".into());
    }
    let shard = args.shard.map(|(k, n)| ShardSlice {
        k,
        n,
        first_subject: range.start,
        end_subject: range.end,
    });
    let provenance = (shard.is_none()).then(|| run_provenance(&loaded, &result, started));
    if provenance.is_some() {
        written.push(PROVENANCE.into());
    }
    let settings = RecordSettings {
        command: std::env::args().collect(),
        inputs: loaded.inputs.clone(),
        shard,
        merged_from: None,
        scenarios_selected: args.scenarios.clone(),
        threads: Some(threads),
        wall_time_seconds: started.elapsed().as_secs_f64(),
        extra_tables,
        provenance,
    };
    write_record(&mut staging, present::record(study, &result, settings))?;
    let failures = present::failures(study, &result);
    if let Some(all) = failures.as_ref().filter(|f| f.severity == Severity::Error) {
        let hint = "run the typical subject with `cartsim simulate` and check the solver settings in `simulation:`";
        return Err(all.clone().hint(hint).into());
    }
    staging.commit()?;
    writing.finish_and_clear();
    if let Some(some) = failures {
        super::console::warning(&some);
    }
    println!(
        "wrote {}: {}, run.json ({} x {} in {:.1} s)",
        directory.display(),
        written.join(", "),
        count(range.end - range.start, "subject"),
        count(study.arms.len(), "arm"),
        started.elapsed().as_secs_f64()
    );
    if args.report {
        let report = super::report_files::write_report(&directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}

/// What trajectories.csv holds under `selection`, for run.json.
fn trajectory_table(study: &Study, selection: &TrajectorySelection) -> TrajectoryTable {
    let every = selection.rows.iter().all(|&kept| kept);
    TrajectoryTable {
        outputs: (selection.columns.iter())
            .map(|(name, _)| name.clone())
            .collect(),
        times: match every {
            true => Vec::new(),
            false => (study.output_times().into_iter().zip(&selection.rows))
                .filter_map(|(time, &kept)| kept.then_some(time))
                .collect(),
        },
    }
}

/// observations.csv's header, or why the run file cannot have one (no `population.residual`).
fn observations_header(study: &Study, run_file: &Path) -> Result<String, Diagnostic> {
    study.observations_header().ok_or_else(|| {
        Diagnostic::new(format!(
            "`--save-observations` needs a residual error model, and {} has none",
            run_file.display()
        ))
        .path("population.residual")
        .hint("add `residual: {output: NAME, model: exponential, sd: 0.3, lloq: 1}` under `population:` (the output observed, its error and optional limit of quantification)")
    })
}
