//! Model text for R's pharmacometric tools: an mrgsolve model (`mrgsolve`) and an nlmixr2
//! model function (`nlmixr2`, whose `model()` block rxode2 also reads). Pure: a model spec in,
//! text out (SBML, the other export, is `sbml/`'s). What the tools cannot say the cartsim way
//! is refused with its reason: extinction floors and events (state-triggered jumps) have no
//! form in either; names a tool keeps for itself are refused by name. Doses are not part of
//! either tool's model (they are event records), so they are written as comments.

mod expr;
mod mrgsolve;
mod nlmixr2;

pub use mrgsolve::mrgsolve;
pub use nlmixr2::nlmixr2;

use crate::diag::Diagnostic;
use crate::expr::{Expr, ExprKind, parse};
use crate::spec::{ExprText, ModelSpec};

/// A derived value or output in the order it can be computed (after what it names).
struct Assignment {
    name: String,
    expr: Expr,
    /// Whether it names a state or the time, directly or through another assignment.
    varies: bool,
    /// An output (the tools report it), or a derived value.
    output: bool,
}

/// The parsed parts of a spec the writers need: assignments in dependency order, initial
/// values and ODEs.
struct Parts {
    assignments: Vec<Assignment>,
    /// (state, initial value, ODE right-hand side).
    states: Vec<(String, Expr, Expr)>,
}

fn parsed(text: &ExprText, what: &str) -> Result<Expr, Diagnostic> {
    parse(&text.source()).map_err(|e| Diagnostic::new(format!("`{what}`: {}", e.message)))
}

/// Every name an expression reads.
fn names(expr: &Expr, into: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Number(_) => {}
        ExprKind::Name(name) => into.push(name.clone()),
        ExprKind::Unary(_, x) => names(x, into),
        ExprKind::Binary(_, a, b) => {
            names(a, into);
            names(b, into);
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| names(a, into)),
    }
}

/// Refuses what neither tool can express; `tool` names the target in messages.
fn refuse_unsupported(spec: &ModelSpec, tool: &str) -> Result<(), Diagnostic> {
    if let Some((name, _)) = spec.states.iter().find(|(_, s)| s.floor.is_some()) {
        return Err(Diagnostic::new(format!(
            "the extinction floor of `{name}` has no {tool} form (a state set to 0 when it falls below a level is an event)"
        ))
        .hint("remove `floor` before exporting (the trajectory may then differ once the state is tiny)"));
    }
    if let Some((name, _)) = spec.events.iter().next() {
        return Err(Diagnostic::new(format!(
            "event `{name}` has no {tool} form: a jump triggered by the states needs root finding the exported model does not have"
        ))
        .hint("export to SBML instead (`--to sbml`), which has events"));
    }
    Ok(())
}

/// Refuses a model name that `reserved` holds (the target's keywords and special names).
fn refuse_reserved(spec: &ModelSpec, reserved: &[&str], tool: &str) -> Result<(), Diagnostic> {
    let all = (spec.parameters.iter().map(|(n, _)| n))
        .chain(spec.derived.iter().map(|(n, _)| n))
        .chain(spec.states.iter().map(|(n, _)| n))
        .chain(spec.outputs.iter().map(|(n, _)| n));
    for name in all {
        if reserved.contains(&name) || name.starts_with('_') {
            return Err(
                Diagnostic::new(format!("`{name}` is a name {tool} keeps for itself")).hint(
                    format!("rename `{name}` in the model file before exporting"),
                ),
            );
        }
    }
    Ok(())
}

/// The spec's parts, checked for `tool` (`reserved` its kept names).
fn parts(spec: &ModelSpec, tool: &str, reserved: &[&str]) -> Result<Parts, Diagnostic> {
    refuse_unsupported(spec, tool)?;
    refuse_reserved(spec, reserved, tool)?;
    let mut pending: Vec<(String, Expr, bool)> = Vec::new();
    for (name, text) in spec.derived.iter() {
        pending.push((name.to_string(), parsed(text, name)?, false));
    }
    for (name, output) in spec.outputs.iter() {
        pending.push((name.to_string(), parsed(&output.expr, name)?, true));
    }
    let mut varying: Vec<String> = spec.states.iter().map(|(n, _)| n.to_string()).collect();
    varying.push("t".into());
    let assignments = ordered(pending, &mut varying)?;
    let mut states = Vec::new();
    for (name, state) in spec.states.iter() {
        let ode = (spec.odes.get(name))
            .ok_or_else(|| Diagnostic::new(format!("state `{name}` has no ODE")))?;
        states.push((
            name.to_string(),
            parsed(&state.initial, name)?,
            parsed(ode, name)?,
        ));
    }
    Ok(Parts {
        assignments,
        states,
    })
}

/// `pending` in an order where each comes after the assignments it names; `varying` (state
/// names and `t`) grows by each that depends on them.
fn ordered(
    mut pending: Vec<(String, Expr, bool)>,
    varying: &mut Vec<String>,
) -> Result<Vec<Assignment>, Diagnostic> {
    let mut done = Vec::new();
    while !pending.is_empty() {
        let waiting: Vec<String> = pending.iter().map(|p| p.0.clone()).collect();
        let ready = pending.iter().position(|(_, expr, _)| {
            let mut read = Vec::new();
            names(expr, &mut read);
            !read.iter().any(|n| waiting.contains(n))
        });
        let Some(ready) = ready else {
            return Err(Diagnostic::new(format!(
                "derived values and outputs name each other in a circle: {}",
                waiting.join(", ")
            )));
        };
        let (name, expr, output) = pending.remove(ready);
        let mut read = Vec::new();
        names(&expr, &mut read);
        let varies = read.iter().any(|n| varying.contains(n));
        if varies {
            varying.push(name.clone());
        }
        done.push(Assignment {
            name,
            expr,
            varies,
            output,
        });
    }
    Ok(done)
}

/// The doses as comment lines (`prefix` the tool's comment mark), or nothing.
fn dose_comments(spec: &ModelSpec, prefix: &str) -> String {
    let mut text = String::new();
    if spec.doses.is_empty() {
        return text;
    }
    text.push_str(&format!(
        "{prefix} Doses of the cartsim model (give them as dosing records):\n"
    ));
    for dose in &spec.doses {
        let mut line = format!(
            "{prefix}   state {}, amount {}{}, time {}",
            dose.state,
            dose.amount.source(),
            if dose.per_kg {
                " per kg of `weight`"
            } else {
                ""
            },
            dose.time.source()
        );
        if let Some(every) = &dose.every {
            line.push_str(&format!(
                ", every {} ({} doses)",
                every.source(),
                dose.count.unwrap_or(1)
            ));
        }
        if let Some(duration) = &dose.duration {
            line.push_str(&format!(", infused over {}", duration.source()));
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}
