//! The designs through the command on the threshold fixture: 3+3 against its exact selection
//! probabilities (enumerated here), BOIN against the independent Python simulator's operating
//! characteristics (tests/data/reference/boin_oc.csv, scenario s1: the same four levels), the
//! true probabilities against the normal CDF, and byte-identical results on 1 and 2 threads.

use super::{P_DLT, fixture, normal_cdf, rows, trial};

/// Monte Carlo standard errors allowed: a check of k independent values at 3 SE fails by
/// chance with probability about k x 0.27%.
const SES: f64 = 3.0;

/// P(k DLTs of n) at DLT probability p.
fn binomial(n: u32, k: u32, p: f64) -> f64 {
    let choose = (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    choose * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}

/// Exact 3+3 (no de-escalation, start at the first level) by enumerating every cohort's DLT
/// count: per level the probability of its selection and the expected patients treated there;
/// the last entry of `selected` is "no dose".
fn exact_three_plus_three(p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let levels = p.len();
    let mut selected = vec![0.0; levels + 1];
    let mut patients = vec![0.0; levels];
    // (level reached, probability of reaching it with no stop so far)
    let mut reach = 1.0;
    for level in 0..levels {
        let mut escalate = 0.0;
        for first in 0..=3 {
            let p_first = reach * binomial(3, first, p[level]);
            patients[level] += 3.0 * p_first;
            match first {
                0 => escalate += p_first,
                1 => {
                    patients[level] += 3.0 * p_first;
                    for second in 0..=3 {
                        let p_both = p_first * binomial(3, second, p[level]);
                        if second == 0 {
                            escalate += p_both;
                        } else {
                            // 2 or more of 6: the level below is selected.
                            let below = level.checked_sub(1).unwrap_or(levels);
                            selected[below] += p_both;
                        }
                    }
                }
                _ => selected[level.checked_sub(1).unwrap_or(levels)] += p_first,
            }
        }
        reach = escalate;
    }
    selected[levels - 1] += reach;
    (selected, patients)
}

#[test]
fn the_exact_enumeration_sums_to_one() {
    let (selected, _) = exact_three_plus_three(&P_DLT);
    assert!((selected.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

/// The operating characteristics rows: (selected_percent, patients_mean, p_dlt, p_dlt_se).
fn characteristics(directory: &std::path::Path) -> Vec<[f64; 4]> {
    let text =
        std::fs::read_to_string(directory.join("out/operating_characteristics.csv")).unwrap();
    assert!(text.starts_with(
        "level,p_dlt,p_dlt_se,p_response,p_response_se,selected_percent,patients_mean,dlts_mean,responses_mean\n"
    ));
    rows(&text)
        .iter()
        .map(|row| {
            let number = |k: usize| row[k].parse::<f64>().unwrap_or(f64::NAN);
            [number(5), number(6), number(1), number(2)]
        })
        .collect()
}

fn check_true_probabilities(rows: &[[f64; 4]]) {
    for (level, row) in rows.iter().take(P_DLT.len()).enumerate() {
        let truth = normal_cdf(super::QUANTILES[level]);
        let (p, se) = (row[2], row[3]);
        assert!(
            (p - truth).abs() <= SES * se,
            "level {}: p_dlt {p} (se {se}) against Phi = {truth}",
            level + 1
        );
    }
}

#[test]
fn three_plus_three_selects_as_its_exact_enumeration_and_p_dlt_is_the_normal_cdf() {
    let trials = 4000;
    let directory = fixture(
        "3p3",
        &format!("design: {{kind: 3+3}}\ntrials: {trials}\nseed: 5\nreference_patients: 20000\n"),
    );
    let output = trial(&directory, &["--out", "out"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = characteristics(&directory);
    let (exact, patients) = exact_three_plus_three(&P_DLT);
    for (k, row) in rows.iter().enumerate() {
        let p = exact[k];
        let se = 100.0 * (p * (1.0 - p) / trials as f64).sqrt();
        assert!(
            (row[0] - 100.0 * p).abs() <= SES * se,
            "row {k}: selected {}% against exact {}% (se {se})",
            row[0],
            100.0 * p
        );
    }
    // Mean patients per level: exact expectation; a trial's count is at most 6, so its SD is
    // at most 3 and the SE at most 3 / sqrt(trials).
    for (level, expected) in patients.iter().enumerate() {
        let se = 3.0 / (trials as f64).sqrt();
        assert!(
            (rows[level][1] - expected).abs() <= SES * se,
            "level {level}: {} against {expected}",
            rows[level][1]
        );
    }
    check_true_probabilities(&rows);
}

/// Scenario s1 of the Python reference: (selected fraction, mean patients) per level, then the
/// no-dose fraction, with the patients' SD, from boin_oc.csv.
fn boin_reference() -> Vec<(f64, f64, f64)> {
    let text =
        std::fs::read_to_string(crate::repo_path("tests/data/reference/boin_oc.csv")).unwrap();
    (text.lines().filter(|l| l.starts_with("s1,")))
        .filter(|l| !l.contains(",total,"))
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let number = |k: usize| cells[k].parse::<f64>().unwrap_or(f64::NAN);
            (number(7), number(8), number(9))
        })
        .collect()
}

#[test]
fn boin_through_the_command_matches_the_independent_python_simulator() {
    let trials = 2000;
    let design = "design: {kind: boin, target: 0.3, cohort: 3, max_n: 30}";
    let directory = fixture(
        "boin",
        &format!("{design}\ntrials: {trials}\nseed: 9\nreference_patients: 20000\n"),
    );
    let output = trial(&directory, &["--out", "out"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = characteristics(&directory);
    let reference = boin_reference();
    assert_eq!(reference.len(), rows.len());
    let n_ref = 1e6;
    for (k, (row, (selected, patients, patients_sd))) in rows.iter().zip(&reference).enumerate() {
        // Combined SE of two independent estimates of the same quantity.
        let p = *selected;
        let se = 100.0 * (p * (1.0 - p) * (1.0 / trials as f64 + 1.0 / n_ref)).sqrt();
        assert!(
            (row[0] - 100.0 * p).abs() <= SES * se.max(0.05),
            "row {k}: selected {}% against the reference {}% (se {se})",
            row[0],
            100.0 * p
        );
        if patients.is_finite() {
            let se = patients_sd * (1.0 / trials as f64 + 1.0 / n_ref).sqrt();
            assert!(
                (row[1] - patients).abs() <= SES * se,
                "level {k}: patients {} against {patients}",
                row[1]
            );
        }
    }
    check_true_probabilities(&rows);
}

#[test]
fn results_are_byte_identical_on_one_and_two_threads_with_or_without_figures() {
    let design = "design: {kind: boin, target: 0.3, max_n: 12}";
    let directory = fixture(
        "threads",
        &format!("{design}\ntrials: 300\nseed: 2\nreference_patients: 500\n"),
    );
    // The second run draws no figures, and its summary says so (not "figures/ (0 files)").
    for (threads, figures, written) in [
        ("1", "png", "figures/ (3 files)"),
        ("2", "none", "no figures (`--figures none`)"),
    ] {
        let out = format!("out{threads}");
        let arguments = ["--threads", threads, "--figures", figures, "--out", &out];
        let output = trial(&directory, &arguments);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(written), "{stdout}");
    }
    assert!(!directory.join("out2/figures").exists());
    for file in [
        "operating_characteristics.csv",
        "trials.csv",
        "patients.csv",
    ] {
        let one = std::fs::read(directory.join("out1").join(file)).unwrap();
        let two = std::fs::read(directory.join("out2").join(file)).unwrap();
        assert_eq!(one, two, "{file} differs between 1 and 2 threads");
    }
}
