//! Virtual dose-escalation trials: a design of `trial/` (3+3, BOIN) run over fresh virtual
//! patients of a study's population, each simulated at the level the design gives, with the
//! true per-level probabilities from reference patients and the operating characteristics.
//!
//! - A trial file checked against its run file's study ([`check`]) is a [`VirtualTrial`]:
//!   the levels (arms with the study's base parameters), the toxicity and efficacy readouts,
//!   the design, the number of trials, the seed and the accrual rate.
//! - A patient ([`VirtualTrial::treat`]) is the model simulated from the first dose to the end
//!   of the longer readout window. Toxicity: the output's maximum over the output times in
//!   [first dose, first dose + within], and over the solution's located peak when it falls in
//!   that window, above the threshold. Efficacy: the output below (or above) its threshold at an
//!   output time in [first dose, first dose + by].
//! - Patient k of trial t is `Population::patient(seed, t, k)`: its own random stream, so a
//!   trial is the same whatever the thread count or the order trials run in. Reference
//!   patients are the same draws at every level (`REFERENCE_TRIAL`), so differences between
//!   levels are not blurred by sampling.
//! - A patient whose simulation fails ends the command with that failure: a design cannot go on
//!   without the outcome, and dropping the patient would bias the trial.

mod check;
mod execute;
mod patients;
mod summary;

pub use check::{TrialOverrides, check};
pub use execute::{LevelTruth, TrialResult, TrialRun, execute};
pub use patients::{PatientRecord, Treated};
pub use summary::{
    LevelCharacteristics, OperatingCharacteristics, months, operating_characteristics,
};

use crate::study::{Arm, Study};
use crate::trial::Design;

/// The most trials one command runs.
pub const MAX_TRIALS: u64 = 1_000_000;
/// The most reference patients per level.
pub const MAX_REFERENCE_PATIENTS: u64 = 10_000_000;
/// The trial number of the reference patients' streams (no trial has it).
pub const REFERENCE_TRIAL: u64 = u64::MAX;

/// Which side of the threshold counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Above,
    Below,
}

impl Side {
    pub fn word(self) -> &'static str {
        match self {
            Side::Above => "above",
            Side::Below => "below",
        }
    }
}

/// A yes/no readout of a patient's simulation: an output on one side of a threshold at some
/// time within `window` of the first dose.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// The output (or state) name.
    pub output: String,
    /// Its trajectory column.
    pub column: usize,
    pub side: Side,
    pub threshold: f64,
    /// The window's length after the first dose, in the model's time unit.
    pub window: f64,
}

impl Readout {
    /// `il6 above 1000 within 28 days` (`window_word` is `within` or `by`): for titles.
    pub fn describe(&self, window_word: &str, time_unit: &str) -> String {
        let threshold = match self.threshold.abs() >= 1e5 {
            true => format!("{:e}", self.threshold),
            false => format!("{}", self.threshold),
        };
        format!(
            "{} {} {threshold} {window_word} {}",
            self.output,
            self.side.word(),
            crate::diag::duration(self.window, time_unit)
        )
    }
}

/// A checked trial file.
pub struct VirtualTrial {
    /// The run file's model, population, span and solver, with the dose levels as its arms,
    /// lowest first (`Arm::scenario` is the level's name; the run file's scenarios are dropped).
    pub study: Study,
    pub toxicity: Readout,
    pub efficacy: Option<Readout>,
    pub design: Design,
    pub trials: u64,
    pub seed: u64,
    pub reference_patients: u64,
    /// Patients enrolled per month, for each trial's duration.
    pub accrual_per_month: Option<f64>,
    /// Months per model time unit (known when `accrual_per_month` is given).
    pub months_per_time_unit: Option<f64>,
}

impl VirtualTrial {
    /// The dose levels, lowest first.
    pub fn levels(&self) -> &[Arm] {
        &self.study.arms
    }

    /// The level names, lowest first.
    pub fn level_names(&self) -> Vec<&str> {
        self.levels().iter().map(|a| a.scenario.as_str()).collect()
    }

    /// How long after the first dose a patient is simulated: the longer readout window.
    pub fn horizon(&self) -> f64 {
        let efficacy = self.efficacy.as_ref().map_or(0.0, |r| r.window);
        self.toxicity.window.max(efficacy)
    }
}
