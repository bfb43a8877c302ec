//! `cartsim check`: model, run, trial and calibration files checked (each kind told from its
//! top-level keys; a run file with its model and table, a trial or calibration file with its
//! run file), reported as lines or JSON.

use super::run_files::{load_named_study, load_study, read};
use super::values::{TextOrJson, json};
use super::{Failure, load};
use crate::diag::Diagnostic;
use crate::spec::{CalibrationSpec, FileKind, Loaded, TrialSpec, file_kind, load_yaml};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct CheckArgs {
    /// Model, run, trial or calibration files to check (a shipped model by name too).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// `text` prints `FILE: ok` per good file and every problem on stderr; `json` prints one
    /// object per file (file, kind, ok, problems) for scripts, and problems only there.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// A checked file as `check --format json` reports it.
#[derive(serde::Serialize)]
struct Checked {
    file: String,
    kind: Option<FileKind>,
    ok: bool,
    problems: Vec<Problem>,
}

/// One diagnostic as `check --format json` reports it.
#[derive(serde::Serialize)]
struct Problem {
    severity: &'static str,
    message: String,
    /// `file:line:column`, when the problem has a place.
    location: Option<String>,
    yaml_path: Option<String>,
    hints: Vec<String>,
    notes: Vec<String>,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Self {
        Problem {
            severity: match d.severity {
                crate::diag::Severity::Error => "error",
                crate::diag::Severity::Warning => "warning",
            },
            message: d.message.clone(),
            location: (d.location.as_ref()).map(|l| format!("{}:{}:{}", l.file, l.line, l.column)),
            yaml_path: d.yaml_path.clone(),
            hints: d.hints.clone(),
            notes: d.notes.clone(),
        }
    }
}

/// Checks every file; all problems of all files are reported, and any makes the exit code 1.
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for path in &args.files {
        let (kind, result) = check_file(path);
        let found = result.err().map_or(Vec::new(), |failure| failure.0);
        if found.is_empty() && args.format == TextOrJson::Text {
            println!("{}: ok", path.display());
        }
        checked.push(Checked {
            file: path.display().to_string(),
            kind,
            ok: found.is_empty(),
            problems: found.iter().map(Problem::from).collect(),
        });
        problems.extend(found);
    }
    if args.format == TextOrJson::Json {
        println!("{}", json(&checked));
        return match problems.is_empty() {
            true => Ok(()),
            false => Err(Failure(vec![Diagnostic::new(format!(
                "{} of {} with problems (listed in the JSON above)",
                checked.iter().filter(|c| !c.ok).count(),
                crate::diag::count(checked.len(), "file")
            ))])),
        };
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure(problems))
    }
}

/// Checks one file by its kind (None when it cannot be read).
fn check_file(path: &Path) -> (Option<FileKind>, Result<(), Failure>) {
    let text = match super::read_model(path) {
        Ok(text) => text,
        Err(failure) => return (None, Err(failure)),
    };
    let kind = file_kind(&text);
    let name = path.display().to_string();
    let result = match kind {
        FileKind::Model => load(path).map(|_| ()),
        FileKind::Run => load_study(path, &[]).map(|_| ()),
        FileKind::Trial => check_trial(path, &name),
        FileKind::Calibration => check_calibration(path, &name),
    };
    (Some(kind), result)
}

fn check_trial(path: &Path, name: &str) -> Result<(), Failure> {
    let file: Loaded<TrialSpec> =
        load_yaml(name, &read(path, "the trial file")?).map_err(Failure)?;
    let (loaded, _) = load_named_study(path, &file.spec.run, None)?;
    let overrides = crate::virtual_trial::TrialOverrides {
        trials: None,
        seed: None,
    };
    crate::virtual_trial::check(&file, loaded.study, overrides).map_err(Failure)?;
    Ok(())
}

fn check_calibration(path: &Path, name: &str) -> Result<(), Failure> {
    let file: Loaded<CalibrationSpec> =
        load_yaml(name, &read(path, "the calibration file")?).map_err(Failure)?;
    let (loaded, _) = load_named_study(path, &file.spec.run, None)?;
    let overrides = crate::calibrate::CalibrationOverrides {
        subjects: None,
        seed: None,
    };
    crate::calibrate::check(&file, loaded.study, overrides).map_err(Failure)?;
    Ok(())
}
