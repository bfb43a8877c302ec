//! The model file's simulation settings: `times` without `end`, and which absolute tolerance a
//! state gets when the run's `atol` (`--atol`) meets its own.

use crate::cli::{cartsim, scratch};
use crate::{model_from, run};
use cartsim::diag::render_all;
use cartsim::model::compile;
use cartsim::spec::load_model;

const DECAY: &str = "name: decay
parameters: {k: 0.5}
states:
  A: {initial: 100, atol: 1e-3}
  B: 100
odes: {A: -k * A, B: -k * B}
";

/// Output at the listed times, the last of which (2.5) is where the run ends: A = 100 e^(-k t)
/// there to the run's tolerance (rtol 1e-6 by default, so 1e-5 relative is ample).
#[test]
fn listed_times_without_end_run_to_the_last_listed_time() {
    let model = model_from(
        "decay.yaml",
        &format!("{DECAY}simulation: {{times: [0, 1, 2.5]}}\n"),
    );
    assert_eq!(model.simulation.end, 2.5);
    let simulation = run(&model, Default::default());
    assert_eq!(simulation.trajectory.times, [0.0, 1.0, 2.5]);
    let a = simulation.trajectory.column("A").unwrap();
    crate::assert_close(a[2], 100.0 * (-1.25f64).exp(), 1e-5, 0.0, "A(2.5)");
}

#[test]
fn a_simulation_block_without_end_or_times_says_what_to_add() {
    let text = format!("{DECAY}simulation: {{step: 1}}\n");
    let loaded = load_model("decay.yaml", &text).unwrap();
    let Err(diagnostics) = compile(&loaded) else {
        panic!("a model without `end` or `times` compiled")
    };
    let message = render_all(&diagnostics);
    assert!(message.contains("`simulation` needs `end`"), "{message}");
    assert!(
        message.contains("decay.yaml:7:"),
        "the line of `simulation`: {message}"
    );
}

/// A's own `atol` wins over `--atol`, in both directions; B, without one, takes `--atol`.
#[test]
fn a_states_own_atol_wins_over_the_command_line_atol() {
    let directory = scratch("atol-wins");
    let text = format!("{DECAY}simulation: {{end: 2, step: 1}}\n");
    std::fs::write(directory.join("decay.yaml"), text).unwrap();
    for (atol, b) in [("1e-9", 1e-9), ("1", 1.0)] {
        let arguments = ["simulate", "decay.yaml", "--atol", atol, "--out", "out"];
        let output = cartsim(&arguments, &directory);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(directory.join("out/run.json")).unwrap();
        let record: serde_json::Value = serde_json::from_str(&text).unwrap();
        let tolerances = &record["absolute_tolerances"];
        assert_eq!(tolerances["A"], 1e-3, "{tolerances}");
        assert_eq!(tolerances["B"], b, "{tolerances}");
    }
}
