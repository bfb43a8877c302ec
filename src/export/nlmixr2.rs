//! An nlmixr2 model function: `ini()` with the parameters' values (as nlmixr2 writes fixed
//! effects; a simulation takes them as they are) and `model()` in rxode2's syntax: what
//! depends on parameters only, initial values `NAME(0)`, what varies (time is `t`), and
//! `d/dt(NAME)`. Outputs are assignments, which rxode2 reports.

use super::expr::{Dialect, text};
use super::{Parts, dose_comments, parts};
use crate::diag::{Diagnostic, number};
use crate::expr::ExprKind;
use crate::spec::ModelSpec;
use std::fmt::Write;

/// R's reserved words and names rxode2 keeps (time, dosing variables, constants).
const RESERVED: &[&str] = &[
    "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL",
    "Inf", "NaN", "NA", "in", "time", "podo", "tlast", "tad", "dosenum", "pi", "M_E", "M_PI",
    "ini", "model", "fix", "fixed", "ID", "id", "EVID", "evid", "AMT", "amt", "CMT", "cmt", "DV",
    "dv", "ifelse",
];

/// The nlmixr2 model function text of `spec`.
pub fn nlmixr2(spec: &ModelSpec) -> Result<String, Diagnostic> {
    let Parts {
        assignments,
        states,
    } = parts(spec, "nlmixr2", RESERVED)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n# Exported by cartsim {} from the model `{}`.",
        spec.title.as_deref().unwrap_or(spec.name.as_str()),
        env!("CARGO_PKG_VERSION"),
        spec.name
    );
    if let Some(unit) = &spec.time_unit {
        let _ = writeln!(out, "# Time unit: {unit}.");
    }
    out.push_str(&dose_comments(spec, "#"));
    let function: String = (spec.name.chars())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let _ = writeln!(out, "{function} <- function() {{\n  ini({{");
    for (name, p) in spec.parameters.iter() {
        let note = match (&p.description, &p.unit) {
            (None, None) => String::new(),
            (description, unit) => format!(
                " # {}{}",
                description.as_deref().unwrap_or(""),
                unit.as_ref().map(|u| format!(" [{u}]")).unwrap_or_default()
            ),
        };
        let note = note.replace('\n', " ");
        let _ = writeln!(out, "    {name} <- {}{note}", number(p.value));
    }
    out.push_str("  })\n  model({\n");
    for a in assignments.iter().filter(|a| !a.varies) {
        let _ = writeln!(out, "    {} <- {}", a.name, text(&a.expr, Dialect::R));
    }
    for (name, initial, _) in &states {
        if !matches!(initial.kind, ExprKind::Number(v) if v == 0.0) {
            let _ = writeln!(out, "    {name}(0) <- {}", text(initial, Dialect::R));
        }
    }
    for a in assignments.iter().filter(|a| a.varies) {
        let _ = writeln!(out, "    {} <- {}", a.name, text(&a.expr, Dialect::R));
    }
    for (name, _, ode) in &states {
        let _ = writeln!(out, "    d/dt({name}) <- {}", text(ode, Dialect::R));
    }
    out.push_str("  })\n}\n");
    Ok(out)
}
