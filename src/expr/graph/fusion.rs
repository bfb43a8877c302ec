//! Fusing a product into its single consumer (`a * b + c` as one multiply-add instruction)
//! when the register program is built.

use super::{Graph, Node, NodeId};
use crate::expr::parse::BinaryOp;
use crate::expr::program::Op;
use std::collections::HashMap;

#[derive(Default)]
pub(super) struct Fusion {
    /// Products folded into their single consumer.
    pub fused: std::collections::HashSet<NodeId>,
    /// The fused instruction of each consumer.
    pub ops: HashMap<NodeId, Op>,
}

impl Graph {
    /// Sums and differences whose operand is a product used nowhere else become one fused
    /// instruction (same rounding as the separate ones: no hardware FMA).
    pub(super) fn fusions(&self, nodes: &[NodeId], roots: &[NodeId]) -> Fusion {
        let mut uses: HashMap<NodeId, usize> = HashMap::new();
        for &id in nodes {
            let operands: &[NodeId] = match &self.nodes[id as usize] {
                Node::Unary(_, a) => &[*a],
                Node::Binary(_, a, b) => &[*a, *b],
                Node::Select(c, a, b) => &[*c, *a, *b],
                _ => &[],
            };
            for operand in operands {
                *uses.entry(*operand).or_default() += 1;
            }
        }
        for root in roots {
            *uses.entry(*root).or_default() += 1;
        }
        let in_program: std::collections::HashSet<NodeId> = nodes.iter().copied().collect();
        let product = |id: NodeId| match self.nodes[id as usize] {
            Node::Binary(BinaryOp::Multiply, a, b)
                if in_program.contains(&id) && uses.get(&id) == Some(&1) =>
            {
                Some((a, b))
            }
            _ => None,
        };
        let mut fusion = Fusion::default();
        for &id in nodes {
            let fused = match self.nodes[id as usize] {
                Node::Binary(BinaryOp::Add, x, y) => match (product(x), product(y)) {
                    (Some((a, b)), _) => Some((x, Op::MultiplyAdd(a, b, y))),
                    (None, Some((a, b))) => Some((y, Op::MultiplyAdd(a, b, x))),
                    _ => None,
                },
                Node::Binary(BinaryOp::Subtract, x, y) => match (product(x), product(y)) {
                    (Some((a, b)), _) => Some((x, Op::MultiplySubtract(a, b, y))),
                    (None, Some((a, b))) => Some((y, Op::SubtractMultiply(a, b, x))),
                    _ => None,
                },
                _ => None,
            };
            if let Some((product_node, op)) = fused {
                fusion.fused.insert(product_node);
                fusion.ops.insert(id, op);
            }
        }
        fusion
    }
}
