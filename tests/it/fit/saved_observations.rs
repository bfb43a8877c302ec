//! The simulation-estimation loop without scripting: `cartsim run --save-observations` writes
//! a Stein 2019 population's observations (log-additive error, LLOQ censoring) as a NONMEM
//! dataset, and `cartsim fit --population` reads it back and recovers the parameters.

use super::{STEIN_ESTIMATED, STEIN_SIGMA};
use crate::cli::{cartsim, scratch};
use crate::repo_path;

/// The benchmark's design (benches/stein_dataset.sh): 20 samples from day 1 to 365.
const DAYS: &str =
    "[1, 3, 5, 7, 9, 11, 14, 17, 21, 28, 42, 56, 84, 112, 140, 180, 230, 280, 330, 365]";
/// Between-subject SDs (log scale) of foldx, cmax, alpha and fb: CV 31 to 79%.
const OMEGA: [f64; 4] = [0.5, 0.3, 0.3, 0.7];
/// Published typical values (the shipped model's) of foldx, cmax, alpha and fb.
const TRUTH: [f64; 4] = [3900.0, 24000.0, 0.16, 0.0079];

fn estimates(path: &std::path::Path) -> Vec<(String, f64, f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (value, low, high) = (column("estimate"), column("ci95_low"), column("ci95_high"));
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let number = |k: usize| cells[k].parse::<f64>().unwrap_or(f64::NAN);
            (
                cells[0].to_string(),
                number(value),
                number(low),
                number(high),
            )
        })
        .collect()
}

/// 40 virtual patients, the benchmark's variability, error and LLOQ 40 (which censors the
/// day-0 sample the output grid adds and much of the persistence tail), fitted by FOCE-I from
/// starting values 30-50% off. Bounds, with n = 40 rather than the benchmark's 60: the typical
/// values within 25% (a sample's geometric mean of foldx alone is off by 0.5 / sqrt(40) = 8%
/// per SD, and foldx is the least informed, shrinkage near 40%: 25% is about 2.5 of its SEs),
/// the variability SDs within 40% (the SE of an SD from 40 subjects is about 11%, more with
/// shrinkage), the residual SD within 15% (about 800 samples: SE 2.5%), and every true value
/// inside its 95% interval. The seed is the first one tried.
#[test]
fn a_population_saved_by_run_is_recovered_by_fit() {
    let directory = scratch("saved-observations");
    let model = repo_path("models/stein2019_tisagenlecleucel.yaml");
    let variability: Vec<String> = (STEIN_ESTIMATED.iter().zip(OMEGA))
        .map(|(name, omega)| format!("{name}: {{omega: {omega}}}"))
        .collect();
    let run = format!(
        "model: {}
simulation: {{end: 365, times: {DAYS}, outputs: [total]}}
population:
  n: 40
  seed: 2019
  variability: {{{}}}
  residual: {{output: total, model: exponential, sd: {STEIN_SIGMA}, lloq: 40}}
metrics: {{exposure: total}}
",
        model.display(),
        variability.join(", ")
    );
    std::fs::write(directory.join("population.yaml"), run).unwrap();
    let simulated = cartsim(
        &[
            "run",
            "population.yaml",
            "--out",
            "population",
            "--save-observations",
        ],
        &directory,
    );
    assert!(
        simulated.status.success(),
        "{}",
        String::from_utf8_lossy(&simulated.stderr)
    );
    let data = std::fs::read_to_string(directory.join("population/observations.csv")).unwrap();
    let rows = data.lines().count() - 1;
    let censored = data
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(8) == Some("1"))
        .count();
    // 21 times (day 0 added) x 40 subjects, no doses (Stein's infusion is E's initial value).
    assert_eq!(rows, 21 * 40);
    assert!(
        censored > 40 && censored < rows / 3,
        "{censored} of {rows} censored"
    );
    let model = model.display().to_string();
    let fitted = cartsim(
        &[
            "fit",
            &model,
            "--data",
            "population/observations.csv",
            "--estimate",
            "foldx,cmax,alpha,fb",
            "--set",
            "foldx=5850",
            "--set",
            "cmax=16800",
            "--set",
            "alpha=0.208",
            "--set",
            "fb=0.00474",
            "--population",
            "--omega",
            "0.5",
            "--sigma",
            "1",
            "--replicates",
            "0",
            "--out",
            "fit",
        ],
        &directory,
    );
    let stdout = String::from_utf8_lossy(&fitted.stdout);
    assert!(
        fitted.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&fitted.stderr)
    );
    assert!(stdout.contains("FOCE-I: converged"), "{stdout}");
    let estimates = estimates(&directory.join("fit/estimates.csv"));
    let mut expected: Vec<(String, f64, f64)> = Vec::new();
    for ((name, truth), omega) in STEIN_ESTIMATED.iter().zip(TRUTH).zip(OMEGA) {
        expected.push((name.to_string(), truth, 0.25));
        expected.push((format!("omega_{name}"), omega, 0.40));
    }
    expected.push(("sigma_log".into(), STEIN_SIGMA, 0.15));
    for (name, truth, tolerance) in expected {
        let (_, value, low, high) = (estimates.iter())
            .find(|e| e.0 == name)
            .unwrap_or_else(|| panic!("no {name} in {estimates:?}"))
            .clone();
        assert!(
            (value / truth - 1.0).abs() < tolerance,
            "{name}: {value} vs {truth}"
        );
        assert!(
            low <= truth && truth <= high,
            "{name}: {truth} outside [{low}, {high}]"
        );
    }
}
