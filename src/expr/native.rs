//! Native code for register programs: each program compiled once, with Cranelift, into a
//! function that performs exactly the interpreter's floating-point operations, so both give
//! bit-identical results.
//!
//! Additions, subtractions, products, quotients, square roots, negation, absolute values,
//! comparisons and selections are single IEEE-754 instructions in both (products are never
//! fused into a hardware multiply-add). Everything else (exp, logarithms, trigonometric and
//! hyperbolic functions and their inverses, floor, ceil, powers, min, max) calls the very Rust
//! functions the interpreter calls (`library`). `CARTSIM_JIT=off` in the environment turns
//! native code off (for hosts that forbid executable memory, or to compare); a host Cranelift
//! cannot target falls back to the interpreter silently.

use super::graph::UnaryKind;
use super::parse::BinaryOp;
use super::program::{Instruction, Op};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Value, types,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use std::collections::HashMap;
use std::sync::OnceLock;

mod library;
use library::library;

/// The compiled function: (registers, t, states, parameters).
type Entry = unsafe extern "C" fn(*mut f64, f64, *const f64, *const f64);

/// A program as machine code, with the module that owns the code's memory.
pub struct NativeProgram {
    module: Option<JITModule>,
    entry: Entry,
}

// SAFETY: after `finalize_definitions` the module is never touched again except to free its
// memory when the last owner drops it; the code itself is immutable and reentrant (it writes
// only through the register pointer its caller passes).
unsafe impl Send for NativeProgram {}
// SAFETY: as above; `&NativeProgram` only exposes calls into immutable code.
unsafe impl Sync for NativeProgram {}

impl Drop for NativeProgram {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: `entry` is private to this value and dies with it, so no pointer into
            // the module's code survives.
            unsafe { module.free_memory() };
        }
    }
}

impl std::fmt::Debug for NativeProgram {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("NativeProgram")
    }
}

impl NativeProgram {
    /// Runs the code. The caller guarantees every register, state and parameter index the
    /// program uses is in bounds of the slices (the `Program` checks this once per call).
    #[inline]
    pub fn run(&self, registers: &mut [f64], t: f64, states: &[f64], parameters: &[f64]) {
        // SAFETY: bounds as documented above; the code only reads states and parameters and
        // reads and writes registers at the program's own indices.
        unsafe {
            (self.entry)(
                registers.as_mut_ptr(),
                t,
                states.as_ptr(),
                parameters.as_ptr(),
            )
        }
    }
}

/// Whether native code is wanted: not when `CARTSIM_JIT` is `off` (or `0`).
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| !matches!(std::env::var("CARTSIM_JIT").as_deref(), Ok("off") | Ok("0")))
}

/// Compiles `instructions`, or `None` when native code is off, the host is not supported, or
/// an index does not fit an instruction's displacement.
pub fn compile(instructions: &[Instruction]) -> Option<NativeProgram> {
    if !enabled() || instructions.is_empty() {
        return None;
    }
    translate(instructions).ok()
}

fn translate(instructions: &[Instruction]) -> Result<NativeProgram, String> {
    let mut flags = settings::builder();
    for (name, value) in [
        ("opt_level", "speed"),
        ("use_colocated_libcalls", "false"),
        ("is_pic", "false"),
    ] {
        flags.set(name, value).map_err(|e| e.to_string())?;
    }
    let isa = cranelift_native::builder()?
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    let library = library();
    for &(name, address, _) in &library {
        builder.symbol(name, address);
    }
    let mut module = JITModule::new(builder);
    let pointer = module.target_config().pointer_type();

    let mut signature = module.make_signature();
    signature.params.extend([
        AbiParam::new(pointer),
        AbiParam::new(types::F64),
        AbiParam::new(pointer),
        AbiParam::new(pointer),
    ]);
    let mut imports = HashMap::new();
    for (name, _, arguments) in &library {
        let mut callee: Signature = module.make_signature();
        callee
            .params
            .extend(arguments.iter().map(|&t| AbiParam::new(t)));
        callee.returns.push(AbiParam::new(types::F64));
        let id = module
            .declare_function(name, Linkage::Import, &callee)
            .map_err(|e| e.to_string())?;
        imports.insert(*name, id);
    }
    let program = module
        .declare_function("program", Linkage::Export, &signature)
        .map_err(|e| e.to_string())?;

    let frontend = module.target_config();
    let mut context = module.make_context();
    context.func.signature = signature;
    let mut function_context = FunctionBuilderContext::new();
    {
        let mut builder = FunctionBuilder::new(&mut context.func, &mut function_context);
        let calls = imports
            .iter()
            .map(|(&name, &id)| (name, module.declare_func_in_func(id, builder.func)))
            .collect();
        let block = builder.create_block();
        builder.append_block_params_for_function_params(block);
        builder.switch_to_block(block);
        builder.seal_block(block);
        let [registers, t, states, parameters] = builder.block_params(block) else {
            return Err("unexpected entry parameters".into());
        };
        let (registers, t, states, parameters) = (*registers, *t, *states, *parameters);
        let mut emitter = Emitter {
            builder,
            calls,
            registers,
            known: vec![None; register_span(instructions)],
        };
        for instruction in instructions {
            let value = emitter.operation(instruction.op, t, states, parameters)?;
            emitter.define(instruction.target, value)?;
        }
        emitter.builder.ins().return_(&[]);
        emitter.builder.finalize(frontend);
    }
    module
        .define_function(program, &mut context)
        .map_err(|e| e.to_string())?;
    module.clear_context(&mut context);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let code = module.get_finalized_function(program);
    // SAFETY: `code` is the function just defined with exactly `Entry`'s signature (three
    // pointers and an f64 in the host's default C calling convention, no result).
    let entry = unsafe { std::mem::transmute::<*const u8, Entry>(code) };
    Ok(NativeProgram {
        module: Some(module),
        entry,
    })
}

fn register_span(instructions: &[Instruction]) -> usize {
    instructions
        .iter()
        .map(|i| i.target as usize + 1)
        .max()
        .unwrap_or(0)
}

/// Emits one instruction at a time, keeping each register's value in an SSA value once the
/// program has computed it, and loading registers set by earlier programs from memory.
struct Emitter<'a> {
    builder: FunctionBuilder<'a>,
    /// The library functions, by symbol.
    calls: HashMap<&'static str, FuncRef>,
    registers: Value,
    known: Vec<Option<Value>>,
}

/// Byte displacement of element `index` of an f64 array.
fn displacement(index: u32) -> Result<i32, String> {
    i32::try_from(index as u64 * 8).map_err(|_| "index beyond displacement range".to_string())
}

impl Emitter<'_> {
    fn load(&mut self, base: Value, index: u32) -> Result<Value, String> {
        let offset = displacement(index)?;
        Ok(self
            .builder
            .ins()
            .load(types::F64, MemFlagsData::trusted(), base, offset))
    }

    fn read(&mut self, register: u32) -> Result<Value, String> {
        match self.known.get(register as usize).copied().flatten() {
            Some(value) => Ok(value),
            None => self.load(self.registers, register),
        }
    }

    fn define(&mut self, register: u32, value: Value) -> Result<(), String> {
        let offset = displacement(register)?;
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), value, self.registers, offset);
        self.known[register as usize] = Some(value);
        Ok(())
    }

    fn constant(&mut self, value: f64) -> Value {
        self.builder.ins().f64const(value)
    }

    /// 1.0 where `condition` holds, else 0.0.
    fn truth(&mut self, condition: Value) -> Value {
        let (one, zero) = (self.constant(1.0), self.constant(0.0));
        self.builder.ins().select(condition, one, zero)
    }

    fn nonzero(&mut self, x: Value) -> Value {
        let zero = self.constant(0.0);
        self.builder.ins().fcmp(FloatCC::NotEqual, x, zero)
    }

    fn call(&mut self, symbol: &str, arguments: &[Value]) -> Value {
        let callee = self.calls[symbol];
        let call = self.builder.ins().call(callee, arguments);
        self.builder.inst_results(call)[0]
    }

    fn operation(
        &mut self,
        op: Op,
        t: Value,
        states: Value,
        parameters: Value,
    ) -> Result<Value, String> {
        Ok(match op {
            Op::Constant(value) => self.constant(value),
            Op::Parameter(index) => self.load(parameters, index)?,
            Op::State(index) => self.load(states, index)?,
            Op::Time => t,
            Op::Unary(kind, a) => {
                let a = self.read(a)?;
                self.unary(kind, a)?
            }
            Op::Square(a) => {
                let a = self.read(a)?;
                self.builder.ins().fmul(a, a)
            }
            Op::PowerInteger(a, n) => {
                let a = self.read(a)?;
                let n = self.builder.ins().iconst(types::I32, i64::from(n));
                self.call("cartsim_powi", &[a, n])
            }
            Op::Add(a, b) | Op::Subtract(a, b) | Op::Multiply(a, b) | Op::Divide(a, b) => {
                let (x, y) = (self.read(a)?, self.read(b)?);
                let ins = self.builder.ins();
                match op {
                    Op::Add(..) => ins.fadd(x, y),
                    Op::Subtract(..) => ins.fsub(x, y),
                    Op::Multiply(..) => ins.fmul(x, y),
                    _ => ins.fdiv(x, y),
                }
            }
            Op::Binary(op, a, b) => {
                let (x, y) = (self.read(a)?, self.read(b)?);
                self.binary(op, x, y)
            }
            Op::Select(condition, yes, no) => {
                let condition = self.read(condition)?;
                let (yes, no) = (self.read(yes)?, self.read(no)?);
                let holds = self.nonzero(condition);
                self.builder.ins().select(holds, yes, no)
            }
            Op::MultiplyAdd(a, b, c)
            | Op::MultiplySubtract(a, b, c)
            | Op::SubtractMultiply(a, b, c) => {
                let (x, y, z) = (self.read(a)?, self.read(b)?, self.read(c)?);
                let product = self.builder.ins().fmul(x, y);
                let ins = self.builder.ins();
                match op {
                    Op::MultiplyAdd(..) => ins.fadd(product, z),
                    Op::MultiplySubtract(..) => ins.fsub(product, z),
                    _ => ins.fsub(z, product),
                }
            }
        })
    }

    /// Negation, absolute values and square roots are single instructions, the logical
    /// negation a comparison; every other function calls the library.
    fn unary(&mut self, kind: UnaryKind, x: Value) -> Result<Value, String> {
        Ok(match kind {
            UnaryKind::Negate => self.builder.ins().fneg(x),
            UnaryKind::Abs => self.builder.ins().fabs(x),
            UnaryKind::Sqrt => self.builder.ins().sqrt(x),
            UnaryKind::Not => {
                let zero = self.constant(0.0);
                let is_zero = self.builder.ins().fcmp(FloatCC::Equal, x, zero);
                self.truth(is_zero)
            }
            _ => {
                let symbol = library::unary_symbol(kind)
                    .ok_or_else(|| format!("no library function computes {kind:?}"))?;
                self.call(symbol, &[x])
            }
        })
    }

    fn binary(&mut self, op: BinaryOp, a: Value, b: Value) -> Value {
        match op {
            BinaryOp::Add => self.builder.ins().fadd(a, b),
            BinaryOp::Subtract => self.builder.ins().fsub(a, b),
            BinaryOp::Multiply => self.builder.ins().fmul(a, b),
            BinaryOp::Divide => self.builder.ins().fdiv(a, b),
            BinaryOp::Power => self.call("cartsim_power", &[a, b]),
            BinaryOp::Min => self.call("cartsim_min", &[a, b]),
            BinaryOp::Max => self.call("cartsim_max", &[a, b]),
            BinaryOp::Less => self.compare(FloatCC::LessThan, a, b),
            BinaryOp::LessEqual => self.compare(FloatCC::LessThanOrEqual, a, b),
            BinaryOp::Greater => self.compare(FloatCC::GreaterThan, a, b),
            BinaryOp::GreaterEqual => self.compare(FloatCC::GreaterThanOrEqual, a, b),
            BinaryOp::Equal => self.compare(FloatCC::Equal, a, b),
            BinaryOp::NotEqual => self.compare(FloatCC::NotEqual, a, b),
            BinaryOp::And | BinaryOp::Or => {
                let (x, y) = (self.nonzero(a), self.nonzero(b));
                let both = if op == BinaryOp::And {
                    self.builder.ins().band(x, y)
                } else {
                    self.builder.ins().bor(x, y)
                };
                self.truth(both)
            }
        }
    }

    /// 1.0 where `a condition b` holds (ordered comparisons, and unordered for `!=`, as Rust's
    /// operators), else 0.0.
    fn compare(&mut self, condition: FloatCC, a: Value, b: Value) -> Value {
        let holds = self.builder.ins().fcmp(condition, a, b);
        self.truth(holds)
    }
}
