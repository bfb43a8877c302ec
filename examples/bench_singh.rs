//! Benchmark: the stiff Singh 2021 ide-cel model at one dose level to day 365 with daily output,
//! timed in one process with `auto`, `bdf` and `dopri5` (median of several runs each).
//!
//! ```text
//! cargo run --release --example bench_singh [-- --repeats 7 --params dose150]
//! ```

use cartsim::model::compile;
use cartsim::simulate::{RunPlan, simulate};
use cartsim::spec::{SolverName, load_model};
use std::time::Instant;

fn main() -> Result<(), String> {
    let arguments: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        arguments
            .iter()
            .position(|a| a == flag)
            .and_then(|i| arguments.get(i + 1))
    };
    let repeats: usize = value("--repeats")
        .map_or(Ok(7), |v| v.parse())
        .map_err(|e| format!("--repeats: {e}"))?;
    let set = value("--params").map_or("dose150", String::as_str);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/models/singh2021_idecel.yaml");
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let loaded = load_model(file, &text).map_err(|d| cartsim::diag::render_all(&d))?;
    let model = compile(&loaded).map_err(|d| cartsim::diag::render_all(&d))?;
    let parameters = model.parameter_values(Some(set))?;
    for method in [SolverName::Auto, SolverName::Bdf, SolverName::Dopri5] {
        let mut plan = RunPlan::for_model(&model, parameters.clone(), &model.default_regimen, None)
            .map_err(|d| d.to_string())?;
        plan.solver.method = method;
        let mut walls = Vec::new();
        let mut outcome = String::new();
        for _ in 0..repeats {
            let started = Instant::now();
            let result = simulate(&model, &plan);
            walls.push(started.elapsed().as_secs_f64());
            outcome = match result {
                Ok(simulation) => format!(
                    "steps {}, rhs {}, jacobians {}, switch {:?}",
                    simulation.stats.accepted_steps,
                    simulation.stats.rhs_evaluations,
                    simulation.stats.jacobian_evaluations,
                    simulation.method_switch.map(|s| s.time)
                ),
                Err(error) => format!("failed: {}", error.message),
            };
        }
        walls.sort_by(f64::total_cmp);
        println!(
            "{method:?}: median {:.2} ms over {repeats} runs ({outcome})",
            1e3 * walls[walls.len() / 2]
        );
    }
    Ok(())
}
