//! The disk side of population runs, shared by `run`, `merge` and `sensitivity`: reading a run
//! file with its model and subject table (hashed for the records), and committing a run's
//! tables, figures and run.json into a staging folder.

use super::{Failure, load, provenance};
use crate::diag::Diagnostic;
use crate::output::{Staging, sha256_hex};
use crate::plot::FigureSettings;
use crate::present::{NamedFile, run as present};
use crate::record::provenance::{FILE as PROVENANCE, InputFile, InputRole, Kind, Provenance};
use crate::record::run::{HashedFile, ModelFile, RunInputs, RunRecord};
use crate::record::{Record, to_json};
use crate::spec::{Loaded, RunSpec, load_yaml};
use crate::study::{ArmSummary, Study, StudyInputs, StudyResult, check};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Reads a text file for a run, naming what it is for in the error.
pub(super) fn read(path: &Path, what: &str) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|error| {
        Failure::from(
            Diagnostic::new(format!("cannot read {what} `{}`: {error}", path.display()))
                .hint("paths in a run file are relative to the run file's folder"),
        )
    })?;
    super::utf8_text(&path.display().to_string(), bytes)
}

/// `output/<run file name><suffix>`: where a command writes without `--out`.
pub(super) fn default_folder(run: &Path, suffix: &str) -> PathBuf {
    let stem = run
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().to_string());
    PathBuf::from("output").join(format!("{stem}{suffix}"))
}

/// Where a run file in `folder` finds the model its `model:` names: the file there or, when
/// there is none and `model:` is a bare name, the shipped model of that name (`cli::load`).
pub(super) fn model_path(folder: &Path, model: &str) -> PathBuf {
    let beside = folder.join(model);
    if beside.exists() || !crate::library::is_bare_name(model) {
        beside
    } else {
        PathBuf::from(model)
    }
}

/// A run file loaded and checked, with the record of every input.
pub(super) struct LoadedStudy {
    pub study: Study,
    pub run: Loaded<RunSpec>,
    /// The inputs as run.json and sensitivity.json record them.
    pub inputs: RunInputs,
    /// The same inputs for provenance.json.
    pub files: Vec<InputFile>,
}

/// Loads a run file, its model and table, and checks them; keeps only `scenarios` (all when
/// empty).
pub(super) fn load_study(path: &Path, scenarios: &[String]) -> Result<LoadedStudy, Failure> {
    let run_text = read(path, "the run file")?;
    let run: Loaded<RunSpec> =
        load_yaml(&path.display().to_string(), &run_text).map_err(Failure)?;
    if run.spec.model.trim().is_empty() {
        return Err(Diagnostic::new("`model:` is empty: it names the model the run simulates")
            .at(run.locate_key("model"))
            .path("model")
            .hint("give the path of a model file (YAML), relative to this run file's folder (`model: ../models/cart3.yaml`), or the name of a shipped model (`model: cart3`; `cartsim models` lists them)")
            .into());
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let model_path = model_path(folder, &run.spec.model);
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
    let named_table = (run.spec.population.as_ref()).and_then(|p| p.table.clone());
    let mut table_input = None;
    let table = match &named_table {
        Some(name) => {
            let table_path = folder.join(name);
            let text = read(&table_path, "the subject table")?;
            files.push(provenance::input(
                InputRole::SubjectTable,
                &table_path,
                &text,
            ));
            table_input = Some(HashedFile {
                path: name.clone(),
                sha256: sha256_hex(text.as_bytes()),
            });
            Some((table_path.display().to_string(), text))
        }
        None => None,
    };
    let mut study = check(StudyInputs {
        run: &run,
        model,
        table,
    })
    .map_err(Failure)?;
    for warning in &study.warnings {
        super::console::warning(warning);
    }
    study.keep_scenarios(scenarios, &path.display().to_string())?;
    let inputs = RunInputs {
        run_file: HashedFile {
            path: path.display().to_string(),
            sha256: sha256_hex(run_text.as_bytes()),
        },
        model: ModelFile {
            name: study.model.name.clone(),
            title: study.model.title.clone(),
            path: model_path.display().to_string(),
            sha256: sha256_hex(model_text.as_bytes()),
        },
        table: table_input,
    };
    Ok(LoadedStudy {
        study,
        run,
        inputs,
        files,
    })
}

/// Loads the run file that the trial or calibration file at `file` names in `run:` (relative to
/// its folder), or `given` instead (`--run`); its errors get a note saying where it was named.
/// Returns the study and the run file's path.
pub(super) fn load_named_study(
    file: &Path,
    run: &str,
    given: Option<&Path>,
) -> Result<(LoadedStudy, PathBuf), Failure> {
    let (path, named) = match given {
        Some(given) => (
            given.to_path_buf(),
            "the run file given by `--run`".to_string(),
        ),
        None => (
            file.parent().unwrap_or(Path::new(".")).join(run),
            format!("the run file named by `run:` in {}", file.display()),
        ),
    };
    let loaded = load_study(&path, &[]).map_err(|mut failure| {
        for d in &mut failure.0 {
            d.notes.push(named.clone());
        }
        failure
    })?;
    Ok((loaded, path))
}

/// Writes files into the staging folder.
pub(super) fn write_all(staging: &mut Staging, files: &[NamedFile]) -> Result<(), Diagnostic> {
    files
        .iter()
        .try_for_each(|file| staging.write(&file.name, &file.bytes))
}

/// Writes the summary tables, and the figures or (for a shard) the shard state, of a finished
/// run (whose metrics.csv and subjects.csv were streamed: `RunTables`); returns what was
/// written, figures counted.
pub(super) fn write_run_files(
    staging: &mut Staging,
    study: &Study,
    result: &StudyResult,
    summaries: &[ArmSummary],
    shard: bool,
    look: &FigureSettings,
) -> Result<Vec<String>, Failure> {
    let files = present::files(study, result, summaries, shard, look)?;
    write_all(staging, &files)?;
    let figures = files
        .iter()
        .filter(|f| f.name.starts_with("figures/"))
        .count();
    let mut written: Vec<String> = ["metrics.csv", "subjects.csv"].map(String::from).to_vec();
    written
        .extend((files.iter().filter(|f| !f.name.starts_with("figures/"))).map(|f| f.name.clone()));
    if figures > 0 {
        written.push(format!(
            "figures/ ({})",
            crate::diag::count(figures, "file")
        ));
    }
    Ok(written)
}

/// Writes run.json last, and sets the provenance it embeds as provenance.json (written on
/// commit with the same list of files).
pub(super) fn write_record(staging: &mut Staging, mut record: RunRecord) -> Result<(), Diagnostic> {
    if let Some(provenance) = record.provenance.as_mut() {
        seal_provenance(staging, provenance, RunRecord::FILE);
    }
    staging.write(RunRecord::FILE, to_json(&record).as_bytes())
}

/// Lists in `provenance` every file the command writes (those staged so far, its record
/// `record_file` and provenance.json itself) and stages it to be written on commit; the
/// command writes its record, embedding this provenance, last.
pub(super) fn seal_provenance(
    staging: &mut Staging,
    provenance: &mut Provenance,
    record_file: &str,
) {
    let mut files = staging.files().to_vec();
    files.extend([record_file.to_string(), PROVENANCE.to_string()]);
    provenance.files = Some(files);
    staging.record(provenance.clone());
}

/// The provenance of a finished (or merged) run.
pub(super) fn run_provenance(
    loaded: &LoadedStudy,
    result: &StudyResult,
    started: Instant,
) -> Provenance {
    let study = &loaded.study;
    let base = provenance::record(
        Kind::Run,
        loaded.files.clone(),
        &study.template.solver,
        started,
    );
    present::provenance(base, study, result)
}
