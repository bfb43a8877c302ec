//! `cartsim merge`: combines the folders of `cartsim run --shard K/N` into the files one
//! unsharded run writes (identical metrics, subjects and summaries; bands merged exactly).

use super::Failure;
use super::run::{describe, load_study, read, run_provenance, shard_range, write_outputs};
use crate::diag::Diagnostic;
use crate::output::{Destination, Owner, Staging};
use crate::record::provenance::FILE as PROVENANCE;
use crate::study::{
    BandSet, MetricRow, ShardState, Study, StudyResult, SubjectRecord, parse_metrics_csv,
    parse_subjects_csv,
};
use clap::Args;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct MergeArgs {
    /// Shard output folders (from `cartsim run --shard K/N`), all N of them, any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder (default: output/merged).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a run's result.
    #[arg(long)]
    pub force: bool,
    /// The run file, when it has moved since the shards ran (its SHA-256 must match).
    #[arg(long)]
    pub run: Option<PathBuf>,
}

struct Shard {
    folder: PathBuf,
    run_json: Value,
    k: u64,
    n: u64,
}

fn shard_info(folder: &Path) -> Result<Shard, Failure> {
    let path = folder.join("run.json");
    let text = read(&path, "a shard's run.json")?;
    let run_json: Value = serde_json::from_str(&text)
        .map_err(|e| Diagnostic::new(format!("`{}` is not valid JSON: {e}", path.display())))?;
    let k = run_json["shard"]["k"].as_u64();
    let n = run_json["shard"]["n"].as_u64();
    let (Some(k), Some(n)) = (k, n) else {
        return Err(Diagnostic::new(format!(
            "`{}` was not written by `cartsim run --shard K/N`",
            folder.display()
        ))
        .hint("pass the folders of the shards of one run")
        .into());
    };
    Ok(Shard {
        folder: folder.to_path_buf(),
        run_json,
        k,
        n,
    })
}

/// What decides a shard's numbers, as its run.json records them: the cartsim version and
/// the SHA-256 of each input (run file, model, subject table).
const DECIDING: [(&str, &str); 4] = [
    ("the cartsim version", "/cartsim_version"),
    ("the run file", "/inputs/run_file/sha256"),
    ("the model", "/inputs/model/sha256"),
    ("the subject table", "/inputs/table/sha256"),
];

/// Refuses a shard of another run than `first`: a different shard count, scenario selection,
/// cartsim version or input file.
fn same_run(first: &Shard, shard: &Shard) -> Result<(), Failure> {
    let (a, b) = (&first.run_json, &shard.run_json);
    let mut differences: Vec<(String, String, String)> = Vec::new();
    if shard.n != first.n {
        differences.push((
            "the shard count".into(),
            first.n.to_string(),
            shard.n.to_string(),
        ));
    }
    let selected = |r: &Value| r["scenarios_selected"].to_string();
    if selected(a) != selected(b) {
        differences.push(("the scenarios selected".into(), selected(a), selected(b)));
    }
    for (what, pointer) in DECIDING {
        let value = |r: &Value| r.pointer(pointer).map_or("none".into(), shown);
        if value(a) != value(b) {
            differences.push((what.into(), value(a), value(b)));
        }
    }
    let Some((what, one, other)) = differences.first() else {
        return Ok(());
    };
    let diagnostic = Diagnostic::new(format!(
        "`{}` and `{}` are shards of different runs: {what} differs ({one} and {other})",
        first.folder.display(),
        shard.folder.display()
    ));
    let diagnostic = (differences.iter().skip(1)).fold(diagnostic, |d, (w, x, y)| {
        d.note(format!("{w} differs too ({x} and {y})"))
    });
    Err(diagnostic.hint("merge only the shards of one run: the same run file, model, subject table and cartsim version")
    .into())
}

fn shown(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), String::from)
}

/// Refuses to merge when an input file or cartsim itself has changed since the shards ran:
/// the merged record would name files the shards did not use.
fn unchanged_inputs(first: &Shard, now: &Value) -> Result<(), Failure> {
    let now = json!({"cartsim_version": env!("CARGO_PKG_VERSION"), "inputs": now});
    for (what, pointer) in DECIDING {
        let value = |r: &Value| r.pointer(pointer).map_or("none".into(), shown);
        let (then, current) = (value(&first.run_json), value(&now));
        if then != current {
            return Err(Diagnostic::new(format!(
                "{what} has changed since the shards ran: they used {then}, now it is {current}"
            ))
            .hint("merge with the files and the cartsim version the shards used, or run the shards again")
            .into());
        }
    }
    Ok(())
}

/// A shard's table, refused when its last row is cut short (no final line break).
fn whole(path: &Path, text: String) -> Result<String, Failure> {
    if text.is_empty() || text.ends_with('\n') {
        return Ok(text);
    }
    Err(Diagnostic::new(format!(
        "`{}`: row {} is cut short (the file does not end with a line break)",
        path.display(),
        text.lines().count()
    ))
    .hint("the shard's table was cut short: run the shard again")
    .into())
}

/// A shard's metrics and subjects, checked against each other and its record, with the
/// subjects' positions in the whole population (`range`).
fn shard_tables(
    study: &Study,
    shard: &Shard,
    range: std::ops::Range<u64>,
) -> Result<(Vec<MetricRow>, Vec<SubjectRecord>), Failure> {
    let parts = shard.n;
    let file = |name: &str| shard.folder.join(name);
    let metrics_path = file("metrics.csv");
    let rows = parse_metrics_csv(
        study,
        &metrics_path.display().to_string(),
        &whole(&metrics_path, read(&metrics_path, "a shard's metrics")?)?,
    )?;
    let subjects_path = file("subjects.csv");
    let mut shard_subjects = parse_subjects_csv(
        study,
        &subjects_path.display().to_string(),
        &whole(&subjects_path, read(&subjects_path, "a shard's subjects")?)?,
    )?;
    let recorded = shard.run_json["simulations"].as_u64();
    if shard_subjects.len() as u64 != range.end - range.start
        || rows.len() != shard_subjects.len() * study.arms.len()
        || recorded != Some(rows.len() as u64)
    {
        return Err(Diagnostic::new(format!(
            "`{}` holds {} subjects and {} rows; shard {}/{parts} should hold {} subjects",
            shard.folder.display(),
            shard_subjects.len(),
            rows.len(),
            shard.k,
            range.end - range.start
        ))
        .into());
    }
    for (offset, subject) in shard_subjects.iter_mut().enumerate() {
        subject.index = range.start + offset as u64;
    }
    let mut rows_out = Vec::with_capacity(rows.len());
    for (k, mut row) in rows.into_iter().enumerate() {
        let subject = &shard_subjects[k % shard_subjects.len()];
        if row.id != subject.id {
            return Err(Diagnostic::new(format!(
                "`{}` row {}: subject {}, where subjects.csv has subject {} (row {})",
                metrics_path.display(),
                k + 2,
                row.id,
                subject.id,
                k % shard_subjects.len() + 2
            ))
            .hint("the shard's tables were edited or mixed up: run the shard again")
            .into());
        }
        row.index = range.start + (k % shard_subjects.len()) as u64;
        rows_out.push(row);
    }
    Ok((rows_out, shard_subjects))
}

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let mut shards = args
        .shards
        .iter()
        .map(|f| shard_info(f))
        .collect::<Result<Vec<_>, _>>()?;
    shards.sort_by_key(|s| s.k);
    let first = &shards[0];
    let parts = first.n;
    let sha = first.run_json["inputs"]["run_file"]["sha256"].clone();
    for shard in &shards {
        same_run(first, shard)?;
    }
    let ks: Vec<u64> = shards.iter().map(|s| s.k).collect();
    if ks != (1..=parts).collect::<Vec<_>>() {
        let missing: Vec<String> = (1..=parts)
            .filter(|k| !ks.contains(k))
            .map(|k| format!("{k}/{parts}"))
            .collect();
        return Err(Diagnostic::new(format!(
            "the shards given are {ks:?} of {parts}; each must appear exactly once"
        ))
        .note(format!(
            "missing: {}",
            if missing.is_empty() {
                "none (one is repeated)".into()
            } else {
                missing.join(", ")
            }
        ))
        .into());
    }
    let run_path = match &args.run {
        Some(path) => path.clone(),
        None => PathBuf::from(
            first.run_json["inputs"]["run_file"]["path"]
                .as_str()
                .unwrap_or_default(),
        ),
    };
    let scenarios: Vec<String> =
        serde_json::from_value(first.run_json["scenarios_selected"].clone()).unwrap_or_default();
    let loaded = load_study(&run_path, &scenarios)?;
    if json!(crate::output::sha256_hex(loaded.run_text.as_bytes())) != sha {
        return Err(Diagnostic::new(format!(
            "`{}` has changed since the shards ran (its SHA-256 differs)",
            run_path.display()
        ))
        .hint("merge with the run file the shards used (`--run FILE`)")
        .into());
    }
    unchanged_inputs(first, &loaded.inputs)?;
    let study = &loaded.study;
    let times = study.output_times();
    let mut bands = BandSet::new(study.arms.len(), study.tracked.len(), times.len());
    let mut per_arm: Vec<Vec<MetricRow>> = vec![Vec::new(); study.arms.len()];
    let mut subjects = Vec::new();
    let mut steps = 0;
    let mut typical = Vec::new();
    let mut trajectories = Vec::new();
    for shard in &shards {
        let range = shard_range(study.population.n, Some((shard.k, parts)));
        let file = |name: &str| shard.folder.join(name);
        let state_text = read(&file("shard_state.json"), "a shard's state")?;
        let state: ShardState = serde_json::from_str(&state_text).map_err(|e| {
            Diagnostic::new(format!("`{}`: {e}", file("shard_state.json").display()))
        })?;
        bands.merge(&state.bands).map_err(Diagnostic::new)?;
        steps += state.steps;
        if shard.k == 1 {
            typical = state.typical();
        }
        let (rows, shard_subjects) = shard_tables(study, shard, range)?;
        for row in rows {
            per_arm[row.arm as usize].push(row);
        }
        subjects.extend(shard_subjects);
        trajectories.push(file("trajectories.csv"));
    }
    let result = StudyResult {
        times,
        subjects,
        rows: per_arm.into_iter().flatten().collect(),
        bands,
        typical,
        steps,
    };
    let directory = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("merged"));
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Run,
        force: args.force,
    })?;
    let mut written = write_outputs(&mut staging, study, &result, false)?;
    if trajectories.iter().all(|p| p.exists()) {
        let mut out = staging.create("trajectories.csv")?;
        for (k, path) in trajectories.iter().enumerate() {
            let text = whole(path, read(path, "a shard's trajectories")?)?;
            let body = if k == 0 {
                text.as_str()
            } else {
                text.split_once('\n').map_or("", |(_, b)| b)
            };
            out.write_all(body.as_bytes())
                .map_err(|e| Diagnostic::new(format!("cannot write trajectories.csv: {e}")))?;
        }
        out.flush()
            .map_err(|e| Diagnostic::new(format!("cannot write trajectories.csv: {e}")))?;
        written.push("trajectories.csv".into());
    }
    let run_json = json!({
        "cartsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "inputs": loaded.inputs,
        "run": describe(study),
        "merged_from": shards.iter().map(|s| s.folder.display().to_string()).collect::<Vec<_>>(),
        "scenarios_selected": scenarios,
        "simulations": result.rows.len(),
        "failed_simulations": result.rows.iter().filter(|r| r.failure.is_some()).count(),
        "solver_steps": result.steps,
    });
    staging.write(
        "run.json",
        (serde_json::to_string_pretty(&run_json).unwrap_or_default() + "\n").as_bytes(),
    )?;
    staging.record(run_provenance(&loaded, &result, started));
    staging.commit()?;
    println!(
        "wrote {}: {}, run.json, {PROVENANCE} (merged {parts} shards)",
        directory.display(),
        written.join(", ")
    );
    Ok(())
}
