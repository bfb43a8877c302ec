//! The expression graph: every model expression lowered into one shared graph in which equal
//! subexpressions are one node, constants are folded, and comparisons of `t` with a
//! parameter-only value become switches (and floors of `t` steps) that the driver freezes per
//! integration segment.

mod derivative;
mod fusion;
mod steps;

pub use derivative::{DerivativeMemo, Variable};
pub use steps::Step;

use super::parse::{BinaryOp, Expr, ExprKind, Function, UnaryOp};
use super::program::{Instruction, Op, Program, apply_binary, apply_unary, small_integer};
use std::collections::HashMap;
use std::ops::Range;

pub type NodeId = u32;

/// What a node's value depends on, ordered from cheapest to dearest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeClass {
    /// A number known when the model is compiled.
    Constant,
    /// Depends on parameters only: computed once per parameter set.
    Parameter,
    /// Depends on time or states: computed at every evaluation.
    Varying,
}

/// Unary operations of the lowered graph (functions of one argument included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryKind {
    Negate,
    Not,
    Exp,
    Ln,
    Log10,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Floor,
    Ceil,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Constant(u64),
    Parameter(u32),
    State(u32),
    Time,
    Switch(u32),
    Step(u32),
    Unary(UnaryKind, NodeId),
    Binary(BinaryOp, NodeId, NodeId),
    Select(NodeId, NodeId, NodeId),
}

/// A comparison of time with a parameter-only threshold, `t <op> threshold`. Its time is a
/// breakpoint; within a segment between breakpoints its value is constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Switch {
    pub op: BinaryOp,
    pub threshold: NodeId,
    pub node: NodeId,
}

impl Switch {
    /// The switch's value (1 or 0) at time `t`, given the threshold's value.
    pub fn value_at(&self, t: f64, threshold: f64) -> f64 {
        apply_binary(self.op, t, threshold)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    classes: Vec<NodeClass>,
    index: HashMap<Node, NodeId>,
    switches: Vec<Switch>,
    steps: Vec<Step>,
}

impl Graph {
    pub fn new() -> Self {
        Graph::default()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn class(&self, id: NodeId) -> NodeClass {
        self.classes[id as usize]
    }

    pub fn switches(&self) -> &[Switch] {
        &self.switches
    }

    /// The value of a constant node, if it is one.
    pub fn constant_value(&self, id: NodeId) -> Option<f64> {
        match self.nodes[id as usize] {
            Node::Constant(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }

    fn intern(&mut self, node: Node, class: NodeClass) -> NodeId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.classes.push(class);
        self.index.insert(node, id);
        id
    }

    pub fn constant(&mut self, value: f64) -> NodeId {
        self.intern(Node::Constant(value.to_bits()), NodeClass::Constant)
    }

    pub fn parameter(&mut self, index: usize) -> NodeId {
        self.intern(Node::Parameter(index as u32), NodeClass::Parameter)
    }

    pub fn state(&mut self, index: usize) -> NodeId {
        self.intern(Node::State(index as u32), NodeClass::Varying)
    }

    pub fn time(&mut self) -> NodeId {
        self.intern(Node::Time, NodeClass::Varying)
    }

    pub fn unary(&mut self, kind: UnaryKind, a: NodeId) -> NodeId {
        if let Some(x) = self.constant_value(a) {
            return self.constant(apply_unary(kind, x));
        }
        if let Some(step) = self.step(kind, a) {
            return step;
        }
        let class = self.class(a);
        self.intern(Node::Unary(kind, a), class)
    }

    pub fn binary(&mut self, op: BinaryOp, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.constant_value(a), self.constant_value(b)) {
            return self.constant(apply_binary(op, x, y));
        }
        if op.is_comparison() {
            let time = self.index.get(&Node::Time).copied();
            if Some(a) == time && self.class(b) < NodeClass::Varying {
                return self.switch(op, b);
            }
            if Some(b) == time && self.class(a) < NodeClass::Varying {
                return self.switch(mirror(op), a);
            }
        }
        let class = self.class(a).max(self.class(b));
        self.intern(Node::Binary(op, a, b), class)
    }

    fn select(&mut self, condition: NodeId, yes: NodeId, no: NodeId) -> NodeId {
        if let Some(c) = self.constant_value(condition) {
            return if c != 0.0 { yes } else { no };
        }
        let class = self
            .class(condition)
            .max(self.class(yes))
            .max(self.class(no));
        self.intern(Node::Select(condition, yes, no), class)
    }

    fn switch(&mut self, op: BinaryOp, threshold: NodeId) -> NodeId {
        if let Some(existing) = self
            .switches
            .iter()
            .find(|s| s.op == op && s.threshold == threshold)
        {
            return existing.node;
        }
        let node = self.intern(Node::Switch(self.switches.len() as u32), NodeClass::Varying);
        self.switches.push(Switch {
            op,
            threshold,
            node,
        });
        node
    }

    /// Lowers a syntax tree into the graph. `resolve` maps a name (with its span) to a node;
    /// it reports unknown names itself and returns a placeholder so lowering can go on. The
    /// walk keeps its own stack, so a long chain (`a + b + c + ...`) cannot overflow the call
    /// stack; names are resolved left to right.
    pub fn lower(
        &mut self,
        expr: &Expr,
        resolve: &mut dyn FnMut(&mut Graph, &str, Range<usize>) -> NodeId,
    ) -> NodeId {
        enum Task<'e> {
            Visit(&'e Expr),
            Unary(UnaryOp),
            Binary(BinaryOp),
            Call(Function, usize),
        }
        let mut tasks = vec![Task::Visit(expr)];
        let mut values: Vec<NodeId> = Vec::new();
        while let Some(task) = tasks.pop() {
            let node = match task {
                Task::Visit(expr) => match &expr.kind {
                    ExprKind::Number(value) => self.constant(*value),
                    ExprKind::Name(name) => resolve(self, name, expr.span.clone()),
                    ExprKind::Unary(op, operand) => {
                        tasks.extend([Task::Unary(*op), Task::Visit(operand)]);
                        continue;
                    }
                    ExprKind::Binary(op, left, right) => {
                        tasks.extend([Task::Binary(*op), Task::Visit(right), Task::Visit(left)]);
                        continue;
                    }
                    ExprKind::Call(function, arguments) => {
                        tasks.push(Task::Call(*function, arguments.len()));
                        tasks.extend(arguments.iter().rev().map(Task::Visit));
                        continue;
                    }
                },
                Task::Unary(op) => {
                    let a = values.pop().expect("operand lowered");
                    let kind = match op {
                        UnaryOp::Negate => UnaryKind::Negate,
                        UnaryOp::Not => UnaryKind::Not,
                    };
                    self.unary(kind, a)
                }
                Task::Binary(op) => {
                    let b = values.pop().expect("right operand lowered");
                    let a = values.pop().expect("left operand lowered");
                    self.binary(op, a, b)
                }
                Task::Call(function, count) => {
                    let args = values.split_off(values.len() - count);
                    self.call(function, &args)
                }
            };
            values.push(node);
        }
        values.pop().expect("the expression lowered to one node")
    }

    fn call(&mut self, function: Function, args: &[NodeId]) -> NodeId {
        let unary = |kind| (kind, args[0]);
        let (kind, a) = match function {
            Function::If => return self.select(args[0], args[1], args[2]),
            Function::Pow => return self.binary(BinaryOp::Power, args[0], args[1]),
            Function::Min | Function::Max => {
                let op = if function == Function::Min {
                    BinaryOp::Min
                } else {
                    BinaryOp::Max
                };
                return args[1..]
                    .iter()
                    .fold(args[0], |acc, &x| self.binary(op, acc, x));
            }
            Function::Hill => {
                let xn = self.binary(BinaryOp::Power, args[0], args[1]);
                let kn = self.binary(BinaryOp::Power, args[2], args[1]);
                let denominator = self.binary(BinaryOp::Add, kn, xn);
                return self.binary(BinaryOp::Divide, xn, denominator);
            }
            Function::Exp => unary(UnaryKind::Exp),
            Function::Ln => unary(UnaryKind::Ln),
            Function::Log10 => unary(UnaryKind::Log10),
            Function::Sqrt => unary(UnaryKind::Sqrt),
            Function::Abs => unary(UnaryKind::Abs),
            Function::Sin => unary(UnaryKind::Sin),
            Function::Cos => unary(UnaryKind::Cos),
            Function::Tan => unary(UnaryKind::Tan),
            Function::Asin => unary(UnaryKind::Asin),
            Function::Acos => unary(UnaryKind::Acos),
            Function::Atan => unary(UnaryKind::Atan),
            Function::Sinh => unary(UnaryKind::Sinh),
            Function::Cosh => unary(UnaryKind::Cosh),
            Function::Tanh => unary(UnaryKind::Tanh),
            Function::Asinh => unary(UnaryKind::Asinh),
            Function::Acosh => unary(UnaryKind::Acosh),
            Function::Atanh => unary(UnaryKind::Atanh),
            Function::Floor => unary(UnaryKind::Floor),
            Function::Ceil => unary(UnaryKind::Ceil),
        };
        self.unary(kind, a)
    }

    /// The nodes `roots` need, in evaluation order, restricted to the given classes.
    fn reachable(&self, roots: &[NodeId], classes: &[NodeClass]) -> Vec<NodeId> {
        let mut needed = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut needed[id as usize], true) {
                continue;
            }
            match self.nodes[id as usize] {
                Node::Unary(_, a) => stack.push(a),
                Node::Binary(_, a, b) => stack.extend([a, b]),
                Node::Select(c, a, b) => stack.extend([c, a, b]),
                Node::Switch(k) => stack.push(self.switches[k as usize].threshold),
                _ => {}
            }
        }
        (0..self.nodes.len() as NodeId)
            .filter(|&id| needed[id as usize] && classes.contains(&self.class(id)))
            .collect()
    }

    /// A program computing every constant and parameter-only node that `roots` need.
    pub fn setup_program(&self, roots: &[NodeId]) -> Program {
        self.program(roots, &[NodeClass::Constant, NodeClass::Parameter])
    }

    /// A program computing every time- or state-dependent node that `roots` need.
    pub fn varying_program(&self, roots: &[NodeId]) -> Program {
        self.program(roots, &[NodeClass::Varying])
    }

    fn program(&self, roots: &[NodeId], classes: &[NodeClass]) -> Program {
        let nodes = self.reachable(roots, classes);
        let fusion = self.fusions(&nodes, roots);
        let instructions = nodes
            .iter()
            .filter(|&&id| !fusion.fused.contains(&id))
            .filter_map(|&id| {
                let op = match self.nodes[id as usize] {
                    Node::Constant(bits) => Op::Constant(f64::from_bits(bits)),
                    Node::Parameter(index) => Op::Parameter(index),
                    Node::State(index) => Op::State(index),
                    Node::Switch(_) | Node::Step(_) => return None,
                    Node::Time => Op::Time,
                    Node::Unary(kind, a) => Op::Unary(kind, a),
                    Node::Binary(op, a, b) => fusion
                        .ops
                        .get(&id)
                        .copied()
                        .unwrap_or_else(|| self.binary_op(op, a, b)),
                    Node::Select(condition, yes, no) => Op::Select(condition, yes, no),
                };
                Some(Instruction { target: id, op })
            })
            .collect();
        Program::new(instructions)
    }

    fn binary_op(&self, op: BinaryOp, a: NodeId, b: NodeId) -> Op {
        match (op, self.constant_value(b).and_then(small_integer)) {
            (BinaryOp::Power, Some(2)) => Op::Square(a),
            (BinaryOp::Power, Some(n)) => Op::PowerInteger(a, n),
            (BinaryOp::Add, _) => Op::Add(a, b),
            (BinaryOp::Subtract, _) => Op::Subtract(a, b),
            (BinaryOp::Multiply, _) => Op::Multiply(a, b),
            (BinaryOp::Divide, _) => Op::Divide(a, b),
            _ => Op::Binary(op, a, b),
        }
    }
}

/// The comparison with its operands swapped: `c < t` is `t > c`.
fn mirror(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Less => BinaryOp::Greater,
        BinaryOp::LessEqual => BinaryOp::GreaterEqual,
        BinaryOp::Greater => BinaryOp::Less,
        BinaryOp::GreaterEqual => BinaryOp::LessEqual,
        other => other,
    }
}

#[cfg(test)]
mod tests;
