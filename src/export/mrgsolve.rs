//! An mrgsolve model (`.cpp`): `$PROB` (title, reference, units, doses), `$PARAM`, `$INIT`
//! (numeric initial values) and `$CMT` (the others, set as `NAME_0` in `$MAIN`), `$GLOBAL`
//! (derived values and outputs, so every block sees them), `$MAIN` (what depends on parameters
//! only), `$ODE` (what varies, then `dxdt_NAME`; time is `SOLVERTIME`), `$TABLE` (what varies
//! again at the output time `TIME`) and `$CAPTURE` (the outputs).

use super::expr::{Dialect, text};
use super::{Parts, dose_comments, parts};
use crate::diag::{Diagnostic, number};
use crate::expr::ExprKind;
use crate::spec::ModelSpec;
use std::fmt::Write;

/// C++ keywords and names mrgsolve keeps (data items, solver variables, block macros).
const RESERVED: &[&str] = &[
    "auto",
    "bool",
    "break",
    "case",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "int",
    "long",
    "new",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "template",
    "this",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "ID",
    "TIME",
    "SOLVERTIME",
    "EVID",
    "CMT",
    "AMT",
    "II",
    "SS",
    "ADDL",
    "RATE",
    "NEWIND",
    "ETA",
    "EPS",
    "THETA",
    "self",
    "table",
    "DONE",
    "CFONSTOP",
    "SYSTEMOFF",
    "report",
    "time",
    "amt",
    "cmt",
    "evid",
    "rate",
    "ii",
    "ss",
    "addl",
];

/// The mrgsolve model text of `spec`.
pub fn mrgsolve(spec: &ModelSpec) -> Result<String, Diagnostic> {
    let Parts {
        assignments,
        states,
    } = parts(spec, "mrgsolve", RESERVED)?;
    let mut out = problem(spec);
    out.push_str("\n$PARAM\n");
    for (name, parameter) in spec.parameters.iter() {
        let _ = writeln!(out, "{name} = {}", number(parameter.value));
    }
    let numeric: Vec<_> = (states.iter())
        .filter_map(|(name, initial, _)| match initial.kind {
            ExprKind::Number(value) => Some((name, value)),
            _ => None,
        })
        .collect();
    if !numeric.is_empty() {
        out.push_str("\n$INIT\n");
        for (name, value) in &numeric {
            let _ = writeln!(out, "{name} = {}", number(*value));
        }
    }
    let formula: Vec<_> = (states.iter())
        .filter(|(_, initial, _)| !matches!(initial.kind, ExprKind::Number(_)))
        .collect();
    if !formula.is_empty() {
        let names: Vec<&str> = formula.iter().map(|s| s.0.as_str()).collect();
        let _ = writeln!(out, "\n$CMT {}", names.join(" "));
    }
    if !assignments.is_empty() {
        let names: Vec<&str> = assignments.iter().map(|a| a.name.as_str()).collect();
        let _ = writeln!(out, "\n$GLOBAL\ndouble {};", names.join(", "));
    }
    let time = Dialect::Cpp { time: "TIME" };
    out.push_str("\n$MAIN\n");
    for a in assignments.iter().filter(|a| !a.varies) {
        let _ = writeln!(out, "{} = {};", a.name, text(&a.expr, time));
    }
    for (name, initial, _) in &formula {
        let _ = writeln!(out, "{name}_0 = {};", text(initial, time));
    }
    out.push_str("\n$ODE\n");
    let solver_time = Dialect::Cpp { time: "SOLVERTIME" };
    for a in assignments.iter().filter(|a| a.varies) {
        let _ = writeln!(out, "{} = {};", a.name, text(&a.expr, solver_time));
    }
    for (name, _, ode) in &states {
        let _ = writeln!(out, "dxdt_{name} = {};", text(ode, solver_time));
    }
    let outputs: Vec<&str> = (assignments.iter())
        .filter(|a| a.output)
        .map(|a| a.name.as_str())
        .collect();
    if !outputs.is_empty() {
        out.push_str("\n$TABLE\n");
        for a in assignments.iter().filter(|a| a.varies) {
            let _ = writeln!(out, "{} = {};", a.name, text(&a.expr, time));
        }
        let _ = writeln!(out, "\n$CAPTURE {}", outputs.join(" "));
    }
    Ok(out)
}

/// The `$PROB` block: what the model is, its units, and its doses.
fn problem(spec: &ModelSpec) -> String {
    let mut out = format!(
        "$PROB {}\n",
        spec.title.as_deref().unwrap_or(spec.name.as_str())
    );
    let _ = writeln!(
        out,
        "Exported by cartsim {} from the model `{}`.",
        env!("CARGO_PKG_VERSION"),
        spec.name
    );
    if let Some(reference) = &spec.reference {
        let _ = writeln!(out, "Reference: {}", reference.trim());
    }
    if let Some(unit) = &spec.time_unit {
        let _ = writeln!(out, "Time unit: {unit}.");
    }
    for (name, p) in spec.parameters.iter() {
        if p.unit.is_some() || p.description.is_some() {
            let _ = writeln!(
                out,
                "- {name}: {} [{}]",
                p.description.as_deref().unwrap_or(""),
                p.unit.as_deref().unwrap_or("-")
            );
        }
    }
    out.push_str(&dose_comments(spec, "-"));
    out
}
