//! SBML export: a model file (as its spec) written as SBML Level 3 Version 2 core.
//! Parameters stay constant parameters; derived values and outputs become assignment rules,
//! states parameters with rate rules (and initial assignments for formula initial values);
//! events and bolus doses become SBML events. What SBML core cannot say the cartsim way
//! (floors, `stop`, `after`, infusions) is refused.

use crate::diag::{Diagnostic, number};
use crate::expr::{BinaryOp, Expr, ExprKind, Function, UnaryOp, parse};
use crate::spec::{DoseSpec, ExprText, ModelSpec};
use std::fmt::Write;

const MATHML: &str = "http://www.w3.org/1998/Math/MathML";
const TIME: &str = "<csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">time</csymbol>";

/// The SBML text of a model.
pub fn export(spec: &ModelSpec) -> Result<String, Diagnostic> {
    refuse_unsupported(spec)?;
    let mut parameters = String::new();
    let mut initials = String::new();
    let mut rules = String::new();
    for (name, p) in spec.parameters.iter() {
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\" value=\"{}\" constant=\"true\"/>",
            number(p.value)
        );
    }
    for (name, formula) in spec
        .derived
        .iter()
        .chain(spec.outputs.iter().map(|(n, o)| (n, &o.expr)))
    {
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\" constant=\"false\"/>"
        );
        let _ = writeln!(
            rules,
            "      <assignmentRule variable=\"{name}\">{}</assignmentRule>",
            math(formula, name)?
        );
    }
    for (name, state) in spec.states.iter() {
        let value = match &state.initial {
            ExprText::Number(v) => format!(" value=\"{}\"", number(*v)),
            formula => {
                let _ = writeln!(
                    initials,
                    "      <initialAssignment symbol=\"{name}\">{}</initialAssignment>",
                    math(formula, name)?
                );
                String::new()
            }
        };
        let _ = writeln!(
            parameters,
            "      <parameter id=\"{name}\"{value} constant=\"false\"/>"
        );
        let ode = spec
            .odes
            .get(name)
            .ok_or_else(|| Diagnostic::new(format!("state `{name}` has no ODE")))?;
        let _ = writeln!(
            rules,
            "      <rateRule variable=\"{name}\">{}</rateRule>",
            math(ode, name)?
        );
    }
    let events = events(spec)?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\">\n");
    let title = spec
        .title
        .as_deref()
        .map(|t| format!(" name=\"{}\"", escape(t)))
        .unwrap_or_default();
    let _ = writeln!(out, "  <model id=\"{}\"{title}>", spec.name);
    for (list, body) in [
        ("listOfParameters", parameters),
        ("listOfInitialAssignments", initials),
        ("listOfRules", rules),
        ("listOfEvents", events),
    ] {
        if !body.is_empty() {
            let _ = write!(out, "    <{list}>\n{body}    </{list}>\n");
        }
    }
    out.push_str("  </model>\n</sbml>\n");
    Ok(out)
}

fn refuse_unsupported(spec: &ModelSpec) -> Result<(), Diagnostic> {
    let refuse = |what: String| {
        Err(Diagnostic::new(format!("{what} has no SBML core form"))
            .hint("remove it (or write it as an event with `set`) before exporting"))
    };
    if let Some((name, _)) = spec.states.iter().find(|(_, s)| s.floor.is_some()) {
        return refuse(format!("the extinction floor of `{name}`"));
    }
    for (name, event) in spec.events.iter() {
        if event.stop || event.after.is_some() || event.repeat == Some(false) {
            return refuse(format!(
                "event `{name}`'s `stop`, `after` or `repeat: false`"
            ));
        }
    }
    if let Some(dose) = spec.doses.iter().find(|d| d.duration.is_some()) {
        return refuse(format!("the infusion into `{}`", dose.state));
    }
    Ok(())
}

fn events(spec: &ModelSpec) -> Result<String, Diagnostic> {
    let mut out = String::new();
    for (name, event) in spec.events.iter() {
        let assignments: Result<Vec<(String, String)>, Diagnostic> = (event.set.iter())
            .map(|(state, value)| Ok((state.to_string(), math(value, name)?)))
            .collect();
        write_event(
            &mut out,
            name,
            &condition(&event.when, name)?,
            &assignments?,
        );
    }
    for (index, dose) in spec.doses.iter().enumerate() {
        for (k, trigger) in dose_times(dose, index)?.into_iter().enumerate() {
            let amount = match dose.per_kg {
                true => format!(
                    "<apply><times/>{}<ci>weight</ci></apply>",
                    mathml(&expr(&dose.amount, "doses")?)
                ),
                false => mathml(&expr(&dose.amount, "doses")?),
            };
            let added = format!(
                "<math xmlns=\"{MATHML}\"><apply><plus/><ci>{}</ci>{amount}</apply></math>",
                dose.state
            );
            let name = format!("dose_{}_{}", index + 1, k + 1);
            write_event(&mut out, &name, &trigger, &[(dose.state.clone(), added)]);
        }
    }
    Ok(out)
}

/// `time >= T` triggers of a dose line's boluses (`every`, `count` repeat it).
fn dose_times(dose: &DoseSpec, index: usize) -> Result<Vec<String>, Diagnostic> {
    let first = mathml(&expr(&dose.time, "doses")?);
    let every = match &dose.every {
        Some(every) => Some(mathml(&expr(every, "doses")?)),
        None => None,
    };
    let count = dose.count.unwrap_or(1);
    if count > 1000 {
        return Err(Diagnostic::new(format!(
            "dose line {} repeats {count} times; at most 1000 are exported",
            index + 1
        )));
    }
    let mut triggers = Vec::new();
    for k in 0..count {
        let time = match (&every, k) {
            (Some(every), k) if k > 0 => {
                format!("<apply><plus/>{first}<apply><times/><cn>{k}</cn>{every}</apply></apply>")
            }
            _ => first.clone(),
        };
        triggers.push(format!(
            "<math xmlns=\"{MATHML}\"><apply><geq/>{TIME}{time}</apply></math>"
        ));
    }
    Ok(triggers)
}

fn write_event(out: &mut String, id: &str, trigger: &str, assignments: &[(String, String)]) {
    let _ = writeln!(
        out,
        "      <event id=\"{id}\" useValuesFromTriggerTime=\"true\">"
    );
    let _ = writeln!(
        out,
        "        <trigger initialValue=\"false\" persistent=\"true\">{trigger}</trigger>"
    );
    if !assignments.is_empty() {
        out.push_str("        <listOfEventAssignments>\n");
        for (variable, value) in assignments {
            let _ = writeln!(
                out,
                "          <eventAssignment variable=\"{variable}\">{value}</eventAssignment>"
            );
        }
        out.push_str("        </listOfEventAssignments>\n");
    }
    out.push_str("      </event>\n");
}

fn expr(text: &ExprText, what: &str) -> Result<Expr, Diagnostic> {
    parse(&text.source()).map_err(|e| Diagnostic::new(format!("`{what}`: {}", e.message)))
}

/// `<math>` of a numeric formula.
fn math(text: &ExprText, what: &str) -> Result<String, Diagnostic> {
    Ok(format!(
        "<math xmlns=\"{MATHML}\">{}</math>",
        mathml(&expr(text, what)?)
    ))
}

/// `<math>` of a condition.
fn condition(text: &ExprText, what: &str) -> Result<String, Diagnostic> {
    Ok(format!(
        "<math xmlns=\"{MATHML}\">{}</math>",
        truth(&expr(text, what)?)
    ))
}

/// A truth value in MathML: a number `x` is `x != 0`.
fn truth(e: &Expr) -> String {
    match e.is_truth_value() {
        true => content(e),
        false => format!("<apply><neq/>{}<cn>0</cn></apply>", content(e)),
    }
}

/// A number in MathML: a truth value `b` is `piecewise(1 if b, otherwise 0)`.
fn mathml(e: &Expr) -> String {
    match e.is_truth_value() {
        true => format!(
            "<piecewise><piece><cn>1</cn>{}</piece><otherwise><cn>0</cn></otherwise></piecewise>",
            content(e)
        ),
        false => content(e),
    }
}

fn apply(op: &str, args: &[String]) -> String {
    format!("<apply><{op}/>{}</apply>", args.concat())
}

fn content(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(v) => format!("<cn>{}</cn>", number(*v)),
        ExprKind::Name(name) if name == "t" => TIME.to_string(),
        ExprKind::Name(name) => format!("<ci>{name}</ci>"),
        ExprKind::Unary(UnaryOp::Negate, x) => apply("minus", &[mathml(x)]),
        ExprKind::Unary(UnaryOp::Not, x) => apply("not", &[truth(x)]),
        ExprKind::Binary(op, a, b) => {
            let (name, truth_operands) = match op {
                BinaryOp::Add => ("plus", false),
                BinaryOp::Subtract => ("minus", false),
                BinaryOp::Multiply => ("times", false),
                BinaryOp::Divide => ("divide", false),
                BinaryOp::Power => ("power", false),
                BinaryOp::Less => ("lt", false),
                BinaryOp::LessEqual => ("leq", false),
                BinaryOp::Greater => ("gt", false),
                BinaryOp::GreaterEqual => ("geq", false),
                BinaryOp::Equal => ("eq", false),
                BinaryOp::NotEqual => ("neq", false),
                BinaryOp::And => ("and", true),
                BinaryOp::Or => ("or", true),
                BinaryOp::Min => ("min", false),
                BinaryOp::Max => ("max", false),
            };
            let operand = |x: &Expr| if truth_operands { truth(x) } else { mathml(x) };
            apply(name, &[operand(a), operand(b)])
        }
        ExprKind::Call(function, args) => call(*function, args),
    }
}

fn call(function: Function, args: &[Expr]) -> String {
    let numbers: Vec<String> = args.iter().map(mathml).collect();
    match (function, numbers.as_slice()) {
        (Function::If, [_, yes, no]) => format!(
            "<piecewise><piece>{yes}{}</piece><otherwise>{no}</otherwise></piecewise>",
            truth(&args[0])
        ),
        (Function::Exp, _) => apply("exp", &numbers),
        (Function::Ln, _) => apply("ln", &numbers),
        (Function::Log10, _) => apply("log", &numbers),
        (Function::Sqrt, _) => apply("root", &numbers),
        (Function::Abs, _) => apply("abs", &numbers),
        (Function::Min, _) => apply("min", &numbers),
        (Function::Max, _) => apply("max", &numbers),
        (Function::Pow, _) => apply("power", &numbers),
        (Function::Hill, [x, n, k]) => {
            let xn = apply("power", &[x.clone(), n.clone()]);
            let kn = apply("power", &[k.clone(), n.clone()]);
            apply("divide", &[xn.clone(), apply("plus", &[kn, xn])])
        }
        _ => String::from("<notanumber/>"),
    }
}

/// Text for an XML attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
