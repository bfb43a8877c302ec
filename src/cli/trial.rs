//! `cartsim trial`: a dose-escalation design (3+3, BOIN) run over virtual patients of a run
//! file's population, with operating characteristics, tables, figures and provenance.

use super::run_files::{default_folder, load_named_study, read, seal_provenance, write_all};
use super::{Failure, provenance};
use crate::diag::Diagnostic;
use crate::output::{Destination, Owner, Staging, sha256_hex};
use crate::present::trial::{self as present, RecordSettings};
use crate::record::Record;
use crate::record::provenance::InputFile;
use crate::record::provenance::{InputRole, Kind};
use crate::record::run::HashedFile;
use crate::record::run::RunInputs;
use crate::record::trial::TrialRecord;
use crate::report::Format;
use crate::spec::{FiguresSpec, Loaded, RunSpec, TrialSpec, load_yaml};
use crate::virtual_trial::{
    OperatingCharacteristics, TrialOverrides, VirtualTrial, check, execute,
    operating_characteristics,
};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct TrialArgs {
    /// The trial file (YAML: run file, levels, toxicity, efficacy, design, trials, seed).
    pub trial: PathBuf,
    /// Trials to simulate, 1 to 1,000,000 (default: the trial file's `trials`).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Seed of the patients' random streams (default: the trial file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The run file whose model and population the patients come from, instead of the trial
    /// file's `run` (e.g. the calibrated.yaml of `cartsim calibrate`).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Worker threads, at most 1024 (default, or 0: all cores); the numbers do not depend on it.
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<trial file name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a trial's result.
    #[arg(long)]
    pub force: bool,
    /// Also write report.html (as `cartsim report` does) at the end.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

/// A trial file loaded and checked, with the record of every input.
struct LoadedTrial {
    virtual_trial: VirtualTrial,
    trial_file: HashedFile,
    /// The run file's inputs as trial.json records them.
    inputs: RunInputs,
    /// Every input (trial file first) for provenance.json.
    files: Vec<InputFile>,
    /// The trial file's `figures:` block, else its run file's.
    figures: Option<FiguresSpec>,
    /// The run file, where problems found as the trial runs are placed.
    run: Loaded<RunSpec>,
}

/// Reads the trial file, its run file (with model and table) and checks them together.
fn load_trial(
    path: &Path,
    run: Option<&Path>,
    overrides: TrialOverrides,
) -> Result<LoadedTrial, Failure> {
    let text = read(path, "the trial file")?;
    let file: Loaded<TrialSpec> = load_yaml(&path.display().to_string(), &text).map_err(Failure)?;
    let (loaded, _) = load_named_study(path, &file.spec.run, run)?;
    let figures = (file.spec.figures.clone()).or_else(|| loaded.run.spec.figures.clone());
    let mut files = vec![provenance::input(InputRole::TrialFile, path, &text)];
    files.extend(loaded.files);
    Ok(LoadedTrial {
        virtual_trial: check(&file, loaded.study, overrides).map_err(Failure)?,
        trial_file: HashedFile {
            path: path.display().to_string(),
            sha256: sha256_hex(text.as_bytes()),
        },
        inputs: loaded.inputs,
        files,
        figures,
        run: loaded.run,
    })
}

pub fn trial(args: &TrialArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let overrides = TrialOverrides {
        trials: args.trials,
        seed: args.seed,
    };
    let loaded = load_trial(&args.trial, args.run.as_deref(), overrides)?;
    let virtual_trial = &loaded.virtual_trial;
    let look = args.figure.resolve(loaded.figures.as_ref())?;
    let directory = (args.out.clone()).unwrap_or_else(|| default_folder(&args.trial, ""));
    let (pool, threads) = super::worker_pool(args.threads)?;
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Trial,
        force: args.force,
        inputs: provenance::paths(&loaded.files),
    })?;
    let levels = virtual_trial.levels().len() as u64;
    let work = levels * virtual_trial.reference_patients + virtual_trial.trials;
    let bar = super::progress_bar(work, "reference patient-levels and trials");
    let progress = || bar.inc(1);
    let result =
        (pool.install(|| execute(virtual_trial, &progress))).map_err(|d| loaded.run.place(d))?;
    bar.finish_and_clear();
    let writing = super::phase("writing tables and figures");
    let oc = operating_characteristics(virtual_trial, &result);
    let io = |e: std::io::Error| Diagnostic::new(format!("cannot write patients.csv: {e}"));
    let mut patients = staging.create("patients.csv")?;
    present::patients_table(virtual_trial, &result, &mut patients)
        .and_then(|_| patients.flush())
        .map_err(io)?;
    drop(patients);
    write_all(
        &mut staging,
        &present::files(virtual_trial, &result, &oc, &look)?,
    )?;
    let mut provenance = provenance::record(
        Kind::Trial,
        loaded.files.clone(),
        &virtual_trial.study.template.solver,
        started,
    );
    provenance.scenarios = virtual_trial
        .level_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    provenance.n = virtual_trial.trials;
    provenance.seed = Some(virtual_trial.seed);
    seal_provenance(&mut staging, &mut provenance, TrialRecord::FILE);
    let settings = RecordSettings {
        command: std::env::args().collect(),
        trial_file: loaded.trial_file.clone(),
        inputs: loaded.inputs.clone(),
        threads,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        provenance: Some(provenance),
    };
    let record = present::record(virtual_trial, &result, &oc, settings);
    write_all(&mut staging, &[present::record_json(&record)])?;
    staging.commit()?;
    writing.finish_and_clear();
    println!(
        "wrote {}: operating_characteristics.csv, trials.csv, patients.csv, {}, trial.json, provenance.json ({}, {} in {:.1} s)",
        directory.display(),
        super::figures::written_figures(3 * look.formats.len()),
        crate::diag::count(virtual_trial.trials, "trial"),
        crate::diag::count(result.simulations, "simulation"),
        started.elapsed().as_secs_f64()
    );
    print_summary(virtual_trial, &oc);
    if args.report {
        let report = super::report_files::write_report(&directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}

/// The operating characteristics on the console: selection and true probabilities per level.
fn print_summary(virtual_trial: &VirtualTrial, oc: &OperatingCharacteristics) {
    let efficacy = virtual_trial.efficacy.is_some();
    println!("level      selected  P(DLT)  P(response)  patients  DLTs");
    for row in &oc.levels {
        let response = match row.p_response {
            Some((p, _)) if efficacy => format!("{:>11.3}", p),
            _ => format!("{:>11}", "-"),
        };
        println!(
            "{:<10} {:>7.1}%  {:>6.3}  {response}  {:>8.2}  {:>4.2}",
            row.level, row.selected_percent, row.p_dlt.0, row.patients_mean, row.dlts_mean
        );
    }
    println!("{:<10} {:>7.1}%", "none", oc.none_percent);
}
