//! The record of `cartsim calibrate`: calibration.json, with the calibration and run files'
//! inputs, the patients and seed, every estimate with its profile, and the search.

use super::Record;
use super::provenance::Provenance;
use super::run::{HashedFile, RunInputs};
use serde::{Deserialize, Serialize};

/// calibration.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRecord {
    pub format_version: u32,
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub calibration_file: HashedFile,
    pub inputs: RunInputs,
    pub subjects: u64,
    pub seed: u64,
    pub estimates: Vec<EstimateRecord>,
    pub minus_2_log_likelihood: f64,
    /// Bootstrap SD of -2LL over resampled patients at the optimum.
    pub minus_2_log_likelihood_mc_se: f64,
    pub converged: bool,
    /// How the search ended.
    pub search: String,
    pub evaluations: u64,
    pub failed_simulations_at_optimum: usize,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub provenance: Option<Provenance>,
}

impl Record for CalibrationRecord {
    const FILE: &'static str = "calibration.json";
    const FORMAT_VERSION: u32 = 1;
}

/// One estimated quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimateRecord {
    pub parameter: String,
    /// `typical` or `omega`.
    pub kind: String,
    pub start: f64,
    pub estimate: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub lower_bound: f64,
    pub upper_bound: f64,
    /// (value, -2LL) along the profile.
    pub profile: Vec<(f64, f64)>,
}
