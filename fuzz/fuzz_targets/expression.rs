//! One expression, as a model's derived value, ODE, output and event condition would hold it:
//! parsed, checked and compiled against a fixed small model (parameters `k`, `v`; states `x`,
//! `y`; time `t`) through the model loader, then evaluated by the compiled right-hand side
//! and Jacobian. The same text also goes through the parser and graph directly, and the native
//! code must give the interpreter's results bit for bit.
#![no_main]

use cartsim::expr::{Graph, NodeId, parse};
use cartsim_fuzz::{init, render, text};
use libfuzzer_sys::fuzz_target;

/// The fixed model; `EXPR` is replaced by the fuzz input and `CONDITION` by `(input) > 1`, as
/// YAML double-quoted strings.
const TEMPLATE: &str = "name: fuzz_expression
parameters: {k: 0.5, v: 2}
derived:
  d: EXPR
states: {x: 1, y: 0}
odes:
  x: -k * x + 0 * d
  y: EXPR
outputs:
  out: EXPR
events:
  watch: {when: CONDITION, record: true}
simulation: {end: 1, step: 0.5}
";

/// Evaluation points (t, x, y): ordinary values, zeros, negatives and huge ones.
const POINTS: [(f64, f64, f64); 4] = [
    (0.0, 1.0, 0.0),
    (0.5, -3.0, 2.5),
    (1e300, 0.0, -0.0),
    (-1.0, 1e-300, f64::MAX),
];

fuzz_target!(|data: &[u8]| {
    init();
    let Some(expression) = text(data) else { return };
    through_model(expression);
    through_graph(expression);
});

fn through_model(expression: &str) {
    let quoted = serde_json::to_string(expression).expect("a string serializes");
    let condition = serde_json::to_string(&format!("({expression}) > 1")).expect("a string");
    let model_text = TEMPLATE
        .replace("CONDITION", &condition)
        .replace("EXPR", &quoted);
    let loaded = match cartsim::spec::load_model("expression.yaml", &model_text) {
        Ok(loaded) => loaded,
        Err(diagnostics) => return render(&diagnostics),
    };
    let model = match cartsim::model::compile(&loaded) {
        Ok(model) => model,
        Err(diagnostics) => return render(&diagnostics),
    };
    let parameters = model.parameter_values(None).expect("the file's values");
    let mut registers = vec![0.0; model.register_count()];
    model.setup(&mut registers, &parameters);
    let (mut derivatives, mut jacobian, mut outputs) = ([0.0; 2], [0.0; 4], [0.0; 1]);
    for (t, x, y) in POINTS {
        let states = [x, y];
        model.set_switches(&mut registers, t);
        model.rhs(&mut registers, t, &states, &parameters, &mut derivatives);
        model.jacobian(&mut registers, t, &states, &parameters, &mut jacobian);
        model.outputs(&mut registers, t, &states, &parameters, &mut outputs);
    }
}

fn through_graph(expression: &str) {
    let Ok(expr) = parse(expression) else { return };
    let mut graph = Graph::new();
    let root = graph.lower(&expr, &mut |graph: &mut Graph,
                                        name: &str,
                                        _span|
     -> NodeId {
        match name {
            "k" => graph.parameter(0),
            "v" => graph.parameter(1),
            "x" => graph.state(0),
            "y" => graph.state(1),
            "t" => graph.time(),
            _ => graph.constant(f64::NAN),
        }
    });
    let parameters = [0.5, 2.0];
    let setup = graph.setup_program(&[root]);
    let varying = graph.varying_program(&[root]);
    let mut native = vec![0.0; graph.len()];
    setup.run(&mut native, 0.0, &[], &parameters);
    let mut interpreted = native.clone();
    for switch in graph.switches() {
        let threshold = native[switch.threshold as usize];
        native[switch.node as usize] = switch.value_at(0.0, threshold);
        interpreted[switch.node as usize] = switch.value_at(0.0, threshold);
    }
    let slow = varying.interpreted();
    for (t, x, y) in POINTS {
        varying.run(&mut native, t, &[x, y], &parameters);
        slow.run(&mut interpreted, t, &[x, y], &parameters);
        let (a, b) = (native[root as usize], interpreted[root as usize]);
        assert!(
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            "native {a:e} and interpreted {b:e} differ at t={t}, x={x}, y={y}"
        );
    }
}
