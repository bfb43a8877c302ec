//! Flat register programs: straight-line instruction lists that evaluate compiled expressions
//! without allocating, plus the arithmetic shared with constant folding.

use super::graph::UnaryKind;
use super::parse::BinaryOp;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instruction {
    Constant {
        target: u32,
        value: f64,
    },
    Parameter {
        target: u32,
        index: u32,
    },
    State {
        target: u32,
        index: u32,
    },
    Time {
        target: u32,
    },
    Unary {
        target: u32,
        kind: UnaryKind,
        a: u32,
    },
    Binary {
        target: u32,
        op: BinaryOp,
        a: u32,
        b: u32,
    },
    Select {
        target: u32,
        condition: u32,
        yes: u32,
        no: u32,
    },
}

/// A straight-line program over a register file with one register per graph node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    instructions: Vec<Instruction>,
}

/// The register file a program runs on: one value per graph node.
pub type Registers = Vec<f64>;

impl Program {
    pub fn new(instructions: Vec<Instruction>) -> Self {
        Program { instructions }
    }

    pub fn len(&self) -> usize {
        self.instructions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }

    /// Runs the program: `registers` must hold one slot per graph node.
    #[inline]
    pub fn run(&self, registers: &mut [f64], t: f64, states: &[f64], parameters: &[f64]) {
        for instruction in &self.instructions {
            let (target, value) = match *instruction {
                Instruction::Constant { target, value } => (target, value),
                Instruction::Parameter { target, index } => (target, parameters[index as usize]),
                Instruction::State { target, index } => (target, states[index as usize]),
                Instruction::Time { target } => (target, t),
                Instruction::Unary { target, kind, a } => {
                    (target, apply_unary(kind, registers[a as usize]))
                }
                Instruction::Binary { target, op, a, b } => (
                    target,
                    apply_binary(op, registers[a as usize], registers[b as usize]),
                ),
                Instruction::Select {
                    target,
                    condition,
                    yes,
                    no,
                } => (
                    target,
                    if registers[condition as usize] != 0.0 {
                        registers[yes as usize]
                    } else {
                        registers[no as usize]
                    },
                ),
            };
            registers[target as usize] = value;
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
fn power(a: f64, b: f64) -> f64 {
    if b == 2.0 {
        a * a
    } else if b == b.trunc() && b.abs() <= 16.0 {
        a.powi(b as i32)
    } else {
        a.powf(b)
    }
}
