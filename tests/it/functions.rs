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
    // through 0). The steps' right-hand sides jump at every whole t, which the solver crosses
    // by error control alone (the error estimate of a step straddling a jump is poor): each
    // crossing adds up to about 1e-8 relative (measured: 1.2e-8 at most), so 1e-7 relative.
    type ClosedForm<'a> = &'a dyn Fn(f64) -> f64;
    let closed_forms: [(&str, ClosedForm, f64); 5] = [
        ("s", &f64::sin, 1e-8),
        ("a", &f64::atan, 1e-8),
        ("h", &|t: f64| 4.0 * ((t / 4.0).cosh() - 1.0), 1e-8),
        ("f", &floor_integral, 1e-7),
        ("c", &ceil_integral, 1e-7),
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
