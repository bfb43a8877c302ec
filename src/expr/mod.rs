//! The expression language: parsing to a spanned syntax tree, lowering to a shared graph with
//! common subexpressions merged, and compiling that graph to flat register programs.

mod graph;
mod native;
mod parse;
mod program;

pub use graph::{DerivativeMemo, Graph, NodeClass, NodeId, Switch, Variable};
pub use parse::{BinaryOp, Expr, ExprKind, Function, MAX_TOKENS, ParseError, UnaryOp, parse};
pub use program::Program;

/// Names the expression language keeps for itself; a model may not define them.
pub const RESERVED_NAMES: &[&str] = &[
    "t", "if", "and", "or", "not", "exp", "ln", "log", "log10", "sqrt", "abs", "min", "max", "pow",
    "hill",
];
