//! From the files of an output folder (read by the CLI) to the data a report shows: the model
//! file re-read and checked against its recorded SHA-256, the tables, the figures with
//! captions, and the provenance.

use super::captions;
use super::model::{self, ModelSection};
use super::tables::{self, Figure, Results};
use super::{InputCheck, ProvenanceSection, ReportData, format};
use crate::diag::Diagnostic;
use crate::metrics::Units;
use crate::output::sha256_hex;
use crate::record::calibration::CalibrationRecord;
use crate::record::fit::{FitRecord, NpdeEntry, PopulationRecord};
use crate::record::provenance::{InputRole, Kind, Provenance};
use crate::record::run::RunRecord;
use crate::record::simulate::{SimulateRecord, SimulateRun};
use crate::record::trial::TrialRecord;
use crate::record::{self, Record};
use crate::spec::{ModelSpec, RunSpec, load_model, load_yaml};
use serde_json::Value;

/// The contents of an output folder.
pub struct Folder {
    pub provenance: Provenance,
    /// The command's own record (run.json, fit.json or population.json); `None` when absent.
    pub record: Option<CommandRecord>,
    pub summary_csv: Option<String>,
    /// metrics.csv of a simulation (one row per output).
    pub metrics_csv: Option<String>,
    pub estimates_csv: Option<String>,
    /// operating_characteristics.csv of a trial.
    pub operating_characteristics_csv: Option<String>,
    /// targets.csv of a calibration.
    pub targets_csv: Option<String>,
    /// The figures, in the order to show them.
    pub figures: Vec<FigureFiles>,
    /// The text of each input file of the provenance, in its order; `None` when unreadable.
    pub inputs: Vec<Option<String>>,
    /// When the report is made.
    pub date: String,
}

/// One figure of an output folder in the formats a report can show: each, when the folder has
/// it, as its path inside the folder and its bytes (at least one of the two).
pub struct FigureFiles {
    pub png: Option<(String, Vec<u8>)>,
    pub svg: Option<(String, Vec<u8>)>,
}

/// The record a command leaves beside provenance.json, read through its type.
#[derive(Debug, Clone)]
pub enum CommandRecord {
    Simulate(SimulateRun),
    Run(Box<RunRecord>),
    Fit(FitRecord),
    Population(Box<PopulationRecord>),
    Trial(Box<TrialRecord>),
    Calibrate(Box<CalibrationRecord>),
}

impl CommandRecord {
    /// Reads the record of a folder written by `kind` from the text of its file at `path`;
    /// refuses another `format_version`.
    pub fn read(kind: Kind, text: &str, path: &str) -> Result<CommandRecord, Diagnostic> {
        Ok(match kind {
            Kind::Simulate => CommandRecord::Simulate(SimulateRun::from_json(text, path)?),
            Kind::Run => CommandRecord::Run(Box::new(record::from_json(text, path)?)),
            Kind::Fit => CommandRecord::Fit(record::from_json(text, path)?),
            Kind::Population => CommandRecord::Population(Box::new(record::from_json(text, path)?)),
            Kind::Trial => CommandRecord::Trial(Box::new(record::from_json(text, path)?)),
            Kind::Calibrate => CommandRecord::Calibrate(Box::new(record::from_json(text, path)?)),
        })
    }

    /// The file name of the record of a folder written by `kind`.
    pub fn file(kind: Kind) -> &'static str {
        match kind {
            Kind::Simulate => <SimulateRecord as Record>::FILE,
            Kind::Run => <RunRecord as Record>::FILE,
            Kind::Fit => <FitRecord as Record>::FILE,
            Kind::Population => <PopulationRecord as Record>::FILE,
            Kind::Trial => <TrialRecord as Record>::FILE,
            Kind::Calibrate => <CalibrationRecord as Record>::FILE,
        }
    }

    /// The doses the report shows: each arm's typical subject for a run, the doses of a
    /// simulation, none for a fit.
    fn dose_groups(&self, spec: Option<&ModelSpec>) -> Vec<model::DoseGroup> {
        match self {
            CommandRecord::Run(run) => model::run_dose_groups(&run.run, spec),
            CommandRecord::Trial(trial) => model::run_dose_groups(&trial.run, spec),
            CommandRecord::Simulate(run) => model::simulation_dose_groups(run.doses(), spec),
            CommandRecord::Fit(_) | CommandRecord::Population(_) | CommandRecord::Calibrate(_) => {
                Vec::new()
            }
        }
    }

    /// The variability of a run's or trial's population.
    fn variability(&self) -> Option<model::Variability> {
        match self {
            CommandRecord::Run(run) => Some(model::variability(&run.run)),
            CommandRecord::Trial(trial) => Some(model::variability(&trial.run)),
            _ => None,
        }
    }

    /// An individual fit's rows.
    fn fits(&self) -> Vec<tables::FitRow> {
        match self {
            CommandRecord::Fit(fit) => tables::fits(fit),
            _ => Vec::new(),
        }
    }

    /// A population fit's NPDE.
    fn npde(&self) -> Option<NpdeEntry> {
        match self {
            CommandRecord::Population(population) => population.npde.clone(),
            _ => None,
        }
    }

    /// How a population fit's standard errors were computed.
    fn standard_errors(&self) -> Option<&'static str> {
        match self {
            CommandRecord::Population(population) => Some(population.standard_errors.label()),
            _ => None,
        }
    }

    /// Which intervals an individual fit reports.
    fn intervals(&self) -> Option<&'static str> {
        match self {
            CommandRecord::Fit(fit) => Some(fit.intervals.describe()),
            _ => None,
        }
    }

    /// What SAEM did, in a sentence.
    fn saem(&self) -> Option<String> {
        let CommandRecord::Population(population) = self else {
            return None;
        };
        let saem = population.saem.as_ref()?;
        Some(format!(
            "SAEM ran {} exploration and {} smoothing iterations with {} chains per ID; −2LL by importance sampling {:.2} (Monte Carlo SE {:.2}, {} draws per ID), FOCE-I approximation at the same estimates {:.2}.",
            saem.exploration_iterations,
            saem.smoothing_iterations,
            saem.chains_per_subject,
            population.minus_2_log_likelihood,
            saem.importance_se,
            saem.importance_samples,
            saem.focei_minus_2_log_likelihood
        ))
    }

    /// A population fit's method, `FOCE-I` or `SAEM`.
    fn population_method(&self) -> Option<&'static str> {
        match self {
            CommandRecord::Population(population) => Some(population.method_name()),
            _ => None,
        }
    }

    fn model_title(&self) -> &str {
        match self {
            CommandRecord::Simulate(run) => run.title(),
            CommandRecord::Run(run) => &run.inputs.model.title,
            CommandRecord::Fit(fit) => &fit.model.title,
            CommandRecord::Population(population) => &population.model.title,
            CommandRecord::Trial(trial) => &trial.inputs.model.title,
            CommandRecord::Calibrate(calibration) => &calibration.inputs.model.title,
        }
    }
}

/// The report's data.
pub fn gather(folder: Folder) -> ReportData {
    let record = &folder.provenance;
    let mut notices = Vec::new();
    let inputs = check_inputs(&folder, &mut notices);
    let text_of = |role: InputRole| {
        let position = record.inputs.iter().position(|i| i.role == role)?;
        folder.inputs.get(position)?.as_deref()
    };
    let spec = text_of(InputRole::Model).and_then(|text| model_spec(text, &mut notices));
    let run_spec: Option<RunSpec> = text_of(InputRole::RunFile)
        .and_then(|text| load_yaml::<RunSpec>("run file", text).ok())
        .map(|loaded| loaded.spec);
    let section: Option<ModelSection> = spec.as_ref().map(model::section);
    let time_unit = section
        .as_ref()
        .map_or("time".to_string(), |m| m.time_unit.clone());
    let unit_of = |name: &str| spec.as_ref().and_then(|s| model::unit_of(s, name));
    let parameter_unit = |name: &str| {
        (spec.as_ref())
            .and_then(|s| s.parameters.get(name))
            .and_then(|p| p.unit.clone())
    };
    let metrics = run_spec.as_ref().map(|r| &r.metrics);
    let exposure_unit = metrics
        .and_then(|m| m.exposure.as_deref())
        .and_then(unit_of);
    let tumor_unit = metrics.and_then(|m| m.tumor.as_deref()).and_then(unit_of);
    let units = Units {
        exposure: exposure_unit.as_deref(),
        tumor: tumor_unit.as_deref(),
        time: &time_unit,
    };
    let (scenarios, fractions) = (folder.summary_csv.as_deref())
        .map(|csv| tables::scenarios(csv, &units))
        .unwrap_or_default();
    let results = Results {
        figures: (folder.figures.iter())
            .filter_map(|files| figure(files, &record.scenarios))
            .collect(),
        scenarios,
        fractions,
        exposures: (folder.metrics_csv.as_deref())
            .map(|csv| tables::exposures(csv, &unit_of, &time_unit))
            .unwrap_or_default(),
        estimates: (folder.estimates_csv.as_deref())
            .map(|csv| tables::estimates(csv, &parameter_unit))
            .unwrap_or_default(),
        fits: folder
            .record
            .as_ref()
            .map_or_else(Vec::new, CommandRecord::fits),
        npde: folder.record.as_ref().and_then(CommandRecord::npde),
    };
    let title = section
        .as_ref()
        .and_then(|m| m.title.clone())
        .or_else(|| (folder.record.as_ref()).map(|r| r.model_title().to_string()))
        .unwrap_or_else(|| "cartsim run".to_string());
    ReportData {
        title,
        date: folder.date.clone(),
        kind: record.kind.command(),
        doses: (folder.record.as_ref()).map_or_else(Vec::new, |r| r.dose_groups(spec.as_ref())),
        variability: folder.record.as_ref().and_then(CommandRecord::variability),
        standard_errors: folder
            .record
            .as_ref()
            .and_then(CommandRecord::standard_errors),
        intervals: folder.record.as_ref().and_then(CommandRecord::intervals),
        trial: match (&folder.record, &folder.operating_characteristics_csv) {
            (Some(CommandRecord::Trial(trial)), Some(csv)) => {
                Some(super::trial::section(trial, csv))
            }
            _ => None,
        },
        calibration: match (&folder.record, &folder.targets_csv) {
            (Some(CommandRecord::Calibrate(record)), Some(csv)) => {
                Some(super::calibration::section(record, csv))
            }
            _ => None,
        },
        population_method: folder
            .record
            .as_ref()
            .and_then(CommandRecord::population_method),
        saem: folder.record.as_ref().and_then(CommandRecord::saem),
        model: section,
        results,
        provenance: provenance_section(record, inputs),
        notices,
    }
}

/// The model file's spec, or a notice that it no longer parses.
fn model_spec(text: &str, notices: &mut Vec<String>) -> Option<ModelSpec> {
    let parsed = load_model("model", text).ok().map(|loaded| loaded.spec);
    if parsed.is_none() {
        notices.push(
            "The model file no longer parses: the model section is left out; `cartsim check` it."
                .to_string(),
        );
    }
    parsed
}

/// Each input file checked against its recorded SHA-256; a notice for each that is missing
/// or changed.
fn check_inputs(folder: &Folder, notices: &mut Vec<String>) -> Vec<InputCheck> {
    (folder.provenance.inputs.iter().zip(&folder.inputs))
        .map(|(input, text)| {
            let status = match text {
                None => "not found",
                Some(text) if sha256_hex(text.as_bytes()) == input.sha256 => "matches",
                Some(_) => "changed since the run",
            };
            if status != "matches" {
                notices.push(format!(
                    "The {} `{}` is {status}: the report shows {}.",
                    input.role.label(),
                    input.path,
                    match status {
                        "not found" => "what the run recorded, without it",
                        _ => "the file as it is now, which may differ from what was run",
                    }
                ));
            }
            InputCheck {
                role: input.role.label().to_string(),
                name: (std::path::Path::new(&input.path).file_name())
                    .map_or(input.path.clone(), |n| n.to_string_lossy().to_string()),
                path: input.absolute_path.clone().unwrap_or(input.path.clone()),
                sha256: input.sha256.clone(),
                status,
            }
        })
        .collect()
}

fn provenance_section(record: &Provenance, inputs: Vec<InputCheck>) -> ProvenanceSection {
    let shown = |value: &Value| match value {
        Value::Number(n) => match n.as_u64() {
            Some(count) => format::count(count),
            None => format::number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let pairs = |map: Option<&serde_json::Map<String, Value>>| -> Vec<(String, String)> {
        (map.into_iter().flatten())
            .map(|(key, value)| (key.replace('_', " "), shown(value)))
            .collect()
    };
    let command_line = (record.command.iter())
        .map(|word| {
            if word.is_empty() || word.contains([' ', '"', '\'', '$', '*']) {
                format!("'{}'", word.replace('\'', r"'\''"))
            } else {
                word.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    ProvenanceSection {
        record: record.clone(),
        command_line,
        inputs,
        solver: pairs(record.solver.as_object()),
        statistics: pairs(Some(&record.solver_statistics)),
    }
}

/// A figure as the reports show it: the Markdown links the PNG (else the SVG), the HTML shows
/// the SVG (else the PNG) and names the file it shows. `None` without either file.
fn figure(files: &FigureFiles, scenarios: &[String]) -> Option<Figure> {
    let (file, _) = files.png.as_ref().or(files.svg.as_ref())?;
    let (shown, shown_uri) = match (&files.svg, &files.png) {
        (Some((svg, bytes)), _) => (svg, tables::svg_uri(bytes)),
        (None, Some((png, bytes))) => (png, tables::data_uri(bytes)),
        (None, None) => return None,
    };
    Some(Figure {
        caption: captions::caption(file, scenarios),
        file: file.clone(),
        svg_only: files.png.is_none(),
        shown: shown.clone(),
        shown_uri,
    })
}
