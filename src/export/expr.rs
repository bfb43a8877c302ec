//! Expressions written in C++ (mrgsolve's blocks) or R (nlmixr2's and rxode2's `model()`),
//! every operation in parentheses so that no precedence rule of either language matters.

use crate::diag::number;
use crate::expr::{BinaryOp, Expr, ExprKind, Function, UnaryOp};

/// The language written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// C++, with `time` the name the time has in the block written.
    Cpp {
        time: &'static str,
    },
    R,
}

/// A condition: a number `x` is `x != 0`.
fn truth(e: &Expr, dialect: Dialect) -> String {
    match e.is_truth_value() {
        true => text(e, dialect),
        false => format!("({} != 0)", text(e, dialect)),
    }
}

/// A literal: C++ needs a decimal point or exponent, or `1/2` divides integers.
fn literal(value: f64, dialect: Dialect) -> String {
    let written = number(value);
    match dialect {
        Dialect::Cpp { .. } if !written.contains(['.', 'e', 'E']) => format!("{written}.0"),
        _ => written,
    }
}

/// The expression in `dialect`.
pub(super) fn text(e: &Expr, dialect: Dialect) -> String {
    match &e.kind {
        ExprKind::Number(v) => literal(*v, dialect),
        ExprKind::Name(name) if name == "t" => match dialect {
            Dialect::Cpp { time } => time.to_string(),
            Dialect::R => "t".into(),
        },
        ExprKind::Name(name) => name.clone(),
        ExprKind::Unary(UnaryOp::Negate, x) => format!("(- {})", text(x, dialect)),
        ExprKind::Unary(UnaryOp::Not, x) => format!("(!{})", truth(x, dialect)),
        ExprKind::Binary(op, a, b) => binary(*op, a, b, dialect),
        ExprKind::Call(function, args) => call(*function, args, dialect),
    }
}

fn binary(op: BinaryOp, a: &Expr, b: &Expr, dialect: Dialect) -> String {
    let (x, y) = (text(a, dialect), text(b, dialect));
    let infix = match op {
        BinaryOp::Add => "+",
        BinaryOp::Subtract => "-",
        BinaryOp::Multiply => "*",
        BinaryOp::Divide => "/",
        BinaryOp::Less => "<",
        BinaryOp::LessEqual => "<=",
        BinaryOp::Greater => ">",
        BinaryOp::GreaterEqual => ">=",
        BinaryOp::Equal => "==",
        BinaryOp::NotEqual => "!=",
        BinaryOp::And | BinaryOp::Or => {
            let infix = if op == BinaryOp::And { "&&" } else { "||" };
            return format!("({} {infix} {})", truth(a, dialect), truth(b, dialect));
        }
        BinaryOp::Power => return power(&x, &y, dialect),
        BinaryOp::Min => return two("min", &x, &y, dialect),
        BinaryOp::Max => return two("max", &x, &y, dialect),
    };
    format!("({x} {infix} {y})")
}

fn power(x: &str, y: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Cpp { .. } => format!("pow({x}, {y})"),
        Dialect::R => format!("({x}^{y})"),
    }
}

/// `min` or `max` of two numbers.
fn two(name: &str, x: &str, y: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Cpp { .. } => format!("f{name}({x}, {y})"),
        Dialect::R => format!("{name}({x}, {y})"),
    }
}

fn call(function: Function, args: &[Expr], dialect: Dialect) -> String {
    let numbers: Vec<String> = args.iter().map(|a| text(a, dialect)).collect();
    let cpp = matches!(dialect, Dialect::Cpp { .. });
    let one = |name: &str| format!("{name}({})", numbers[0]);
    match function {
        Function::If => {
            let condition = truth(&args[0], dialect);
            match dialect {
                Dialect::Cpp { .. } => format!("({condition} ? {} : {})", numbers[1], numbers[2]),
                Dialect::R => format!("ifelse({condition}, {}, {})", numbers[1], numbers[2]),
            }
        }
        Function::Exp => one("exp"),
        Function::Ln => one("log"),
        Function::Log10 => one("log10"),
        Function::Sqrt => one("sqrt"),
        Function::Abs => one(if cpp { "fabs" } else { "abs" }),
        Function::Sin => one("sin"),
        Function::Cos => one("cos"),
        Function::Tan => one("tan"),
        Function::Asin => one("asin"),
        Function::Acos => one("acos"),
        Function::Atan => one("atan"),
        Function::Sinh => one("sinh"),
        Function::Cosh => one("cosh"),
        Function::Tanh => one("tanh"),
        Function::Asinh => one("asinh"),
        Function::Acosh => one("acosh"),
        Function::Atanh => one("atanh"),
        Function::Floor => one("floor"),
        Function::Ceil => one(if cpp { "ceil" } else { "ceiling" }),
        Function::Min | Function::Max => {
            let name = if function == Function::Min {
                "min"
            } else {
                "max"
            };
            let mut folded = numbers[0].clone();
            for next in &numbers[1..] {
                folded = two(name, &folded, next, dialect);
            }
            folded
        }
        Function::Pow => power(&numbers[0], &numbers[1], dialect),
        Function::Hill => {
            let xn = power(&numbers[0], &numbers[1], dialect);
            let kn = power(&numbers[2], &numbers[1], dialect);
            format!("({xn} / ({kn} + {xn}))")
        }
    }
}
