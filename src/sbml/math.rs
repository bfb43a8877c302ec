//! SBML math as read from MathML, and its printing in cartsim's expression language (with
//! the fewest parentheses that keep its meaning under cartsim's operator precedence).

use super::elementary::{Elementary, Form};
use crate::diag::number;

/// An operator of MathML content markup that cartsim can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Plus,
    Minus,
    Times,
    Divide,
    Power,
    Abs,
    Exp,
    Ln,
    Eq,
    Neq,
    Gt,
    Lt,
    Geq,
    Leq,
    And,
    Or,
    Not,
    Xor,
    Implies,
    Min,
    Max,
    /// A trigonometric or hyperbolic function, an inverse, `floor` or `ceiling`.
    Elementary(Elementary),
}

/// One expression of SBML math.
#[derive(Debug, Clone, PartialEq)]
pub enum Math {
    Number(f64),
    /// A `<ci>`: an SBML id (after translation, a cartsim name).
    Symbol(String),
    /// The csymbol `time` (cartsim's `t`).
    Time,
    Apply(Op, Vec<Math>),
    /// `<root>` with its degree (2 when not given).
    Root(Box<Math>, Box<Math>),
    /// `<log>` with its base (10 when not given).
    Log(Box<Math>, Box<Math>),
    /// A call of a function definition, by id.
    Call(String, Vec<Math>),
    /// `(value, condition)` pieces in order, then `otherwise`.
    Piecewise(Vec<(Math, Math)>, Option<Box<Math>>),
}

impl Math {
    /// The math rewritten top-down: where `rule` gives a replacement it is taken whole,
    /// elsewhere the children are rewritten.
    pub fn rewrite<E>(
        &self,
        rule: &mut dyn FnMut(&Math) -> Result<Option<Math>, E>,
    ) -> Result<Math, E> {
        if let Some(replacement) = rule(self)? {
            return Ok(replacement);
        }
        let all = |items: &[Math], rule: &mut dyn FnMut(&Math) -> Result<Option<Math>, E>| {
            items
                .iter()
                .map(|m| m.rewrite(rule))
                .collect::<Result<Vec<_>, E>>()
        };
        Ok(match self {
            Math::Symbol(_) | Math::Time | Math::Number(_) => self.clone(),
            Math::Apply(op, args) => Math::Apply(*op, all(args, rule)?),
            Math::Root(degree, x) => {
                Math::Root(Box::new(degree.rewrite(rule)?), Box::new(x.rewrite(rule)?))
            }
            Math::Log(base, x) => {
                Math::Log(Box::new(base.rewrite(rule)?), Box::new(x.rewrite(rule)?))
            }
            Math::Call(name, args) => Math::Call(name.clone(), all(args, rule)?),
            Math::Piecewise(pieces, otherwise) => {
                let mut mapped = Vec::new();
                for (value, condition) in pieces {
                    mapped.push((value.rewrite(rule)?, condition.rewrite(rule)?));
                }
                let otherwise = match otherwise {
                    Some(o) => Some(Box::new(o.rewrite(rule)?)),
                    None => None,
                };
                Math::Piecewise(mapped, otherwise)
            }
        })
    }

    /// The math with every symbol and `time` passed through `leaf`.
    pub fn map_leaves<E>(
        &self,
        leaf: &mut impl FnMut(&Math) -> Result<Math, E>,
    ) -> Result<Math, E> {
        self.rewrite(&mut |m: &Math| match m {
            Math::Symbol(_) | Math::Time => leaf(m).map(Some),
            _ => Ok(None),
        })
    }

    /// The math with every symbol passed through `rename` (`time` kept).
    pub fn map_symbols<E>(
        &self,
        rename: &mut impl FnMut(&str) -> Result<Math, E>,
    ) -> Result<Math, E> {
        self.map_leaves(&mut |leaf: &Math| match leaf {
            Math::Symbol(id) => rename(id),
            other => Ok(other.clone()),
        })
    }

    /// The cartsim text of this math. Calls must have been inlined and every number must be
    /// finite (`Err` names what is left).
    pub fn to_cartsim(&self) -> Result<String, String> {
        Ok(self.print()?.text)
    }

    fn print(&self) -> Result<Printed, String> {
        match self {
            Math::Number(value) if !value.is_finite() => {
                Err(format!("the number {value} has no cartsim form"))
            }
            Math::Number(value) if *value < 0.0 => Ok(Printed::new(number(*value), NEGATE)),
            Math::Number(value) => Ok(Printed::atom(number(*value))),
            Math::Symbol(name) => Ok(Printed::atom(name.clone())),
            Math::Time => Ok(Printed::atom("t".into())),
            Math::Apply(op, args) => print_apply(*op, args),
            Math::Root(degree, x) => match **degree {
                Math::Number(2.0) => call("sqrt", &[x]),
                _ => {
                    let exponent =
                        Math::Apply(Op::Divide, vec![Math::Number(1.0), (**degree).clone()]);
                    binary(x, "^", &exponent, POWER + 1, POWER)
                }
            },
            Math::Log(base, x) => match **base {
                Math::Number(10.0) => call("log10", &[x]),
                _ => {
                    let top = Math::Apply(Op::Ln, vec![(**x).clone()]);
                    let bottom = Math::Apply(Op::Ln, vec![(**base).clone()]);
                    binary(&top, " / ", &bottom, PRODUCT, PRODUCT + 1)
                }
            },
            Math::Call(name, _) => Err(format!("the call of `{name}` was not inlined")),
            Math::Piecewise(pieces, otherwise) => print_piecewise(pieces, otherwise.as_deref()),
        }
    }
}

/// Binding powers, as cartsim's parser has them (higher binds tighter).
const OR: u8 = 1;
const AND: u8 = 3;
const NOT: u8 = 5;
const COMPARISON: u8 = 7;
const SUM: u8 = 9;
const PRODUCT: u8 = 11;
const NEGATE: u8 = 13;
const POWER: u8 = 15;
const ATOM: u8 = 20;

/// Printed text and how tightly its outermost operator binds.
struct Printed {
    text: String,
    power: u8,
}

impl Printed {
    fn new(text: String, power: u8) -> Self {
        Printed { text, power }
    }
    fn atom(text: String) -> Self {
        Printed::new(text, ATOM)
    }
    /// The text, in parentheses when it binds looser than `minimum`.
    fn at_least(self, minimum: u8) -> String {
        match self.power < minimum {
            true => format!("({})", self.text),
            false => self.text,
        }
    }
}

fn print_apply(op: Op, args: &[Math]) -> Result<Printed, String> {
    let refs: Vec<&Math> = args.iter().collect();
    match (op, args) {
        (Op::Plus, []) => Ok(Printed::atom("0".into())),
        (Op::Times, []) => Ok(Printed::atom("1".into())),
        (Op::And, []) => Ok(Printed::atom("1".into())),
        (Op::Or | Op::Xor, []) => Ok(Printed::atom("0".into())),
        (Op::Plus | Op::Times | Op::And | Op::Or | Op::Min | Op::Max, [only]) => only.print(),
        (Op::Plus, _) => chain(&refs, " + ", SUM),
        (Op::Times, _) => chain(&refs, " * ", PRODUCT),
        (Op::And, _) => chain_truth(&refs, " and ", AND),
        (Op::Or, _) => chain_truth(&refs, " or ", OR),
        (Op::Minus, [x]) => Ok(Printed::new(
            format!("-{}", x.print()?.at_least(NEGATE + 1)),
            NEGATE,
        )),
        (Op::Minus, [a, b]) => binary(a, " - ", b, SUM, SUM + 1),
        (Op::Divide, [a, b]) => binary(a, " / ", b, PRODUCT, PRODUCT + 1),
        (Op::Power, [a, b]) => binary(a, "^", b, POWER + 1, POWER),
        (Op::Abs, [x]) => call("abs", &[x]),
        (Op::Exp, [x]) => call("exp", &[x]),
        (Op::Ln, [x]) => call("ln", &[x]),
        (Op::Min, _) => call("min", &refs),
        (Op::Elementary(function), [x]) => print_elementary(function, x),
        (Op::Max, _) => call("max", &refs),
        (Op::Not, [x]) => Ok(Printed::new(
            format!("not {}", truth(x)?.at_least(NOT)),
            NOT,
        )),
        (Op::Implies, [a, b]) => {
            let not_a = Math::Apply(Op::Not, vec![a.clone()]);
            chain_truth(&[&not_a, b], " or ", OR)
        }
        (Op::Xor, _) => print_xor(args),
        (Op::Eq | Op::Neq | Op::Gt | Op::Lt | Op::Geq | Op::Leq, [_, _, ..]) => {
            print_comparisons(op, args)
        }
        _ => Err(format!("`{op:?}` with {} arguments", args.len())),
    }
}

/// `a op b op c`, all at one binding power (left-associative).
fn chain(items: &[&Math], separator: &str, power: u8) -> Result<Printed, String> {
    let mut parts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        parts.push(
            item.print()?
                .at_least(if i == 0 { power } else { power + 1 }),
        );
    }
    Ok(Printed::new(parts.join(separator), power))
}

/// Like `chain`, for `and`/`or`, whose operands are truth values.
fn chain_truth(items: &[&Math], separator: &str, power: u8) -> Result<Printed, String> {
    let mut parts = Vec::new();
    for item in items {
        parts.push(truth(item)?.at_least(power + 1));
    }
    Ok(Printed::new(parts.join(separator), power))
}

/// A truth value: as it is (cartsim treats nonzero as true).
fn truth(math: &Math) -> Result<Printed, String> {
    math.print()
}

fn binary(a: &Math, op: &str, b: &Math, left: u8, right: u8) -> Result<Printed, String> {
    let power = left.min(right);
    let text = format!(
        "{}{op}{}",
        a.print()?.at_least(left),
        b.print()?.at_least(right)
    );
    Ok(Printed::new(text, power))
}

fn call(name: &str, args: &[&Math]) -> Result<Printed, String> {
    let printed: Result<Vec<String>, String> = args.iter().map(|a| Ok(a.print()?.text)).collect();
    Ok(Printed::atom(format!("{name}({})", printed?.join(", "))))
}

/// `f(x)`, `1 / f(x)` or `f(1 / x)`.
fn print_elementary(function: Elementary, x: &Math) -> Result<Printed, String> {
    match function.form {
        Form::Direct => call(function.function, &[x]),
        Form::ReciprocalOfValue => {
            let value = call(function.function, &[x])?;
            Ok(Printed::new(format!("1 / {}", value.text), PRODUCT))
        }
        Form::OfReciprocal => {
            let reciprocal = Math::Apply(Op::Divide, vec![Math::Number(1.0), x.clone()]);
            call(function.function, &[&reciprocal])
        }
    }
}

/// An operand of a comparison: a comparison or logical value is wrapped as `if(x, 1, 0)`
/// (cartsim does not chain comparisons).
fn compared(math: &Math) -> Result<String, String> {
    let printed = math.print()?;
    match printed.power < SUM {
        true => Ok(format!("if({}, 1, 0)", printed.text)),
        false => Ok(printed.text),
    }
}

/// `gt(a, b, c)` is `a > b and b > c`.
fn print_comparisons(op: Op, args: &[Math]) -> Result<Printed, String> {
    let symbol = match op {
        Op::Eq => "==",
        Op::Neq => "!=",
        Op::Gt => ">",
        Op::Lt => "<",
        Op::Geq => ">=",
        _ => "<=",
    };
    let mut parts = Vec::new();
    for pair in args.windows(2) {
        parts.push(format!(
            "{} {symbol} {}",
            compared(&pair[0])?,
            compared(&pair[1])?
        ));
    }
    match parts.len() {
        1 => Ok(Printed::new(parts.remove(0), COMPARISON)),
        _ => Ok(Printed::new(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" and "),
            AND,
        )),
    }
}

/// `xor(a, b, ...)`: true when an odd number of its operands are.
fn print_xor(args: &[Math]) -> Result<Printed, String> {
    let mut folded = args[0].clone();
    for next in &args[1..] {
        let only_left = Math::Apply(
            Op::And,
            vec![folded.clone(), Math::Apply(Op::Not, vec![next.clone()])],
        );
        let only_right = Math::Apply(
            Op::And,
            vec![Math::Apply(Op::Not, vec![folded]), next.clone()],
        );
        folded = Math::Apply(Op::Or, vec![only_left, only_right]);
    }
    folded.print()
}

/// `if(c1, v1, if(c2, v2, otherwise))`.
fn print_piecewise(pieces: &[(Math, Math)], otherwise: Option<&Math>) -> Result<Printed, String> {
    let mut text = match otherwise {
        Some(value) => value.print()?.text,
        None => {
            return Err(
                "a piecewise without `otherwise` (its value is undefined where no piece holds)"
                    .into(),
            );
        }
    };
    for (value, condition) in pieces.iter().rev() {
        text = format!(
            "if({}, {}, {text})",
            condition.print()?.text,
            value.print()?.text
        );
    }
    Ok(Printed::atom(text))
}
