//! The trial section of a report: the design and readouts from trial.json, and the operating
//! characteristics from operating_characteristics.csv (checked before it is read).

use super::check::{Numbers, Shape};
use super::tables::{float, records, text};
use crate::record::trial::{DesignRecord, ReadoutRecord, TrialRecord};
use serde::Serialize;

/// operating_characteristics.csv of `trial`.
pub const OPERATING_CHARACTERISTICS: Shape = Shape {
    required: &[
        "level",
        "p_dlt",
        "selected_percent",
        "patients_mean",
        "dlts_mean",
    ],
    numbers: Numbers::AfterFirst,
};

/// What a trial report shows besides its figures.
#[derive(Debug, Clone, Serialize)]
pub struct TrialSection {
    pub design: String,
    pub toxicity: String,
    pub efficacy: Option<String>,
    pub start: String,
    pub trials: u64,
    pub seed: u64,
    pub reference_patients: u64,
    pub accrual_per_month: Option<f64>,
    pub rows: Vec<TrialRow>,
    pub patients_mean: f64,
    pub dlts_mean: f64,
    pub responses_mean: Option<f64>,
    pub duration_months_mean: Option<f64>,
    /// Percentage points.
    pub selected_percent_se_max: f64,
}

/// One row of the operating characteristics (NaN: an empty cell).
#[derive(Debug, Clone, Serialize)]
pub struct TrialRow {
    pub level: String,
    pub p_dlt: f64,
    pub p_dlt_se: f64,
    pub p_response: f64,
    pub p_response_se: f64,
    pub selected_percent: f64,
    pub patients_mean: f64,
    pub dlts_mean: f64,
    pub responses_mean: f64,
}

/// The design in words, with its rules' numbers.
fn design(design: &DesignRecord) -> String {
    match design.kind.as_str() {
        "3+3" => match design.deescalate {
            Some(true) => "3+3, expanding the level below to 6 patients before selecting it".into(),
            _ => "3+3 (the level below a toxic one is selected as it is)".into(),
        },
        _ => {
            let number = |v: Option<f64>| v.map_or("?".to_string(), super::format::number);
            let count = |v: Option<usize>| v.map_or("?".to_string(), |v| v.to_string());
            format!(
                "BOIN, target DLT rate {}, cohorts of {}, {} patients; escalate at a DLT rate <= {}, de-escalate at >= {}, eliminate when P(rate > target) > {}",
                number(design.target),
                count(design.cohort),
                count(design.max_n),
                number(design.escalate_at_or_below),
                number(design.deescalate_at_or_above),
                number(design.elimination_cutoff),
            )
        }
    }
}

/// `il6 above 1,000 at any time up to 28 days after the first dose`.
fn readout(readout: &ReadoutRecord, window: &str) -> String {
    let span = crate::diag::duration(readout.window, &readout.time_unit);
    format!(
        "{} {} {} at any time {window} {span} after the first dose",
        readout.output,
        readout.side,
        super::format::number(readout.threshold),
    )
}

/// The trial section from the record and the table's text.
pub fn section(record: &TrialRecord, operating_characteristics: &str) -> TrialSection {
    let rows = records(operating_characteristics)
        .iter()
        .map(|row| {
            let float = |key: &str| float(row, key);
            TrialRow {
                level: text(row, "level").unwrap_or_default().to_string(),
                p_dlt: float("p_dlt"),
                p_dlt_se: float("p_dlt_se"),
                p_response: float("p_response"),
                p_response_se: float("p_response_se"),
                selected_percent: float("selected_percent"),
                patients_mean: float("patients_mean"),
                dlts_mean: float("dlts_mean"),
                responses_mean: float("responses_mean"),
            }
        })
        .collect();
    TrialSection {
        design: design(&record.design),
        toxicity: readout(&record.toxicity, "up to"),
        efficacy: record.efficacy.as_ref().map(|r| readout(r, "up to")),
        start: record.start.clone(),
        trials: record.trials,
        seed: record.seed,
        reference_patients: record.reference_patients,
        accrual_per_month: record.accrual_per_month,
        rows,
        patients_mean: record.totals.patients_mean,
        dlts_mean: record.totals.dlts_mean,
        responses_mean: record.totals.responses_mean,
        duration_months_mean: record.totals.duration_months_mean,
        selected_percent_se_max: record.totals.selected_percent_se_max,
    }
}
