//! State events against closed forms: the crossing time of a decay, a repeating `set` with
//! regrowth (sawtooth), a floor, `after` ordering, and `stop`.

use crate::{Run, assert_close, model_from, run};

fn model(body: &str) -> cartsim::model::Model {
    model_from("events.yaml", &format!("name: events\n{body}"))
}

#[test]
fn decay_crossing_is_located_to_1e_9_relative() {
    // y' = -k y from y0 = 1e11 crosses c = 1e5 at t = ln(y0/c)/k (issue 3's check).
    let (k, y0, c) = (0.3_f64, 1e11_f64, 1e5_f64);
    let m = model(
        "parameters: {k: 0.3}\nstates: {T: 1e11}\nodes:\n  T: -k * T\nevents:\n  remission: {when: T < 1e5, record: true}\nsimulation: {end: 60, step: 1, rtol: 1e-10, atol: 1e-6}\n",
    );
    let simulation = run(&m, Run::default());
    assert_eq!(simulation.events.len(), 1);
    let (name, time) = &simulation.events[0];
    assert_eq!(name, "remission");
    assert_close(*time, (y0 / c).ln() / k, 1e-9, 0.0, "remission time");
}

#[test]
fn repeating_set_event_gives_the_piecewise_closed_form() {
    // y' = r y from 1; each time y exceeds 10 it is set back to 1: y(t) = exp(r (t - t_k)),
    // t_k = k ln(10)/r. The event is located to 1e-9 in time, so values agree to ~1e-8.
    let r = 0.5_f64;
    let m = model(
        "parameters: {r: 0.5}\nstates: {y: 1}\nodes:\n  y: r * y\nevents:\n  reset: {when: y > 10, set: {y: 1}, record: true}\nsimulation: {end: 20, step: 0.5, rtol: 1e-11, atol: 1e-12}\n",
    );
    let simulation = run(&m, Run::default());
    let period = 10f64.ln() / r;
    assert_eq!(simulation.events.len(), (20.0 / period) as usize);
    for (k, (_, time)) in simulation.events.iter().enumerate() {
        assert_close(*time, (k + 1) as f64 * period, 1e-9, 0.0, "reset time");
    }
    let trajectory = &simulation.trajectory;
    for (time, y) in trajectory.times.iter().zip(trajectory.column("y").unwrap()) {
        let since = time - (time / period).floor() * period;
        assert_close(y, (r * since).exp(), 1e-7, 0.0, &format!("y at {time}"));
    }
}

#[test]
fn floor_sets_a_state_to_zero_and_keeps_it_there() {
    let m = model(
        "states: {T: {initial: 1, floor: 1e-3}}\nodes:\n  T: -T\nsimulation: {end: 10, step: 1, rtol: 1e-10, atol: 1e-14}\n",
    );
    let simulation = run(&m, Run::default());
    let trajectory = &simulation.trajectory;
    for (time, value) in trajectory.times.iter().zip(trajectory.column("T").unwrap()) {
        if *time < 1000f64.ln() {
            assert_close(value, (-time).exp(), 1e-8, 0.0, &format!("T at {time}"));
        } else {
            assert_eq!(value, 0.0, "T at {time} after the floor");
        }
    }
}

#[test]
fn relapse_is_only_recorded_after_remission() {
    // Decay at rate 1 until t = 10, then growth at 0.5: remission (y < 0.01) at ln(100),
    // relapse (y > 1, armed by remission) at 10 + 20. The initial y = 2 > 1 must not count.
    let m = model(
        "states: {y: 2}\nodes:\n  y: if(t < 10, -y, 0.5 * y)\nevents:\n  remission: {when: y < 0.01, record: true}\n  relapse: {when: y > 1, after: remission, record: true}\nsimulation: {end: 40, step: 1, rtol: 1e-11, atol: 1e-14}\n",
    );
    let simulation = run(&m, Run::default());
    let names: Vec<&str> = simulation.events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["remission", "relapse"]);
    assert_close(
        simulation.events[0].1,
        (200f64).ln(),
        1e-9,
        0.0,
        "remission",
    );
    let expected = 10.0 + 2.0 * (1.0 / (2.0 * (-10f64).exp())).ln();
    assert_close(simulation.events[1].1, expected, 1e-9, 0.0, "relapse");
}

#[test]
fn stop_event_ends_the_run_at_the_crossing() {
    let m = model(
        "states: {y: 1}\nodes:\n  y: -y\nevents:\n  done: {when: y < 0.5, stop: true, record: true}\nsimulation: {end: 10, step: 0.25, rtol: 1e-10, atol: 1e-14}\n",
    );
    let simulation = run(&m, Run::default());
    let stop = 2f64.ln();
    assert_close(simulation.stopped.unwrap(), stop, 1e-9, 0.0, "stop time");
    let times = &simulation.trajectory.times;
    assert_eq!(times.len(), 4, "rows 0, 0.25, 0.5 and the stop");
    assert_close(*times.last().unwrap(), stop, 1e-9, 0.0, "last row time");
    assert_close(
        *simulation.trajectory.column("y").unwrap().last().unwrap(),
        0.5,
        1e-8,
        0.0,
        "y at stop",
    );
}

#[test]
fn repeating_cap_event_fires_every_time_with_every_solver() {
    // x' = x from 1, set back to 1 whenever x > 1.01: x(t) = exp(t - t_k) with
    // t_k = k ln(1.01), so x stays in [1, 1.01] and the cap fires floor(T / ln 1.01) times.
    // T = 1.5 gives 150.75 periods: a quarter period (2.5e-3) of margin against the
    // accumulated crossing-time error (each crossing is found on the solution, within the
    // solver tolerances, about 1e-6 per period here).
    let m = model(
        "states: {x: 1}\nodes:\n  x: x\nevents:\n  cap: {when: x > 1.01, set: {x: 1}, repeat: true, record: true}\nsimulation: {end: 1.5, step: 0.25}\n",
    );
    let period = 1.01f64.ln();
    let expected = (1.5 / period).floor() as usize;
    assert_eq!(expected, 150);
    use cartsim::spec::SolverName::*;
    for method in [Auto, Dopri5, Dop853, Rk4, Bdf, Sdirk] {
        let simulation = run(
            &m,
            Run {
                method: Some(method),
                ..Run::default()
            },
        );
        assert_eq!(simulation.events.len(), expected, "{method:?}: firings");
        for (k, (_, time)) in simulation.events.iter().enumerate() {
            // Per-period error ~1e-6 (default rtol) accumulates to at most ~1.5e-4.
            let what = format!("{method:?}: firing {k}");
            assert_close(*time, (k + 1) as f64 * period, 0.0, 2e-4, &what);
        }
        for x in simulation.trajectory.column("x").unwrap() {
            assert!(
                (1.0 - 1e-9..=1.01 + 1e-6).contains(&x),
                "{method:?}: x = {x}"
            );
        }
    }
}

#[test]
fn events_that_trigger_each_other_forever_stop_with_an_error_naming_them() {
    let m = model(
        "states: {x: 0}\nodes:\n  x: 0\nevents:\n  up: {when: x < 0.5, set: {x: 1}}\n  down: {when: x > 0.5, set: {x: 0}}\n  quiet: {when: t > 100, record: true}\nsimulation: {end: 1, step: 0.5}\n",
    );
    let parameters = m.parameter_values(None).unwrap();
    let plan =
        cartsim::simulate::RunPlan::for_model(&m, parameters, &m.default_regimen, None).unwrap();
    let error = cartsim::simulate::simulate(&m, &plan).expect_err("an endless loop of events");
    assert!(
        error
            .message
            .contains("`up`, `down` keep triggering each other at time 0"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("quiet"), "{}", error.message);
    assert!(error.hint.contains("repeat: false"), "{}", error.hint);
}
