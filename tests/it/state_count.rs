//! Models above 16 states leave ode_solvers' fixed-size vectors for cartsim's slice stepper
//! (issue 22): the values of the fixed-size path.

use crate::{Run, model_from, run};
use cartsim::spec::SolverName;

/// A nonlinear transit chain of 10 compartments (saturable first transfer) in `copies`
/// independent copies with the same parameters and doses: states a1..a10, b1..b10, ...
fn chains(copies: usize) -> String {
    let mut states = Vec::new();
    let mut odes = Vec::new();
    for copy in ["a", "b", "c"].iter().take(copies) {
        for i in 1..=10 {
            let initial = if i == 1 { 10.0 } else { 0.1 * i as f64 };
            states.push(format!("{copy}{i}: {initial}"));
            let inflow = match i {
                1 => "0".to_string(),
                2 => format!("vmax * {copy}1 / (km + {copy}1)"),
                _ => format!("k * {copy}{}", i - 1),
            };
            let outflow = match i {
                1 => format!("vmax * {copy}1 / (km + {copy}1)"),
                10 => format!("ke * {copy}10 * {copy}10"),
                _ => format!("k * {copy}{i}"),
            };
            odes.push(format!("  {copy}{i}: {inflow} - ({outflow})"));
        }
    }
    format!(
        "name: chains\nparameters: {{k: 0.8, vmax: 2, km: 5, ke: 0.3}}\nstates: {{{}}}\nodes:\n{}\nsimulation: {{end: 30, step: 0.5}}\n",
        states.join(", "),
        odes.join("\n")
    )
}

#[test]
fn twenty_states_as_two_copies_of_ten_give_the_values_of_ten() {
    let ten = model_from("chain10.yaml", &chains(1));
    let twenty = model_from("chain20.yaml", &chains(2));
    assert_eq!(twenty.states.len(), 20);
    for method in [SolverName::Dopri5, SolverName::Auto] {
        let settings = || Run {
            method: Some(method),
            rtol: Some(1e-8),
            atol: Some(1e-10),
            ..Run::default()
        };
        let fixed = run(&ten, settings());
        let slices = run(&twenty, settings());
        assert!(slices.method_switch.is_none());
        // The steps differ slightly: ode_solvers' initial step sums over the states without
        // dividing by their number, so two copies start with a step 2^(-1/10) times one copy's
        // (the stepper itself is ode_solvers' step for step: see src/solver/dopri5/tests.rs).
        let (narrow, wide) = (&fixed.trajectory, &slices.trajectory);
        assert_eq!(narrow.times, wide.times);
        for row in 0..narrow.times.len() {
            let (one, two) = (narrow.row(row), wide.row(row));
            for i in 0..10 {
                // The copies are computed by the same operations: equal bit for bit.
                assert_eq!(
                    two[i].to_bits(),
                    two[10 + i].to_bits(),
                    "row {row} state {i}"
                );
                // Against the fixed-size path: two runs at rtol 1e-8 on different steps differ
                // by their global errors, of the order of rtol (measured: 3e-11 at day 0.5);
                // 1e-7 relative bounds that with room, and is far below any stepping error.
                let scale = one[i].abs().max(two[i].abs());
                assert!(
                    (one[i] - two[i]).abs() <= 1e-7 * scale,
                    "{method:?} row {row} state {i}: {} vs {}",
                    one[i],
                    two[i]
                );
            }
        }
    }
}
