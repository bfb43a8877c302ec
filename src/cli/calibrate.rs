//! `cartsim calibrate`: a run file's population calibrated to published aggregate results
//! (responder counts, medians, percentiles), with profile-likelihood intervals and the run
//! file with the estimates written in.

use super::run_files::{
    default_folder, load_named_study, model_path, read, seal_provenance, write_all,
};
use super::{Failure, provenance};
use crate::calibrate::{Calibration, CalibrationOverrides, CalibrationResult, check, search};
use crate::diag::count;
use crate::output::{Destination, Owner, Staging, sha256_hex};
use crate::present::NamedFile;
use crate::present::calibration::{self as present, RecordSettings};
use crate::record::Record;
use crate::record::calibration::CalibrationRecord;
use crate::record::provenance::{InputRole, Kind};
use crate::record::run::HashedFile;
use crate::report::Format;
use crate::spec::{CalibrationSpec, Loaded, load_yaml};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct CalibrateArgs {
    /// The calibration file (YAML: run file, quantities to estimate with bounds, targets).
    pub calibration: PathBuf,
    /// Virtual patients per evaluation, 1 to 1,000,000 (default: the file's `subjects`).
    #[arg(long)]
    pub subjects: Option<u64>,
    /// Seed of the virtual patients (default: the file's `seed`, else the run file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, at most 1024 (default, or 0: all cores); the numbers do not depend on it.
    #[arg(long, value_parser = super::thread_count)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<calibration file name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the output folder even when it holds something other than a calibration.
    #[arg(long)]
    pub force: bool,
    /// Also write report.html (as `cartsim report` does) at the end.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub figure: super::figures::FigureArgs,
}

/// The absolute form of `path` (as given when it cannot be resolved).
fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path).map_or(path.display().to_string(), |p| p.display().to_string())
}

pub fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let path = &args.calibration;
    let text = read(path, "the calibration file")?;
    let file: Loaded<CalibrationSpec> =
        load_yaml(&path.display().to_string(), &text).map_err(Failure)?;
    let (loaded, run_path) = load_named_study(path, &file.spec.run, None)?;
    let figures = (file.spec.figures.as_ref()).or(loaded.run.spec.figures.as_ref());
    let look = args.figure.resolve(figures)?;
    let overrides = CalibrationOverrides {
        subjects: args.subjects,
        seed: args.seed,
    };
    let calibration = check(&file, loaded.study, overrides).map_err(Failure)?;
    let directory = (args.out.clone()).unwrap_or_else(|| default_folder(path, ""));
    let (pool, threads) = super::worker_pool(args.threads)?;
    let mut staging = Staging::new(&Destination {
        path: directory.clone(),
        owner: Owner::Calibrate,
        force: args.force,
        inputs: [path.clone()]
            .into_iter()
            .chain(provenance::paths(&loaded.files))
            .collect(),
    })?;
    let searching = super::phase("calibrating (searching, then profiling each estimate)");
    // A problem found in the search names a run file path (the population) or a calibration
    // file path (a target): placed in whichever file has it.
    let result =
        (pool.install(|| search(&calibration))).map_err(|d| file.place(loaded.run.place(d)))?;
    searching.finish_and_clear();
    let run_folder = run_path.parent().unwrap_or(Path::new("."));
    let model_path = absolute(&model_path(run_folder, &loaded.run.spec.model));
    let table = (loaded.run.spec.population.as_ref()).and_then(|p| p.table.as_ref());
    let table_path = table.map(|t| absolute(&run_folder.join(t)));
    let yaml = present::calibrated_yaml(
        &calibration,
        &result,
        &loaded.run.text,
        &model_path,
        table_path.as_deref(),
    )?;
    let mut files = present::files(&calibration, &result, &look)?;
    let figures = files.len() - 2;
    files.push(NamedFile::new("calibrated.yaml", yaml));
    write_all(&mut staging, &files)?;
    let mut inputs = vec![provenance::input(InputRole::CalibrationFile, path, &text)];
    inputs.extend(loaded.files.iter().cloned());
    let solver = &calibration.study.template.solver;
    let mut provenance = provenance::record(Kind::Calibrate, inputs, solver, started);
    provenance.scenarios = (calibration.targets.iter())
        .map(|t| t.scenario.clone())
        .collect();
    provenance.scenarios.dedup();
    provenance.n = calibration.subjects;
    provenance.seed = Some(calibration.seed);
    seal_provenance(&mut staging, &mut provenance, CalibrationRecord::FILE);
    let settings = RecordSettings {
        command: std::env::args().collect(),
        calibration_file: HashedFile {
            path: path.display().to_string(),
            sha256: sha256_hex(text.as_bytes()),
        },
        inputs: loaded.inputs.clone(),
        threads,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        provenance: Some(provenance),
    };
    write_all(
        &mut staging,
        &[present::record(&calibration, &result, settings)],
    )?;
    staging.commit()?;
    print_summary(&calibration, &result, &directory, figures, started);
    if args.report {
        let report = super::report_files::write_report(&directory, Format::Html, None)?;
        println!("wrote {}", report.display());
    }
    Ok(())
}

/// What was written, the objective, and each estimate with its interval.
fn print_summary(
    calibration: &Calibration,
    result: &CalibrationResult,
    directory: &Path,
    figures: usize,
    started: Instant,
) {
    println!(
        "wrote {}: calibration.csv, targets.csv, {}, calibrated.yaml, calibration.json, provenance.json (-2LL {:.4} +- {:.2} Monte Carlo, {} of {} in {:.1} s{})",
        directory.display(),
        super::figures::written_figures(figures),
        result.optimum.objective,
        result.objective_se,
        count(result.evaluations, "evaluation"),
        count(calibration.subjects, "patient"),
        started.elapsed().as_secs_f64(),
        if result.converged {
            ""
        } else {
            "; the search did not converge"
        }
    );
    for (quantity, (estimate, profile)) in
        (calibration.quantities.iter()).zip(result.estimates.iter().zip(&result.profiles))
    {
        println!(
            "{} {}: {estimate:.6} (95% profile interval {:.6} to {:.6})",
            quantity.parameter,
            quantity.kind.word(),
            profile.low,
            profile.high
        );
    }
}
