//! `auto` switches on stiffness, not on the length of a run, and keeps the explicit work done
//! before the switch (issue 14, item 2).

use crate::{Run, model_from, run, shipped};
use cartsim::spec::SolverName;

/// Lotka-Volterra CAR T/tumor model of the issue: non-stiff, long and oscillating.
const LOTKA_VOLTERRA: &str = "
name: lotka_volterra
parameters: {rho: 0.0018, k_E: 0.16, g: 0.15, d: 1.5e-4}
states: {E: 10, U: 900}
odes:
  E: rho * E * U - k_E * E
  U: g * U - d * E * U
simulation: {end: 360, step: 10}
";

/// Relaxation towards exp(-t/10) at a rate that grows smoothly from 1 to 1e5 by day 60: non-stiff
/// at first, stiff later, with no breakpoint where it turns.
const TURNS_STIFF: &str = "
name: turns_stiff
states: {x: 1}
odes:
  x: -(1 + 1e5 * (t / 60)^8) * (x - exp(-t / 10))
simulation: {end: 80, step: 1}
";

#[test]
fn auto_never_switches_a_long_accurate_non_stiff_run_and_is_dopri5_bit_for_bit() {
    let model = model_from("lotka_volterra.yaml", LOTKA_VOLTERRA);
    for rtol in [1e-6, 1e-9, 1e-11] {
        let settings = |method| Run {
            method: Some(method),
            rtol: Some(rtol),
            atol: Some(1e-12),
            ..Run::default()
        };
        let auto = run(&model, settings(SolverName::Auto));
        let dopri5 = run(&model, settings(SolverName::Dopri5));
        assert!(
            auto.method_switch.is_none(),
            "rtol {rtol}: auto switched: {:?}",
            auto.method_switch
        );
        assert_eq!(auto.trajectory, dopri5.trajectory, "rtol {rtol}");
        // The same steps; auto also counts the evaluations of its stiffness test.
        assert_eq!(
            (auto.stats.accepted_steps, auto.stats.rejected_steps),
            (dopri5.stats.accepted_steps, dopri5.stats.rejected_steps),
            "rtol {rtol}"
        );
    }
}

#[test]
fn robertson_and_singh_still_switch() {
    let robertson = model_from(
        "robertson.yaml",
        &std::fs::read_to_string(crate::repo_path("tests/fixtures/good/robertson.yaml")).unwrap(),
    );
    let singh = shipped("singh2021_idecel.yaml");
    for (name, model) in [("robertson", &robertson), ("singh", &singh)] {
        let auto = run(
            model,
            Run {
                method: Some(SolverName::Auto),
                ..Run::default()
            },
        );
        assert!(auto.method_switch.is_some(), "{name}: auto must switch");
    }
}

#[test]
fn auto_keeps_the_explicit_steps_before_the_switch_and_counts_them() {
    let model = model_from("turns_stiff.yaml", TURNS_STIFF);
    let auto = run(
        &model,
        Run {
            method: Some(SolverName::Auto),
            ..Run::default()
        },
    );
    let switch = auto.method_switch.as_ref().expect("auto must switch");
    assert!(switch.time > 10.0, "switched at {}", switch.time);
    // Dopri5 over a span ending well before the switch takes the same steps as auto's
    // explicit method (the last step is cut to the end, so the last output row may differ).
    let end = switch.time.floor() - 1.0;
    let dopri5 = run(
        &model,
        Run {
            method: Some(SolverName::Dopri5),
            end: Some(end),
            ..Run::default()
        },
    );
    let rows = dopri5.trajectory.times.len() - 1;
    let width = dopri5.trajectory.columns.len();
    assert_eq!(
        auto.trajectory.values[..rows * width],
        dopri5.trajectory.values[..rows * width],
        "rows before the switch come from the explicit method, not from a BDF redo"
    );
    assert!(
        auto.stats.accepted_steps > dopri5.stats.accepted_steps,
        "the explicit steps before the switch are counted: auto {:?}, dopri5 to day {end} {:?}",
        auto.stats,
        dopri5.stats
    );
}

/// The largest relative difference between two trajectories over values whose reference is
/// above `floor`.
fn deviation(values: &[f64], reference: &[f64], floor: f64) -> f64 {
    (values.iter().zip(reference))
        .filter(|(_, r)| r.abs() > floor)
        .map(|(v, r)| ((v - r) / r).abs())
        .fold(0.0, f64::max)
}

#[test]
fn auto_on_singh_switches_early_and_goes_on_from_the_switch_not_from_the_start() {
    let singh = shipped("singh2021_idecel.yaml");
    let settings = |method, end| Run {
        params: Some("dose150"),
        method: Some(method),
        end,
        ..Run::default()
    };
    let auto = run(&singh, settings(SolverName::Auto, None));
    let bdf = run(&singh, settings(SolverName::Bdf, None));
    let switch = auto.method_switch.as_ref().expect("auto must switch").time;
    // Dopri5's steps are within a factor 3 of its stability limit from day 4 (h * rho >= 1,
    // rho = 206/day): the switch comes early, not after 8,000 explicit steps at day 59.6.
    assert!(switch < 10.0, "switched at day {switch}");
    // Before the switch, auto's rows are Dopri5's.
    let end = switch.floor() - 1.0;
    let dopri5 = run(&singh, settings(SolverName::Dopri5, Some(end)));
    let rows = dopri5.trajectory.times.len() - 1;
    let width = dopri5.trajectory.columns.len();
    assert_eq!(
        auto.trajectory.values[..rows * width],
        dopri5.trajectory.values[..rows * width]
    );
    // After it, BDF went on from auto's own state: a BDF run from day 0 (a restart) would
    // end bit for bit where the plain BDF run ends, and would cost the explicit steps plus all
    // of BDF's.
    let last =
        |s: &cartsim::simulate::Simulation| s.trajectory.row(s.trajectory.times.len() - 1).to_vec();
    assert_ne!(last(&auto), last(&bdf));
    assert!(
        auto.stats.accepted_steps < dopri5.stats.accepted_steps + bdf.stats.accepted_steps,
        "auto {:?}, dopri5 to day {end} {:?}, bdf {:?}",
        auto.stats,
        dopri5.stats,
        bdf.stats
    );
    // Accuracy against a tight Dop853 reference: BDF at the model's rtol 1e-8 is measured
    // 3.4e-5 from it over the year (values above 1e-3), so 1e-3 bounds both with room.
    let reference = run(
        &singh,
        Run {
            rtol: Some(1e-12),
            atol: Some(1e-12),
            ..settings(SolverName::Dop853, None)
        },
    );
    let truth = &reference.trajectory.values;
    for (name, result) in [("auto", &auto), ("bdf", &bdf)] {
        let error = deviation(&result.trajectory.values, truth, 1e-3);
        assert!(error < 1e-3, "{name}: {error:e} from the reference");
    }
}
