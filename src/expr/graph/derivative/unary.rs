//! Derivatives of one-argument operations, d f(a) = f'(a) da, with f'(a) built as nodes.

use super::super::{Graph, NodeId, UnaryKind};
use crate::expr::parse::BinaryOp;

impl Graph {
    /// d(node)/d(variable) for `node = kind(a)`, given `da` = d(a)/d(variable).
    pub(super) fn unary_derivative(
        &mut self,
        kind: UnaryKind,
        node: NodeId,
        a: NodeId,
        da: NodeId,
    ) -> NodeId {
        let zero = self.constant(0.0);
        let one = self.constant(1.0);
        match kind {
            UnaryKind::Negate => self.d_negate(da),
            UnaryKind::Not => zero,
            // Steps: 0 between the integers and undefined at them, where the value jumps; as
            // for a comparison, the jump is not differentiated (0 everywhere).
            UnaryKind::Floor | UnaryKind::Ceil => zero,
            UnaryKind::Exp => self.d_multiply(node, da),
            UnaryKind::Ln => self.d_divide(da, a),
            UnaryKind::Log10 => {
                let scale = self.constant(std::f64::consts::LN_10);
                let denominator = self.d_multiply(a, scale);
                self.d_divide(da, denominator)
            }
            UnaryKind::Sqrt => {
                let two = self.constant(2.0);
                let denominator = self.d_multiply(two, node);
                self.d_divide(da, denominator)
            }
            UnaryKind::Abs => {
                let non_negative = self.binary(BinaryOp::GreaterEqual, a, zero);
                let negative = self.d_negate(da);
                self.d_select(non_negative, da, negative)
            }
            UnaryKind::Sin => {
                let cosine = self.unary(UnaryKind::Cos, a);
                self.d_multiply(cosine, da)
            }
            UnaryKind::Cos => {
                let sine = self.unary(UnaryKind::Sin, a);
                let product = self.d_multiply(sine, da);
                self.d_negate(product)
            }
            // 1 + tan^2 (= 1 / cos^2), from the tangent already computed.
            UnaryKind::Tan => {
                let squared = self.binary(BinaryOp::Multiply, node, node);
                let slope = self.binary(BinaryOp::Add, one, squared);
                self.d_multiply(slope, da)
            }
            UnaryKind::Asin | UnaryKind::Acos => {
                let difference = self.one_minus_square(a);
                let root = self.unary(UnaryKind::Sqrt, difference);
                let quotient = self.d_divide(da, root);
                match kind {
                    UnaryKind::Asin => quotient,
                    _ => self.d_negate(quotient),
                }
            }
            UnaryKind::Atan => {
                let squared = self.binary(BinaryOp::Multiply, a, a);
                let denominator = self.binary(BinaryOp::Add, one, squared);
                self.d_divide(da, denominator)
            }
            UnaryKind::Sinh => {
                let cosh = self.unary(UnaryKind::Cosh, a);
                self.d_multiply(cosh, da)
            }
            UnaryKind::Cosh => {
                let sinh = self.unary(UnaryKind::Sinh, a);
                self.d_multiply(sinh, da)
            }
            // 1 / cosh^2 rather than 1 - tanh^2, which cancels to 0 for |a| above about 19.
            UnaryKind::Tanh => {
                let cosh = self.unary(UnaryKind::Cosh, a);
                let squared = self.binary(BinaryOp::Multiply, cosh, cosh);
                self.d_divide(da, squared)
            }
            UnaryKind::Asinh => {
                let squared = self.binary(BinaryOp::Multiply, a, a);
                let sum = self.binary(BinaryOp::Add, squared, one);
                let root = self.unary(UnaryKind::Sqrt, sum);
                self.d_divide(da, root)
            }
            UnaryKind::Acosh => {
                let below = self.binary(BinaryOp::Subtract, a, one);
                let above = self.binary(BinaryOp::Add, a, one);
                let product = self.binary(BinaryOp::Multiply, below, above);
                let root = self.unary(UnaryKind::Sqrt, product);
                self.d_divide(da, root)
            }
            UnaryKind::Atanh => {
                let denominator = self.one_minus_square(a);
                self.d_divide(da, denominator)
            }
        }
    }

    /// 1 - a^2 as (1 - a)(1 + a), which keeps its precision near |a| = 1.
    fn one_minus_square(&mut self, a: NodeId) -> NodeId {
        let one = self.constant(1.0);
        let below = self.binary(BinaryOp::Subtract, one, a);
        let above = self.binary(BinaryOp::Add, one, a);
        self.binary(BinaryOp::Multiply, below, above)
    }
}
