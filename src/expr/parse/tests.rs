//! Unit tests of the parent module.

use super::*;
use crate::expr::Graph;

/// Evaluates constant text through parsing, lowering and constant folding.
fn value(text: &str) -> f64 {
    let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let mut graph = Graph::new();
    let node = graph.lower(&expr, &mut |g, name, _| match name {
        "x" => g.constant(2.0),
        _ => panic!("unknown {name}"),
    });
    graph.constant_value(node).unwrap()
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(value("-2^2"), -4.0);
    assert_eq!(value("2^3^2"), 512.0);
    assert_eq!(value("2^-1"), 0.5);
    assert_eq!(value("1 + 2 * 3"), 7.0);
    assert_eq!(value("(1 + 2) * 3"), 9.0);
    assert_eq!(value("8 / 4 / 2"), 1.0);
    assert_eq!(value("10 - 4 - 3"), 3.0);
    assert_eq!(value("-x * 3"), -6.0);
    assert_eq!(value("- -x"), 2.0);
    assert_eq!(value("1e7 * .5"), 5e6);
    assert_eq!(value("2.5E-1"), 0.25);
    assert_eq!(value("1 < 2 and 3 > 4 or 5 >= 5"), 1.0);
    assert_eq!(value("not 1 < 2"), 0.0);
    assert_eq!(value("1 == 1 and 2 != 2"), 0.0);
    assert_eq!(value("x <= 2"), 1.0);
}

#[test]
fn every_function() {
    assert_eq!(value("exp(0)"), 1.0);
    assert_eq!(value("ln(exp(2))"), 2.0);
    assert_eq!(value("log(exp(3))"), 3.0);
    assert_eq!(value("log10(1000)"), 3.0);
    assert_eq!(value("sqrt(16)"), 4.0);
    assert_eq!(value("abs(-3)"), 3.0);
    assert_eq!(value("min(3, 1, 2)"), 1.0);
    assert_eq!(value("max(3, 1, 2)"), 3.0);
    assert_eq!(value("pow(2, 10)"), 1024.0);
    assert_eq!(value("hill(2, 2, 2)"), 0.5);
    assert_eq!(value("hill(x, 1, 6)"), 0.25);
    assert_eq!(value("if(x > 1, 10, 20)"), 10.0);
    assert_eq!(value("if(0, 10, 20)"), 20.0);
    assert_eq!(value("pow(2, 0.5)"), 2f64.sqrt());
}

#[test]
fn trigonometric_hyperbolic_and_step_functions_and_their_aliases() {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, FRAC_PI_6};
    // Closed forms: the exact values where the function is exact in floating point, else
    // within 4 ulp-sized steps (2e-16 relative) of the textbook value.
    let close = |text: &str, expected: f64| {
        let got = value(text);
        assert!(
            (got - expected).abs() <= 2e-16 * expected.abs().max(1.0) * 4.0,
            "{text}: {got} vs {expected}"
        );
    };
    assert_eq!(value("sin(0)"), 0.0);
    assert_eq!(value("cos(0)"), 1.0);
    close("sin(asin(0.5))", 0.5);
    close("tan(atan(3))", 3.0);
    close("asin(0.5)", FRAC_PI_6);
    close("arcsin(0.5)", FRAC_PI_6);
    close("acos(0)", FRAC_PI_2);
    close("arccos(0.5)", 2.0 * FRAC_PI_6);
    close("atan(1)", FRAC_PI_4);
    close("arctan(1)", FRAC_PI_4);
    close("sin(x)^2 + cos(x)^2", 1.0);
    let e = std::f64::consts::E;
    close("sinh(1)", (e - 1.0 / e) / 2.0);
    close("cosh(1)", (e + 1.0 / e) / 2.0);
    close("tanh(1)", (e * e - 1.0) / (e * e + 1.0));
    close("asinh(sinh(1.5))", 1.5);
    close("arcsinh(sinh(1.5))", 1.5);
    close("acosh(cosh(2))", 2.0);
    close("arccosh(cosh(2))", 2.0);
    close("atanh(tanh(0.5))", 0.5);
    close("arctanh(tanh(0.5))", 0.5);
    assert_eq!(value("floor(2.7) + floor(-2.5)"), 2.0 - 3.0);
    assert_eq!(
        value("ceil(2.1) + ceiling(-2.5) + ceil(3)"),
        3.0 - 2.0 + 3.0
    );
}

#[test]
fn wrong_argument_counts_and_missing_functions_say_how_to_write_them() {
    let wrong = error("sin(x, 2)");
    assert_eq!(wrong.message, "`sin` takes 1 argument, found 2");
    assert_eq!(wrong.span, 0..9);
    assert_eq!(wrong.hint.unwrap(), "usage: sin(x) (x in radians)");
    assert_eq!(
        error("ceiling()").message,
        "`ceiling` takes 1 argument, found 0"
    );
    assert_eq!(
        error("arccos(1, 2, 3)").hint.unwrap(),
        "usage: acos(x) (arccos(x) is the same)"
    );
    assert_eq!(error("tanh").message, "`tanh` is a function");
    assert_eq!(error("sec(x)").hint.unwrap(), "write 1 / cos(x)");
    assert_eq!(error("sinn(x)").hint.unwrap(), "did you mean `sin`?");
    assert_eq!(error("floar(x)").hint.unwrap(), "did you mean `floor`?");
}

fn error(text: &str) -> ParseError {
    parse(text).expect_err(text)
}

#[test]
fn every_error_kind_with_its_span() {
    assert_eq!(error("").message, "the expression is empty");
    assert_eq!(error("1 $ 2").span, 2..3);
    assert!(error("a && b").hint.unwrap().contains("`and`"));
    assert!(error("a = b").hint.unwrap().contains("=="));
    assert_eq!(error("1.2.3").message, "`1.2.3` is not a valid number");
    assert_eq!(error("2 3").span, 2..3);
    assert_eq!(
        error("(1 + 2").message,
        "expected `)`, found end of expression"
    );
    assert_eq!(error("1 +").message, "the expression ends too early");
    assert_eq!(error("* 2").message, "expected a value, found `*`");
    assert_eq!(error("a < b < c").message, "comparisons cannot be chained");
    assert_eq!(error("epx(1)").hint.unwrap(), "did you mean `exp`?");
    assert_eq!(error("exp").message, "`exp` is a function");
    assert_eq!(
        error("hill(1, 2)").message,
        "`hill` takes 3 arguments, found 2"
    );
    assert_eq!(
        error("min(1)").message,
        "`min` takes at least 2 arguments, found 1"
    );
    assert_eq!(error("exp(1, 2)").span, 0..9);
    assert_eq!(error("and 1").message, "`and` needs a value on its left");
    // Regression: deep nesting overflowed the stack (100,001 tokens: under the token limit).
    let deep = format!("{}y{}", "(".repeat(50_000), ")".repeat(50_000));
    assert!(error(&deep).message.contains("nested more than"));
    assert!(
        error(&"-".repeat(100_000))
            .message
            .contains("nested more than")
    );
}

#[test]
fn time_comparisons_with_parameters_become_switches() {
    let mut graph = Graph::new();
    let expr = parse("if(t < tmax, 1, 2) + if(tmax > t, 3, 4)").unwrap();
    graph.lower(&expr, &mut |g, name, _| match name {
        "t" => g.time(),
        _ => g.parameter(0),
    });
    assert_eq!(
        graph.switches().len(),
        1,
        "`tmax > t` is the same switch as `t < tmax`"
    );
}
