//! Calibration of a virtual population to published aggregate results: the typical values and
//! random-effect SDs of chosen parameters estimated so that a fixed sample of virtual patients
//! reproduces responder counts and summary statistics per scenario.
//!
//! - [`check`]: a calibration file against its run file's study: quantities with bounds
//!   containing their start (the run file's value), targets naming a scenario and a metric.
//! - [`Calibration::evaluate`]: -2 log-likelihood of the targets at one point: binomial for a
//!   count (as a deviance, 0 when the simulated fraction equals r/n), normal for a statistic with
//!   its SE (on the log scale with `se_log`). The same virtual patients every time (common
//!   random numbers: subject i's stream gives the same standard normal draws whatever the
//!   SDs). A fraction of a 0/1 metric is a step function of the parameters; `response` and
//!   `relapse` fractions are smoothed through each patient's margins (`smooth`), with a
//!   bandwidth that vanishes as the population grows. Recorded events count 0 or 1.
//! - [`search`]: Nelder-Mead (derivative-free, `nelder_mead`) on the unconstrained scale u =
//!   logit of the position of ln(value) between the log bounds, from the start and from
//!   perturbed starts;
//!   profile-likelihood 95% intervals (-2LL rise of 3.84) per quantity; the Monte Carlo error of
//!   the objective at the optimum by a bootstrap over patients.

mod check;
mod nelder_mead;
mod objective;
mod search;
mod smooth;

pub use check::{CalibrationOverrides, check};
pub use objective::{Evaluation, TargetValue};
pub use search::{CalibrationResult, Profile, search};

use crate::study::{MetricColumn, Study};

/// Most virtual patients per evaluation.
pub const MAX_SUBJECTS: u64 = 1_000_000;

/// What of a parameter is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityKind {
    /// Its typical value (every arm's).
    Typical,
    /// The SD of its random effect (index into `RandomEffects::parameters`).
    Omega(usize),
}

impl QuantityKind {
    pub fn word(self) -> &'static str {
        match self {
            QuantityKind::Typical => "typical",
            QuantityKind::Omega(_) => "omega",
        }
    }
}

/// One estimated quantity with its bounds (both positive) and start.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub parameter: String,
    /// The model parameter's index.
    pub index: usize,
    pub kind: QuantityKind,
    pub lower: f64,
    pub upper: f64,
    pub start: f64,
}

impl Quantity {
    /// The value at unconstrained coordinate `u`.
    pub fn value(&self, u: f64) -> f64 {
        let position = 1.0 / (1.0 + (-u).exp());
        (self.lower.ln() + position * (self.upper / self.lower).ln()).exp()
    }

    /// The unconstrained coordinate of `value` (inside the bounds).
    pub fn coordinate(&self, value: f64) -> f64 {
        let position = (value / self.lower).ln() / (self.upper / self.lower).ln();
        let position = position.clamp(1e-9, 1.0 - 1e-9);
        (position / (1.0 - position)).ln()
    }

    /// Whether `value` lies within 0.1% (of the log range) of a bound.
    pub fn at_bound(&self, value: f64) -> bool {
        let position = (value / self.lower).ln() / (self.upper / self.lower).ln();
        !(1e-3..=1.0 - 1e-3).contains(&position)
    }
}

/// The statistic a target compares.
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    /// `responders` of `n` had the 0/1 metric (or the event).
    Count { responders: u64, n: u64 },
    /// A quantile (probability) or the mean (`None`) of the metric over patients, observed with
    /// standard error `se` (of its log when `log`).
    Summary {
        key: &'static str,
        probability: Option<f64>,
        observed: f64,
        se: f64,
        log: bool,
    },
}

/// One checked target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub scenario: String,
    /// The arm (index into `Study::arms`).
    pub arm: usize,
    pub metric: String,
    /// Index into `MetricSettings::columns`.
    pub column: usize,
    /// What that column holds.
    pub kind: MetricColumn,
    pub statistic: Statistic,
}

impl Target {
    /// Whether the target counts a 0/1 metric.
    pub fn counts(&self) -> bool {
        matches!(self.statistic, Statistic::Count { .. })
    }

    /// Whether its fraction is smoothed through the patients' margins (`response` and
    /// `relapse` counts); `relapse` says which.
    pub fn smoothed(&self) -> Option<bool> {
        match self.kind {
            MetricColumn::Flag("response") if self.counts() => Some(false),
            MetricColumn::Flag("relapse") if self.counts() => Some(true),
            _ => None,
        }
    }
}

/// A checked calibration file.
pub struct Calibration {
    pub study: Study,
    pub quantities: Vec<Quantity>,
    pub targets: Vec<Target>,
    pub subjects: u64,
    pub seed: u64,
}
