//! The sandwich covariance of a population fit (`Covariance::Sandwich`, `Both`) against an
//! independent computation: a model whose log output is linear in its random effect, where
//! FOCE-I is exact and each subject's marginal likelihood is a multivariate normal in closed
//! form; and `--covariance` end to end.

use super::population_cli::{population_fit, read};
use super::{fit_template, subject};
use crate::cli::scratch;
use crate::model_from;
use cartsim::data::DataSubject;
use cartsim::fit::Gradient;
use cartsim::fit::likelihood::{BlqMethod, ErrorModel};
use cartsim::fit::population::{
    Covariance, OmegaStructure, PopulationFit, PopulationMethod, PopulationRequest, fit_population,
};
use cartsim::fit::scales_for;
use cartsim::model::Model;
use cartsim::record::fit::PopulationRecord;
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// y = a exp(-k t): A(t) = exp(-k t) from the ODE, the output a A.
const DECAY: &str = "name: decay\ntime_unit: hour\nparameters:\n  a: {value: 10, unit: mg/L}\n  k: {value: 0.2, unit: 1/hour}\nstates: {A: 1}\nodes:\n  A: -k * A\noutputs:\n  y: {expr: a * A, unit: mg/L}\nsimulation: {end: 24, step: 1, rtol: 1e-10, atol: 1e-12}\n";
const K: f64 = 0.2;
const A_TRUE: f64 = 10.0;
const OMEGA_TRUE: f64 = 0.4;
const SIGMA_TRUE: f64 = 0.15;

/// `n` subjects with 3 to 7 samples at staggered times: ln y = ln a + eta - k t + eps, eta
/// normal, eps a contaminated normal (one sample in ten with three times the SD), so the
/// model's normal residual is misspecified and the sandwich differs from the Hessian.
fn decay_subjects(model: &Model, n: usize, seed: u64) -> Vec<DataSubject> {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let standard: Normal<f64> = Normal::new(0.0, 1.0).unwrap();
    (1..=n)
        .map(|id| {
            let eta = OMEGA_TRUE * standard.sample(&mut random);
            let samples = 3 + id % 5;
            let rows = (0..samples)
                .map(|j| {
                    let time = 0.5 + 3.0 * j as f64 + 0.4 * (id % 3) as f64;
                    let spread = if random.random::<f64>() < 0.1 {
                        3.0
                    } else {
                        1.0
                    };
                    let eps = spread * SIGMA_TRUE * standard.sample(&mut random);
                    let value = (A_TRUE.ln() + eta - K * time + eps).exp();
                    (time, value, false, None)
                })
                .collect();
            subject(model, id, Vec::new(), rows)
        })
        .collect()
}

/// A log-additive FOCE-I fit of `a` with a log-normal random effect, k fixed.
fn fit_decay(model: &Model, subjects: &[DataSubject], covariance: Covariance) -> PopulationFit {
    let estimated = vec![model.parameter_index("a").unwrap()];
    let sensitivity = model.sensitivity_model(&estimated).unwrap();
    let mut initial = model.parameter_values(None).unwrap();
    initial[estimated[0]] = 6.0;
    let request = PopulationRequest {
        model,
        scales: scales_for(model, &estimated),
        estimated,
        random: vec![0],
        structure: OmegaStructure::diagonal(1),
        initial_omega: vec![0.3],
        template: fit_template(model, initial),
        initial_sigma: vec![0.3],
        error: ErrorModel::LogAdditive,
        blq: BlqMethod::M3,
        gradient: Gradient::Sensitivity(&sensitivity),
        max_iterations: 200,
        covariance,
        mixture: None,
        method: PopulationMethod::Focei,
    };
    fit_population(&request, subjects).unwrap()
}

/// One subject's -2 log-likelihood in closed form at psi = [ln a, ln omega, ln sigma] (the
/// library's parameterization: typical value on the log scale, Omega by the log of its
/// Cholesky factor, log residual SD). With r = ln y - ln a + k t, the marginal of r is
/// N(0, V), V = s^2 I + w^2 1 1^T (s = sigma, w = omega, n samples), whose determinant is
/// s^(2(n-1)) (s^2 + n w^2) and inverse (I - w^2 1 1^T / (s^2 + n w^2)) / s^2:
/// -2LL = n ln 2 pi + ln det V + r^T V^-1 r.
fn marginal(subject: &DataSubject, psi: &[f64]) -> f64 {
    let (u, v) = ((2.0 * psi[2]).exp(), (2.0 * psi[1]).exp());
    let n = subject.observations.len() as f64;
    let r: Vec<f64> = (subject.observations.iter())
        .map(|o| o.value.ln() - psi[0] + K * o.time)
        .collect();
    let (sum, squares) = (r.iter().sum::<f64>(), r.iter().map(|x| x * x).sum::<f64>());
    let d = u + n * v;
    n * (2.0 * std::f64::consts::PI).ln()
        + (n - 1.0) * u.ln()
        + d.ln()
        + (squares - v * sum * sum / d) / u
}

/// Central difference gradient of `f` at `psi`. The closed form is exact to rounding, so a
/// step of 1e-5 leaves a truncation error near 1e-11 and a rounding error near 1e-10.
fn gradient(f: &dyn Fn(&[f64]) -> f64, psi: &[f64]) -> DVector<f64> {
    let h = 1e-5;
    DVector::from_fn(psi.len(), |k, _| {
        let (mut up, mut down) = (psi.to_vec(), psi.to_vec());
        up[k] += h;
        down[k] -= h;
        (f(&up) - f(&down)) / (2.0 * h)
    })
}

/// Central differences of `gradient` with step 1e-4: truncation near 1e-8 relative, rounding
/// of the inner gradient (1e-10) over 1e-4 near 1e-6 absolute on entries of tens to hundreds.
fn hessian(f: &dyn Fn(&[f64]) -> f64, psi: &[f64]) -> DMatrix<f64> {
    let h = 1e-4;
    let n = psi.len();
    let mut hessian = DMatrix::zeros(n, n);
    for k in 0..n {
        let (mut up, mut down) = (psi.to_vec(), psi.to_vec());
        up[k] += h;
        down[k] -= h;
        let column = (gradient(f, &up) - gradient(f, &down)) / (2.0 * h);
        hessian.set_column(k, &column);
    }
    0.5 * (&hessian + hessian.transpose())
}

/// SEs of (a, omega, sigma), each the exponential of its psi: SE = value sqrt(C_kk).
fn reported_se(covariance: &DMatrix<f64>, psi: &[f64]) -> [f64; 3] {
    [0, 1, 2].map(|k| psi[k].exp() * covariance[(k, k)].sqrt())
}

fn value(fit: &PopulationFit, name: &str) -> f64 {
    fit.estimates.iter().find(|e| e.name == name).unwrap().value
}

/// 24 subjects, 115 samples. The library's Hessian (second differences with step 5e-3) and
/// per-subject gradients (central differences with step 1e-3) have truncation errors of order
/// step^2 times a fourth or third derivative over the second: at most about 1e-4 relative for
/// the Hessian and 1e-6 for the gradients on these log scales; the ODE (rtol 1e-10) and the
/// modes (found to 1e-7, entering the objective squared) add far less. So both SEs agree with
/// the closed form's within 1e-4 relative (they agreed within 8e-6 when written). The library's minimum is checked to be the closed
/// form's: its Newton decrement g^T H^-1 g there is below 1e-6 (BFGS stops on a relative
/// change of 1e-9 in -2LL).
#[test]
fn sandwich_and_hessian_standard_errors_match_the_closed_form_marginal_likelihood() {
    let model = model_from("decay.yaml", DECAY);
    let subjects = decay_subjects(&model, 24, 20_260_318);
    let fit = fit_decay(&model, &subjects, Covariance::Both);
    assert!(fit.converged, "{}", fit.status);
    assert_eq!(fit.covariance, Covariance::Both);
    let psi = [
        value(&fit, "a").ln(),
        value(&fit, "omega_a").ln(),
        value(&fit, "sigma_log").ln(),
    ];
    let total = |psi: &[f64]| subjects.iter().map(|s| marginal(s, psi)).sum::<f64>();
    let r = hessian(&total, &psi);
    let r_inverse = r.clone().try_inverse().unwrap();
    let g = gradient(&total, &psi);
    let decrement = g.dot(&(&r_inverse * &g));
    assert!(decrement < 1e-6, "Newton decrement {decrement} at {psi:?}");
    // FOCE-I is exact here: the library's -2LL is the closed form's, up to the ODE's error
    // (rtol 1e-10 in ln f, times 2 r / sigma^2 per sample, over 115 samples: at most about
    // 1e-6; 8e-10 when written).
    let fit_minus_2ll = fit.minus_2_log_likelihood;
    assert!(
        (fit_minus_2ll - total(&psi)).abs() < 1e-6,
        "-2LL {fit_minus_2ll}"
    );
    let mut s = DMatrix::zeros(3, 3);
    for subject in &subjects {
        let g_i = gradient(&|psi: &[f64]| marginal(subject, psi), &psi);
        s += &g_i * g_i.transpose();
    }
    let expected_hessian = reported_se(&(2.0 * &r_inverse), &psi);
    let expected_sandwich = reported_se(&(&r_inverse * s * &r_inverse), &psi);
    for (k, name) in ["a", "omega_a", "sigma_log"].iter().enumerate() {
        let e = fit.estimates.iter().find(|e| e.name == *name).unwrap();
        let both = e.standard_errors.unwrap();
        let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-4;
        assert!(
            close(both.hessian, expected_hessian[k]) && close(both.sandwich, expected_sandwich[k]),
            "{name}: Hessian SE {} vs {}, sandwich SE {} vs {}",
            both.hessian,
            expected_hessian[k],
            both.sandwich,
            expected_sandwich[k]
        );
        assert_eq!(
            e.se, both.hessian,
            "{name}: `se` is the Hessian's with `both`"
        );
    }
    // The contaminated residuals make the two differ: the sandwich's SE of sigma is larger.
    let ratio = expected_sandwich[2] / expected_hessian[2];
    assert!(ratio > 1.2, "sandwich / Hessian SE of sigma {ratio}");
}

/// With `Covariance::Sandwich` the sandwich is the SE; with two IDs for three estimates S is
/// singular: the fit says so in its status and leaves the SEs empty instead of failing.
#[test]
fn the_sandwich_is_the_se_when_asked_and_empty_when_s_is_singular() {
    let model = model_from("decay.yaml", DECAY);
    let subjects = decay_subjects(&model, 24, 20_260_318);
    let fit = fit_decay(&model, &subjects, Covariance::Sandwich);
    assert_eq!(fit.covariance, Covariance::Sandwich);
    assert!(fit.estimates.iter().all(|e| e.standard_errors.is_none()));
    let both = fit_decay(&model, &subjects, Covariance::Both);
    for (e, reference) in fit.estimates.iter().zip(&both.estimates) {
        let sandwich = reference.standard_errors.unwrap().sandwich;
        // The two fits take the same path: the same numbers to rounding.
        assert!(
            (e.se / sandwich - 1.0).abs() < 1e-9,
            "{}: {} vs {sandwich}",
            e.name,
            e.se
        );
    }
    let few = fit_decay(&model, &subjects[..2], Covariance::Sandwich);
    assert!(
        few.status
            .contains("2 IDs for 3 estimates (no sandwich standard errors)"),
        "{}",
        few.status
    );
    assert!(
        few.estimates
            .iter()
            .all(|e| e.se.is_nan() && e.low.is_nan())
    );
}

/// `--covariance both`: estimates.csv carries `se_hessian` and `se_sandwich` after
/// `rse_percent`, `se` is the Hessian's, population.json, the summary and the report say which.
/// The numbers themselves are checked against a closed form in fit/sandwich.rs; here only that
/// the sandwich is a different, finite matrix (the theophylline fit has 12 IDs for 7 estimates).
#[test]
fn covariance_both_writes_both_columns_and_says_which() {
    let directory = scratch("population-sandwich");
    let output = population_fit(
        &directory,
        "out",
        "0",
        &["--covariance", "both", "--report"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let label = "inverse Hessian (2 R^-1), with the sandwich (R^-1 S R^-1) beside it";
    assert!(
        stdout.contains(&format!("Standard errors: {label}")),
        "{stdout}"
    );
    let out = directory.join("out");
    let estimates = read(&out.join("estimates.csv"));
    let mut lines = estimates.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(
        &header[3..7],
        ["se", "rse_percent", "se_hessian", "se_sandwich"]
    );
    let mut differ = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let number = |name: &str| cells[column(name)].parse::<f64>().unwrap();
        assert_eq!(cells[column("se")], cells[column("se_hessian")], "{line}");
        assert!(number("se_sandwich") > 0.0, "{line}");
        differ += usize::from((number("se_sandwich") / number("se") - 1.0).abs() > 0.01);
    }
    assert!(differ > 0, "{estimates}");
    let record: PopulationRecord =
        cartsim::record::from_json(&read(&out.join("population.json")), "population.json").unwrap();
    assert_eq!(record.standard_errors, Covariance::Both);
    let json: serde_json::Value =
        serde_json::from_str(&read(&out.join("population.json"))).unwrap();
    assert_eq!(json["standard_errors"], "both");
    assert!(record.estimates.iter().all(|e| e.standard_errors.is_some()));
    let html = read(&out.join("report.html"));
    assert!(html.contains(&format!("Standard errors: {label}")));
    assert!(html.contains(r#"<th class="n">SE (Hessian)</th><th class="n">SE (sandwich)</th>"#));
}
