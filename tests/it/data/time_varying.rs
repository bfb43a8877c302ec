//! Time-varying covariates: a one-compartment bolus whose clearance doubles mid-study against
//! its piecewise closed forms with `locf`, `nocb` and `linear`; every change a breakpoint (a
//! fixed-step RK4 that is exact on polynomials stays exact, even with a record a few ulps after
//! the change); `simulate --data` with `--covariates` end to end, and its usage errors.

use crate::cli::{cartsim, scratch};
use crate::{assert_close, model_from, repo_path, shipped};
use cartsim::data::{CovariateRules, DataSubject, ReadOptions, read_dataset, simulate_subject};
use cartsim::model::Model;
use cartsim::simulate::{Interpolation, RunTemplate};
use cartsim::solver::SolverName;

/// Dose 100 at 0; CL 5 up to the record at 4, 10 from the record at 10 on (V = 50).
const CLEARANCE_DOUBLES: &str = "ID,TIME,DV,AMT,EVID,CMT,CL
1,0,.,100,1,A,5
1,4,1,.,0,A,5
1,10,1,.,0,A,10
1,16,1,.,0,A,10
1,24,1,.,0,A,10
";

fn read(model: &Model, text: &str, default: Interpolation) -> DataSubject {
    let options = ReadOptions {
        covariates: CovariateRules {
            default,
            columns: Vec::new(),
        },
        ..ReadOptions::default()
    };
    let dataset = read_dataset("tv.csv", text.as_bytes(), model, &options)
        .unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)));
    assert_eq!(
        dataset.time_varying,
        [format!("CL varies within 1 ID ({})", default.name())]
    );
    dataset.subjects.into_iter().next().unwrap()
}

/// The model's run every 0.25 h with `method` and tight tolerances.
fn base(model: &Model, method: SolverName) -> RunTemplate {
    let mut base = RunTemplate::for_model(model, model.parameter_values(None).unwrap(), Some(0.25));
    base.solver.method = method;
    base.solver.rtol = 1e-10;
    base.solver.atol = 1e-14;
    base
}

/// C(t) = 2 exp(-0.1 t) up to the switch time `tc`, then C(tc) exp(-0.2 (t - tc)).
fn switched(tc: f64, t: f64) -> f64 {
    let before = |t: f64| 2.0 * (-0.1 * t).exp();
    match t <= tc {
        true => before(t),
        false => before(tc) * (-0.2 * (t - tc)).exp(),
    }
}

/// CL rising linearly from 5 at t = 4 to 10 at t = 10: dC/dt = -(a + b s)/V C with s = t - 4,
/// a = 5, b = 5/6, so C = C(4) exp(-(a s + b s^2 / 2) / V); constant CL before and after.
fn ramped(t: f64) -> f64 {
    let (a, b, v) = (5.0, 5.0 / 6.0, 50.0);
    let within = |s: f64| switched(4.0, 4.0) * (-(a * s + b * s * s / 2.0) / v).exp();
    match t {
        t if t <= 4.0 => switched(4.0, t),
        t if t <= 10.0 => within(t - 4.0),
        t => within(6.0) * (-0.2 * (t - 10.0)).exp(),
    }
}

#[test]
fn clearance_doubling_mid_study_follows_the_piecewise_closed_forms() {
    let model = shipped("onecomp_iv_bolus.yaml");
    // With `locf` the record at 10 starts CL = 10 there; with `nocb` the record at 10 holds
    // over (4, 10], so the switch is at the previous record, 4.
    let cases: [(Interpolation, &dyn Fn(f64) -> f64); 3] = [
        (Interpolation::Locf, &|t| switched(10.0, t)),
        (Interpolation::Nocb, &|t| switched(4.0, t)),
        (Interpolation::Linear, &ramped),
    ];
    // At rtol 1e-10 the global error stays near 1e-11 (dopri5) and 1e-10 (BDF) over 48 h of
    // smooth decay: 1e-8 relative leaves room. dop853 only where CL is constant on each segment:
    // ode_solvers 0.6.2 evaluates its 12th stage at x instead of x + h (its `c12` is 0, not 1), so
    // it is inexact when the right-hand side depends on t within a step, as with `linear`.
    let methods = |interpolation| {
        let mut methods = vec![SolverName::Dopri5, SolverName::Bdf];
        if interpolation != Interpolation::Linear {
            methods.push(SolverName::Dop853);
        }
        methods
    };
    for (interpolation, closed_form) in cases {
        let subject = read(&model, CLEARANCE_DOUBLES, interpolation);
        for method in methods(interpolation) {
            let simulation = simulate_subject(&model, &base(&model, method), &subject).unwrap();
            let trajectory = &simulation.trajectory;
            let conc = trajectory.column("conc").unwrap();
            assert_eq!(trajectory.times.last(), Some(&48.0));
            for (&t, &c) in trajectory.times.iter().zip(&conc) {
                let what = format!("{interpolation:?} {method:?} C({t})");
                assert_close(c, closed_form(t), 1e-8, 0.0, &what);
            }
        }
    }
}

/// Zero-order loss at the rate R: A is piecewise linear (quadratic where R is linear), which
/// RK4 integrates exactly; across a jump of R it would not.
const ZERO_ORDER: &str = "
name: zero_order
parameters: {R: 1}
states: {A: 100}
odes:
  A: -R
outputs:
  rate: R
simulation: {end: 30, step: 1, solver: rk4, rk4_step: 7}
";

#[test]
fn every_change_is_a_breakpoint_even_with_a_record_a_few_ulps_after_it() {
    let model = model_from("zero_order.yaml", ZERO_ORDER);
    let change = 10.3_f64;
    let after = f64::from_bits(change.to_bits() + 3);
    let text = format!(
        "ID,TIME,DV,AMT,EVID,CMT,R\n1,0,.,.,2,A,1\n1,5.1,.,.,2,A,1\n1,{change},.,.,2,A,2\n1,{after:?},.,.,2,A,2\n1,20,.,.,2,A,2\n"
    );
    // A(t) = 100 - integral of R: R steps to 2 at 10.3 (locf) or at 5.1 (nocb), or rises
    // linearly from 1 at 5.1 to 2 at 10.3.
    let linear_loss = |t: f64| {
        let s = t.clamp(5.1, change) - 5.1;
        t.min(5.1) + s + s * s / (2.0 * (change - 5.1)) + 2.0 * (t - change).max(0.0)
    };
    let cases: [(Interpolation, &dyn Fn(f64) -> f64); 3] = [
        (Interpolation::Locf, &|t: f64| {
            100.0 - t.min(change) - 2.0 * (t - change).max(0.0)
        }),
        (Interpolation::Nocb, &|t: f64| {
            100.0 - t.min(5.1) - 2.0 * (t - 5.1).max(0.0)
        }),
        (Interpolation::Linear, &|t: f64| 100.0 - linear_loss(t)),
    ];
    for (interpolation, closed_form) in cases {
        let options = ReadOptions {
            covariates: CovariateRules {
                default: interpolation,
                columns: Vec::new(),
            },
            ..ReadOptions::default()
        };
        let dataset = read_dataset("zero.csv", text.as_bytes(), &model, &options).unwrap();
        let base = RunTemplate::for_model(&model, model.parameter_values(None).unwrap(), None);
        let simulation = simulate_subject(&model, &base, &dataset.subjects[0]).unwrap();
        let trajectory = &simulation.trajectory;
        let (amounts, rates) = (
            trajectory.column("A").unwrap(),
            trajectory.column("rate").unwrap(),
        );
        for (k, &t) in trajectory.times.iter().enumerate() {
            // RK4 is exact on polynomials of degree 4 or less: only rounding remains (1e-12).
            let what = format!("{interpolation:?} A({t})");
            assert_close(amounts[k], closed_form(t), 1e-12, 0.0, &what);
        }
        // An output row at a record time shows that record's value, whatever the rule.
        for (time, value) in [(5.1, 1.0), (change, 2.0), (after, 2.0), (20.0, 2.0)] {
            let row = trajectory.times.iter().position(|&t| t == time).unwrap();
            assert_eq!(rates[row], value, "{interpolation:?} R({time})");
        }
    }
}

fn write_data(directory: &std::path::Path) -> String {
    let data = directory.join("tv.csv");
    std::fs::write(&data, CLEARANCE_DOUBLES).unwrap();
    data.display().to_string()
}

#[test]
fn simulate_data_follows_a_time_varying_column_read_as_the_command_line_says() {
    let directory = scratch("time-varying");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let data = write_data(&directory);
    let simulate = |rule: &str, out: &str| {
        cartsim(
            &[
                "simulate",
                &model,
                "--data",
                &data,
                "--covariates",
                rule,
                "--out",
                out,
            ],
            &directory,
        )
    };
    for (rule, tc) in [("nocb", 4.0), ("CL=locf", 10.0)] {
        let out = format!("run-{}", rule.replace('=', "-"));
        let output = simulate(rule, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let interpolation = rule.trim_start_matches("CL=");
        assert!(
            stderr.contains(&format!("CL varies within 1 ID ({interpolation})")),
            "{stderr}"
        );
        assert!(!stderr.contains("not supported"), "{stderr}");
        let observations =
            std::fs::read_to_string(directory.join(&out).join("observations.csv")).unwrap();
        for line in observations.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let (t, predicted): (f64, f64) = (cells[2].parse().unwrap(), cells[7].parse().unwrap());
            // The observations are of the state A = V C (V = 50); the model file's rtol 1e-8
            // (dopri5): 1e-6 relative with room.
            let expected = 50.0 * switched(tc, t);
            assert_close(predicted, expected, 1e-6, 0.0, &format!("{rule} PRED({t})"));
        }
    }
    let bad_rule = simulate("CL=cubic", "bad");
    let stderr = String::from_utf8_lossy(&bad_rule.stderr);
    assert_eq!(bad_rule.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown interpolation `cubic`"), "{stderr}");
    assert!(stderr.contains("nocb, locf or linear"), "{stderr}");
    let bad_column = simulate("WT=locf", "bad");
    let stderr = String::from_utf8_lossy(&bad_column.stderr);
    assert_eq!(bad_column.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`WT` is not a covariate column") && stderr.contains("columns: CL"),
        "{stderr}"
    );
    assert!(!directory.join("bad").exists());
}

#[test]
fn fit_refuses_to_estimate_a_parameter_the_dataset_changes_over_time() {
    let directory = scratch("time-varying-fit");
    let model = repo_path("models/onecomp_iv_bolus.yaml")
        .display()
        .to_string();
    let data = write_data(&directory);
    let output = cartsim(
        &[
            "fit",
            &model,
            "--data",
            &data,
            "--estimate",
            "CL,V",
            "--out",
            "fit",
        ],
        &directory,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "`--estimate CL`: the dataset's covariate column `CL` changes it within 1 ID(s)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_comparison_of_t_with_a_parameter_the_dataset_changes_is_an_error() {
    let model = model_from(
        "switch.yaml",
        "
name: switch
parameters: {T: 5, k: 0.1}
states: {A: 100}
odes:
  A: -k * A * (t < T)
simulation: {end: 20, step: 1}
",
    );
    let text = "ID,TIME,DV,AMT,EVID,CMT,T\n1,0,.,.,2,A,5\n1,10,.,.,2,A,8\n";
    let dataset = read_dataset(
        "switch.csv",
        text.as_bytes(),
        &model,
        &ReadOptions::default(),
    );
    let base = RunTemplate::for_model(&model, model.parameter_values(None).unwrap(), None);
    let error = simulate_subject(&model, &base, &dataset.unwrap().subjects[0]).unwrap_err();
    assert!(
        error.message.contains("comparison of `t` depends on `T`"),
        "{}",
        error.message
    );
}
