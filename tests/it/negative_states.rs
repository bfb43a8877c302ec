//! States that the solver takes below zero: a fast elimination overshoots, and the run says so
//! (issue 14), unless the model declares the state `nonnegative: false`.

use crate::{Run, model_from, run};
use cartsim::spec::SolverName;

/// x' = -50 x from 1 over ten days (exactly e^(-50 t) > 0), sampled daily.
fn elimination(tolerances: &str, flag: &str) -> cartsim::model::Model {
    model_from(
        "elimination.yaml",
        &format!(
            "name: elimination\nparameters: {{k: 50}}\nstates:\n  x: {{initial: 1{flag}}}\nodes:\n  x: -k * x\nsimulation: {{end: 10, step: 1{tolerances}}}\n"
        ),
    )
}

#[test]
fn a_fast_elimination_that_overshoots_below_zero_is_warned_about() {
    // With dop853 the daily values of the exact e^(-50 t) (below 2e-22 after day 1) come out
    // as noise of the size of the tolerances, down to -1.8e-9 with atol 1e-10 and -1.5e-5 with
    // the default atol 1e-6: both more than the state's absolute tolerance below zero.
    for tolerances in [", rtol: 1e-6, atol: 1e-10", ""] {
        let m = elimination(tolerances, "");
        let simulation = run(
            &m,
            Run {
                method: Some(SolverName::Dop853),
                ..Run::default()
            },
        );
        let lowest = simulation
            .trajectory
            .column("x")
            .unwrap()
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        let atol = if tolerances.is_empty() { 1e-6 } else { 1e-10 };
        assert!(
            lowest < -atol,
            "{tolerances}: the overshoot this test needs"
        );
        let warning = simulation
            .warnings
            .iter()
            .find(|w| w.starts_with("state `x` went below zero: "))
            .unwrap_or_else(|| panic!("{tolerances}: no warning in {:?}", simulation.warnings));
        assert!(
            warning.contains(&format!("(its absolute tolerance is {atol:e})")),
            "{warning}"
        );
        assert!(warning.contains("nonnegative: false"), "{warning}");
    }
}

#[test]
fn a_state_declared_possibly_negative_or_staying_within_tolerance_is_not_warned_about() {
    let declared = elimination("", ", nonnegative: false");
    let simulation = run(
        &declared,
        Run {
            method: Some(SolverName::Dop853),
            ..Run::default()
        },
    );
    assert!(simulation.warnings.is_empty(), "{:?}", simulation.warnings);
    // y' = -1 from 1 is negative by design after t = 1: declared, no warning.
    let m = model_from(
        "falling.yaml",
        "name: falling\nstates:\n  y: {initial: 1, nonnegative: false}\nodes:\n  y: -1\nsimulation: {end: 5, step: 1}\n",
    );
    let simulation = run(&m, Run::default());
    assert_eq!(simulation.trajectory.column("y").unwrap()[5], -4.0);
    assert!(simulation.warnings.is_empty(), "{:?}", simulation.warnings);
    // With tight tolerances the elimination stays within its absolute tolerance of zero.
    let tight = elimination(", rtol: 1e-10, atol: 1e-6", "");
    let simulation = run(&tight, Run::default());
    assert!(simulation.warnings.is_empty(), "{:?}", simulation.warnings);
}
