//! The calibration file as written: a run file, the population quantities to estimate with
//! their bounds, and the published aggregate results (targets) to reproduce.

use super::types::OrderedMap;
use serde::Deserialize;

/// A whole calibration file. Paths are relative to its folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// The run file: model, population, scenarios and metrics.
    pub run: String,
    /// Per model parameter: bounds of its typical value and/or of its random effect's SD.
    pub estimate: OrderedMap<EstimateSpec>,
    pub targets: Vec<TargetSpec>,
    /// Virtual patients per evaluation (`--subjects` overrides): the same at every evaluation.
    #[serde(default = "default_subjects")]
    pub subjects: u64,
    /// Seed of the virtual patients (`--seed` overrides; default: the run file's population
    /// seed).
    pub seed: Option<u64>,
    /// Formats and size of the figures (the command line overrides them).
    pub figures: Option<super::FiguresSpec>,
}

fn default_subjects() -> u64 {
    2000
}

/// What to estimate of one parameter: `typical: [low, high]`, `omega: [low, high]`, or both.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateSpec {
    pub typical: Option<[f64; 2]>,
    pub omega: Option<[f64; 2]>,
}

/// One published result: a metric of a scenario as a count of responders out of n, or a
/// statistic (median, mean, a percentile) with its standard error (`se`, or `se_log` on the log
/// scale).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub scenario: String,
    pub metric: String,
    pub responders: Option<u64>,
    pub n: Option<u64>,
    pub median: Option<f64>,
    pub mean: Option<f64>,
    pub p05: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub se: Option<f64>,
    pub se_log: Option<f64>,
}

impl TargetSpec {
    /// The statistics given, as (key, probability of the quantile or `None` for the mean,
    /// value).
    pub fn statistics(&self) -> Vec<(&'static str, Option<f64>, f64)> {
        [
            ("median", Some(0.5), self.median),
            ("mean", None, self.mean),
            ("p05", Some(0.05), self.p05),
            ("p10", Some(0.10), self.p10),
            ("p25", Some(0.25), self.p25),
            ("p75", Some(0.75), self.p75),
            ("p90", Some(0.90), self.p90),
            ("p95", Some(0.95), self.p95),
        ]
        .into_iter()
        .filter_map(|(key, p, value)| value.map(|v| (key, p, v)))
        .collect()
    }
}
