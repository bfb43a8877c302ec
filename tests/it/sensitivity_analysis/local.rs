//! Local normalized coefficients against closed forms: exponential growth (d log y / d log k =
//! k t exactly) and the Stein 2019 closed form (central differences of the formula itself).

use super::study_of;
use crate::repo_path;
use cartsim::model::{Model, Regimen};
use cartsim::sensitivity::{LocalResult, local};

const GROWTH: &str = "name: growth
parameters:
  k: {value: 0.3, unit: 1/day}
  y0: {value: 2, unit: cells}
states:
  y: {initial: y0, unit: cells}
odes:
  y: k * y
outputs:
  level: {expr: y, unit: cells}
doses: []
simulation: {end: 10, step: 1, solver: dopri5, rtol: 1e-6, atol: 1e-12}
";

const GROWTH_RUN: &str = "model: growth.yaml
simulation: {end: 10, step: 1, outputs: [level]}
metrics: {exposure: level}
sensitivity: {parameters: [k, y0], metrics: [cmax, level@5], change: 0.2}
";

fn analyse(
    study: &cartsim::study::Study,
    setup: &cartsim::sensitivity::Setup,
    forward: bool,
) -> LocalResult {
    let indices: Vec<usize> = setup.parameters.iter().map(|(k, _)| *k).collect();
    let system: Result<(Model, Regimen), String> = match forward {
        true => study.model.sensitivity_model(&indices).map(|m| {
            let regimen = m.default_regimen.clone();
            (m, regimen)
        }),
        false => Err("asked for differences".into()),
    };
    local(
        study,
        setup,
        system.as_ref().map(|(m, r)| (m, r)).map_err(String::clone),
        &|| (),
    )
}

/// |actual - expected| <= relative |expected| + absolute, naming the entry.
#[track_caller]
fn close(actual: f64, expected: f64, relative: f64, absolute: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= relative * expected.abs() + absolute,
        "{what}: got {actual}, expected {expected}"
    );
}

#[test]
fn exponential_growth_coefficients_are_k_t() {
    // y = y0 exp(k t): d log y(t) / d log k = k t and d log y / d log y0 = 1 at every t; Cmax is
    // y(10) and level@5 is y(5). The metric coefficients are central differences in log k of
    // step h = 1e-3 at rtol 1e-9: truncation h^2 (1/2 + 1/6 + (kt)^2/6) relative, 2e-6 at
    // kt = 3, and solver error about 1e-9 / h = 1e-6, so 1e-4 relative has margin. The curves
    // come from the forward sensitivity equations, accurate to the solver's 1e-9: 1e-6.
    let (study, setup) = study_of(GROWTH_RUN, GROWTH);
    let result = analyse(&study, &setup, true);
    assert_eq!(result.failures.count, 0);
    assert_eq!(result.curve_method, "forward sensitivity equations");
    let k = 0.3;
    close(
        result.effects[0][0].coefficient,
        k * 10.0,
        1e-4,
        0.0,
        "cmax / k",
    );
    close(
        result.effects[0][1].coefficient,
        k * 5.0,
        1e-4,
        0.0,
        "level@5 / k",
    );
    close(
        result.effects[1][0].coefficient,
        1.0,
        1e-4,
        0.0,
        "cmax / y0",
    );
    // Tornado: Cmax moves by exp(k X t) - 1 when k rises by X; y0 moves it by +-X exactly.
    close(
        result.effects[0][0].high_change,
        (k * 0.2 * 10.0f64).exp() - 1.0,
        1e-6,
        0.0,
        "+20% k",
    );
    close(
        result.effects[0][0].low_change,
        (-k * 0.2 * 10.0f64).exp() - 1.0,
        1e-6,
        0.0,
        "-20% k",
    );
    close(result.effects[1][0].low_change, -0.2, 1e-6, 0.0, "-20% y0");
    for (row, t) in (0..=10).map(|t| (t, t as f64)) {
        close(
            result.curves[0][row],
            k * t,
            1e-6,
            1e-9,
            &format!("k at t = {t}"),
        );
        close(
            result.curves[1][row],
            1.0,
            1e-6,
            0.0,
            &format!("y0 at t = {t}"),
        );
    }
    // Without the sensitivity system the curves come from the same differences as the metrics.
    let differences = analyse(&study, &setup, false);
    assert!(differences.curve_method.starts_with("central differences"));
    for row in 0..=10 {
        close(
            differences.curves[0][row],
            k * row as f64,
            1e-4,
            1e-9,
            "k by differences",
        );
    }
}

/// The Stein 2019 closed form (MODELS.md section 1) of total = E + M at time t, with
/// p = [foldx, tmax, cmax, alpha, fb, beta].
fn stein(p: &[f64], t: f64) -> f64 {
    let [foldx, tmax, cmax, alpha, fb, beta] = [p[0], p[1], p[2], p[3], p[4], p[5]];
    if t < tmax {
        cmax / foldx * (foldx.ln() / tmax * t).exp()
    } else {
        cmax * ((1.0 - fb) * (-alpha * (t - tmax)).exp() + fb * (-beta * (t - tmax)).exp())
    }
}

/// A quantity computed from the parameters.
type Metric<'a> = dyn Fn(&[f64]) -> f64 + 'a;

/// d log g / d log p_i of a function of the parameters, by central differences of step 1e-5
/// in log p_i: truncation about 1e-10 relative and rounding about 1e-16 / 1e-5 = 1e-11, both
/// far below the tolerances the coefficients are held to.
fn closed_form_coefficient(g: &Metric<'_>, p: &[f64], i: usize) -> f64 {
    let h: f64 = 1e-5;
    let at = |factor: f64| {
        let mut q = p.to_vec();
        q[i] *= factor;
        g(&q)
    };
    (at(h.exp()) - at((-h).exp())) / (2.0 * h * g(p))
}

#[test]
fn stein_coefficients_match_the_closed_form() {
    // The run outputs daily from 0 to 60; Cmax is located on the solution, at the switch
    // tmax = 9.3 between days 9 and 10, where the curve is `cmax` by construction. Curves (forward sensitivities, through the
    // switch at tmax) are held to 1e-5 relative plus 1e-6 absolute; the metrics (differences of
    // step 1e-3 at rtol 1e-9; coefficients up to about 8 in size) to 1e-4 relative plus 1e-5.
    let model =
        std::fs::read_to_string(repo_path("models/stein2019_tisagenlecleucel.yaml")).unwrap();
    let run = "model: stein.yaml
simulation: {end: 60, step: 1, outputs: [total]}
metrics: {exposure: total}
sensitivity: {parameters: [foldx, tmax, cmax, alpha, fb, beta], metrics: [cmax, total@20, total@50]}
";
    let (study, setup) = study_of(run, &model);
    let result = analyse(&study, &setup, true);
    assert_eq!(result.curve_method, "forward sensitivity equations");
    let p = result.parameter_values.clone();
    assert_eq!(p, vec![3900.0, 9.3, 24000.0, 0.16, 0.0079, 0.0032]);
    let peak = |q: &[f64]| stein(q, q[1]);
    let metrics: [&Metric<'_>; 3] = [&peak, &|q| stein(q, 20.0), &|q| stein(q, 50.0)];
    for (i, name) in ["foldx", "tmax", "cmax", "alpha", "fb", "beta"]
        .iter()
        .enumerate()
    {
        for (m, metric) in metrics.iter().enumerate() {
            let expected = closed_form_coefficient(*metric, &p, i);
            close(
                result.effects[i][m].coefficient,
                expected,
                1e-4,
                1e-5,
                &format!("metric {m} / {name}"),
            );
        }
        for t in [1, 5, 9, 10, 14, 28, 45, 60] {
            let expected = closed_form_coefficient(&|q| stein(q, t as f64), &p, i);
            close(
                result.curves[i][t],
                expected,
                1e-5,
                1e-6,
                &format!("total({t}) / {name}"),
            );
        }
    }
}
