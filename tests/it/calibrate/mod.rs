//! `cartsim calibrate` end to end. The fixture makes response a threshold on a log-normal
//! sensitivity: the tumor falls as T0 exp(-s dose t), and a patient responds when it is below
//! T0 / e at day 1, i.e. when s dose > 1; with s log-normal (median m, SD omega of ln s),
//! P(response | dose) = Phi((ln m + ln dose) / omega), a probit model in ln dose. The
//! calibrated m and omega are compared with the probit maximum-likelihood estimates and profile
//! intervals computed here, independently of cartsim.

mod errors;
mod recovery;

use crate::cli::{cartsim, scratch};
use std::path::{Path, PathBuf};
use std::process::Output;

const MODEL: &str = "\
name: probit
title: Response as a threshold on a log-normal sensitivity
time_unit: day
parameters:
  s: {value: 1, description: sensitivity}
  dose: {value: 1, description: dose}
  T0: {value: 1000, description: tumor at the start}
states:
  T: {initial: T0}
odes:
  T: -s * dose * T
outputs:
  tumor: {expr: T}
simulation: {end: 1, step: 0.5}
";

/// Doses of the scenarios low, mid and high.
pub const DOSES: [f64; 3] = [0.5, 1.0, 2.0];

const RUN: &str = "\
model: probit.yaml
scenarios:
  low: {parameters: {dose: 0.5}}
  mid: {parameters: {dose: 1}}
  high: {parameters: {dose: 2}}
population:
  n: 100
  seed: 3
  variability:
    s: {omega: 0.3}
metrics:
  tumor: tumor
  response: {below: 367.87944117144233, by: 1}
";

/// A folder with the fixture model, run file and `cal.yaml` = `calibration`.
pub fn fixture(name: &str, calibration: &str) -> PathBuf {
    let directory = scratch(&format!("calibrate-{name}"));
    std::fs::write(directory.join("probit.yaml"), MODEL).unwrap();
    std::fs::write(directory.join("run.yaml"), RUN).unwrap();
    std::fs::write(directory.join("cal.yaml"), calibration).unwrap();
    directory
}

/// Runs `cartsim calibrate cal.yaml` with `arguments` in `directory`.
pub fn calibrate(directory: &Path, arguments: &[&str]) -> Output {
    let mut all = vec!["calibrate", "cal.yaml"];
    all.extend_from_slice(arguments);
    cartsim(&all, directory)
}
