//! The trial file as written: a run file's model and population, dose levels in the run
//! file's scenario syntax, the toxicity and efficacy readouts, the design and the trial count.

use super::run::ScenarioSpec;
use super::types::OrderedMap;
use serde::Deserialize;

/// A whole trial file. Paths are relative to the trial file's folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSpec {
    /// The run file whose model, population, span and solver the patients get (its scenarios
    /// are not used).
    pub run: String,
    /// Dose levels, lowest first, each in the run file's scenario syntax.
    pub levels: OrderedMap<ScenarioSpec>,
    pub toxicity: ToxicitySpec,
    pub efficacy: Option<EfficacySpec>,
    pub design: DesignSpec,
    /// The level the first cohort gets (default: the first).
    pub start: Option<String>,
    /// Trials simulated (the command line's `--trials` overrides it).
    #[serde(default = "default_trials")]
    pub trials: u64,
    /// Seed of the patients' random streams (`--seed` overrides it).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Patients simulated at every level for the true probabilities of DLT and response.
    #[serde(default = "default_reference_patients")]
    pub reference_patients: u64,
    pub accrual: Option<AccrualSpec>,
    /// Formats and size of the figures (the command line overrides them).
    pub figures: Option<super::FiguresSpec>,
}

fn default_trials() -> u64 {
    1000
}

fn default_seed() -> u64 {
    1
}

fn default_reference_patients() -> u64 {
    10_000
}

/// A dose-limiting toxicity: `output` above `above` at any time within `within` of the first
/// dose.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToxicitySpec {
    pub output: String,
    pub above: f64,
    pub within: f64,
}

/// A response: `output` below `below` (or above `above`) at some time up to `by` after the
/// first dose.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EfficacySpec {
    pub output: String,
    pub below: Option<f64>,
    pub above: Option<f64>,
    pub by: f64,
}

/// The design, with every key any kind takes; checking refuses a key of another kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// `3+3` or `boin`.
    pub kind: String,
    /// 3+3: expand the level below to 6 patients before selecting it.
    pub deescalate: Option<bool>,
    /// BOIN: the target DLT rate.
    pub target: Option<f64>,
    /// BOIN: patients per cohort.
    pub cohort: Option<u64>,
    /// BOIN: the maximum sample size.
    pub max_n: Option<u64>,
}

/// Enrolment speed, for each trial's duration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccrualSpec {
    /// Patients enrolled per month.
    pub per_month: f64,
}
