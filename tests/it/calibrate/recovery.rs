//! Recovery of the probit model's maximum-likelihood estimates and profile intervals, and
//! byte-identical results on 1 and 2 threads.

use super::{DOSES, calibrate, fixture};

/// Responders of 20 patients at the three doses.
const RESPONDERS: [f64; 3] = [3.0, 13.0, 19.0];
const N: f64 = 20.0;
const RISE: f64 = 3.841458820694124;

fn phi(x: f64) -> f64 {
    crate::trial::normal_cdf(x)
}

/// Binomial log-likelihood of the counts under the probit model (ln m, omega).
fn log_likelihood(log_m: f64, omega: f64) -> f64 {
    (DOSES.iter().zip(RESPONDERS))
        .map(|(dose, r)| {
            let p = phi((log_m + dose.ln()) / omega).clamp(1e-15, 1.0 - 1e-15);
            r * p.ln() + (N - r) * (1.0 - p).ln()
        })
        .sum()
}

/// The maximizer of `f` on [a, b] by golden-section search (f unimodal there).
fn golden(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..120 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if f(c) > f(d) {
            b = d;
        } else {
            a = c;
        }
    }
    0.5 * (a + b)
}

/// Where `f` changes sign on [a, b] (bisection).
fn root(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    for _ in 0..100 {
        let c = 0.5 * (a + b);
        if (f(a) > 0.0) == (f(c) > 0.0) {
            a = c;
        } else {
            b = c;
        }
    }
    0.5 * (a + b)
}

/// (m, omega, m interval, omega interval) of the probit fit: nested golden searches, profile
/// intervals where 2 (LL_max - LL_profile) = 3.84.
fn probit_fit() -> (f64, f64, (f64, f64), (f64, f64)) {
    let profile_m =
        |log_m: f64| log_likelihood(log_m, golden(&|w| log_likelihood(log_m, w), 0.01, 3.0));
    let profile_omega = |w: f64| log_likelihood(golden(&|l| log_likelihood(l, w), -3.0, 3.0), w);
    let log_m = golden(&profile_m, -2.0, 2.0);
    let omega = golden(&|w| log_likelihood(log_m, w), 0.01, 3.0);
    let best = log_likelihood(log_m, omega);
    let m_rise = |l: f64| 2.0 * (best - profile_m(l)) - RISE;
    let omega_rise = |w: f64| 2.0 * (best - profile_omega(w)) - RISE;
    (
        log_m.exp(),
        omega,
        (
            root(&m_rise, log_m - 3.0, log_m).exp(),
            root(&m_rise, log_m, log_m + 3.0).exp(),
        ),
        (
            root(&omega_rise, 0.02, omega),
            root(&omega_rise, omega, 5.0),
        ),
    )
}

const CALIBRATION: &str = "\
run: run.yaml
estimate:
  s: {typical: [0.2, 5], omega: [0.05, 2]}
targets:
  - {scenario: low, metric: response, responders: 3, n: 20}
  - {scenario: mid, metric: response, responders: 13, n: 20}
  - {scenario: high, metric: response, responders: 19, n: 20}
seed: 11
";

/// calibration.csv rows: (estimate, ci95_low, ci95_high) per quantity.
fn estimates(directory: &std::path::Path, out: &str) -> Vec<[f64; 3]> {
    let text = std::fs::read_to_string(directory.join(out).join("calibration.csv")).unwrap();
    assert!(text.starts_with(
        "parameter,kind,estimate,ci95_low,ci95_high,lower_bound,upper_bound,at_bound\n"
    ));
    (text.lines().skip(1))
        .map(|line| {
            let cells: Vec<f64> = line
                .split(',')
                .skip(2)
                .map(|c| c.parse().unwrap())
                .collect();
            [cells[0], cells[1], cells[2]]
        })
        .collect()
}

/// 2,000 patients: the sampling error of m and omega is about omega / sqrt(2000) ~ 1.1% and
/// omega / sqrt(2 x 2000) ~ 0.8%, and the smoothing bias (h^2 / omega^2 with h ~ omega x
/// 2000^(-1/3)) 0.2%, so 2% holds; the profile ends move less than the estimates' relative
/// errors plus the same smoothing, well inside 10%.
#[test]
fn the_calibrated_probit_model_matches_its_maximum_likelihood_fit() {
    let directory = fixture("probit", &format!("{CALIBRATION}subjects: 2000\n"));
    let output = calibrate(&directory, &["--out", "out"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = estimates(&directory, "out");
    let (m, omega, m_interval, omega_interval) = probit_fit();
    let close = |found: f64, expected: f64, tolerance: f64, what: &str| {
        assert!(
            (found / expected - 1.0).abs() < tolerance,
            "{what}: {found} against the probit fit's {expected}"
        );
    };
    close(rows[0][0], m, 0.02, "m");
    close(rows[1][0], omega, 0.02, "omega");
    close(rows[0][1], m_interval.0, 0.10, "m interval low");
    close(rows[0][2], m_interval.1, 0.10, "m interval high");
    close(rows[1][1], omega_interval.0, 0.10, "omega interval low");
    close(rows[1][2], omega_interval.1, 0.10, "omega interval high");
    let calibrated = std::fs::read_to_string(directory.join("out/calibrated.yaml")).unwrap();
    assert!(calibrated.contains("omega: "), "{calibrated}");
    assert!(directory.join("out/targets.csv").exists());
}

#[test]
fn calibration_is_byte_identical_on_one_and_two_threads_and_reports() {
    let calibration = "run: run.yaml\nestimate:\n  s: {typical: [0.2, 5]}\ntargets:\n  - {scenario: mid, metric: response, responders: 13, n: 20}\nsubjects: 300\n";
    let directory = fixture("threads", calibration);
    for threads in ["1", "2"] {
        let out = format!("out{threads}");
        let output = calibrate(&directory, &["--threads", threads, "--out", &out]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for file in ["calibration.csv", "targets.csv", "calibrated.yaml"] {
        let one = std::fs::read(directory.join("out1").join(file)).unwrap();
        let two = std::fs::read(directory.join("out2").join(file)).unwrap();
        assert_eq!(one, two, "{file} differs between 1 and 2 threads");
    }
}

/// Counts and a median together: the median nadir at the mid dose (day 1) is
/// T0 exp(-m dose) in closed form (the nadir falls monotonically in s), observed as 300 with an
/// SE of 0.05 on the log scale. The calibration must match the joint maximum-likelihood fit
/// (binomial counts plus the normal log-median term), 2%, for the reasons above.
#[test]
fn counts_and_a_median_together_match_their_joint_maximum_likelihood_fit() {
    let (observed, se_log) = (300.0f64, 0.05);
    let joint = |log_m: f64, omega: f64| {
        let median = 1000.0 * (-log_m.exp()).exp();
        log_likelihood(log_m, omega) - 0.5 * ((observed.ln() - median.ln()) / se_log).powi(2)
    };
    let profile_m = |log_m: f64| joint(log_m, golden(&|w| joint(log_m, w), 0.01, 3.0));
    let log_m = golden(&profile_m, -2.0, 2.0);
    let omega = golden(&|w| joint(log_m, w), 0.01, 3.0);
    let text = format!("{CALIBRATION}subjects: 2000\n").replace(
        "seed: 11",
        "  - {scenario: mid, metric: nadir, median: 300, se_log: 0.05}\nseed: 11",
    );
    let directory = fixture("mixed", &text);
    let output = calibrate(&directory, &["--out", "out"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = estimates(&directory, "out");
    let m = log_m.exp();
    assert!(
        (rows[0][0] / m - 1.0).abs() < 0.02,
        "m {} against {m}",
        rows[0][0]
    );
    assert!(
        (rows[1][0] / omega - 1.0).abs() < 0.02,
        "omega {} against {omega}",
        rows[1][0]
    );
}
