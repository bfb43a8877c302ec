//! The trigonometric, hyperbolic and step functions end to end: integrals against their
//! closed forms, native code against the interpreter on a model using every one of them, and
//! that model through SBML export and import.

use crate::{Run, assert_close, model_from, run};
use cartsim::sbml::{ImportOptions, import};

/// A model using every function of the language (with its aliases), its states positive
/// (x' and y' are positive at 0) so that every argument stays in its function's domain
/// (u = x / (1 + x) in [0, 1)); the export tests evaluate it too.
pub const EVERY_FUNCTION: &str = "name: every_function
parameters: {k: 0.4, w: 1.3}
states:
  x: {initial: 0.5}
  y: {initial: 2}
  z: {initial: 0}
derived:
  u: x / (1 + x)
odes:
  x: 0.1 * (1 + sin(w * t)) + 0.01 * floor(w * t) - k * x * tanh(y)
  y: k * (2 + cos(x)) * (1 + ceiling(x)) / (1 + y) - 0.1 * y * atan(y)
  z: sinh(u) + cosh(u) - tan(u) + asin(u) * acos(u) - asinh(y) + acosh(1 + y) + atanh(u / 2) - ceil(y) - z
outputs:
  inverses: arcsin(u) + arccos(u) + arctan(y) + arcsinh(y) + arccosh(1 + y) + arctanh(u / 2)
simulation: {end: 12, step: 0.25}
";

#[test]
fn integrals_of_cos_atan_slope_sinh_floor_and_ceil_follow_their_closed_forms() {
    // x' = f(t), x(0) = 0 integrates f exactly as the closed form does: sin t, atan t,
    // 4 (cosh(t/4) - 1), and for the steps, with n = floor(t), n(n-1)/2 + n(t - n) and
    // n(n+1)/2 + (n+1)(t - n) (t not an integer; at integers both forms agree).
    let text = "name: integrals
states: {s: {initial: 0, nonnegative: false}, a: 0, h: 0, f: {initial: 0, nonnegative: false}, c: 0}
odes: {s: cos(t), a: 1 / (1 + t^2), h: sinh(t / 4), f: floor(t), c: ceil(t)}
simulation: {end: 10, step: 0.25}
";
    let trajectory = run(
        &model_from("integrals.yaml", text),
        Run {
            rtol: Some(1e-10),
            atol: Some(1e-12),
            ..Run::default()
        },
    )
    .trajectory;
    let floor_integral = |t: f64| {
        let n = t.floor();
        n * (n - 1.0) / 2.0 + n * (t - n)
    };
    let ceil_integral = |t: f64| {
        let n = t.floor();
        n * (n + 1.0) / 2.0 + (n + 1.0) * (t - n)
    };
    // Smooth right-hand sides at rtol 1e-10 over 10 time units: a global error below 1e-9
    // (measured: 6e-10 absolute at most); 1e-8 relative plus 1e-9 absolute (sin t passes
    // through 0). The steps jump at every whole t, which are breakpoints: between them the
    // right-hand side is a constant, which any Runge-Kutta step integrates exactly, so only
    // rounding remains (1e-12 relative).
    type ClosedForm<'a> = &'a dyn Fn(f64) -> f64;
    let closed_forms: [(&str, ClosedForm, f64); 5] = [
        ("s", &f64::sin, 1e-8),
        ("a", &f64::atan, 1e-8),
        ("h", &|t: f64| 4.0 * ((t / 4.0).cosh() - 1.0), 1e-8),
        ("f", &floor_integral, 1e-12),
        ("c", &ceil_integral, 1e-12),
    ];
    assert_eq!(trajectory.times.len(), 41);
    for (column, closed_form, relative) in closed_forms {
        let values = trajectory.column(column).unwrap();
        for (t, value) in trajectory.times.iter().zip(&values) {
            let what = format!("{column} at t = {t}");
            assert_close(*value, closed_form(*t), relative, 1e-9, &what);
        }
    }
}

/// The integral of `g` from 0 to `t` when `g` is constant between the points `jumps`
/// (ascending): each piece's length times `g` at its middle. Independent of the solver.
fn piecewise_integral(g: &dyn Fn(f64) -> f64, jumps: &[f64], t: f64) -> f64 {
    let inside = jumps.iter().copied().filter(|&j| j > 0.0 && j < t);
    let points: Vec<f64> = std::iter::once(0.0).chain(inside).chain([t]).collect();
    (points.windows(2))
        .map(|w| (w[1] - w[0]) * g(0.5 * (w[0] + w[1])))
        .sum()
}

#[test]
fn floors_of_t_jump_at_breakpoints_and_integrate_exactly_at_default_tolerances() {
    // floor/ceil of t with constant coefficients are steps: every jump is a breakpoint and
    // between jumps the right-hand side is a constant (or, for the sawtooth t - 7 floor(t/7),
    // a line), which a Runge-Kutta step integrates exactly: at the default tolerances only
    // rounding remains (1e-12 relative plus 1e-12 absolute). `floor(t / tau)` with a
    // parameter `tau` is not a step: the solver crosses its jumps by error control alone,
    // which costs accuracy (1e-3 relative plus 1e-5 absolute at the default tolerances: a step
    // straddling 7 already sees the 1 after it; documented in README).
    let text = "name: steps
parameters: {tau: 7}
states: {f: 0, saw: 0, c: 0, d: {initial: 0, nonnegative: false}, p: 0}
odes: {f: floor(t), saw: t - 7 * floor(t / 7), c: ceil(2 * t + 0.5), d: floor(10 - t), p: floor(t / tau)}
simulation: {end: 20, step: 0.5}
";
    let trajectory = run(&model_from("steps.yaml", text), Run::default()).trajectory;
    let whole: Vec<f64> = (0..=20).map(f64::from).collect();
    let weeks = [7.0, 14.0];
    let quarters: Vec<f64> = (0..=40).map(|k| (f64::from(k) - 0.5) / 2.0).collect();
    type Case<'a> = (&'a str, &'a dyn Fn(f64) -> f64, &'a [f64], (f64, f64));
    let rounding = (1e-12, 1e-12);
    let cases: [Case; 5] = [
        ("f", &f64::floor, &whole, rounding),
        (
            "saw",
            &|t: f64| t - 7.0 * (t / 7.0).floor(),
            &weeks,
            rounding,
        ),
        ("c", &|t: f64| (2.0 * t + 0.5).ceil(), &quarters, rounding),
        ("d", &|t: f64| (10.0 - t).floor(), &whole, rounding),
        ("p", &|t: f64| (t / 7.0).floor(), &weeks, (1e-3, 1e-5)),
    ];
    for (column, g, jumps, (relative, absolute)) in cases {
        let values = trajectory.column(column).unwrap();
        for (&t, value) in trajectory.times.iter().zip(&values) {
            let exact = if column == "saw" {
                // Linear pieces: the midpoint rule is not exact there; the closed form is.
                let m = (t / 7.0).floor();
                24.5 * m + (t - 7.0 * m).powi(2) / 2.0
            } else {
                piecewise_integral(g, jumps, t)
            };
            let what = format!("{column} at t = {t}");
            assert_close(*value, exact, relative, absolute, &what);
        }
    }
}

#[test]
fn every_function_simulates_identically_native_and_interpreted() {
    let folder = crate::cli::scratch("functions-native");
    let model = folder.join("every_function.yaml");
    std::fs::write(&model, EVERY_FUNCTION).unwrap();
    let native = crate::native::simulate(&model, &folder.join("native"), "on");
    let interpreted = crate::native::simulate(&model, &folder.join("interpreted"), "off");
    assert!(
        native == interpreted,
        "native and interpreted trajectories differ"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn every_function_comes_back_through_sbml_with_the_same_trajectory() {
    let loaded = cartsim::spec::load_model("every_function.yaml", EVERY_FUNCTION).unwrap();
    let sbml = cartsim::sbml::export(&loaded.spec).unwrap();
    for element in [
        "<sin/>",
        "<cos/>",
        "<tan/>",
        "<arcsin/>",
        "<arccos/>",
        "<arctan/>",
        "<sinh/>",
        "<cosh/>",
        "<tanh/>",
        "<arcsinh/>",
        "<arccosh/>",
        "<arctanh/>",
        "<floor/>",
        "<ceiling/>",
    ] {
        assert!(sbml.contains(element), "{element} not in\n{sbml}");
    }
    let options = ImportOptions {
        sbml_ids: true,
        end: 12.0,
        step: 0.25,
    };
    let yaml = import("every_function.xml", &sbml, &options).unwrap_or_else(|d| panic!("{d}"));
    let tight = || Run {
        rtol: Some(1e-12),
        atol: Some(1e-12),
        ..Run::default()
    };
    let original = run(&model_from("every_function.yaml", EVERY_FUNCTION), tight()).trajectory;
    let again = run(&model_from("every_function.imported.yaml", &yaml), tight()).trajectory;
    assert_eq!(original.times, again.times);
    for state in ["x", "y", "z"] {
        let (want, got) = (
            original.column(state).unwrap(),
            again.column(state).unwrap(),
        );
        let scale = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        for (row, (g, w)) in got.iter().zip(&want).enumerate() {
            // Two integrations of one ODE at rtol 1e-12, as for the shipped models.
            assert_close(*g, *w, 1e-9, 1e-9 * scale, &format!("{state} at row {row}"));
        }
    }
}

#[test]
fn a_floor_of_t_that_would_jump_millions_of_times_is_refused_before_the_run() {
    let text =
        "name: fast\nstates: {x: 0}\nodes: {x: floor(1e6 * t)}\nsimulation: {end: 10, step: 1}\n";
    let model = model_from("fast.yaml", text);
    let regimen = model.default_regimen.clone();
    let parameters = model.parameter_values(None).unwrap();
    let plan = cartsim::simulate::RunPlan::for_model(&model, parameters, &regimen, None).unwrap();
    let error = cartsim::simulate::simulate(&model, &plan).unwrap_err();
    assert!(
        error.message.contains("jumps 1.000e7 times") && error.hint.contains("floor(t / 7)"),
        "{error:?}"
    );
}
