//! The record of `cartsim sensitivity`: sensitivity.json, with the run file's inputs, the
//! method and its settings, the parameters and ranges analysed, and the simulations run.

use super::Record;
use super::run::RunInputs;
use crate::sensitivity::Method;
use serde::{Deserialize, Serialize};

/// sensitivity.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub inputs: RunInputs,
    pub method: Method,
    /// The arm analysed, as figures name it.
    pub scenario: String,
    pub parameters: Vec<NominalValue>,
    /// The ranges sampled (global methods; empty for `local`).
    pub ranges: Vec<RangeRecord>,
    pub metrics: Vec<String>,
    pub seed: u64,
    pub settings: MethodSettings,
    pub simulations: u64,
    pub failed_simulations: usize,
    pub first_failure: Option<String>,
    pub threads: usize,
    pub wall_time_seconds: f64,
}

impl Record for SensitivityRecord {
    const FILE: &'static str = "sensitivity.json";
    const FORMAT_VERSION: u32 = 1;
}

/// A parameter analysed and its value in the typical subject of the arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NominalValue {
    pub name: String,
    pub nominal: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeRecord {
    pub parameter: String,
    pub min: f64,
    pub max: f64,
    /// The scale values are uniform on: `linear`, `log` or `logit`.
    pub scale: String,
    /// Where the range comes from: bounds, or the variability's percentiles.
    pub source: String,
}

/// The settings of each method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodSettings {
    Local {
        step_in_log_parameter: f64,
        rtol: f64,
        /// The fractional change of the tornado chart.
        change: f64,
        /// How the curves over time were computed.
        curves: String,
    },
    Morris {
        trajectories: usize,
        levels: u32,
        delta: f64,
    },
    Sobol {
        base_samples: u64,
        design: String,
        estimators: String,
        bootstrap: BootstrapSettings,
        /// Metrics without indices, with why.
        not_estimated: serde_json::Map<String, serde_json::Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapSettings {
    pub resamples: usize,
    pub confidence: f64,
    pub interval: String,
}
