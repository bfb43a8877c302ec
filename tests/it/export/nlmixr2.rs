//! nlmixr2 export: the function's `ini()` and `model()` read line by line as R, structural
//! checks, and `model()` evaluated by `r_eval` at random states and times against cartsim.

use super::r_eval::evaluate;
use super::{REFUSED, assert_same, exported_models, points, truth};
use std::collections::HashMap;

/// A statement of `model()`: what it assigns and the expression.
enum Statement {
    Value(String, String),
    Initial(String, String),
    Derivative(String, String),
}

/// `ini()` values and `model()` statements of the function text.
fn read(text: &str, function: &str) -> (Vec<(String, f64)>, Vec<Statement>) {
    let mut lines = text.lines().skip_while(|l| l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some(format!("{function} <- function() {{").as_str())
    );
    assert_eq!(lines.next().map(str::trim), Some("ini({"));
    let mut ini = Vec::new();
    for line in lines.by_ref() {
        if line.trim() == "})" {
            break;
        }
        let code = line.split('#').next().unwrap();
        let (name, value) = code.split_once("<-").expect("name <- value");
        ini.push((
            name.trim().to_string(),
            value.trim().parse().expect("a number"),
        ));
    }
    assert_eq!(lines.next().map(str::trim), Some("model({"));
    let mut model = Vec::new();
    for line in lines.by_ref() {
        if line.trim() == "})" {
            break;
        }
        let (left, right) = line.split_once("<-").expect("left <- right");
        let (left, right) = (left.trim(), right.trim().to_string());
        model.push(
            if let Some(state) = left.strip_prefix("d/dt(").and_then(|l| l.strip_suffix(')')) {
                Statement::Derivative(state.into(), right)
            } else if let Some(state) = left.strip_suffix("(0)") {
                Statement::Initial(state.into(), right)
            } else {
                Statement::Value(left.into(), right)
            },
        );
    }
    assert_eq!(lines.next(), Some("}"));
    assert!(lines.next().is_none());
    (ini, model)
}

#[test]
fn nlmixr2_export_evaluates_to_cartsim_on_every_exportable_model() {
    let mut refused = Vec::new();
    for (stem, spec, model) in exported_models() {
        let text = match cartsim::export::nlmixr2(&spec) {
            Ok(text) => text,
            Err(diagnostic) => {
                refused.push((stem, diagnostic.message));
                continue;
            }
        };
        let (ini, statements) = read(&text, &spec.name);
        let (parameters, points, initial) = points(&model, 8, 11);
        // Every parameter in ini() with its value; one d/dt per state.
        let expected: Vec<(String, f64)> = (model.parameters.iter().zip(&parameters))
            .map(|(p, v)| (p.name.clone(), *v))
            .collect();
        assert_eq!(ini, expected, "{stem}");
        for state in &model.states {
            let odes = (statements.iter())
                .filter(|s| matches!(s, Statement::Derivative(n, _) if *n == state.name))
                .count();
            assert_eq!(odes, 1, "{stem}: d/dt({})", state.name);
        }
        let base: HashMap<String, f64> = ini.into_iter().collect();
        // Initial values: rxode2 starts a state at 0 unless `NAME(0)` says otherwise, and
        // evaluates `NAME(0)` after the statements above it (here: parameters only).
        let last = (statements.iter())
            .rposition(|s| matches!(s, Statement::Initial(..)))
            .map_or(0, |k| k + 1);
        let mut values = base.clone();
        let mut initial_values: HashMap<String, f64> = HashMap::new();
        for statement in &statements[..last] {
            match statement {
                Statement::Value(name, e) => {
                    values.insert(name.clone(), evaluate(e, &values));
                }
                Statement::Initial(name, e) => {
                    initial_values.insert(name.clone(), evaluate(e, &values));
                }
                Statement::Derivative(name, _) => {
                    panic!("{stem}: d/dt({name}) before an initial value")
                }
            }
        }
        for (state, expected) in model.states.iter().zip(&initial) {
            let value = initial_values.get(&state.name).copied().unwrap_or(0.0);
            assert_same(value, *expected, &format!("{stem}: {}(0)", state.name));
        }
        for point in &points {
            let mut values = base.clone();
            values.insert("t".into(), point.t);
            for (state, value) in model.states.iter().zip(&point.states) {
                values.insert(state.name.clone(), *value);
            }
            let mut derivatives = HashMap::new();
            for statement in &statements {
                match statement {
                    Statement::Value(name, e) => {
                        values.insert(name.clone(), evaluate(e, &values));
                    }
                    Statement::Derivative(name, e) => {
                        derivatives.insert(name.clone(), evaluate(e, &values));
                    }
                    Statement::Initial(..) => {}
                }
            }
            let truth = truth(&model, &parameters, point);
            for (state, expected) in model.states.iter().zip(&truth.derivatives) {
                let what = format!("{stem}: d/dt({}) at t = {}", state.name, point.t);
                assert_same(derivatives[&state.name], *expected, &what);
            }
            for (output, expected) in model.outputs.iter().zip(&truth.outputs) {
                let what = format!("{stem}: {} at t = {}", output.name, point.t);
                assert_same(values[&output.name], *expected, &what);
            }
        }
    }
    let got: Vec<(String, bool)> = (refused.iter())
        .map(|(stem, message)| {
            let reason = REFUSED.iter().find(|(s, _)| s == stem).map_or("?", |r| r.1);
            (
                stem.clone(),
                message.contains(reason) && message.contains("nlmixr2"),
            )
        })
        .collect();
    let expected: Vec<(String, bool)> =
        REFUSED.iter().map(|(s, _)| (s.to_string(), true)).collect();
    assert_eq!(got, expected, "{refused:?}");
}
