//! The record of `cartsim trial`: trial.json, with the trial and run files' inputs, the design
//! and its settings, the levels, the readouts, the operating characteristics' totals and the
//! work done.

use super::Record;
use super::provenance::Provenance;
use super::run::{HashedFile, RunDescription, RunInputs};
use serde::{Deserialize, Serialize};

/// trial.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub trial_file: HashedFile,
    /// The run file named by `run:`, its model and subject table.
    pub inputs: RunInputs,
    pub design: DesignRecord,
    /// The levels (as arms, lowest first, with their typical patient's doses), the population,
    /// time span and solver, as run.json describes a run.
    pub run: RunDescription,
    pub start: String,
    pub toxicity: ReadoutRecord,
    pub efficacy: Option<ReadoutRecord>,
    pub trials: u64,
    pub seed: u64,
    pub reference_patients: u64,
    pub accrual_per_month: Option<f64>,
    pub totals: TrialTotals,
    /// Patients simulated, in the trials and as references.
    pub simulations: u64,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub provenance: Option<Provenance>,
}

impl Record for TrialRecord {
    const FILE: &'static str = "trial.json";
    const FORMAT_VERSION: u32 = 1;
}

/// The design as run, with the rules' numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignRecord {
    /// `3+3` or `boin`.
    pub kind: String,
    /// 3+3: whether the level below is expanded to 6 before it is selected.
    pub deescalate: Option<bool>,
    /// BOIN: target DLT rate, cohort size, maximum sample size.
    pub target: Option<f64>,
    pub cohort: Option<usize>,
    pub max_n: Option<usize>,
    /// BOIN: the escalation and de-escalation boundaries lambda_e, lambda_d.
    pub escalate_at_or_below: Option<f64>,
    pub deescalate_at_or_above: Option<f64>,
    /// BOIN: a level is eliminated when P(p > target | data) exceeds this (with >= 3 patients).
    pub elimination_cutoff: Option<f64>,
}

/// A readout's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadoutRecord {
    pub output: String,
    /// `above` or `below`.
    pub side: String,
    pub threshold: f64,
    /// The window after the first dose, in the model's time unit.
    pub window: f64,
    pub time_unit: String,
}

/// Per trial, over all levels, and the share of trials selecting no dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialTotals {
    pub none_selected_percent: f64,
    pub patients_mean: f64,
    pub dlts_mean: f64,
    /// None without an efficacy readout.
    pub responses_mean: Option<f64>,
    pub duration_months_mean: Option<f64>,
    /// The largest Monte Carlo standard error of a level's `selected_percent` (percentage
    /// points): sqrt(p (1 - p) / trials) at the p nearest 1/2.
    pub selected_percent_se_max: f64,
}
