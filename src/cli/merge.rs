//! `cartsim merge`: combines the folders of `cartsim run --shard K/N` into the files one
//! unsharded run writes (identical metrics, subjects and summaries; bands merged exactly).

use super::run_files::{
    LoadedStudy, default_folder, load_study, read, run_provenance, write_record, write_run_files,
};
use super::run_tables::{RunTables, Streamed};
use super::{Failure, provenance};
use crate::diag::Diagnostic;
use crate::output::{Destination, Owner, Staging};
use crate::present::run::{self as present, RecordSettings};
use crate::record::provenance::FILE as PROVENANCE;
use crate::record::run::{RunInputs, RunRecord, ShardState, every_shard_once};
use crate::record::{Record, from_json};
use crate::study::{Merger, RunSink, Shard, Study, StudyResult, TableSource, cut_short};
use clap::Args;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct MergeArgs {
    /// Shard output folders (from `cartsim run --shard K/N`), all N of them, any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder (default: output/<run file name>, where `run` without `--shard` writes).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a run's result.
    #[arg(long)]
    pub force: bool,
    /// The run file, when it has moved since the shards ran (its SHA-256 must match).
    #[arg(long)]
    pub run: Option<PathBuf>,
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

/// A shard's folder and its run.json.
struct ShardFolder {
    folder: PathBuf,
    record: RunRecord,
    /// Shard `k` of `n`.
    k: u64,
    n: u64,
}

/// Reads a shard's run.json through its record type: one of another format version, or of a
/// run that was not sharded, is refused.
fn shard_folder(folder: &Path) -> Result<ShardFolder, Failure> {
    let path = folder.join(RunRecord::FILE);
    let text = read(&path, "a shard's run.json")?;
    let record: RunRecord = from_json(&text, &path.display().to_string())?;
    let Some(slice) = record.shard else {
        return Err(Diagnostic::new(format!(
            "`{}` was not written by `cartsim run --shard K/N`",
            folder.display()
        ))
        .hint("pass the folders of the shards of one run")
        .into());
    };
    Ok(ShardFolder {
        folder: folder.to_path_buf(),
        record,
        k: slice.k,
        n: slice.n,
    })
}

/// The shards given, in shard order, refused unless they are every shard of one run once.
fn shards_of_one_run(folders: &[PathBuf]) -> Result<Vec<ShardFolder>, Failure> {
    let mut shards = (folders.iter())
        .map(|f| shard_folder(f))
        .collect::<Result<Vec<_>, _>>()?;
    shards.sort_by_key(|s| s.k);
    let first = &shards[0];
    for shard in &shards {
        let (ours, theirs) = (first.folder.display(), shard.folder.display());
        (first.record).same_run(&shard.record, &ours.to_string(), &theirs.to_string())?;
    }
    let ks: Vec<u64> = shards.iter().map(|s| s.k).collect();
    every_shard_once(&ks, first.n)?;
    Ok(shards)
}

/// Loads the run file the shards ran (or `--run`), refused when it or any input, or cartsim
/// itself, has changed since: the merged record would name files the shards did not use.
fn run_of(first: &RunRecord, run: Option<&Path>) -> Result<LoadedStudy, Failure> {
    let path = run.map_or_else(
        || PathBuf::from(&first.inputs.run_file.path),
        Path::to_path_buf,
    );
    let loaded = load_study(&path, &first.scenarios_selected)?;
    if loaded.inputs.run_file.sha256 != first.inputs.run_file.sha256 {
        return Err(Diagnostic::new(format!(
            "`{}` has changed since the shards ran (its SHA-256 differs)",
            path.display()
        ))
        .hint("merge with the run file the shards used (`--run FILE`)")
        .into());
    }
    let now: &RunInputs = &loaded.inputs;
    let build = crate::version::build(crate::version::VERSION, crate::version::COMMIT);
    let current = now.deciding(&build);
    for ((what, then), (_, current)) in first.deciding().into_iter().zip(current) {
        if then != current {
            return Err(Diagnostic::new(format!(
                "{what} has changed since the shards ran: they used {then}, now it is {current}"
            ))
            .hint("merge with the files and the cartsim build (version and commit) the shards used, or run the shards again")
            .into());
        }
    }
    Ok(loaded)
}

/// Every shard's state and tables, combined into the result of one unsharded run.
fn combine(
    study: &Study,
    shards: &[ShardFolder],
    sink: &mut dyn RunSink,
) -> Result<StudyResult, Failure> {
    let mut merger = Merger::new(study);
    for shard in shards {
        let path = |name: &str| shard.folder.join(name);
        let state_path = path(ShardState::FILE);
        let state_text = read(&state_path, "a shard's state")?;
        let state = from_json(&state_text, &state_path.display().to_string())?;
        let table = |name: &str| {
            let file = path(name);
            TableSource {
                file: file.display().to_string(),
                open: Box::new(move || {
                    let reader = BufReader::with_capacity(1 << 16, File::open(&file)?);
                    Ok(Box::new(reader) as Box<dyn BufRead>)
                }),
            }
        };
        let shard = Shard {
            folder: shard.folder.display().to_string(),
            k: shard.k,
            parts: shard.n,
            simulations: shard.record.simulations,
            state,
            metrics: table("metrics.csv"),
            subjects: table("subjects.csv"),
        };
        merger.add(&shard, sink)?;
    }
    Ok(merger.finish())
}

/// The shards' `name` (trajectories.csv or observations.csv, which their run.json says they
/// wrote) joined into one table without holding it: the header once, then every shard's rows.
/// Refused when a shard's file is missing, cut short, or has another header.
fn join_streamed(staging: &mut Staging, shards: &[ShardFolder], name: &str) -> Result<(), Failure> {
    let failed = |e: std::io::Error| Diagnostic::new(format!("cannot write {name}: {e}"));
    let mut out = staging.create(name)?;
    let mut header: Option<String> = None;
    for shard in shards {
        let path = shard.folder.join(name);
        let file = path.display().to_string();
        let unreadable = |e: std::io::Error| {
            Diagnostic::new(format!("cannot read a shard's {name} `{file}`: {e}"))
                .hint("the shard's run.json says it wrote this table: run the shard again")
        };
        let mut reader = BufReader::with_capacity(1 << 16, File::open(&path).map_err(unreadable)?);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(unreadable)?;
        match &header {
            None => out.write_all(line.as_bytes()).map_err(failed)?,
            Some(first) if *first != line => {
                return Err(Diagnostic::new(format!(
                    "`{file}` has another header than the first shard's {name}"
                ))
                .note(format!("first shard: {}", first.trim_end()))
                .note(format!("this shard: {}", line.trim_end()))
                .hint("merge the shards of one run, unedited")
                .into());
            }
            Some(_) => {}
        }
        let (mut complete, mut last) = (usize::from(line.ends_with('\n')), line.bytes().last());
        loop {
            let chunk = reader.fill_buf().map_err(unreadable)?;
            if chunk.is_empty() {
                break;
            }
            out.write_all(chunk).map_err(failed)?;
            complete += chunk.iter().filter(|&&b| b == b'\n').count();
            last = chunk.last().copied();
            let length = chunk.len();
            reader.consume(length);
        }
        if last.is_some_and(|b| b != b'\n') {
            return Err(cut_short(&file, complete + 1).into());
        }
        header.get_or_insert(line);
    }
    out.flush().map_err(failed)?;
    Ok(())
}

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let shards = shards_of_one_run(&args.shards)?;
    let first = &shards[0].record;
    let loaded = run_of(first, args.run.as_deref())?;
    let study = &loaded.study;
    let look = args.figure.resolve(loaded.run.spec.figures.as_ref())?;
    let run_file = (args.run.clone()).unwrap_or_else(|| PathBuf::from(&first.inputs.run_file.path));
    let directory = (args.out.clone()).unwrap_or_else(|| default_folder(&run_file, ""));
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Run,
        force: args.force,
        inputs: (args.shards.iter().cloned())
            .chain(provenance::paths(&loaded.files))
            .collect(),
    })?;
    let trajectories = Streamed::open(&mut staging, "trajectories.csv", None)?;
    let observations = Streamed::open(&mut staging, "observations.csv", None)?;
    let mut tables = RunTables::open(&mut staging, study, (trajectories, None), observations)?;
    let result = combine(study, &shards, &mut tables)?;
    let summaries = tables.finish(&result.tally)?;
    let mut written = write_run_files(&mut staging, study, &result, &summaries, false, &look)?;
    let extra_tables = first.extra_tables.clone();
    let joined = [
        ("trajectories.csv", extra_tables.trajectories.is_some()),
        ("observations.csv", extra_tables.observations),
    ];
    for (name, _) in joined.iter().filter(|(_, wrote)| *wrote) {
        join_streamed(&mut staging, &shards, name)?;
        written.push(name.to_string());
    }
    let settings = RecordSettings {
        command: std::env::args().collect(),
        inputs: loaded.inputs.clone(),
        shard: None,
        merged_from: Some(
            shards
                .iter()
                .map(|s| s.folder.display().to_string())
                .collect(),
        ),
        scenarios_selected: first.scenarios_selected.clone(),
        threads: None,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        extra_tables,
        provenance: Some(run_provenance(&loaded, &result, started)),
    };
    write_record(&mut staging, present::record(study, &result, settings))?;
    staging.commit()?;
    println!(
        "wrote {}: {}, run.json, {PROVENANCE} (merged {})",
        directory.display(),
        written.join(", "),
        crate::diag::count(shards.len(), "shard")
    );
    Ok(())
}
