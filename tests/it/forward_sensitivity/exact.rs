//! Sensitivities with known values: closed forms (elimination, per-kg doses, the Stein switch
//! at tmax), the fitting predictor against its finite-difference fallback, and refusals.

use super::trajectory;
use crate::{doses, model_from, shipped};
use cartsim::fit::{Gradient, ObservedPoint, Predictor, SimulatedSubject};
use cartsim::model::Model;
use cartsim::simulate::RunPlan;

const ELIMINATION: &str = "name: elimination
parameters:
  k: {value: 0.3, unit: 1/h}
  D: {value: 100, unit: mg/kg}
  weight: {value: 70, unit: kg}
states:
  y: {initial: 0, unit: mg}
odes:
  y: -k * y
outputs:
  y_out: {expr: y, unit: mg}
doses:
  - {state: y, amount: D * weight, time: 0}
simulation: {end: 20, step: 1, solver: dopri5, rtol: 1e-12, atol: 1e-12}
";

/// The run of `model`'s file at its parameter values, output every hour.
fn run_plan(model: &Model) -> RunPlan {
    let values = model.parameter_values(None).unwrap();
    RunPlan::for_model(model, values, &model.default_regimen, None).unwrap()
}

/// |actual - expected| <= 1e-9 |expected| (rtol 1e-12 on a one-state linear model).
#[track_caller]
fn assert_exact(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs() + 1e-300,
        "{what}: {actual:e} vs {expected:e}"
    );
}

/// y = A exp(-k t) with A = D weight dosed at 0: dy/dk = -t y, dy/dD = weight exp(-k t),
/// dy/dweight = D exp(-k t); the dose amount's derivatives enter as doses into the
/// sensitivities.
#[test]
fn sensitivity_of_one_compartment_elimination_is_exact() {
    let model = model_from("elimination.yaml", ELIMINATION);
    let sensitivity = model.sensitivity_model(&[0, 1, 2]).unwrap();
    let layout = sensitivity.sensitivity_layout().unwrap();
    let result = trajectory(&sensitivity, &run_plan(&sensitivity));
    assert_eq!(
        *result.columns,
        [
            "y",
            "d(y)/d(k)",
            "d(y)/d(D)",
            "d(y)/d(weight)",
            "y_out",
            "d(y_out)/d(k)",
            "d(y_out)/d(D)",
            "d(y_out)/d(weight)"
        ]
    );
    assert_eq!(sensitivity.states[1].unit.as_deref(), Some("mg/(1/h)"));
    for (row, &t) in result.times.iter().enumerate() {
        let decay = (-0.3 * t).exp();
        let y = 7000.0 * decay;
        for column in [0, 1] {
            let value = |j: usize| result.row(row)[layout.derivative_column(column, j)];
            assert_exact(result.row(row)[layout.value_column(column)], y, "y");
            assert_exact(value(0), -t * y, &format!("dy/dk at {t}"));
            assert_exact(value(1), 70.0 * decay, &format!("dy/dD at {t}"));
            assert_exact(value(2), 100.0 * decay, &format!("dy/dweight at {t}"));
        }
    }
}

/// Per-kg doses given outside the file, on the sensitivity model: d(amount)/d(weight) is the
/// per-kg amount, dosed into dy/dweight; an infusion adds d(rate)/d(weight).
#[test]
fn sensitivity_of_per_kg_doses_flows_into_the_dosed_state() {
    let model = model_from("elimination.yaml", ELIMINATION);
    let sensitivity = model.sensitivity_model(&[2]).unwrap();
    let regimen = sensitivity
        .compile_regimen(
            &doses("[{state: y, amount: 2, per_kg: true, time: 0, duration: 1}]"),
            "test",
            &|_, _| None,
        )
        .unwrap();
    let values = model.parameter_values(None).unwrap();
    let mut plan = RunPlan::for_model(&sensitivity, values, &regimen, None).unwrap();
    plan.end = 1.0;
    let result = trajectory(&sensitivity, &plan);
    // Infusion of 2 * weight over [0, 1): y(1) = 2 weight (1 - e^-k) / k.
    let per_weight = 2.0 * (1.0 - (-0.3_f64).exp()) / 0.3;
    let last = result.times.len() - 1;
    assert_exact(result.row(last)[0], 70.0 * per_weight, "y(1)");
    assert_exact(result.row(last)[1], per_weight, "dy/dweight at 1");
}

/// Stein 2019: E = (cmax/foldx) e^(rho t), rho = ln(foldx)/tmax, before tmax and
/// cmax e^(-alpha (t - tmax)) after. So dE/dtmax = -t rho E / tmax before and alpha E after:
/// the sensitivity jumps by (rho + alpha) cmax where the switch at tmax flips.
#[test]
fn sensitivity_of_stein_jumps_at_tmax() {
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    let index = |name: &str| model.parameter_index(name).unwrap();
    let sensitivity = model
        .sensitivity_model(&[index("tmax"), index("cmax"), index("alpha")])
        .unwrap();
    let mut plan = run_plan(&sensitivity);
    plan.end = 40.0;
    plan.step = 0.5;
    plan.solver.rtol = 1e-12;
    plan.solver.atol = 1e-12;
    let result = trajectory(&sensitivity, &plan);
    let layout = sensitivity.sensitivity_layout().unwrap();
    let (foldx, tmax, cmax, alpha) = (3900.0_f64, 9.3, 24000.0, 0.16);
    let rho = foldx.ln() / tmax;
    for (row, &t) in result.times.iter().enumerate() {
        let value = |j: usize| result.row(row)[layout.derivative_column(0, j)];
        let (e, d_tmax, d_alpha) = if t < tmax {
            let e = cmax / foldx * (rho * t).exp();
            (e, -t * rho * e / tmax, 0.0)
        } else {
            let e = cmax * (-alpha * (t - tmax)).exp();
            (e, alpha * e, -(t - tmax) * e)
        };
        let close = |actual: f64, expected: f64, what: &str| {
            assert!(
                (actual - expected).abs() <= 1e-8 * e,
                "{what} at {t}: {actual:e} vs {expected:e}"
            );
        };
        close(result.row(row)[0], e, "E");
        close(value(0), d_tmax, "dE/dtmax");
        close(value(1) * cmax, e, "cmax dE/dcmax");
        close(value(2), d_alpha, "dE/dalpha");
    }
}

/// The fitting predictor: exact Jacobians from the sensitivity model agree with its
/// finite-difference fallback (relative step 1e-4, both at rtol 1e-10) to 1e-5 of
/// max(|derivative|, prediction / parameter).
#[test]
fn sensitivity_predictor_agrees_with_finite_differences() {
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    let estimated: Vec<usize> = ["tmax", "cmax", "alpha", "beta"]
        .iter()
        .map(|name| model.parameter_index(name).unwrap())
        .collect();
    let sensitivity = model.sensitivity_model(&estimated).unwrap();
    let times = [2.0, 7.0, 14.0, 28.0, 56.0, 91.0, 180.0, 365.0];
    let mut plan = run_plan(&model);
    plan.times = Some(times.to_vec());
    plan.solver.rtol = 1e-10;
    let total = model.states.len();
    let subject = |gradient| SimulatedSubject {
        model: &model,
        plan: plan.clone(),
        estimated: estimated.clone(),
        observations: (times.iter())
            .map(|&time| ObservedPoint {
                time,
                column: total,
                before_doses: false,
            })
            .collect(),
        gradient,
    };
    let at: Vec<f64> = estimated.iter().map(|&p| plan.parameters[p]).collect();
    let exact = subject(Gradient::Sensitivity(&sensitivity))
        .predict(&at)
        .unwrap();
    let differences = subject(Gradient::FiniteDifference).predict(&at).unwrap();
    for (k, (value, reference)) in exact.values.iter().zip(&differences.values).enumerate() {
        assert!((value - reference).abs() <= 1e-8 * reference, "{k}");
        for (j, p) in at.iter().enumerate() {
            let (s, fd) = (exact.jacobian[k][j], differences.jacobian[k][j]);
            let size = fd.abs().max(reference / p);
            assert!(
                (s - fd).abs() <= 1e-5 * size,
                "observation {k}, parameter {j}: {s:e} vs {fd:e}"
            );
        }
    }
    let other = model.sensitivity_model(&estimated[..2]).unwrap();
    let error = subject(Gradient::Sensitivity(&other))
        .predict(&at)
        .err()
        .expect("a sensitivity model for other parameters is refused");
    assert!(
        error
            .message
            .contains("not the one for the estimated parameters"),
        "{error}"
    );
}

/// Each S_ij is held to y_i's absolute tolerance divided by |p_j| (1 when p_j is 0).
#[test]
fn sensitivity_absolute_tolerances_scale_with_the_parameters() {
    let model = model_from("elimination.yaml", ELIMINATION);
    let sensitivity = model.sensitivity_model(&[0, 2]).unwrap();
    let atol = sensitivity.absolute_tolerances(1e-6, &[0.5, 100.0, 0.0]);
    assert_eq!(atol, [1e-6, 1e-6 / 0.5, 1e-6]);
}

#[test]
fn sensitivity_requests_that_make_no_sense_are_refused() {
    let model = model_from("elimination.yaml", ELIMINATION);
    let refused = |parameters: &[usize], words: &str| {
        let error = model.sensitivity_model(parameters).err().expect("refused");
        assert!(error.contains(words), "{error}");
    };
    refused(&[], "no parameters");
    refused(&[0, 0], "`k` is listed twice");
    refused(&[3], "out of range");
    let sensitivity = model.sensitivity_model(&[0]).unwrap();
    let error = sensitivity.sensitivity_model(&[0]).err().unwrap();
    assert!(error.contains("already a sensitivity model"), "{error}");
    let problems = sensitivity
        .compile_regimen(
            &doses("[{state: y, amount: 1, time: k}]"),
            "--dose",
            &|_, _| None,
        )
        .expect_err("a dose time depending on `k` is refused");
    assert!(
        problems[0]
            .message
            .contains("the dose time at `--dose.0.time` depends on `k`"),
        "{}",
        problems[0].message
    );
}
