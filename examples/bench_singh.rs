//! Benchmark: the stiff Singh 2021 ide-cel model at one dose level to day 365 with daily output,
//! timed in one process with `auto`, `bdf` and `dopri5` (median of several runs each), each
//! result compared with a tight-tolerance reference (Dop853, rtol 1e-12, untimed).
//! `benches/singh_auto.sh` runs it once per method, interleaved.
//!
//! ```text
//! cargo run --release --example bench_singh [-- --repeats 7 --params dose150 --solver auto]
//! ```

use cartsim::model::compile;
use cartsim::simulate::{RunPlan, Simulation, simulate};
use cartsim::spec::{SolverName, load_model};
use std::time::Instant;

/// Values below this are left out of the relative deviation (cell counts and concentrations of
/// the model are far above it while they matter).
const FLOOR: f64 = 1e-3;

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
    let methods = match value("--solver").map(String::as_str) {
        None => vec![SolverName::Auto, SolverName::Bdf, SolverName::Dopri5],
        Some("auto") => vec![SolverName::Auto],
        Some("bdf") => vec![SolverName::Bdf],
        Some("dopri5") => vec![SolverName::Dopri5],
        Some(other) => return Err(format!("--solver: auto, bdf or dopri5, not {other}")),
    };
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/models/singh2021_idecel.yaml");
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let loaded = load_model(file, &text).map_err(|d| cartsim::diag::render_all(&d))?;
    let model = compile(&loaded).map_err(|d| cartsim::diag::render_all(&d))?;
    let parameters = model.parameter_values(Some(set))?;
    let plan = RunPlan::for_model(&model, parameters, &model.default_regimen, None)
        .map_err(|d| d.to_string())?;
    let mut tight = plan.clone();
    (tight.solver.method, tight.solver.rtol) = (SolverName::Dop853, 1e-12);
    tight.solver.atol = 1e-12;
    let reference = simulate(&model, &tight).map_err(|e| e.message)?;
    for method in methods {
        let mut plan = plan.clone();
        plan.solver.method = method;
        let mut walls = Vec::new();
        let mut outcome = String::new();
        for _ in 0..repeats {
            let started = Instant::now();
            let result = simulate(&model, &plan);
            walls.push(started.elapsed().as_secs_f64());
            outcome = match result {
                Ok(simulation) => format!(
                    "steps {}, rhs {}, jacobians {}, switch {:?}, max relative deviation from the reference {:.2e}",
                    simulation.stats.accepted_steps,
                    simulation.stats.rhs_evaluations,
                    simulation.stats.jacobian_evaluations,
                    simulation.method_switch.as_ref().map(|s| s.time),
                    deviation(&simulation, &reference)
                ),
                Err(error) => format!("failed: {}", error.message),
            };
        }
        walls.sort_by(f64::total_cmp);
        println!(
            "{method:?}: median {:.3} ms over {repeats} runs ({outcome})",
            1e3 * walls[walls.len() / 2]
        );
    }
    Ok(())
}

/// The largest relative difference from the reference over every column and time, among
/// values whose reference is above `FLOOR`.
fn deviation(simulation: &Simulation, reference: &Simulation) -> f64 {
    let (values, truth) = (&simulation.trajectory.values, &reference.trajectory.values);
    (values.iter().zip(truth))
        .filter(|(_, t)| t.abs() > FLOOR)
        .map(|(v, t)| ((v - t) / t).abs())
        .fold(0.0, f64::max)
}
