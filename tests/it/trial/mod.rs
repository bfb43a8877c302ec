//! `cartsim trial` end to end. The fixture model makes a DLT a threshold on a log-normal
//! sensitivity: the output `tox = s * x` after a bolus of `d` into `x` (which stays constant),
//! with `s` log-normal (median 1, omega 1), so a patient given `d` has a DLT (tox above 1) with
//! probability P(ln s > -ln d) = Phi(ln d). The levels' doses are exp(z_p) for the wanted
//! probabilities p, so the designs' exact operating characteristics are known.

mod designs;
mod errors;
mod story;

use crate::cli::{cartsim, scratch};
use std::path::{Path, PathBuf};
use std::process::Output;

/// z_p = Phi^-1(p) for p = 0.05, 0.15, 0.30, 0.50 (to 16 digits; e.g. R's qnorm).
pub const QUANTILES: [f64; 4] = [
    -1.6448536269514722,
    -1.0364333894937898,
    -0.5244005127080407,
    0.0,
];
/// The true P(DLT) of the four levels.
pub const P_DLT: [f64; 4] = [0.05, 0.15, 0.30, 0.50];

const MODEL: &str = "\
name: threshold
title: DLT as a threshold on a log-normal sensitivity
time_unit: day
parameters:
  s: {value: 1, description: sensitivity (log-normal across patients)}
states:
  x: {initial: 0}
odes:
  x: '0'
outputs:
  tox: {expr: s * x}
simulation: {end: 2, step: 1}
";

const RUN: &str = "\
model: threshold.yaml
simulation: {end: 2, step: 1}
population:
  n: 10
  seed: 1
  variability:
    s: {omega: 1}
";

/// A folder with the fixture model and run file, and `trial.yaml` holding `levels:` (the four
/// levels), the toxicity readout and then `rest`.
pub fn fixture(name: &str, rest: &str) -> PathBuf {
    let directory = scratch(&format!("trial-{name}"));
    std::fs::write(directory.join("threshold.yaml"), MODEL).unwrap();
    std::fs::write(directory.join("run.yaml"), RUN).unwrap();
    let levels: String = (QUANTILES.iter().enumerate())
        .map(|(k, z)| {
            format!(
                "  L{}: {{doses: [{{state: x, amount: {:e}, time: 0}}]}}\n",
                k + 1,
                z.exp()
            )
        })
        .collect();
    let text = format!(
        "run: run.yaml\nlevels:\n{levels}toxicity: {{output: tox, above: 1, within: 1}}\n{rest}"
    );
    std::fs::write(directory.join("trial.yaml"), text).unwrap();
    directory
}

/// Runs `cartsim trial trial.yaml` with `arguments` in `directory`.
pub fn trial(directory: &Path, arguments: &[&str]) -> Output {
    let mut all = vec!["trial", "trial.yaml"];
    all.extend_from_slice(arguments);
    cartsim(&all, directory)
}

/// The rows of a CSV (header left out), split at commas.
pub fn rows(text: &str) -> Vec<Vec<String>> {
    (text.lines().skip(1))
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The standard normal CDF, from erfc by the Chebyshev fit of Numerical Recipes (2nd ed.,
/// 6.2, `erfcc`; fractional error below 1.2e-7 everywhere).
pub fn normal_cdf(x: f64) -> f64 {
    let z = (x / std::f64::consts::SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398
                                + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    let upper = 0.5 * erfc;
    if x >= 0.0 { 1.0 - upper } else { upper }
}

#[test]
fn the_normal_cdf_of_the_tests_matches_known_values() {
    // Phi(z_p) = p to the fit's accuracy.
    for (z, p) in QUANTILES.iter().zip(P_DLT) {
        assert!((normal_cdf(*z) - p).abs() < 1e-7, "{z}: {}", normal_cdf(*z));
    }
    assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-7);
}
