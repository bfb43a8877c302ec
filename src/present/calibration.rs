//! `calibrate` presentation: calibration.csv, targets.csv, the figures, calibrated.yaml (the
//! run file with the estimates written in) and calibration.json.

mod figures;

use super::NamedFile;
use crate::calibrate::{Calibration, CalibrationResult, QuantityKind, Statistic};
use crate::csv::{number_cell, text_cell};
use crate::diag::Diagnostic;
use crate::plot::FigureSettings;
use crate::record::calibration::{CalibrationRecord, EstimateRecord};
use crate::record::run::{HashedFile, RunInputs};
use crate::record::{Record, to_json};
use serde_yaml::{Mapping, Value};

/// Header of calibration.csv.
pub const CALIBRATION_HEADER: &str =
    "parameter,kind,estimate,ci95_low,ci95_high,lower_bound,upper_bound,at_bound";

/// calibration.csv: one row per estimated quantity.
pub fn calibration_csv(calibration: &Calibration, result: &CalibrationResult) -> String {
    let mut text = format!("{CALIBRATION_HEADER}\n");
    for (k, quantity) in calibration.quantities.iter().enumerate() {
        let estimate = result.estimates[k];
        let profile = &result.profiles[k];
        text.push_str(&format!(
            "{},{},{estimate},{},{},{},{},{}\n",
            text_cell(&quantity.parameter),
            quantity.kind.word(),
            profile.low,
            profile.high,
            quantity.lower,
            quantity.upper,
            u8::from(quantity.at_bound(estimate)),
        ));
    }
    text
}

/// targets.csv: every target, observed (a count as a fraction), simulated at the optimum and
/// its share of -2LL.
pub fn targets_csv(calibration: &Calibration, result: &CalibrationResult) -> String {
    let mut text = String::from(
        "scenario,metric,statistic,observed,n,se,scale,simulated,minus_2_log_likelihood\n",
    );
    for (target, value) in calibration.targets.iter().zip(&result.optimum.targets) {
        let (statistic, observed, n, se, scale) = match &target.statistic {
            Statistic::Count { responders, n } => (
                "fraction",
                *responders as f64 / *n as f64,
                n.to_string(),
                String::new(),
                "",
            ),
            Statistic::Summary {
                key,
                observed,
                se,
                log,
                ..
            } => (
                *key,
                *observed,
                String::new(),
                se.to_string(),
                if *log { "log" } else { "linear" },
            ),
        };
        text.push_str(&format!(
            "{},{},{statistic},{observed},{n},{se},{scale},{},{}\n",
            text_cell(&target.scenario),
            text_cell(&target.metric),
            number_cell(value.simulated),
            number_cell(value.contribution),
        ));
    }
    text
}

/// calibrated.yaml: the run file's text read as YAML with the estimates written in (typical
/// values into every scenario's `parameters`, SDs into `population.variability`) and the
/// model's and table's paths made absolute (`model_path`, `table_path`), so it runs from the
/// output folder. Comments are not kept.
pub fn calibrated_yaml(
    calibration: &Calibration,
    result: &CalibrationResult,
    run_text: &str,
    model_path: &str,
    table_path: Option<&str>,
) -> Result<String, Diagnostic> {
    let failed =
        |e: serde_yaml::Error| Diagnostic::new(format!("cannot write calibrated.yaml: {e}"));
    let mut run: Value = serde_yaml::from_str(run_text).map_err(failed)?;
    let root = run
        .as_mapping_mut()
        .ok_or_else(|| Diagnostic::new("the run file is not a mapping"))?;
    root.insert("model".into(), model_path.into());
    let population = root.get_mut("population").and_then(Value::as_mapping_mut);
    if let (Some(table), Some(population)) = (table_path, population) {
        population.insert("table".into(), table.into());
    }
    for (quantity, &estimate) in calibration.quantities.iter().zip(&result.estimates) {
        match quantity.kind {
            QuantityKind::Typical => {
                let scenarios = entry(root, "scenarios");
                if scenarios.is_empty() {
                    scenarios.insert("base".into(), Value::Mapping(Mapping::new()));
                }
                for (_, scenario) in scenarios.iter_mut() {
                    if let Some(scenario) = scenario.as_mapping_mut() {
                        entry(scenario, "parameters")
                            .insert(quantity.parameter.clone().into(), estimate.into());
                    }
                }
            }
            QuantityKind::Omega(_) => {
                let variability = entry(entry(root, "population"), "variability");
                entry(variability, &quantity.parameter).insert("omega".into(), estimate.into());
            }
        }
    }
    let header =
        "# Written by `cartsim calibrate`: the run file with the calibrated values written in.\n";
    Ok(header.to_string() + &serde_yaml::to_string(&run).map_err(failed)?)
}

/// The mapping under `key` of `map`, made when missing (or not a mapping).
fn entry<'a>(map: &'a mut Mapping, key: &str) -> &'a mut Mapping {
    let value = map
        .entry(key.into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !value.is_mapping() {
        *value = Value::Mapping(Mapping::new());
    }
    value.as_mapping_mut().expect("made a mapping above")
}

/// The tables (calibration.csv, targets.csv) and figures.
pub fn files(
    calibration: &Calibration,
    result: &CalibrationResult,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let mut files = vec![
        NamedFile::new("calibration.csv", calibration_csv(calibration, result)),
        NamedFile::new("targets.csv", targets_csv(calibration, result)),
    ];
    files.extend(figures::figures(calibration, result, look)?);
    Ok(files)
}

/// What the command adds to calibration.json.
pub struct RecordSettings {
    pub command: Vec<String>,
    pub calibration_file: HashedFile,
    pub inputs: RunInputs,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub provenance: Option<crate::record::provenance::Provenance>,
}

/// calibration.json.
pub fn record(
    calibration: &Calibration,
    result: &CalibrationResult,
    settings: RecordSettings,
) -> NamedFile {
    let record = CalibrationRecord {
        format_version: CalibrationRecord::FORMAT_VERSION,
        cartsim_version: crate::version::VERSION.to_string(),
        cartsim_commit: crate::version::COMMIT.to_string(),
        command: settings.command,
        calibration_file: settings.calibration_file,
        inputs: settings.inputs,
        subjects: calibration.subjects,
        seed: calibration.seed,
        estimates: (calibration
            .quantities
            .iter()
            .zip(&result.estimates)
            .zip(&result.profiles))
        .map(|((q, &estimate), profile)| EstimateRecord {
            parameter: q.parameter.clone(),
            kind: q.kind.word().to_string(),
            start: q.start,
            estimate,
            ci95_low: profile.low,
            ci95_high: profile.high,
            lower_bound: q.lower,
            upper_bound: q.upper,
            profile: profile.points.clone(),
        })
        .collect(),
        minus_2_log_likelihood: result.optimum.objective,
        minus_2_log_likelihood_mc_se: result.objective_se,
        converged: result.converged,
        search: result.reason.clone(),
        evaluations: result.evaluations,
        failed_simulations_at_optimum: result.optimum.failed,
        threads: settings.threads,
        wall_time_seconds: settings.wall_time_seconds,
        provenance: settings.provenance,
    };
    NamedFile::new(CalibrationRecord::FILE, to_json(&record))
}
