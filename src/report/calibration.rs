//! The calibration section of a report: the estimates with their profile intervals from
//! calibration.json, and the targets, observed against simulated, from targets.csv (checked
//! before it is read).

use super::check::{Numbers, Shape};
use super::tables::{float, records, text};
use crate::record::calibration::CalibrationRecord;
use serde::Serialize;

/// targets.csv of `calibrate`.
pub const TARGETS: Shape = Shape {
    required: &["scenario", "metric", "statistic", "observed", "simulated"],
    numbers: Numbers::Named(&["observed", "n", "se", "simulated", "minus_2_log_likelihood"]),
};

/// What a calibration report shows besides its figures.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationSection {
    pub subjects: u64,
    pub seed: u64,
    pub minus_2_log_likelihood: f64,
    pub monte_carlo_se: f64,
    pub converged: bool,
    pub search: String,
    pub evaluations: u64,
    pub estimates: Vec<EstimateRow>,
    pub targets: Vec<TargetRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EstimateRow {
    pub parameter: String,
    pub kind: String,
    pub start: f64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub lower_bound: f64,
    pub upper_bound: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    pub scenario: String,
    pub metric: String,
    pub statistic: String,
    pub observed: String,
    pub simulated: f64,
    pub contribution: f64,
}

/// The calibration section from the record and the text of targets.csv.
pub fn section(record: &CalibrationRecord, targets: &str) -> CalibrationSection {
    let estimates = (record.estimates.iter())
        .map(|e| EstimateRow {
            parameter: e.parameter.clone(),
            kind: e.kind.clone(),
            start: e.start,
            estimate: e.estimate,
            low: e.ci95_low,
            high: e.ci95_high,
            lower_bound: e.lower_bound,
            upper_bound: e.upper_bound,
        })
        .collect();
    let targets = records(targets)
        .iter()
        .map(|row| {
            let text = |key: &str| text(row, key).unwrap_or_default().to_string();
            let float = |key: &str| float(row, key);
            let observed = match text("n").is_empty() {
                true => format!(
                    "{} (SE {}{})",
                    super::format::number(float("observed")),
                    text("se"),
                    if text("scale") == "log" {
                        " on the log scale"
                    } else {
                        ""
                    }
                ),
                false => format!(
                    "{} of {}",
                    (float("observed") * float("n")).round(),
                    text("n")
                ),
            };
            TargetRow {
                scenario: text("scenario"),
                metric: text("metric"),
                statistic: text("statistic"),
                observed,
                simulated: float("simulated"),
                contribution: float("minus_2_log_likelihood"),
            }
        })
        .collect();
    CalibrationSection {
        subjects: record.subjects,
        seed: record.seed,
        minus_2_log_likelihood: record.minus_2_log_likelihood,
        monte_carlo_se: record.minus_2_log_likelihood_mc_se,
        converged: record.converged,
        search: record.search.clone(),
        evaluations: record.evaluations,
        estimates,
        targets,
    }
}
