//! What the fuzz targets share: the caps that keep one input fast, running a checked model
//! briefly, and rendering diagnostics as the command line prints them.

use cartsim::diag::{Diagnostic, render_all};
use cartsim::model::Model;
use cartsim::simulate::{RunPlan, Simulation, simulate};
use cartsim::solver::SolverOptions;
use cartsim::spec::SolverName;
use std::sync::Once;

/// Most output rows a fuzzed simulation may have (the program allows 1e7; fewer keep one
/// input well under a second).
pub const MAX_ROWS: usize = 2_000;
/// Most steps per solver call (the program's own `max_steps`, lowered).
pub const MAX_STEPS: u32 = 2_000;
/// Most doses a fuzzed simulation may give (the program allows 100,000 per dosing line).
pub const MAX_DOSES: usize = 200;
/// Most fixed RK4 steps over a run. `rk4` does not honour `max_steps` (a finding left to the
/// solver's owner, see the README's "Fuzzing"); this mirrors the limit it must have.
pub const MAX_RK4_STEPS: f64 = 1e5;

/// One worker thread, so that a slow input is measured on its own and rayon adds no noise.
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
    });
}

/// Input bytes as text; the command line reads files with `read_to_string`, which refuses
/// anything but UTF-8 before cartsim sees it.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Renders diagnostics as `main` prints them; an error without any diagnostic, or one that
/// renders to nothing, would leave the user with no message at all.
pub fn render(diagnostics: &[Diagnostic]) {
    assert!(!diagnostics.is_empty(), "an error without a diagnostic");
    let rendered = render_all(diagnostics);
    assert!(
        !rendered.trim().is_empty(),
        "a diagnostic rendered to nothing"
    );
}

/// Lowers a plan's solver budget to the fuzzing caps; `false` when its grid, doses or fixed
/// steps exceed them (the input is then only checked, not simulated).
pub fn bound(plan: &mut RunPlan) -> bool {
    let span = plan.end - plan.start;
    let rows = match &plan.times {
        Some(times) => times.len() as f64,
        None => span / plan.step,
    };
    let SolverOptions {
        method, rk4_step, ..
    } = plan.solver;
    if !(rows <= MAX_ROWS as f64) || plan.doses.len() > MAX_DOSES {
        return false;
    }
    if method == SolverName::Rk4 && !(span / rk4_step <= MAX_RK4_STEPS) {
        return false;
    }
    plan.solver.max_steps = plan.solver.max_steps.min(MAX_STEPS);
    true
}

/// Simulates a plan within the caps; a failure must come with a message and a hint.
pub fn simulate_bounded(model: &Model, mut plan: RunPlan) -> Option<Simulation> {
    if !bound(&mut plan) {
        return None;
    }
    match simulate(model, &plan) {
        Ok(simulation) => {
            check_simulation(model, &simulation);
            Some(simulation)
        }
        Err(error) => {
            assert!(
                !error.message.is_empty(),
                "a simulation error without a message"
            );
            None
        }
    }
}

/// A finished simulation has one row per time, times that never decrease, and one value per
/// state and output in each row.
pub fn check_simulation(model: &Model, simulation: &Simulation) {
    let trajectory = &simulation.trajectory;
    let width = model.states.len() + model.outputs.len();
    for (row, pair) in trajectory.times.windows(2).enumerate() {
        assert!(pair[0] <= pair[1], "time decreases at row {row}: {pair:?}");
    }
    for row in 0..trajectory.times.len() {
        assert_eq!(
            trajectory.row(row).len(),
            width,
            "row {row} has the wrong width"
        );
    }
}
