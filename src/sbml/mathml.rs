//! The MathML content reader: a `<math>` element (or what it wraps) into `Math`, refusing
//! what cartsim cannot express with the element and its position.

use super::elementary::elementary;
use super::math::{Math, Op};
use super::read::Refusal;
use roxmltree::Node;

const CSYMBOL: &str = "http://www.sbml.org/sbml/symbols/";
/// SBML Level 3's value of Avogadro's constant (the 2006 CODATA value, SBML L3V1 spec 3.4.6).
const AVOGADRO: f64 = 6.02214179e23;

/// The element children of a node (text and comments skipped).
pub fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(|n| n.is_element())
}

/// The math inside `<math>` (one expression).
pub fn read_math(math: Node) -> Result<Math, Refusal> {
    let mut children = elements(math);
    match (children.next(), children.next()) {
        (Some(only), None) => read(only),
        _ => Err(Refusal::at(
            math,
            "a <math> element must hold exactly one expression",
        )),
    }
}

/// A `<lambda>` (in a function definition): its argument names and body.
pub fn read_lambda(math: Node) -> Result<(Vec<String>, Math), Refusal> {
    let lambda = unwrap_semantics(elements(math).next())
        .filter(|n| n.tag_name().name() == "lambda")
        .ok_or_else(|| Refusal::at(math, "a function definition's math must be a <lambda>"))?;
    let mut arguments = Vec::new();
    let mut body = None;
    for child in elements(lambda) {
        match child.tag_name().name() {
            "bvar" => {
                let name = elements(child)
                    .next()
                    .map(|ci| text(ci))
                    .unwrap_or_default();
                arguments.push(name);
            }
            _ if body.is_none() => body = Some(read(child)?),
            _ => return Err(Refusal::at(child, "a <lambda> has one body")),
        }
    }
    let body = body.ok_or_else(|| Refusal::at(lambda, "a <lambda> without a body"))?;
    Ok((arguments, body))
}

fn unwrap_semantics<'a, 'i>(node: Option<Node<'a, 'i>>) -> Option<Node<'a, 'i>> {
    match node {
        Some(n) if n.tag_name().name() == "semantics" => elements(n).next(),
        other => other,
    }
}

fn text(node: Node) -> String {
    node.text().unwrap_or_default().trim().to_string()
}

fn read(node: Node) -> Result<Math, Refusal> {
    match node.tag_name().name() {
        "cn" => read_number(node).map(Math::Number),
        "ci" => Ok(Math::Symbol(text(node))),
        "csymbol" => read_csymbol(node),
        "apply" => read_apply(node),
        "piecewise" => read_piecewise(node),
        "semantics" => match elements(node).next() {
            Some(inner) => read(inner),
            None => Err(Refusal::at(node, "an empty <semantics>")),
        },
        "exponentiale" => Ok(Math::Number(std::f64::consts::E)),
        "pi" => Ok(Math::Number(std::f64::consts::PI)),
        "true" => Ok(Math::Number(1.0)),
        "false" => Ok(Math::Number(0.0)),
        other => Err(Refusal::at(
            node,
            format!("MathML <{other}> has no cartsim form"),
        )),
    }
}

fn read_number(node: Node) -> Result<f64, Refusal> {
    let parts: Vec<String> = node
        .children()
        .filter(|n| n.is_text())
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let parse = |t: &str| {
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| Refusal::at(node, format!("`{t}` is not a finite number")))
    };
    match (node.attribute("type").unwrap_or("real"), parts.as_slice()) {
        ("real" | "integer" | "double", [value]) => parse(value),
        ("e-notation", [mantissa, exponent]) => parse(&format!("{mantissa}e{exponent}")),
        ("rational", [top, bottom]) => Ok(parse(top)? / parse(bottom)?),
        (kind, _) => Err(Refusal::at(
            node,
            format!("a <cn type=\"{kind}\"> that is not one number"),
        )),
    }
}

fn read_csymbol(node: Node) -> Result<Math, Refusal> {
    let url = node.attribute("definitionURL").unwrap_or_default();
    match url.strip_prefix(CSYMBOL) {
        Some("time") => Ok(Math::Time),
        Some("avogadro") => Ok(Math::Number(AVOGADRO)),
        Some(other) => Err(
            Refusal::at(node, format!("the csymbol `{other}` has no cartsim form"))
                .hint("cartsim models have no delays and no rateOf"),
        ),
        None => Err(Refusal::at(node, format!("unknown csymbol `{url}`"))),
    }
}

fn operator(name: &str) -> Option<Op> {
    Some(match name {
        "plus" => Op::Plus,
        "minus" => Op::Minus,
        "times" => Op::Times,
        "divide" => Op::Divide,
        "power" => Op::Power,
        "abs" => Op::Abs,
        "exp" => Op::Exp,
        "ln" => Op::Ln,
        "eq" => Op::Eq,
        "neq" => Op::Neq,
        "gt" => Op::Gt,
        "lt" => Op::Lt,
        "geq" => Op::Geq,
        "leq" => Op::Leq,
        "and" => Op::And,
        "or" => Op::Or,
        "not" => Op::Not,
        "xor" => Op::Xor,
        "implies" => Op::Implies,
        "min" => Op::Min,
        "max" => Op::Max,
        _ => return None,
    })
}

fn read_apply(node: Node) -> Result<Math, Refusal> {
    let mut children = elements(node);
    let head = children
        .next()
        .ok_or_else(|| Refusal::at(node, "an empty <apply>"))?;
    let mut qualifier = None;
    let mut args = Vec::new();
    for child in children {
        match child.tag_name().name() {
            "degree" | "logbase" => {
                let inner = elements(child).next();
                let value = inner.ok_or_else(|| Refusal::at(child, "an empty qualifier"))?;
                qualifier = Some(read(value)?);
            }
            _ => args.push(read(child)?),
        }
    }
    let name = head.tag_name().name();
    let count = args.len();
    let one = |default: f64, mut args: Vec<Math>| match count {
        1 => Ok((
            Box::new(qualifier.clone().unwrap_or(Math::Number(default))),
            Box::new(args.remove(0)),
        )),
        _ => Err(Refusal::at(
            node,
            format!("<{name}> takes one argument, found {count}"),
        )),
    };
    match name {
        "ci" => Ok(Math::Call(text(head), args)),
        "root" => one(2.0, args).map(|(degree, x)| Math::Root(degree, x)),
        "log" => one(10.0, args).map(|(base, x)| Math::Log(base, x)),
        "csymbol" => Err(Refusal::at(head, "a call of an SBML csymbol (delay or rateOf) has no cartsim form")
            .hint("cartsim models have no delays")),
        _ => match operator(name).or_else(|| elementary(name).map(Op::Elementary)) {
            Some(op) => check_arity(node, name, op, args),
            None => Err(Refusal::at(head, format!("MathML <{name}> has no cartsim form"))
                .hint("cartsim has +, -, *, /, ^, root, abs, exp, ln, log, min, max, trigonometric and hyperbolic functions and their inverses, floor, ceiling, comparisons, and, or, not, xor and piecewise")),
        },
    }
}

fn check_arity(node: Node, name: &str, op: Op, args: Vec<Math>) -> Result<Math, Refusal> {
    let count = args.len();
    let fits = match op {
        Op::Minus => count == 1 || count == 2,
        Op::Divide | Op::Power | Op::Implies => count == 2,
        Op::Abs | Op::Exp | Op::Ln | Op::Not | Op::Elementary(_) => count == 1,
        Op::Eq | Op::Neq | Op::Gt | Op::Lt | Op::Geq | Op::Leq => count >= 2,
        Op::Min | Op::Max => count >= 1,
        Op::Plus | Op::Times | Op::And | Op::Or | Op::Xor => true,
    };
    match fits {
        true => Ok(Math::Apply(op, args)),
        false => Err(Refusal::at(
            node,
            format!("MathML <{name}> cannot take {count} arguments"),
        )),
    }
}

fn read_piecewise(node: Node) -> Result<Math, Refusal> {
    let mut pieces = Vec::new();
    let mut otherwise = None;
    for child in elements(node) {
        let parts: Vec<Node> = elements(child).collect();
        match (child.tag_name().name(), parts.as_slice()) {
            ("piece", [value, condition]) => pieces.push((read(*value)?, read(*condition)?)),
            ("otherwise", [value]) => otherwise = Some(Box::new(read(*value)?)),
            (name, _) => {
                return Err(Refusal::at(
                    child,
                    format!("a malformed <{name}> in <piecewise>"),
                ));
            }
        }
    }
    Ok(Math::Piecewise(pieces, otherwise))
}
