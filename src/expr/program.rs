//! Flat register programs: straight-line instruction lists that evaluate compiled expressions
//! without allocating, plus the arithmetic shared with constant folding.
//!
//! One instruction kind per operation (a single dispatch), common multiply-add shapes fused
//! into one instruction, and register indices validated once when the program is built so the
//! loop reads without bounds checks.

use super::graph::UnaryKind;
use super::native::{self, NativeProgram};
use super::parse::BinaryOp;
use std::sync::Arc;

/// One operation; operands are register indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Constant(f64),
    Parameter(u32),
    State(u32),
    Time,
    Unary(UnaryKind, u32),
    Square(u32),
    PowerInteger(u32, i32),
    Add(u32, u32),
    Subtract(u32, u32),
    Multiply(u32, u32),
    Divide(u32, u32),
    /// Any other binary operation (comparisons, logic, min, max, real powers).
    Binary(BinaryOp, u32, u32),
    Select(u32, u32, u32),
    /// a * b + c
    MultiplyAdd(u32, u32, u32),
    /// a * b - c
    MultiplySubtract(u32, u32, u32),
    /// c - a * b
    SubtractMultiply(u32, u32, u32),
}

impl Op {
    fn operands(&self) -> Vec<u32> {
        match *self {
            Op::Constant(_) | Op::Parameter(_) | Op::State(_) | Op::Time => vec![],
            Op::Unary(_, a) | Op::Square(a) | Op::PowerInteger(a, _) => vec![a],
            Op::Add(a, b)
            | Op::Subtract(a, b)
            | Op::Multiply(a, b)
            | Op::Divide(a, b)
            | Op::Binary(_, a, b) => {
                vec![a, b]
            }
            Op::Select(a, b, c)
            | Op::MultiplyAdd(a, b, c)
            | Op::MultiplySubtract(a, b, c)
            | Op::SubtractMultiply(a, b, c) => vec![a, b, c],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instruction {
    pub target: u32,
    pub op: Op,
}

/// A straight-line program over a register file with one register per graph node, run as
/// native code when the host allows it and interpreted otherwise (same results, bit for bit).
#[derive(Debug, Clone, Default)]
pub struct Program {
    instructions: Vec<Instruction>,
    /// Registers the program touches: every index is below this.
    register_count: usize,
    /// States and parameters it reads: every index is below these.
    state_count: usize,
    parameter_count: usize,
    native: Option<Arc<NativeProgram>>,
}

/// Programs are equal when their instructions are: native code is a way of running them.
impl PartialEq for Program {
    fn eq(&self, other: &Self) -> bool {
        self.instructions == other.instructions
    }
}

impl Program {
    pub fn new(instructions: Vec<Instruction>) -> Self {
        let register_count = instructions
            .iter()
            .flat_map(|i| i.op.operands().into_iter().chain([i.target]))
            .map(|r| r as usize + 1)
            .max()
            .unwrap_or(0);
        let count = |index: fn(&Op) -> Option<u32>| {
            instructions
                .iter()
                .filter_map(|i| index(&i.op))
                .map(|r| r as usize + 1)
                .max()
                .unwrap_or(0)
        };
        let state_count = count(|op| match *op {
            Op::State(index) => Some(index),
            _ => None,
        });
        let parameter_count = count(|op| match *op {
            Op::Parameter(index) => Some(index),
            _ => None,
        });
        let native = native::compile(&instructions).map(Arc::new);
        Program {
            instructions,
            register_count,
            state_count,
            parameter_count,
            native,
        }
    }

    /// Whether the program runs as native code.
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }

    /// The same program, always interpreted (to compare with its native code).
    pub fn interpreted(&self) -> Program {
        Program {
            native: None,
            ..self.clone()
        }
    }

    pub fn len(&self) -> usize {
        self.instructions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }

    /// Runs the program on `registers` (at least one slot per graph node).
    #[inline]
    pub fn run(&self, registers: &mut [f64], t: f64, states: &[f64], parameters: &[f64]) {
        assert!(
            registers.len() >= self.register_count
                && states.len() >= self.state_count
                && parameters.len() >= self.parameter_count,
            "register file, states or parameters too short for the program"
        );
        if let Some(native) = &self.native {
            native.run(registers, t, states, parameters);
            return;
        }
        for instruction in &self.instructions {
            // SAFETY: `Program::new` computed `register_count` from every operand and target
            // index, and the assertion above guarantees `registers` is at least that long.
            let read = |r: u32| unsafe { *registers.get_unchecked(r as usize) };
            let value = match instruction.op {
                Op::Constant(value) => value,
                Op::Parameter(index) => parameters[index as usize],
                Op::State(index) => states[index as usize],
                Op::Time => t,
                Op::Unary(kind, a) => apply_unary(kind, read(a)),
                Op::Square(a) => read(a) * read(a),
                Op::PowerInteger(a, n) => read(a).powi(n),
                Op::Add(a, b) => read(a) + read(b),
                Op::Subtract(a, b) => read(a) - read(b),
                Op::Multiply(a, b) => read(a) * read(b),
                Op::Divide(a, b) => read(a) / read(b),
                Op::Binary(op, a, b) => apply_binary(op, read(a), read(b)),
                Op::Select(c, yes, no) => {
                    if read(c) != 0.0 {
                        read(yes)
                    } else {
                        read(no)
                    }
                }
                Op::MultiplyAdd(a, b, c) => read(a) * read(b) + read(c),
                Op::MultiplySubtract(a, b, c) => read(a) * read(b) - read(c),
                Op::SubtractMultiply(a, b, c) => read(c) - read(a) * read(b),
            };
            // SAFETY: as above, `target < register_count <= registers.len()`.
            unsafe { *registers.get_unchecked_mut(instruction.target as usize) = value };
        }
    }
}

fn truth(condition: bool) -> f64 {
    if condition { 1.0 } else { 0.0 }
}

#[inline]
pub fn apply_unary(kind: UnaryKind, x: f64) -> f64 {
    match kind {
        UnaryKind::Negate => -x,
        UnaryKind::Not => truth(x == 0.0),
        UnaryKind::Exp => x.exp(),
        UnaryKind::Ln => x.ln(),
        UnaryKind::Log10 => x.log10(),
        UnaryKind::Sqrt => x.sqrt(),
        UnaryKind::Abs => x.abs(),
        UnaryKind::Sin => x.sin(),
        UnaryKind::Cos => x.cos(),
        UnaryKind::Tan => x.tan(),
        UnaryKind::Asin => x.asin(),
        UnaryKind::Acos => x.acos(),
        UnaryKind::Atan => x.atan(),
        UnaryKind::Sinh => x.sinh(),
        UnaryKind::Cosh => x.cosh(),
        UnaryKind::Tanh => x.tanh(),
        UnaryKind::Asinh => x.asinh(),
        UnaryKind::Acosh => x.acosh(),
        UnaryKind::Atanh => x.atanh(),
        UnaryKind::Floor => x.floor(),
        UnaryKind::Ceil => x.ceil(),
    }
}

#[inline]
pub fn apply_binary(op: BinaryOp, a: f64, b: f64) -> f64 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Subtract => a - b,
        BinaryOp::Multiply => a * b,
        BinaryOp::Divide => a / b,
        BinaryOp::Power => power(a, b),
        BinaryOp::Less => truth(a < b),
        BinaryOp::LessEqual => truth(a <= b),
        BinaryOp::Greater => truth(a > b),
        BinaryOp::GreaterEqual => truth(a >= b),
        BinaryOp::Equal => truth(a == b),
        BinaryOp::NotEqual => truth(a != b),
        BinaryOp::And => truth(a != 0.0 && b != 0.0),
        BinaryOp::Or => truth(a != 0.0 || b != 0.0),
        BinaryOp::Min => a.min(b),
        BinaryOp::Max => a.max(b),
    }
}

/// `a^b`, with small integer exponents by repeated multiplication (exact and fast).
#[inline]
pub fn power(a: f64, b: f64) -> f64 {
    match small_integer(b) {
        Some(n) => a.powi(n),
        None => a.powf(b),
    }
}

/// `b` as an exponent for `powi`, when it is a whole number of at most 16 in size.
pub fn small_integer(b: f64) -> Option<i32> {
    (b == b.trunc() && b.abs() <= 16.0).then_some(b as i32)
}
