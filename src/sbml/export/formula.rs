//! Formulas written as MathML content: numbers and truth values converted where SBML wants
//! the other (`x` as a trigger is `x != 0`; `a < b` as a number is `piecewise(1, a < b, 0)`).

use crate::diag::{Diagnostic, number};
use crate::expr::{BinaryOp, Expr, ExprKind, Function, UnaryOp, parse};
use crate::spec::ExprText;

pub(super) const MATHML: &str = "http://www.w3.org/1998/Math/MathML";
pub(super) const TIME: &str = "<csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">time</csymbol>";

pub(super) fn expr(text: &ExprText, what: &str) -> Result<Expr, Diagnostic> {
    parse(&text.source()).map_err(|e| Diagnostic::new(format!("`{what}`: {}", e.message)))
}

/// `<math>` of a numeric formula.
pub(super) fn math(text: &ExprText, what: &str) -> Result<String, Diagnostic> {
    Ok(format!(
        "<math xmlns=\"{MATHML}\">{}</math>",
        mathml(&expr(text, what)?)
    ))
}

/// A truth value in MathML: a number `x` is `x != 0`.
pub(super) fn truth(e: &Expr) -> String {
    match e.is_truth_value() {
        true => content(e),
        false => format!("<apply><neq/>{}<cn>0</cn></apply>", content(e)),
    }
}

/// A number in MathML: a truth value `b` is `piecewise(1 if b, otherwise 0)`.
pub(super) fn mathml(e: &Expr) -> String {
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
        (Function::Sin, _) => apply("sin", &numbers),
        (Function::Cos, _) => apply("cos", &numbers),
        (Function::Tan, _) => apply("tan", &numbers),
        (Function::Asin, _) => apply("arcsin", &numbers),
        (Function::Acos, _) => apply("arccos", &numbers),
        (Function::Atan, _) => apply("arctan", &numbers),
        (Function::Sinh, _) => apply("sinh", &numbers),
        (Function::Cosh, _) => apply("cosh", &numbers),
        (Function::Tanh, _) => apply("tanh", &numbers),
        (Function::Asinh, _) => apply("arcsinh", &numbers),
        (Function::Acosh, _) => apply("arccosh", &numbers),
        (Function::Atanh, _) => apply("arctanh", &numbers),
        (Function::Floor, _) => apply("floor", &numbers),
        (Function::Ceil, _) => apply("ceiling", &numbers),
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
