//! `cartsim run`: a run file's scenarios x grid x population, in parallel, with tables,
//! figures and provenance; `--shard K/N` runs a slice for `cartsim merge`.

use super::{Failure, load, provenance};
use crate::diag::Diagnostic;
use crate::output::{Destination, Owner, Staging, sha256_hex};
use crate::record::provenance::InputRole;
use crate::record::provenance::{FILE as PROVENANCE, InputFile, Kind, Provenance};
use crate::report::Format;
use crate::spec::{Loaded, RunSpec, load_yaml};
use crate::study::{
    ShardState, Study, StudyInputs, StudyResult, TrajectorySink, check, execute, figures,
    metrics_csv, percentiles_csv, subjects_csv, summarize, summary_csv, trajectories_header,
};
use clap::Args;
use serde_json::json;
use std::io::Write;
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
    /// Also write report.html (as `cartsim report` does) at the end.
    #[arg(long, conflicts_with = "shard")]
    pub report: bool,
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

/// Reads a text file for a run, naming what it is for in the error.
pub(super) fn read(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|error| {
        Failure::from(
            Diagnostic::new(format!("cannot read {what} `{}`: {error}", path.display()))
                .hint("paths in a run file are relative to the run file's folder"),
        )
    })
}

/// A run file loaded and checked, with the provenance of every input.
pub(super) struct LoadedStudy {
    pub study: Study,
    pub run_text: String,
    pub inputs: serde_json::Value,
    /// The same inputs for provenance.json.
    pub files: Vec<InputFile>,
}

/// Loads a run file, its model and table, and checks them; keeps only `scenarios` (all when
/// empty).
pub(super) fn load_study(path: &Path, scenarios: &[String]) -> Result<LoadedStudy, Failure> {
    let run_text = read(path, "the run file")?;
    let loaded: Loaded<RunSpec> =
        load_yaml(&path.display().to_string(), &run_text).map_err(Failure)?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let model_path = folder.join(&loaded.spec.model);
    let (model, model_text) = load(&model_path).map_err(|mut failure| {
        for d in &mut failure.0 {
            d.notes
                .push(format!("the model named by `model:` in {}", path.display()));
        }
        failure
    })?;
    let mut files = vec![
        provenance::input(InputRole::RunFile, path, &run_text),
        provenance::input(InputRole::Model, &model_path, &model_text),
    ];
    let table = match loaded
        .spec
        .population
        .as_ref()
        .and_then(|p| p.table.as_ref())
    {
        Some(table) => {
            let table_path = folder.join(table);
            let text = read(&table_path, "the subject table")?;
            files.push(provenance::input(
                InputRole::SubjectTable,
                &table_path,
                &text,
            ));
            Some((table_path.display().to_string(), text))
        }
        None => None,
    };
    let table_sha = table.as_ref().map(|(_, text)| sha256_hex(text.as_bytes()));
    let mut study = check(StudyInputs {
        run: &loaded,
        model,
        table,
    })
    .map_err(Failure)?;
    if !scenarios.is_empty() {
        let known: Vec<String> = study.arms.iter().map(|a| a.scenario.clone()).collect();
        for name in scenarios {
            if !known.contains(name) {
                let mut names = known.clone();
                names.dedup();
                return Err(Diagnostic::new(format!(
                    "`--scenario {name}`: no such scenario in {}",
                    path.display()
                ))
                .suggest(name, names.iter().map(String::as_str))
                .note(format!("scenarios: {}", names.join(", ")))
                .into());
            }
        }
        study.arms.retain(|a| scenarios.contains(&a.scenario));
    }
    let inputs = json!({
        "run_file": {"path": path.display().to_string(), "sha256": sha256_hex(run_text.as_bytes())},
        "model": {"name": study.model.name, "title": study.model.title, "path": model_path.display().to_string(),
                  "sha256": sha256_hex(model_text.as_bytes())},
        "table": loaded.spec.population.as_ref().and_then(|p| p.table.clone()).map(|t| json!({"path": t, "sha256": table_sha})),
    });
    Ok(LoadedStudy {
        study,
        run_text,
        inputs,
        files,
    })
}

/// The subjects (positions from 0) of shard K of N: a contiguous slice.
pub(super) fn shard_range(n: u64, shard: Option<(u64, u64)>) -> std::ops::Range<u64> {
    match shard {
        None => 0..n,
        Some((k, parts)) => {
            let bound = |j: u64| (u128::from(n) * u128::from(j) / u128::from(parts)) as u64;
            bound(k - 1)..bound(k)
        }
    }
}

/// A description of the run for run.json: arms, population and solver.
pub(super) fn describe(study: &Study) -> serde_json::Value {
    let arms: Vec<serde_json::Value> = study
        .arms
        .iter()
        .map(|arm| {
            let doses = study.typical_subject(arm).doses.unwrap_or_default();
            json!({"scenario": arm.scenario, "grid": study.grid_names.iter().zip(&arm.grid).map(|(n, v)| (n.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                   "typical_doses": doses.iter().map(|d| json!({"state": study.model.states[d.state].name, "time": d.time, "amount": d.amount, "duration": d.duration})).collect::<Vec<_>>()})
        })
        .collect();
    let population = &study.population;
    json!({
        "arms": arms,
        "population": {"n": population.n, "seed": population.seed,
            "random_effects": population.effects.parameters.iter().map(|p| json!({"parameter": p.1, "omega": p.2, "scale": format!("{:?}", p.3)})).collect::<Vec<_>>(),
            "correlations": population.effects.correlations,
            "covariates": study.covariate_names(),
            "typical_covariates": typical_covariates(study)},
        "time": {"start": study.plan.start, "end": study.plan.end, "step": study.plan.step, "unit": study.model.time_unit},
        "solver": study.plan.solver,
        "percentile_method": format!("log-bucket sketch: within {:.2}% (relative) of the exact type-7 sample percentile", 100.0 * crate::study::RELATIVE_ERROR),
        "auc_method": "linear-up/log-down trapezoidal rule",
    })
}

/// The typical subject's covariate values by parameter name (table columns at their median).
fn typical_covariates(study: &Study) -> serde_json::Map<String, serde_json::Value> {
    let covariates = study.population.typical_covariates();
    (covariates.into_iter())
        .map(|(k, value)| (study.model.parameters[k].name.clone(), json!(value)))
        .collect()
}

/// The provenance of a finished (or merged) run.
pub(super) fn run_provenance(
    loaded: &LoadedStudy,
    result: &StudyResult,
    started: Instant,
) -> Provenance {
    let study = &loaded.study;
    let mut record =
        provenance::record(Kind::Run, loaded.files.clone(), &study.plan.solver, started);
    record.scenarios = study.arms.iter().map(|a| a.scenario.clone()).collect();
    record.scenarios.dedup();
    record.n = study.population.n;
    record.seed = Some(study.population.seed);
    let failed = result.rows.iter().filter(|r| r.failure.is_some());
    record.solver_statistics.extend([
        ("accepted_steps".to_string(), json!(result.steps)),
        ("simulations".to_string(), json!(result.rows.len())),
        (
            "failed_simulations".to_string(),
            json!(failed.clone().count()),
        ),
    ]);
    record.warnings = failed
        .take(1)
        .map(|r| {
            format!(
                "simulations failed; the first: subject {}, scenario {}: {}",
                r.id,
                study.arms[r.arm as usize].scenario,
                r.failure.as_deref().unwrap_or_default()
            )
        })
        .chain(result.typical.iter().zip(&study.arms).filter_map(|(t, a)| {
            (t.as_ref().err()).map(|e| format!("typical subject of {}: {e}", a.scenario))
        }))
        .collect();
    record
}

/// Writes the tables (and figures unless this is a shard) of a finished run.
pub(super) fn write_outputs(
    staging: &mut Staging,
    study: &Study,
    result: &StudyResult,
    shard: bool,
) -> Result<Vec<String>, Failure> {
    let io = |e: std::io::Error| {
        Failure::from(Diagnostic::new(format!("cannot write the results: {e}")))
    };
    let mut written = Vec::new();
    let mut file = staging.create("metrics.csv")?;
    metrics_csv(study, &result.rows, &mut file)
        .and_then(|_| file.flush())
        .map_err(io)?;
    drop(file);
    let mut file = staging.create("subjects.csv")?;
    subjects_csv(study, &result.subjects, &mut file)
        .and_then(|_| file.flush())
        .map_err(io)?;
    drop(file);
    let summaries = summarize(study, &result.rows);
    staging.write("summary.csv", summary_csv(study, &summaries).as_bytes())?;
    staging.write("percentiles.csv", percentiles_csv(study, result).as_bytes())?;
    written.extend(
        [
            "metrics.csv",
            "subjects.csv",
            "summary.csv",
            "percentiles.csv",
        ]
        .map(String::from),
    );
    if shard {
        let state = serde_json::to_vec(&ShardState::of(result))
            .map_err(|e| Diagnostic::new(e.to_string()))?;
        staging.write("shard_state.json", &state)?;
        written.push("shard_state.json".into());
    } else {
        let pngs = figures(study, result, &summaries)
            .map_err(|e| Diagnostic::new(format!("cannot draw the figures: {e}")))?;
        for (name, png) in &pngs {
            staging.write(name, png)?;
        }
        written.push(format!("figures/ ({} PNG files)", pngs.len()));
    }
    Ok(written)
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let loaded = load_study(&args.run, &args.scenarios)?;
    let LoadedStudy { study, inputs, .. } = &loaded;
    let range = shard_range(study.population.n, args.shard);
    let directory = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .run
            .file_stem()
            .map_or("run".into(), |s| s.to_string_lossy().to_string());
        PathBuf::from("output").join(stem)
    });
    let (pool, threads) = super::worker_pool(args.threads)?;
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Run,
        force: args.force,
    })?;
    let mut trajectories = match args.save_trajectories {
        true => {
            let mut file = staging.create("trajectories.csv")?;
            file.write_all(trajectories_header(study).as_bytes())
                .map_err(|e| Diagnostic::new(format!("cannot write trajectories.csv: {e}")))?;
            Some(file)
        }
        false => None,
    };
    let mut sink = |text: &str| -> Result<(), Diagnostic> {
        match trajectories.as_mut() {
            Some(file) => file
                .write_all(text.as_bytes())
                .map_err(|e| Diagnostic::new(format!("cannot write trajectories.csv: {e}"))),
            None => Ok(()),
        }
    };
    let bar = super::progress_bar(range.end - range.start, "subjects");
    let progress = || bar.inc(1);
    let save = args.save_trajectories;
    let result = pool.install(|| {
        execute(
            study,
            range.clone(),
            save.then_some(&mut sink as TrajectorySink),
            &progress,
        )
    })?;
    bar.finish_and_clear();
    let writing = super::phase("writing tables and figures");
    if let Some(mut file) = trajectories.take() {
        file.flush()
            .map_err(|e| Diagnostic::new(format!("cannot write trajectories.csv: {e}")))?;
    }
    let simulated = result.rows.iter().filter(|r| r.failure.is_none()).count();
    let mut written = write_outputs(&mut staging, study, &result, args.shard.is_some())?;
    if save {
        written.push("trajectories.csv".into());
    }
    let failures: Vec<&crate::study::MetricRow> =
        result.rows.iter().filter(|r| r.failure.is_some()).collect();
    let run_json = json!({
        "cartsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "inputs": inputs,
        "run": describe(study),
        "shard": args.shard.map(|(k, n)| json!({"k": k, "n": n, "first_subject": range.start, "end_subject": range.end})),
        "scenarios_selected": args.scenarios,
        "threads": threads,
        "simulations": result.rows.len(),
        "failed_simulations": failures.len(),
        "first_failure": failures.first().map(|r| json!({"subject": r.id, "scenario": study.arms[r.arm as usize].scenario, "message": r.failure})),
        "solver_steps": result.steps,
        "typical_subject_failures": result.typical.iter().zip(&study.arms).filter_map(|(t, a)| t.as_ref().err().map(|e| json!({"scenario": a.scenario, "message": e}))).collect::<Vec<_>>(),
        "wall_time_seconds": started.elapsed().as_secs_f64(),
    });
    staging.write(
        "run.json",
        (serde_json::to_string_pretty(&run_json).unwrap_or_default() + "\n").as_bytes(),
    )?;
    if args.shard.is_none() {
        staging.record(run_provenance(&loaded, &result, started));
        written.push(PROVENANCE.into());
    }
    if simulated == 0 && !result.rows.is_empty() {
        let first = failures
            .first()
            .and_then(|r| r.failure.clone())
            .unwrap_or_default();
        return Err(Diagnostic::new(format!("every simulation failed; the first: {first}"))
            .hint("run the typical subject with `cartsim simulate` and check the solver settings in `output:`")
            .into());
    }
    staging.commit()?;
    writing.finish_and_clear();
    if !failures.is_empty() {
        eprintln!(
            "warning: {} of {} simulations failed (rows marked `failed` in metrics.csv); the first: {}",
            failures.len(),
            result.rows.len(),
            failures[0].failure.as_deref().unwrap_or_default()
        );
    }
    println!(
        "wrote {}: {}, run.json ({} subjects x {} arms in {:.1} s)",
        directory.display(),
        written.join(", "),
        range.end - range.start,
        study.arms.len(),
        started.elapsed().as_secs_f64()
    );
    if args.report {
        let report = super::report::write_report(&directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}
