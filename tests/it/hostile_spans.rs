//! Hostile spans and steps (issue 14, item 6): a span of 1e-19 in steps of 1e-20, an RK4 step of
//! 1e-12 over a year, and a blow-up far from the start, each bounded and reported where it happens.

use crate::model_from;
use cartsim::simulate::{RunPlan, SimError, simulate};

fn attempt(text: &str) -> Result<cartsim::simulate::Simulation, SimError> {
    let model = model_from("hostile.yaml", text);
    let parameters = model.parameter_values(None).unwrap();
    let plan = RunPlan::for_model(&model, parameters, &model.default_regimen, None).unwrap();
    simulate(&model, &plan)
}

#[test]
fn a_span_of_1e_19_in_steps_of_1e_20_gives_its_eleven_rows() {
    // Used to integrate 1e-8 past the last output point, asking for 1e12 dense points.
    let simulation = attempt(
        "name: tiny\nstates: {x: 1}\nodes: {x: -x}\nsimulation: {end: 1e-19, step: 1e-20}\n",
    )
    .expect("a tiny span simulates");
    let x = simulation.trajectory.column("x").unwrap();
    assert_eq!(x.len(), 11);
    // x(1e-19) = e^-1e-19 = 1 to the last bit.
    assert!(x.iter().all(|&v| v == 1.0), "{x:?}");
}

#[test]
fn rk4_with_a_step_of_1e_12_over_a_year_is_refused_by_max_steps_before_allocating() {
    // 3.65e14 steps used to be allocated at once (an 8 TB request); max_steps (100,000 by
    // default) bounds the steps of one call before anything is allocated.
    let error = attempt(
        "name: rk4\nstates: {x: 1}\nodes: {x: -x}\nsimulation: {end: 365, step: 1, solver: rk4, rk4_step: 1e-12}\n",
    )
    .expect_err("refused");
    assert!(
        error.message.contains("more than 100000 steps"),
        "{error:?}"
    );
    assert!(error.hint.contains("rk4_step"), "{error:?}");
}

#[test]
fn a_blow_up_reports_the_states_at_the_last_accepted_step_not_at_the_start() {
    // y' = y^3, y(0) = 1: y = 1/sqrt(1 - 2t) blows up at t = 0.5. The failure used to report
    // the states at the start of the solver call (t = 0, y = 1).
    let error = attempt(
        "name: blow\nstates: {y: 1}\nodes: {y: y^3}\nsimulation: {end: 5, step: 5, solver: dopri5}\n",
    )
    .expect_err("blows up");
    // Steps shrink towards the pole until they underflow, a hair from t = 0.5.
    assert!((error.states_time - 0.5).abs() < 0.01, "{error:?}");
    assert_eq!(error.time, error.states_time, "{error:?}");
    assert!(
        error.states[0].1 > 100.0,
        "the state near the pole, not y(0) = 1: {error:?}"
    );
}

#[test]
fn listed_output_times_outside_the_span_are_warned_about_not_dropped_silently() {
    let simulation = attempt(
        "name: listed\nstates: {x: 1}\nodes: {x: -x}\nsimulation: {start: 0, end: 10, times: [-1, 2, 5, 12, 20]}\n",
    )
    .expect("simulates");
    assert_eq!(simulation.trajectory.times, [0.0, 2.0, 5.0, 10.0]);
    let warning = simulation
        .warnings
        .iter()
        .find(|w| w.contains("listed output time"))
        .unwrap_or_else(|| panic!("no warning in {:?}", simulation.warnings));
    assert!(warning.starts_with("3 listed output times"), "{warning}");
    assert!(
        warning.contains("[0, 10]") && warning.contains("-1"),
        "{warning}"
    );
}
