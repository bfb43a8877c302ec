//! Dropping syntax trees without recursion.

use super::{Expr, ExprKind};

/// Drops the tree from an explicit stack: the default recursive drop of a long chain
/// (`a + b + c + ...`, one `Box` inside the next) would overflow the call stack.
impl Drop for Expr {
    fn drop(&mut self) {
        let mut pending = Vec::new();
        take_operands(&mut self.kind, &mut pending);
        while let Some(mut expr) = pending.pop() {
            take_operands(&mut expr.kind, &mut pending);
        }
    }
}

/// Moves the operands of `kind` into `pending`, leaving placeholders that drop at once.
fn take_operands(kind: &mut ExprKind, pending: &mut Vec<Expr>) {
    let placeholder = || Expr {
        kind: ExprKind::Number(0.0),
        span: 0..0,
    };
    match kind {
        ExprKind::Unary(_, operand) => {
            pending.push(std::mem::replace(&mut **operand, placeholder()))
        }
        ExprKind::Binary(_, left, right) => {
            pending.push(std::mem::replace(&mut **left, placeholder()));
            pending.push(std::mem::replace(&mut **right, placeholder()));
        }
        ExprKind::Call(_, arguments) => pending.append(arguments),
        ExprKind::Number(_) | ExprKind::Name(_) => {}
    }
}
