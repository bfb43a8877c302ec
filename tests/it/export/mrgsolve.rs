//! mrgsolve export: the blocks parsed as mrgsolve reads them, structural checks, and the C++
//! of `$GLOBAL`, `$MAIN`, `$ODE` and `$TABLE` compiled by g++ in a harness that prints the
//! initial states, derivatives and outputs, compared with cartsim's.

use super::{REFUSED, assert_same, exported_models, points, truth};
use crate::cli::scratch;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::Command;

/// The blocks of an mrgsolve model: name (`PARAM`, `ODE`, ...) to its text.
fn blocks(text: &str) -> BTreeMap<String, String> {
    let mut blocks = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('$') {
            let (name, first) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(!blocks.contains_key(name), "block ${name} twice");
            blocks.insert(name.to_string(), format!("{first}\n"));
            current = Some(name.to_string());
        } else if let Some(name) = &current {
            blocks.get_mut(name).unwrap().push_str(&format!("{line}\n"));
        } else {
            assert!(
                line.trim().is_empty(),
                "text before the first block: {line}"
            );
        }
    }
    blocks
}

/// `name = value` lines of `$PARAM` or `$INIT`.
fn assignments(block: &str) -> Vec<(String, f64)> {
    (block.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, value) = l.split_once('=').expect("name = value");
            (
                name.trim().to_string(),
                value.trim().parse().expect("a number"),
            )
        })
        .collect()
}

fn harness(
    blocks: &BTreeMap<String, String>,
    states: &[String],
    outputs: &[String],
    points: &[super::Point],
) -> String {
    let block = |name: &str| blocks.get(name).cloned().unwrap_or_default();
    let mut code = String::from("#include <cmath>\n#include <cstdio>\nusing namespace std;\n");
    code.push_str(&block("GLOBAL"));
    code.push_str("int main() {\ndouble TIME = 0.0, SOLVERTIME = 0.0;\n");
    for (name, value) in assignments(&block("PARAM")) {
        let _ = writeln!(code, "const double {name} = {value:e};");
    }
    let init = assignments(&block("INIT"));
    for state in states {
        let value = init
            .iter()
            .find(|(n, _)| n == state)
            .map_or(0.0, |(_, v)| *v);
        let _ = writeln!(code, "double {state}_0 = {value:e};");
    }
    code.push_str(&block("MAIN"));
    for state in states {
        let _ = writeln!(code, "printf(\"%.17g\\n\", {state}_0);");
    }
    for point in points {
        let _ = writeln!(code, "{{\nSOLVERTIME = {:e};", point.t);
        for (state, value) in states.iter().zip(&point.states) {
            let _ = writeln!(
                code,
                "double {state} = {value:e}; double dxdt_{state} = NAN;"
            );
        }
        code.push_str(&block("ODE"));
        for state in states {
            let _ = writeln!(code, "printf(\"%.17g\\n\", dxdt_{state});");
        }
        let _ = writeln!(code, "TIME = SOLVERTIME;");
        code.push_str(&block("TABLE"));
        for output in outputs {
            let _ = writeln!(code, "printf(\"%.17g\\n\", {output});");
        }
        code.push_str("}\n");
    }
    code.push_str("return 0;\n}\n");
    code
}

#[test]
fn mrgsolve_export_compiles_and_matches_cartsim_on_every_exportable_model() {
    if Command::new("g++").arg("--version").output().is_err() {
        eprintln!("g++ is not installed: the mrgsolve export's C++ is not compiled");
        return;
    }
    let directory = scratch("mrgsolve");
    let mut refused = Vec::new();
    for (stem, spec, model) in exported_models() {
        let text = match cartsim::export::mrgsolve(&spec) {
            Ok(text) => text,
            Err(diagnostic) => {
                refused.push((stem, diagnostic.message));
                continue;
            }
        };
        let blocks = blocks(&text);
        let states: Vec<String> = model.states.iter().map(|s| s.name.clone()).collect();
        let outputs: Vec<String> = model.outputs.iter().map(|o| o.name.clone()).collect();
        // Every parameter declared with its value, every state in $INIT or $CMT once, one
        // dxdt_ per state, every output captured.
        let parameters = model.parameter_values(None).unwrap();
        let declared = assignments(&blocks["PARAM"]);
        assert_eq!(declared.len(), parameters.len(), "{stem}");
        for ((name, value), (parameter, expected)) in declared
            .iter()
            .zip(model.parameters.iter().zip(&parameters))
        {
            assert_eq!((name, value), (&parameter.name, expected), "{stem}");
        }
        let init = assignments(blocks.get("INIT").map_or("", String::as_str));
        let cmt: Vec<&str> = blocks
            .get("CMT")
            .map_or(Vec::new(), |b| b.split_whitespace().collect());
        for state in &states {
            let places = init.iter().filter(|(n, _)| n == state).count()
                + cmt.iter().filter(|n| *n == state).count();
            assert_eq!(places, 1, "{stem}: {state} in $INIT/$CMT");
            let odes = blocks["ODE"].matches(&format!("dxdt_{state} = ")).count();
            assert_eq!(odes, 1, "{stem}: dxdt_{state}");
        }
        if !outputs.is_empty() {
            let captured: Vec<&str> = blocks["CAPTURE"].split_whitespace().collect();
            assert_eq!(
                captured,
                outputs.iter().map(String::as_str).collect::<Vec<_>>(),
                "{stem}"
            );
        }
        let (parameters, points, initial) = points(&model, 8, 7);
        let source = directory.join(format!("{stem}.cpp"));
        let binary = directory.join(&stem);
        std::fs::write(&source, harness(&blocks, &states, &outputs, &points)).unwrap();
        let compiled = Command::new("g++")
            .args(["-O0", "-o"])
            .arg(&binary)
            .arg(&source)
            .output()
            .unwrap();
        assert!(
            compiled.status.success(),
            "{stem}: {}\n{text}",
            String::from_utf8_lossy(&compiled.stderr)
        );
        let run = Command::new(&binary).output().unwrap();
        let numbers: Vec<f64> = String::from_utf8_lossy(&run.stdout)
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        let mut numbers = numbers.into_iter();
        for (state, expected) in states.iter().zip(&initial) {
            assert_same(
                numbers.next().unwrap(),
                *expected,
                &format!("{stem}: {state}_0"),
            );
        }
        for point in &points {
            let truth = truth(&model, &parameters, point);
            for (state, expected) in states.iter().zip(&truth.derivatives) {
                assert_same(
                    numbers.next().unwrap(),
                    *expected,
                    &format!("{stem}: dxdt_{state} at t = {}", point.t),
                );
            }
            for (output, expected) in outputs.iter().zip(&truth.outputs) {
                assert_same(
                    numbers.next().unwrap(),
                    *expected,
                    &format!("{stem}: {output} at t = {}", point.t),
                );
            }
        }
        assert!(numbers.next().is_none(), "{stem}");
    }
    let expected: Vec<(String, bool)> =
        REFUSED.iter().map(|(s, _)| (s.to_string(), true)).collect();
    let got: Vec<(String, bool)> = (refused.iter())
        .map(|(stem, message)| {
            let reason = REFUSED.iter().find(|(s, _)| s == stem).map_or("?", |r| r.1);
            (
                stem.clone(),
                message.contains(reason) && message.contains("mrgsolve"),
            )
        })
        .collect();
    assert_eq!(got, expected, "{refused:?}");
}
