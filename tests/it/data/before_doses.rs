//! An observation listed before the dose (or reset) rows at its time observes the state before
//! them, as NONMEM reads rows in file order: a pre-dose sample at 0, a trough before the next
//! dose, a sample before a reset. Checked against the one-compartment closed form in
//! `simulate --data`'s observations.csv, in a fit's predictions, and in `--nonmem-out`, whose
//! dataset keeps those rows before the doses and reads back to the same file.

use crate::cli::{cartsim, scratch};
use crate::shipped;
use cartsim::data::{ReadOptions, plan_subject, read_dataset};
use cartsim::fit::{Gradient, ObservedPoint, Predictor, SimulatedSubject};
use cartsim::simulate::RunTemplate;
use cartsim::solver::SolverOverrides;

/// onecomp_iv_bolus with V 40, CL 5 (k = 0.125): 100 at 0 and at 12 (C jumps by 2.5), a reset
/// at 30. Rows: DV at 0 before the dose, after it; at 12 before the second dose, after it; at
/// 24; at 30 before the reset, after it.
const DATASET: &str = "ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,V,CL
1,0,0,.,.,0,.,0,40,5
1,0,.,100,0,1,1,1,40,5
1,0,2.5,.,.,0,.,0,40,5
1,12,1,.,.,0,.,0,40,5
1,12,.,100,0,1,1,1,40,5
1,12,3,.,.,0,.,0,40,5
1,24,1,.,.,0,.,0,40,5
1,30,1,.,.,0,.,0,40,5
1,30,.,.,.,3,.,1,40,5
1,30,0,.,.,0,.,0,40,5
";

/// The closed form at each observation row, in file order.
fn exact() -> [f64; 7] {
    let c = |t: f64| 2.5 * (-0.125 * t).exp();
    [
        0.0,
        2.5,
        c(12.0),
        c(12.0) + 2.5,
        c(24.0) + c(12.0),
        c(30.0) + c(18.0),
        0.0,
    ]
}

/// `value` against `exact`: the model's rtol 1e-8 and atol 1e-10 bound the solver's error
/// near 1e-8 relative; 1e-7 leaves a margin; an exact 0 (before any dose, after the reset)
/// must be 0 within the absolute tolerance.
fn assert_close(value: f64, exact: f64, what: &str) {
    assert!(
        (value - exact).abs() <= 1e-7 * exact + 1e-10,
        "{what}: {value} vs {exact}"
    );
}

#[test]
fn observations_before_the_doses_at_their_time_see_the_state_before_them() {
    let directory = scratch("before-doses");
    std::fs::write(directory.join("d.csv"), DATASET).unwrap();
    let arguments = ["simulate", "onecomp_iv_bolus", "--data", "d.csv"];
    let output = cartsim(&[&arguments[..], &["--out", "out"]].concat(), &directory);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = std::fs::read_to_string(directory.join("out/observations.csv")).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    let pred = header.iter().position(|&c| c == "PRED").unwrap();
    let predictions: Vec<f64> = (table.lines().skip(1))
        .map(|line| line.split(',').nth(pred).unwrap().parse().unwrap())
        .collect();
    assert_eq!(predictions.len(), 7, "{table}");
    for (k, (value, exact)) in predictions.into_iter().zip(exact()).enumerate() {
        assert_close(value, exact, &format!("observation {k}"));
    }
}

#[test]
fn a_fit_predicts_observations_before_the_doses_before_them() {
    // A fit refuses resets: the dataset up to 24.
    let text: String = DATASET.lines().take(8).map(|l| format!("{l}\n")).collect();
    let model = shipped("onecomp_iv_bolus.yaml");
    let dataset = read_dataset("d.csv", text.as_bytes(), &model, &ReadOptions::default())
        .unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)));
    let subject = &dataset.subjects[0];
    let before: Vec<bool> = subject
        .observations
        .iter()
        .map(|o| o.before_doses)
        .collect();
    assert_eq!(before, [true, false, true, false, false]);
    let parameters = model.parameter_values(None).unwrap();
    let template = RunTemplate::for_data(&model, parameters, &SolverOverrides::default());
    let estimated: Vec<usize> = (["CL", "V"].iter())
        .map(|name| model.parameter_index(name).unwrap())
        .collect();
    let sensitivity = model.sensitivity_model(&estimated).unwrap();
    let predictor = SimulatedSubject {
        model: &model,
        plan: plan_subject(&template, subject).unwrap(),
        estimated,
        observations: subject
            .observations
            .iter()
            .map(ObservedPoint::from)
            .collect(),
        gradient: Gradient::Sensitivity(&sensitivity),
    };
    let prediction = predictor.predict(&[5.0, 40.0]).unwrap();
    for (k, (value, exact)) in prediction.values.iter().zip(exact()).enumerate() {
        assert_close(*value, exact, &format!("observation {k}"));
    }
    // C = 100/V e^(-CL s/V) per dose given s before: dC/dCL = -C s/V, dC/dV = C (CL s/V - 1)/V,
    // summed over the doses before the observation (the dose at its time only after it: at 12
    // the row before the dose lacks its -100/V^2 in dC/dV). From the sensitivity equations,
    // whose states are kept before the dose like the model's; they are integrated with the
    // states' rtol 1e-8, so 1e-6 relative leaves room for their own error.
    let (cl, v) = (5.0, 40.0);
    let dose = |s: f64| {
        let c = 100.0 / v * (-cl * s / v).exp();
        [-c * s / v, c * (cl * s / v - 1.0) / v]
    };
    let sum = |ages: &[f64]| {
        (ages.iter().map(|&s| dose(s))).fold([0.0, 0.0], |a, b| [a[0] + b[0], a[1] + b[1]])
    };
    let exact_slopes = [
        [0.0, 0.0],
        sum(&[0.0]),
        sum(&[12.0]),
        sum(&[12.0, 0.0]),
        sum(&[24.0, 12.0]),
    ];
    for (k, (row, exact)) in prediction.jacobian.iter().zip(exact_slopes).enumerate() {
        for j in 0..2 {
            assert!(
                (row[j] - exact[j]).abs() <= 1e-6 * exact[j].abs() + 1e-10,
                "derivative {j} at observation {k}: {} vs {}",
                row[j],
                exact[j]
            );
        }
    }
}

#[test]
fn nonmem_out_writes_observations_before_the_doses_before_them() {
    let directory = scratch("before-doses-nonmem");
    std::fs::write(directory.join("d.csv"), DATASET).unwrap();
    let write = |data: &str, out: &str, folder: &str| {
        let arguments = ["simulate", "onecomp_iv_bolus", "--data", data, "--out"];
        let arguments = [&arguments[..], &[folder, "--nonmem-out", out]].concat();
        let output = cartsim(&arguments, &directory);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        std::fs::read_to_string(directory.join(out)).unwrap()
    };
    let text = write("d.csv", "out.csv", "first");
    // (TIME, EVID, DV) of each row: the rows in the dataset's order.
    let rows: Vec<(f64, u8, f64)> = (text.lines().skip(1))
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let number = |cell: &str| cell.parse().unwrap_or(f64::NAN);
            (
                number(cells[1]),
                cells[5].parse().unwrap(),
                number(cells[2]),
            )
        })
        .collect();
    let order: Vec<(f64, u8)> = rows.iter().map(|r| (r.0, r.1)).collect();
    let expected = [
        (0.0, 0),
        (0.0, 1),
        (0.0, 0),
        (12.0, 0),
        (12.0, 1),
        (12.0, 0),
        (24.0, 0),
        (30.0, 0),
        (30.0, 3),
        (30.0, 0),
    ];
    assert_eq!(order, expected, "{text}");
    let observed = rows.iter().filter(|r| r.1 == 0).map(|r| r.2);
    for (k, (value, exact)) in observed.zip(exact()).enumerate() {
        assert_close(value, exact, &format!("observation {k}"));
    }
    assert_eq!(write("out.csv", "again.csv", "second"), text);
}
