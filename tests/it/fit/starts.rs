//! Several starts from the command line: a likelihood with several optima, where one search
//! from the model file's values ends, `ok`, at a local optimum.

use crate::cli::{cartsim, scratch};
use std::fmt::Write;
use std::path::Path;

/// y = a e^(-0.1 t) (1 + 0.5 s) with s = sin(w t) from the oscillator s' = w c, c' = -w s.
const RHYTHM: &str = "name: rhythm
time_unit: day
parameters:
  a: 80
  w: 0.37
states:
  s: 0
  c: 1
odes:
  s: w * c
  c: -w * s
outputs:
  y: a * exp(-0.1 * t) * (1 + 0.5 * s)
simulation: {end: 20, step: 1}
";

const NOISE: [f64; 21] = [
    0.03, -0.05, 0.02, 0.04, -0.03, -0.01, 0.05, -0.04, 0.01, 0.02, -0.02, 0.03, -0.05, 0.04, 0.0,
    -0.03, 0.02, 0.01, -0.04, 0.03, -0.01,
];

/// Data from a = 100, w = 1 with log-scale noise; w's likelihood has optima near 0.13, 0.33,
/// 0.45 and 1 (the global one), and the model file starts w at 0.37.
fn write_rhythm(directory: &Path) {
    std::fs::write(directory.join("rhythm.yaml"), RHYTHM).unwrap();
    let mut text = String::from("ID,TIME,DV,AMT,EVID,CMT\n");
    for (t, e) in (0..21).map(f64::from).zip(NOISE) {
        let y = 100.0 * (-0.1 * t).exp() * (1.0 + 0.5 * t.sin()) * e.exp();
        let _ = writeln!(text, "1,{t},{y},.,0,.");
    }
    std::fs::write(directory.join("rhythm.csv"), text).unwrap();
}

fn fit(directory: &Path, extra: &[&str]) -> (String, String, serde_json::Value, String) {
    let mut arguments = vec![
        "fit",
        "rhythm.yaml",
        "--data",
        "rhythm.csv",
        "--estimate",
        "a,w",
        "--out",
        "out",
    ];
    arguments.extend(extra);
    let output = cartsim(&arguments, directory);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let json = std::fs::read_to_string(directory.join("out/fit.json")).unwrap();
    let estimates = std::fs::read_to_string(directory.join("out/estimates.csv")).unwrap();
    (
        stdout,
        stderr,
        serde_json::from_str(&json).unwrap(),
        estimates,
    )
}

/// The case: `--starts 1` says `ok` at a local optimum; the default finds a -2LL lower
/// by tens of units, keeps it, and flags the ID on stdout, stderr, estimates.csv and fit.json.
#[test]
fn the_default_starts_leave_a_local_optimum_and_flag_the_id() {
    let directory = scratch("fit-starts");
    write_rhythm(&directory);
    let (single, _, single_json, _) = fit(&directory, &["--starts", "1"]);
    assert!(single.contains("ID 1: ok, -2LL"), "{single}");
    let (stdout, stderr, json, estimates) = fit(&directory, &[]);
    assert!(
        stdout.contains("ID 1: ok, but the starts disagree"),
        "{stdout}"
    );
    assert!(stdout.contains("another optimum has -2LL"), "{stdout}");
    assert!(
        stderr.contains("warning: ID 1: the best of 5 searches"),
        "{stderr}"
    );
    assert!(!stderr.contains("  "), "{stderr}");
    let fit = &json["subjects"][0]["fit"];
    let local = single_json["subjects"][0]["fit"]["minus_2_log_likelihood"]
        .as_f64()
        .unwrap();
    let best = fit["minus_2_log_likelihood"].as_f64().unwrap();
    assert!(local - best > 10.0, "{local} vs {best}");
    assert_eq!(fit["starts"]["agree"], false);
    assert_eq!(fit["starts"]["tried"], 5);
    let w: f64 = (estimates.lines())
        .find(|l| l.starts_with("1,w,"))
        .and_then(|l| l.split(',').nth(2)?.parse().ok())
        .unwrap();
    // The data's own rhythm (the library test pins the optimum to a profile-likelihood search).
    assert!((w - 1.0).abs() < 0.05, "w {w}");
    assert!(
        estimates.lines().skip(1).all(|l| l.ends_with(",1,0")),
        "{estimates}"
    );
}
