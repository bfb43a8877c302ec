//! Unit tests of the parent module.

use super::*;
use crate::expr::parse;

/// Lowers `text` over states x, y, z, parameter k and time t.
fn lowered(text: &str) -> (Graph, NodeId) {
    let mut graph = Graph::new();
    let expr = parse(text).unwrap();
    let root = graph.lower(&expr, &mut |g, name, _| match name {
        "x" => g.state(0),
        "y" => g.state(1),
        "z" => g.state(2),
        "k" => g.parameter(0),
        "t" => g.time(),
        _ => panic!("unknown {name}"),
    });
    (graph, root)
}

/// The value of `node` at the given states, with k = 0.5.
fn value(graph: &Graph, node: NodeId, states: [f64; 3]) -> f64 {
    let mut registers = vec![0.0; graph.len()];
    graph
        .setup_program(&[node])
        .run(&mut registers, 0.0, &[], &[0.5]);
    graph
        .varying_program(&[node])
        .run(&mut registers, 0.0, &states, &[0.5]);
    registers[node as usize]
}

/// Compiles `text` and evaluates it through the register programs.
fn evaluate(text: &str, states: [f64; 3]) -> f64 {
    let (graph, root) = lowered(text);
    value(&graph, root, states)
}

#[test]
fn fused_and_specialised_instructions_match_plain_arithmetic() {
    let (x, y, z) = (1.7, -2.3, 0.45);
    let cases: [(&str, f64); 9] = [
        ("x * y + z", x * y + z),
        ("z + x * y", z + x * y),
        ("x * y - z", x * y - z),
        ("z - x * y", z - x * y),
        ("x * y + x * y", x * y + x * y),
        ("x^2 + y^3 - z^0.5", x * x + y.powi(3) - z.powf(0.5)),
        ("k * x * y - (k + 1) * z", 0.5 * x * y - 1.5 * z),
        ("if(x > y, min(x, z), max(y, z))", x.min(z)),
        ("hill(x, 2, k)", x * x / (0.25 + x * x)),
    ];
    for (text, expected) in cases {
        assert_eq!(evaluate(text, [x, y, z]), expected, "{text}");
    }
}

#[test]
fn symbolic_derivatives_match_finite_differences_for_every_function() {
    // Central differences with h = 1e-6 have error ~1e-10 for these smooth functions; the
    // tolerance 1e-7 relative leaves room, and a wrong rule is off by O(1).
    let texts = [
        "x * y + z",
        "x / y",
        "-x^3",
        "x^y",
        "pow(k, x)",
        "exp(2 * x)",
        "ln(x)",
        "log(x)",
        "log10(x)",
        "sqrt(x)",
        "abs(y)",
        "min(x, z)",
        "max(x, y)",
        "hill(x, 2.5, k)",
        "if(x > z, x * x, y)",
        "not (x < y) * x",
        "(x < y) + k",
        "sin(x * y)",
        "cos(x^2)",
        "tan(x)",
        "asin(x - 1)",
        "arcsin(x / 2)",
        "acos(x - 1)",
        "atan(x * y)",
        "sinh(2 * x)",
        "cosh(x)",
        "tanh(x)",
        "asinh(x * y)",
        "acosh(x)",
        "atanh(x - 1)",
        "floor(3 * x) * x",
        "ceil(x) * x + ceiling(x * y)",
    ];
    let point = [1.3, 0.7, 0.9];
    for text in texts {
        let (mut graph, root) = lowered(text);
        let mut memo = DerivativeMemo::new();
        let derivative = graph.derivative(root, Variable::State(0), &mut memo);
        let h = 1e-6;
        let shifted = |dx: f64| [point[0] + dx, point[1], point[2]];
        let numeric =
            (value(&graph, root, shifted(h)) - value(&graph, root, shifted(-h))) / (2.0 * h);
        let symbolic = value(&graph, derivative, point);
        assert!(
            (symbolic - numeric).abs() <= 1e-7 * numeric.abs().max(1.0),
            "{text}: {symbolic} vs {numeric}"
        );
    }
}

#[test]
fn native_code_matches_the_interpreter_bit_for_bit() {
    // Every instruction kind, library call, comparison and selection, at ordinary and special
    // values (signed zeros, infinities, NaN, subnormals): native code must give the very bits
    // the interpreter gives, since both perform the same IEEE operations and library calls.
    let expressions = [
        "x * y + z - x * k / (y + 1)",
        "k * x * y - z",
        "z - x * y + (x * y - z)",
        "-x + abs(y) * sqrt(x)",
        "x^2 + y^3 + x^-2 + z^0.37",
        "exp(x) + ln(y) + log10(z) + pow(x, y) + pow(x, 4)",
        "min(x, y) + max(y, z) + min(x, y, z)",
        "(x < y) + (x <= y) + 2 * (x > y) + 4 * (x >= y) + 8 * (x == y) + 16 * (x != y)",
        "(x and y) + 2 * (x or z) + 4 * not(y)",
        "if(x > y, x / z, if(z, y, k)) + hill(x, k, y)",
        "t * x + exp(-k * t)",
        "sin(x) + cos(y) + tan(z)",
        "asin(x) * acos(y) * atan(z)",
        "sinh(x) - cosh(y) / tanh(z)",
        "asinh(x) + acosh(y) + atanh(z)",
        "floor(x) + ceil(y) * floor(z + t)",
        "sin(t) * tan(k) + cosh(x) * acos(x)",
    ];
    let special = [
        0.0,
        -0.0,
        1.5,
        -2.25,
        1e308,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        0.1,
    ];
    let jit_off = matches!(std::env::var("CARTSIM_JIT").as_deref(), Ok("off") | Ok("0"));
    for part in expressions {
        let (graph, root) = lowered(part);
        let setup = graph.setup_program(&[root]);
        let varying = graph.varying_program(&[root]);
        assert!(jit_off || varying.is_native(), "{part} was not compiled");
        for (i, &x) in special.iter().enumerate() {
            for &y in &special {
                let z = special[(i + 3) % special.len()];
                let t = special[(i + 7) % special.len()];
                let run = |program: &Program, registers: &mut Vec<f64>| {
                    setup.run(registers, t, &[], &[0.5]);
                    program.run(registers, t, &[x, y, z], &[0.5]);
                    registers[root as usize]
                };
                let native = run(&varying, &mut vec![0.0; graph.len()]);
                let interpreted = run(&varying.interpreted(), &mut vec![0.0; graph.len()]);
                assert_eq!(
                    native.to_bits(),
                    interpreted.to_bits(),
                    "{part} at x={x:e} y={y:e} z={z:e} t={t:e}: {native:e} vs {interpreted:e}"
                );
            }
        }
    }
}

/// At x = 0, x^k ln(x) and k x^(k-1) are 0 * -inf and inf * 0; the derivatives of a power
/// take their limits, 0, instead of NaN (a Hill function of a cell count before the dose).
#[test]
fn derivatives_of_powers_at_zero_are_their_limits() {
    for (text, variable) in [
        ("x^k", Variable::Parameter(0)),
        ("hill(x, k, 2)", Variable::Parameter(0)),
        ("(y * x)^k", Variable::State(1)),
    ] {
        let (mut graph, root) = lowered(text);
        let mut memo = DerivativeMemo::new();
        let derivative = graph.derivative(root, variable, &mut memo);
        assert_eq!(value(&graph, derivative, [0.0, 1.0, 1.0]), 0.0, "{text}");
        let positive = value(&graph, derivative, [0.3, 1.0, 1.0]);
        assert!(
            positive.is_finite() && positive != 0.0,
            "{text}: {positive}"
        );
    }
}

/// Derivatives of the inverse and hyperbolic functions where a careless formula loses them:
/// d tanh(x) = 1 / cosh(x)^2 at x = 25 (1 - tanh(x)^2 rounds to 0 there), and d asin(x) near
/// x = 1, where 1 - x^2 cancels and (1 - x)(1 + x) keeps full precision.
#[test]
fn derivatives_of_tanh_far_out_and_of_asin_near_one_keep_their_precision() {
    let derivative_at = |text: &str, x: f64| {
        let (mut graph, root) = lowered(text);
        let mut memo = DerivativeMemo::new();
        let derivative = graph.derivative(root, Variable::State(0), &mut memo);
        value(&graph, derivative, [x, 0.0, 0.0])
    };
    // 1 / cosh(25)^2 = 4 e^-50 / (1 + e^-50)^2; to 1e-14 relative (a few roundings).
    let far = 4.0 * (-50f64).exp() / (1.0 + (-50f64).exp()).powi(2);
    let got = derivative_at("tanh(x)", 25.0);
    assert!((got - far).abs() <= 1e-14 * far, "{got} vs {far}");
    // 1 / sqrt(1 - x^2) at x = 1 - 2^-40: 1 - x^2 = 2^-39 - 2^-80 exactly, so the slope is
    // 2^19.5 (1 - 2^-41)^-0.5 = 2^19.5 (1 + 2^-42) to 1e-24; asked to 1e-14 relative.
    let x = 1.0 - 2f64.powi(-40);
    let slope = 2f64.powf(19.5) * (1.0 + 2f64.powi(-42));
    let got = derivative_at("asin(x)", x);
    assert!((got - slope).abs() <= 1e-14 * slope, "{got} vs {slope}");
}

#[test]
fn floors_of_time_with_constant_coefficients_are_steps_and_others_are_not() {
    for text in [
        "floor(t)",
        "ceil(2 * t + 0.5)",
        "floor(-(t - 3) / 7)",
        "floor(10 - t)",
    ] {
        let (graph, root) = lowered(text);
        assert_eq!(graph.steps().len(), 1, "{text}");
        assert_eq!(graph.steps()[0].node, root, "{text}");
    }
    for text in [
        "floor(t / k)",
        "floor(x)",
        "floor(t * t)",
        "floor(1 / t)",
        "floor(t * 0)",
    ] {
        assert!(lowered(text).0.steps().is_empty(), "{text}");
    }
    // One step for one argument, however often written.
    assert_eq!(
        lowered("floor(t / 7) + 2 * floor(t / 7)").0.steps().len(),
        1
    );
}

#[test]
fn a_step_has_the_expression_value_and_jumps_where_its_argument_is_whole() {
    // floor(-(t - 3) / 7) = floor((3 - t) / 7): whole at t = 3 - 7 n.
    let (graph, _) = lowered("floor(-(t - 3) / 7)");
    let step = &graph.steps()[0];
    for t in [-11.0, -4.0, -3.9, 0.0, 2.9, 3.0, 3.1, 10.0, 17.0, 24.5] {
        assert_eq!(step.value_at(t), (-(t - 3.0) / 7.0_f64).floor(), "t = {t}");
    }
    let jumps = step.jumps(-20.0, 30.0);
    let expected = [-18.0, -11.0, -4.0, 3.0, 10.0, 17.0, 24.0];
    assert_eq!(jumps.len(), expected.len(), "{jumps:?}");
    for (jump, exact) in jumps.iter().zip(expected) {
        // (n - offset) / slope with slope -1/7 and offset 3/7 in floating point: a few ulps.
        assert!(
            (jump - exact).abs() <= 1e-12 * exact.abs().max(1.0),
            "{jumps:?}"
        );
    }
    assert_eq!(step.jump_count(-20.0, 30.0), 7.0);
    // The ends are not jumps inside the span.
    assert_eq!(step.jump_count(3.0, 10.0), 0.0);
}
