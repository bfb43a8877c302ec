//! Symbolic derivatives of graph nodes with respect to a state (Jacobians) or a parameter
//! (sensitivities), built as nodes of the same graph so they compile to the same kind of
//! register program. Known zeros and ones are simplified away as the derivative is built.

mod unary;

use super::{Graph, Node, NodeClass, NodeId, UnaryKind};
use crate::expr::parse::BinaryOp;
use std::collections::HashMap;

/// What a derivative is taken with respect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variable {
    State(u32),
    Parameter(u32),
}

/// Derivatives already built, shared across calls so common subexpressions stay shared.
pub type DerivativeMemo = HashMap<(NodeId, Variable), NodeId>;

impl Graph {
    fn is_constant(&self, id: NodeId, value: f64) -> bool {
        self.constant_value(id) == Some(value)
    }

    fn d_add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        match (self.is_constant(a, 0.0), self.is_constant(b, 0.0)) {
            (true, _) => b,
            (_, true) => a,
            _ => self.binary(BinaryOp::Add, a, b),
        }
    }

    fn d_negate(&mut self, a: NodeId) -> NodeId {
        if self.is_constant(a, 0.0) {
            a
        } else {
            self.unary(UnaryKind::Negate, a)
        }
    }

    fn d_subtract(&mut self, a: NodeId, b: NodeId) -> NodeId {
        match (self.is_constant(a, 0.0), self.is_constant(b, 0.0)) {
            (_, true) => a,
            (true, _) => self.d_negate(b),
            _ => self.binary(BinaryOp::Subtract, a, b),
        }
    }

    fn d_multiply(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if self.is_constant(a, 0.0) || self.is_constant(b, 0.0) {
            self.constant(0.0)
        } else if self.is_constant(a, 1.0) {
            b
        } else if self.is_constant(b, 1.0) {
            a
        } else {
            self.binary(BinaryOp::Multiply, a, b)
        }
    }

    fn d_divide(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if self.is_constant(a, 0.0) {
            a
        } else {
            self.binary(BinaryOp::Divide, a, b)
        }
    }

    fn d_select(&mut self, condition: NodeId, yes: NodeId, no: NodeId) -> NodeId {
        if yes == no {
            yes
        } else {
            self.select(condition, yes, no)
        }
    }

    /// a * b, but exactly 0 wherever b is 0, even where a is infinite ("strong zero"). For a
    /// factor `a` that depends only on constants and parameters it is the plain product.
    pub fn strong_product(&mut self, a: NodeId, b: NodeId) -> NodeId {
        let product = self.d_multiply(a, b);
        if self.class(a) < NodeClass::Varying || self.constant_value(b).is_some() {
            return product;
        }
        let zero = self.constant(0.0);
        self.select(b, product, zero)
    }

    /// The states `root` depends on, sorted (where a derivative with respect to a state may
    /// be nonzero).
    pub fn states_used(&self, root: NodeId) -> Vec<u32> {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        let mut states = Vec::new();
        while let Some(id) = stack.pop() {
            if self.class(id) != NodeClass::Varying || !seen.insert(id) {
                continue;
            }
            match self.nodes[id as usize] {
                Node::State(index) => states.push(index),
                Node::Unary(_, a) => stack.push(a),
                Node::Binary(_, a, b) => stack.extend([a, b]),
                Node::Select(c, a, b) => stack.extend([c, a, b]),
                _ => {}
            }
        }
        states.sort_unstable();
        states
    }

    /// d(node)/d(variable), as a node. Operands are differentiated first, from an explicit
    /// stack, so a deep graph (a long sum) cannot overflow the call stack.
    pub fn derivative(
        &mut self,
        node: NodeId,
        variable: Variable,
        memo: &mut DerivativeMemo,
    ) -> NodeId {
        let mut stack = vec![node];
        while let Some(&top) = stack.last() {
            if memo.contains_key(&(top, variable)) {
                stack.pop();
                continue;
            }
            let (operands, count) = self.differentiated_operands(top);
            let before = stack.len();
            stack.extend(
                operands[..count]
                    .iter()
                    .filter(|&&operand| !memo.contains_key(&(operand, variable))),
            );
            if stack.len() == before {
                let result = self.derivative_step(top, variable, memo);
                memo.insert((top, variable), result);
                stack.pop();
            }
        }
        memo[&(node, variable)]
    }

    /// The operands whose derivatives `derivative_step` needs.
    fn differentiated_operands(&self, node: NodeId) -> ([NodeId; 2], usize) {
        match self.nodes[node as usize] {
            Node::Unary(_, a) => ([a, a], 1),
            Node::Binary(_, a, b) | Node::Select(_, a, b) => ([a, b], 2),
            _ => ([node, node], 0),
        }
    }

    /// d(node)/d(variable), given the derivatives of its operands in `memo`.
    fn derivative_step(
        &mut self,
        node: NodeId,
        variable: Variable,
        memo: &DerivativeMemo,
    ) -> NodeId {
        let zero = self.constant(0.0);
        let one = self.constant(1.0);
        match self.nodes[node as usize] {
            Node::Constant(_) | Node::Time | Node::Switch(_) | Node::Step(_) => zero,
            Node::Parameter(k) => {
                if variable == Variable::Parameter(k) {
                    one
                } else {
                    zero
                }
            }
            Node::State(i) => {
                if variable == Variable::State(i) {
                    one
                } else {
                    zero
                }
            }
            Node::Unary(kind, a) => {
                let da = memo[&(a, variable)];
                if self.is_constant(da, 0.0) {
                    zero
                } else {
                    self.unary_derivative(kind, node, a, da)
                }
            }
            Node::Binary(op, a, b) => {
                let (da, db) = (memo[&(a, variable)], memo[&(b, variable)]);
                self.binary_derivative(node, op, a, b, da, db)
            }
            Node::Select(condition, yes, no) => {
                let (dyes, dno) = (memo[&(yes, variable)], memo[&(no, variable)]);
                self.d_select(condition, dyes, dno)
            }
        }
    }

    fn binary_derivative(
        &mut self,
        node: NodeId,
        op: BinaryOp,
        a: NodeId,
        b: NodeId,
        da: NodeId,
        db: NodeId,
    ) -> NodeId {
        match op {
            BinaryOp::Add => self.d_add(da, db),
            BinaryOp::Subtract => self.d_subtract(da, db),
            BinaryOp::Multiply => {
                let left = self.d_multiply(da, b);
                let right = self.d_multiply(a, db);
                self.d_add(left, right)
            }
            BinaryOp::Divide => {
                // d(a/b) = da/b - (a/b) * db/b
                let left = self.d_divide(da, b);
                let ratio = self.d_divide(db, b);
                let right = self.d_multiply(node, ratio);
                self.d_subtract(left, right)
            }
            BinaryOp::Power => {
                // d(a^b) = b * a^(b-1) * da + a^b * ln(a) * db
                let one = self.constant(1.0);
                let exponent = self.binary(BinaryOp::Subtract, b, one);
                let lowered = if self.is_constant(da, 0.0) {
                    da
                } else {
                    self.binary(BinaryOp::Power, a, exponent)
                };
                // Both terms are 0 where their last factor is: a^(b-1) and ln(a) are infinite
                // at a = 0, where the limits of the products are 0 (e.g. a Hill function of a
                // cell count that starts at 0).
                let scaled = self.d_multiply(b, lowered);
                let left = self.strong_product(scaled, da);
                let right = if self.is_constant(db, 0.0) {
                    db
                } else {
                    let log = self.unary(UnaryKind::Ln, a);
                    let factor = self.strong_product(log, node);
                    self.d_multiply(factor, db)
                };
                self.d_add(left, right)
            }
            BinaryOp::Min | BinaryOp::Max => {
                let comparison = if op == BinaryOp::Min {
                    BinaryOp::Less
                } else {
                    BinaryOp::Greater
                };
                let first = self.binary(comparison, a, b);
                self.d_select(first, da, db)
            }
            _ => self.constant(0.0),
        }
    }
}
