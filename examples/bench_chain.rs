//! Benchmark: one model simulated many times on one thread through the library, the cartsim
//! side of `benches/chain_states.sh` (the transit chains of 16, 17, 40 and 100 states it writes,
//! against the hand-written chain of `benches/chain/baseline`). The model file's doses, grid
//! and solver settings; only the loop of `simulate` calls is timed.
//!
//! ```text
//! cargo run --release --example bench_chain -- --model chain_40.yaml [--solves 2000]
//! ```
//!
//! Prints one JSON line: the median time of one solve over 5 batches, the accepted steps and
//! the last state at the end.

use cartsim::model::compile;
use cartsim::simulate::{RunPlan, simulate};
use cartsim::spec::load_model;
use std::time::Instant;

fn main() -> Result<(), String> {
    let arguments: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        let at = arguments.iter().position(|a| a == flag)?;
        arguments.get(at + 1).cloned()
    };
    let file = value("--model").ok_or("--model FILE is required")?;
    let solves: usize = value("--solves")
        .map_or(Ok(2000), |v| v.parse())
        .map_err(|e| format!("--solves: {e}"))?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let loaded = load_model(&file, &text).map_err(|d| cartsim::diag::render_all(&d))?;
    let model = compile(&loaded).map_err(|d| cartsim::diag::render_all(&d))?;
    let parameters = model.parameter_values(None)?;
    let plan = RunPlan::for_model(&model, parameters, &model.default_regimen, None)
        .map_err(|d| d.to_string())?;
    let mut batches = Vec::new();
    let mut outcome = (0, f64::NAN);
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..solves {
            let simulation = simulate(&model, &plan).map_err(|e| e.message)?;
            let trajectory = &simulation.trajectory;
            let last = trajectory.row(trajectory.times.len() - 1)[model.states.len() - 1];
            outcome = std::hint::black_box((simulation.stats.accepted_steps, last));
        }
        batches.push(started.elapsed().as_secs_f64() / solves as f64);
    }
    batches.sort_by(f64::total_cmp);
    println!(
        "{{\"peer\": \"cartsim\", \"states\": {}, \"solves\": {solves}, \"per_solve_us\": {:.3}, \"steps\": {}, \"last_state_at_end\": {:e}}}",
        model.states.len(),
        1e6 * batches[batches.len() / 2],
        outcome.0,
        outcome.1
    );
    Ok(())
}
