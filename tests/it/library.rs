//! Published models reproduce their sources' numbers (shared/MODELS.md, Validation cases).

use crate::{Run, assert_close, doses, run, shipped};

/// Value of `column` at integer day `day` (daily output grid from day 0).
fn at(simulation: &cartsim::simulate::Simulation, column: &str, day: usize) -> f64 {
    let trajectory = &simulation.trajectory;
    assert_eq!(trajectory.times[day], day as f64);
    trajectory.column(column).unwrap()[day]
}

/// CARTmath (Barros 2021), MODELS.md Validation case 2: the paper's scenarios as recomputed
/// independently there ([CALC], SciPy), to the case's suggested 1% (values) and exact zeros
/// where the 1e-6 extinction floor applies. The closed-form logistic growth before dosing and
/// the RAJI exponential growth are checked to 1e-7.
#[test]
fn cartmath_hdlm2_and_raji_scenarios() {
    let model = shipped("cartmath_barros2021.yaml");
    let scenario = |dose_yaml: &str| {
        run(
            &model,
            Run {
                params: Some("hdlm2"),
                doses: Some(&doses(dose_yaml)),
                ..Run::default()
            },
        )
    };
    let close =
        |value: f64, expected: f64, what: &str| assert_close(value, expected, 0.01, 0.0, what);

    let single = |amount: f64| scenario(&format!("[{{state: CT, amount: {amount}, time: 42}}]"));
    let a = single(1.5e6);
    assert_close(
        at(&a, "T", 42),
        2.1458713e7,
        1e-7,
        0.0,
        "logistic T(42), K = 1/b",
    );
    close(at(&a, "T", 43), 1.726e5, "4a T(43)");
    close(at(&a, "T", 45), 30.2, "4a T(45)");
    close(at(&a, "T", 50), 3.0e-6, "4a T(50)");
    assert_eq!(at(&a, "T", 55), 0.0, "4a: tumor eliminated by day 55");
    close(at(&a, "CM", 200), 1.1160e6, "4a CM(200)");
    close(at(&a, "CT", 200), 2.06, "4a CT(200)");

    let b = single(0.5e6);
    close(at(&b, "T", 100), 1.19, "4b T(100)");
    close(at(&b, "T", 200), 226.0, "4b T(200)");
    close(at(&b, "T", 500), 1034.0, "4b T(500)");
    close(
        at(&b, "CT", 500),
        1.513e4,
        "4b CT(500), near equilibrium P3",
    );
    close(at(&b, "CM", 500), 2.075e5, "4b CM(500)");

    let c = single(0.2e6);
    assert_eq!(
        (at(&c, "CT", 100), at(&c, "CM", 100)),
        (0.0, 0.0),
        "4c: CAR T extinct by day 100"
    );
    close(at(&c, "T", 350), 7.093e11, "4c T(350)");
    close(at(&c, "T", 500), 7.122e11, "4c T(500)");

    let reference = at(&single(2e6), "CM", 200);
    close(reference, 1.5366e6, "single 2e6 CM(200)");
    let d = scenario("[{state: CT, amount: 0.5e6, time: 42, every: 7, count: 4}]");
    close(at(&d, "CM", 200), 1.654e6, "4d CM(200) (+7.6%)");
    let e = scenario("[{state: CT, amount: 0.5e6, time: 42, every: 14, count: 4}]");
    close(at(&e, "CM", 200), 1.758e6, "4e CM(200) (+14.4%)");
    let f = scenario(
        "[{state: CT, amount: 0.2e6, time: 42}, {state: CT, amount: 0.6e6, time: 43}, {state: CT, amount: 1.2e6, time: 44}]",
    );
    close(at(&f, "CM", 200), 1.540e6, "4f CM(200)");

    let challenge =
        scenario("[{state: CT, amount: 2e6, time: 42}, {state: T, amount: 1e6, time: 250}]");
    close(at(&challenge, "CM", 249), 1.2027e6, "3a CM(249)");
    close(at(&challenge, "CT", 251), 1.021e6, "3a CT(251)");
    close(at(&challenge, "T", 255), 0.108, "3a T(255)");
    close(at(&challenge, "CM", 300), 1.6505e6, "3a CM(300)");
    close(at(&challenge, "CM", 500), 6.183e5, "3a CM(500)");

    // RAJI is stiff (theta * T reaches 2e4/day; the published tool used RK4 at 1e-5 day):
    // the default `auto` switches to BDF.
    let raji = run(
        &model,
        Run {
            params: Some("raji"),
            end: Some(15.0),
            ..Run::default()
        },
    );
    assert_close(
        at(&raji, "T", 7),
        3e6 * (0.5071721_f64 * 7.0).exp(),
        1e-7,
        0.0,
        "RAJI T(7), exponential",
    );
    close(at(&raji, "CT", 9), 1.2763e7, "3b CT(9)");
    close(at(&raji, "T", 14), 5.666e8, "3b T(14)");
    close(at(&raji, "T", 15), 9.41e8, "3b T(15)");
    close(at(&raji, "CT", 15), 5.98, "3b CT(15)");
}
