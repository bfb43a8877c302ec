//! The expression language: parsing to a spanned syntax tree, lowering to a shared graph with
//! common subexpressions merged, and compiling that graph to flat register programs.

mod graph;
mod native;
mod parse;
mod program;

pub use graph::{DerivativeMemo, Graph, NodeClass, NodeId, Step, Switch, Variable};
pub use parse::{
    BinaryOp, Expr, ExprKind, FUNCTIONS, Function, MAX_TOKENS, ParseError, UnaryOp, parse,
};
pub use program::Program;

/// Names the expression language keeps for itself (`t`, the logical words and every function
/// name in `FUNCTIONS`); a model may not define them.
pub const RESERVED_NAMES: &[&str] = &[
    "t", "if", "and", "or", "not", "exp", "ln", "log", "log10", "sqrt", "abs", "min", "max", "pow",
    "hill", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh",
    "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "floor", "ceil",
    "ceiling",
];

#[cfg(test)]
#[test]
fn every_function_name_is_reserved() {
    for (name, _) in FUNCTIONS {
        assert!(RESERVED_NAMES.contains(name), "`{name}` is not reserved");
    }
}
