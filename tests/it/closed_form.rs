//! Simulations against closed-form solutions: Stein 2019 (MODELS.md Validation case 1), the
//! one-compartment bolus, repeated bolus and infusion, and the ode_solvers traps the driver
//! works around (off-grid doses, coincident doses, a dose at `end`, exact output times).

use crate::{Run, assert_close, doses, model_from, run, shipped};
use cartsim::spec::SolverName;

/// Stein 2019 closed form (MODELS.md section 1): R0 e^{rho t} before tmax,
/// (1-FB) Cmax e^{-alpha (t-tmax)} + FB Cmax e^{-beta (t-tmax)} after.
fn stein_total(t: f64) -> f64 {
    let (foldx, tmax, cmax, alpha, fb, beta) = (3900.0_f64, 9.3, 24000.0, 0.16, 0.0079, 0.0032);
    let rho = foldx.ln() / tmax;
    if t < tmax {
        cmax / foldx * (rho * t).exp()
    } else {
        (1.0 - fb) * cmax * (-alpha * (t - tmax)).exp() + fb * cmax * (-beta * (t - tmax)).exp()
    }
}

#[test]
fn stein_matches_closed_form_with_dopri5_and_dop853() {
    // MODELS.md Validation case 1 prints the closed form at these times (to 6 digits); the
    // tolerance 1e-6 relative is the issue's, reached with rtol 1e-8 thanks to the breakpoint.
    let printed = [
        (0.0, 6.1538),
        (1.0, 14.9721),
        (5.0, 524.598),
        (14.0, 11411.53),
        (28.0, 1373.559),
        (56.0, 176.825),
        (91.0, 146.031),
        (180.0, 109.802),
        (365.0, 60.7445),
        (730.0, 18.8908),
    ];
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    for method in [SolverName::Dopri5, SolverName::Dop853] {
        let simulation = run(
            &model,
            Run {
                end: Some(730.0),
                step: Some(0.1),
                method: Some(method),
                ..Run::default()
            },
        );
        let trajectory = &simulation.trajectory;
        let total = trajectory.column("total").unwrap();
        for (time, value) in trajectory.times.iter().zip(&total) {
            assert_close(
                *value,
                stein_total(*time),
                1e-6,
                0.0,
                &format!("{method:?} total at t = {time}"),
            );
        }
        for (time, expected) in printed {
            let row = trajectory
                .times
                .iter()
                .position(|t| (t - time).abs() < 1e-9)
                .unwrap();
            assert_close(
                total[row],
                expected,
                5e-5,
                0.0,
                &format!("printed value at t = {time}"),
            );
        }
        let peak = trajectory
            .times
            .iter()
            .position(|t| (t - 9.3).abs() < 1e-9)
            .unwrap();
        assert_close(total[peak], 24000.0, 1e-6, 0.0, "peak at tmax");
    }
}

const ONE_COMPARTMENT_KE: f64 = 5.0 / 50.0;

/// Amount after boluses (time, amount): superposition of exponentials.
fn bolus_amount(t: f64, boluses: &[(f64, f64)]) -> f64 {
    boluses
        .iter()
        .filter(|(time, _)| *time <= t)
        .map(|(time, amount)| amount * (-ONE_COMPARTMENT_KE * (t - time)).exp())
        .sum()
}

fn check_bolus_series(dose_yaml: &str, boluses: &[(f64, f64)], end: f64, what: &str) {
    let model = shipped("onecomp_iv_bolus.yaml");
    let simulation = run(
        &model,
        Run {
            doses: Some(&doses(dose_yaml)),
            end: Some(end),
            ..Run::default()
        },
    );
    let trajectory = &simulation.trajectory;
    let amounts = trajectory.column("A").unwrap();
    for (time, amount) in trajectory.times.iter().zip(&amounts) {
        // rtol 1e-8 in the model file: 1e-7 relative leaves room for error accumulation.
        assert_close(
            *amount,
            bolus_amount(*time, boluses),
            1e-7,
            1e-12,
            &format!("{what} at t = {time}"),
        );
    }
}

#[test]
fn one_compartment_bolus_matches_closed_form() {
    check_bolus_series(
        "[{state: A, amount: 100, time: 0}]",
        &[(0.0, 100.0)],
        48.0,
        "bolus",
    );
}

#[test]
fn repeated_bolus_matches_superposition() {
    check_bolus_series(
        "[{state: A, amount: 100, time: 0, every: 12, count: 3}]",
        &[(0.0, 100.0), (12.0, 100.0), (24.0, 100.0)],
        48.0,
        "repeated bolus",
    );
}

#[test]
fn two_doses_at_the_same_time_add_up() {
    check_bolus_series(
        "[{state: A, amount: 60, time: 6}, {state: A, amount: 40, time: 6}]",
        &[(6.0, 100.0)],
        24.0,
        "coincident doses",
    );
}

#[test]
fn dose_at_a_non_grid_time_restarts_from_the_exact_state() {
    // Regression: with dense output the last point is the last grid point, not the segment
    // end; restarting from it would shift the second dose's baseline.
    check_bolus_series(
        "[{state: A, amount: 100, time: 0}, {state: A, amount: 50, time: 2.37}]",
        &[(0.0, 100.0), (2.37, 50.0)],
        10.0,
        "off-grid dose",
    );
}

#[test]
fn dose_at_end_shows_in_the_last_row() {
    let model = shipped("onecomp_iv_bolus.yaml");
    let simulation = run(
        &model,
        Run {
            doses: Some(&doses(
                "[{state: A, amount: 100, time: 0}, {state: A, amount: 10, time: 24}]",
            )),
            end: Some(24.0),
            ..Run::default()
        },
    );
    let trajectory = &simulation.trajectory;
    assert_eq!(*trajectory.times.last().unwrap(), 24.0);
    let last = *trajectory.column("A").unwrap().last().unwrap();
    assert_close(
        last,
        100.0 * (-ONE_COMPARTMENT_KE * 24.0).exp() + 10.0,
        1e-7,
        0.0,
        "dose at end",
    );
}

#[test]
fn infusion_matches_closed_form() {
    // Zero-order input R = amount/duration over [1, 3.5): A = R/ke (1 - e^{-ke (t-1)}) during,
    // then first-order decay from the value at the stop.
    let model = shipped("onecomp_iv_bolus.yaml");
    let simulation = run(
        &model,
        Run {
            doses: Some(&doses("[{state: A, amount: 250, time: 1, duration: 2.5}]")),
            end: Some(12.0),
            step: Some(0.5),
            ..Run::default()
        },
    );
    let rate = 250.0 / 2.5;
    let ke = ONE_COMPARTMENT_KE;
    let expected = |t: f64| {
        if t <= 1.0 {
            0.0
        } else if t <= 3.5 {
            rate / ke * (1.0 - (-ke * (t - 1.0)).exp())
        } else {
            rate / ke * (1.0 - (-ke * 2.5_f64).exp()) * (-ke * (t - 3.5)).exp()
        }
    };
    let trajectory = &simulation.trajectory;
    for (time, amount) in trajectory.times.iter().zip(trajectory.column("A").unwrap()) {
        assert_close(
            amount,
            expected(*time),
            1e-7,
            1e-12,
            &format!("infusion at t = {time}"),
        );
    }
}

#[test]
fn output_times_are_exact_multiples_of_step_plus_end() {
    let model = shipped("onecomp_iv_bolus.yaml");
    let simulation = run(
        &model,
        Run {
            end: Some(365.0),
            step: Some(0.1),
            ..Run::default()
        },
    );
    let times = &simulation.trajectory.times;
    assert_eq!(times.len(), 3651);
    assert_eq!(*times.last().unwrap(), 365.0);
    for (k, time) in times.iter().enumerate() {
        assert_eq!(*time, k as f64 * 0.1);
    }
    let uneven = run(
        &model,
        Run {
            end: Some(10.25),
            step: Some(1.0),
            ..Run::default()
        },
    );
    assert_eq!(uneven.trajectory.times.last().copied(), Some(10.25));
    assert_eq!(uneven.trajectory.times[10], 10.0);
}

#[test]
fn rk4_converges_at_fourth_order() {
    // Halving the fixed step divides the error of a classical RK4 by about 2^4 = 16.
    let model = shipped("onecomp_iv_bolus.yaml");
    let error = |h: f64| {
        let simulation = run(
            &model,
            Run {
                method: Some(SolverName::Rk4),
                rk4_step: Some(h),
                end: Some(10.0),
                ..Run::default()
            },
        );
        let last = *simulation.trajectory.column("A").unwrap().last().unwrap();
        (last - 100.0 * (-ONE_COMPARTMENT_KE * 10.0).exp()).abs()
    };
    let ratio = error(0.5) / error(0.25);
    assert!((14.0..18.0).contains(&ratio), "error ratio {ratio}");
}

#[test]
fn negative_start_time_with_predose_infusion() {
    // Regression: ode_solvers' dense output misbehaves for negative times; the driver integrates
    // in segment-local time. Lymphodepletion-style infusion on [-5, -3) then decay.
    let text = std::fs::read_to_string(crate::repo_path("models/onecomp_iv_bolus.yaml"))
        .unwrap()
        .replace("simulation: {end: 48,", "simulation: {start: -5, end: 48,")
        .replace(
            "{state: A, amount: 100, time: 0}",
            "{state: A, amount: 100, time: -5, duration: 2}",
        );
    let model = model_from("negative_start.yaml", &text);
    let simulation = run(&model, Run::default());
    let trajectory = &simulation.trajectory;
    assert_eq!(trajectory.times[0], -5.0);
    let ke = ONE_COMPARTMENT_KE;
    let at_stop = 50.0 / ke * (1.0 - (-ke * 2.0_f64).exp());
    for (time, amount) in trajectory.times.iter().zip(trajectory.column("A").unwrap()) {
        let expected = if *time <= -3.0 {
            50.0 / ke * (1.0 - (-ke * (time + 5.0)).exp())
        } else {
            at_stop * (-ke * (time + 3.0)).exp()
        };
        assert_close(amount, expected, 1e-7, 1e-12, &format!("t = {time}"));
    }
}

#[test]
fn time_switch_on_the_output_grid_is_exact() {
    // A switch at a grid time (t < 10) must not be smeared across the last step of the segment.
    let text = "name: switch\nstates: {y: 1}\nodes:\n  y: if(t < 10, 0.1 * y, -0.2 * y)\nsimulation: {end: 20, step: 1, rtol: 1e-10, atol: 1e-12}\n";
    let model = model_from("switch.yaml", text);
    let simulation = run(&model, Run::default());
    for (time, y) in simulation
        .trajectory
        .times
        .iter()
        .zip(simulation.trajectory.column("y").unwrap())
    {
        let expected = if *time <= 10.0 {
            (0.1 * time).exp()
        } else {
            1.0_f64.exp() * (-0.2 * (time - 10.0)).exp()
        };
        assert_close(y, expected, 1e-8, 0.0, &format!("t = {time}"));
    }
}

#[test]
fn stein_exposure_metrics_match_the_closed_form() {
    // MODELS.md Validation case 1: Cmax 24,000 copies/ug at Tmax 9.3 d, exact AUC0-28
    // 171,774.3 copies/ug*d, terminal half-life ln2/beta = 216.6 d. On a 0.01-day grid the
    // linear-up part of the rule overestimates the exponential rise by ~(rho h)^2/12 of its
    // area (~0.2 copies/ug*d), so AUC is checked to 2e-6; the log-down part is exact.
    let model = shipped("stein2019_tisagenlecleucel.yaml");
    let simulation = run(
        &model,
        Run {
            step: Some(0.01),
            ..Run::default()
        },
    );
    let trajectory = &simulation.trajectory;
    let metrics =
        cartsim::metrics::nca(&trajectory.times, &trajectory.column("total").unwrap(), 0.0)
            .unwrap();
    assert_close(metrics.cmax, 24_000.0, 1e-6, 0.0, "Cmax");
    assert_close(metrics.tmax, 9.3, 1e-12, 0.0, "Tmax");
    assert_close(metrics.auc_0_28.unwrap(), 171_774.3, 2e-6, 0.0, "AUC0-28");
    assert_close(
        metrics.t_half_terminal.unwrap(),
        2f64.ln() / 0.0032,
        1e-6,
        0.0,
        "terminal half-life",
    );
    let table = cartsim::metrics::table(trajectory, [("total", None)]);
    assert!(
        table.starts_with(
            "column,cmax,tmax,auc_0_last,auc_0_28,clast,tlast,t_half_terminal\ntotal,24000"
        ),
        "{table}"
    );
}

/// The theophylline model against the one-compartment oral closed form (the Bateman function,
/// e.g. Gabrielsson & Weiner, Pharmacokinetic and Pharmacodynamic Data Analysis, 5th ed.):
/// C(t) = D ka / (V (ka - ke)) (exp(-ke t) - exp(-ka t)), ke = CL/V.
#[test]
fn theophylline_model_matches_the_oral_closed_form() {
    let model = shipped("theophylline_oral_1cmt.yaml");
    let simulation = run(&model, Run::default());
    let trajectory = &simulation.trajectory;
    let (dose, ka, cl, v): (f64, f64, f64, f64) = (320.0, 1.59, 2.75, 31.8);
    let ke = cl / v;
    for (time, conc) in trajectory
        .times
        .iter()
        .zip(trajectory.column("conc").unwrap())
    {
        let exact = dose * ka / (v * (ka - ke)) * ((-ke * time).exp() - (-ka * time).exp());
        // rtol 1e-8 in the model file: 1e-7 relative leaves room for error accumulation.
        assert_close(conc, exact, 1e-7, 1e-12, &format!("conc at t = {time}"));
    }
}
