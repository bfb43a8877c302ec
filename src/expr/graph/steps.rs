//! Steps: `floor` or `ceil` of a function of time with constant coefficients (`floor(t / 7)`,
//! `ceil(2 * t + 0.5)`). Like a switch, a step's jumps are breakpoints and within a segment
//! between them its value is constant, so a schedule written with them (`t - 7 * floor(t / 7)`)
//! is integrated piece by piece instead of through its jumps. A floor of anything else (of a
//! state, or of `t / tau` with a parameter `tau`) stays an ordinary function.

use super::{Graph, Node, NodeClass, NodeId, UnaryKind};
use crate::expr::parse::BinaryOp;
use crate::expr::program::apply_binary;

/// One operation on the value so far: `value op constant`, or `constant op value`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Operation {
    op: BinaryOp,
    constant: f64,
    constant_first: bool,
}

/// `floor` (or `ceil`) of the operations applied to `t` in order, as the expression computes
/// its argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub ceil: bool,
    operations: Vec<Operation>,
    pub node: NodeId,
}

impl Step {
    /// The step's argument at time `t`, computed as the expression computes it.
    fn argument(&self, t: f64) -> f64 {
        self.operations
            .iter()
            .fold(t, |value, o| match o.constant_first {
                true => apply_binary(o.op, o.constant, value),
                false => apply_binary(o.op, value, o.constant),
            })
    }

    /// The step's value at time `t`.
    pub fn value_at(&self, t: f64) -> f64 {
        let x = self.argument(t);
        if self.ceil { x.ceil() } else { x.floor() }
    }

    /// The argument as slope * t + offset.
    fn line(&self) -> (f64, f64) {
        self.operations
            .iter()
            .fold((1.0, 0.0), |(slope, offset), o| {
                match (o.op, o.constant_first) {
                    (BinaryOp::Add, _) => (slope, offset + o.constant),
                    (BinaryOp::Subtract, false) => (slope, offset - o.constant),
                    (BinaryOp::Subtract, true) => (-slope, o.constant - offset),
                    (BinaryOp::Multiply, _) => (slope * o.constant, offset * o.constant),
                    _ => (slope / o.constant, offset / o.constant),
                }
            })
    }

    /// How many times the value jumps in (start, end), as a float (it may be huge).
    pub fn jump_count(&self, start: f64, end: f64) -> f64 {
        let (low, high) = self.argument_range(start, end);
        (high.ceil() - low.floor() - 1.0).max(0.0)
    }

    /// The times in (start, end) where the argument crosses a whole number, ascending (the
    /// caller bounds their number with `jump_count`).
    pub fn jumps(&self, start: f64, end: f64) -> Vec<f64> {
        let (slope, offset) = self.line();
        let (low, _) = self.argument_range(start, end);
        let first = low.floor() + 1.0;
        let count = self.jump_count(start, end) as usize;
        let mut times: Vec<f64> = (0..count)
            .map(|k| (first + k as f64 - offset) / slope)
            .filter(|&t| t > start && t < end)
            .collect();
        times.sort_by(f64::total_cmp);
        times
    }

    /// The argument's least and largest values over [start, end].
    fn argument_range(&self, start: f64, end: f64) -> (f64, f64) {
        let (slope, offset) = self.line();
        let (a, b) = (slope * start + offset, slope * end + offset);
        (a.min(b), a.max(b))
    }
}

impl Graph {
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step for `floor(a)` or `ceil(a)` when `a` is a function of time with constant
    /// coefficients; `None` otherwise.
    pub(super) fn step(&mut self, kind: UnaryKind, a: NodeId) -> Option<NodeId> {
        let ceil = match kind {
            UnaryKind::Floor => false,
            UnaryKind::Ceil => true,
            _ => return None,
        };
        let operations = self.operations_on_time(a)?;
        if let Some(existing) =
            (self.steps.iter()).find(|s| s.ceil == ceil && s.operations == operations)
        {
            return Some(existing.node);
        }
        let node = self.intern(Node::Step(self.steps.len() as u32), NodeClass::Varying);
        self.steps.push(Step {
            ceil,
            operations,
            node,
        });
        Some(node)
    }

    /// The operations that compute `node` from `t` with constants alone (`t`, `c * t`, `t / c`,
    /// `c - t`, `-(t + c)`, ...), innermost first; `None` when it is not such a function.
    fn operations_on_time(&self, node: NodeId) -> Option<Vec<Operation>> {
        let mut operations = Vec::new();
        let mut at = node;
        loop {
            let (operation, inner) = match self.nodes[at as usize] {
                Node::Time => break,
                Node::Unary(UnaryKind::Negate, a) => {
                    let negate = Operation {
                        op: BinaryOp::Multiply,
                        constant: -1.0,
                        constant_first: false,
                    };
                    (negate, a)
                }
                Node::Binary(op, a, b) => {
                    let linear = matches!(
                        op,
                        BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::Divide
                    );
                    match (linear, self.constant_value(a), self.constant_value(b)) {
                        (true, None, Some(constant)) => (
                            Operation {
                                op,
                                constant,
                                constant_first: false,
                            },
                            a,
                        ),
                        (true, Some(constant), None) if op != BinaryOp::Divide => (
                            Operation {
                                op,
                                constant,
                                constant_first: true,
                            },
                            b,
                        ),
                        _ => return None,
                    }
                }
                _ => return None,
            };
            operations.push(operation);
            at = inner;
        }
        operations.reverse();
        let usable = |o: &Operation| {
            o.constant.is_finite()
                && (o.constant != 0.0 || o.op != BinaryOp::Multiply && o.op != BinaryOp::Divide)
        };
        operations.iter().all(usable).then_some(operations)
    }
}
