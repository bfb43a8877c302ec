//! The library functions native code calls: each runs the interpreter's own arithmetic (the
//! same Rust function, so the same libm call), which keeps both bit-identical.

use crate::expr::graph::UnaryKind;
use crate::expr::parse::BinaryOp;
use crate::expr::program::{apply_binary, apply_unary};
use cranelift_codegen::ir::types;

/// Defines the library: `unary` lists the one-argument operations called by symbol (the rest
/// are single instructions), then functions with their own signatures and bodies.
macro_rules! library {
    (
        unary { $($kind:ident: $unary:ident;)* }
        $($name:ident: fn($($argument:ident: $type:ty),*) = $body:expr;)*
    ) => {
        $(extern "C" fn $unary(x: f64) -> f64 { apply_unary(UnaryKind::$kind, x) })*
        $(extern "C" fn $name($($argument: $type),*) -> f64 { $body })*

        /// (symbol, address, argument types) of every library function.
        pub(super) fn library() -> Vec<(&'static str, *const u8, Vec<types::Type>)> {
            vec![
                $((stringify!($unary), $unary as *const u8, vec![types::F64]),)*
                $((
                    stringify!($name),
                    $name as *const u8,
                    vec![$(native_type::<$type>()),*],
                ),)*
            ]
        }

        /// The symbol of the library function computing `kind`, if it is called.
        pub(super) fn unary_symbol(kind: UnaryKind) -> Option<&'static str> {
            match kind {
                $(UnaryKind::$kind => Some(stringify!($unary)),)*
                _ => None,
            }
        }
    };
}

library! {
    unary {
        Exp: cartsim_exp;
        Ln: cartsim_ln;
        Log10: cartsim_log10;
        Sin: cartsim_sin;
        Cos: cartsim_cos;
        Tan: cartsim_tan;
        Asin: cartsim_asin;
        Acos: cartsim_acos;
        Atan: cartsim_atan;
        Sinh: cartsim_sinh;
        Cosh: cartsim_cosh;
        Tanh: cartsim_tanh;
        Asinh: cartsim_asinh;
        Acosh: cartsim_acosh;
        Atanh: cartsim_atanh;
        Floor: cartsim_floor;
        Ceil: cartsim_ceil;
    }
    cartsim_power: fn(a: f64, b: f64) = apply_binary(BinaryOp::Power, a, b);
    cartsim_min: fn(a: f64, b: f64) = apply_binary(BinaryOp::Min, a, b);
    cartsim_max: fn(a: f64, b: f64) = apply_binary(BinaryOp::Max, a, b);
    cartsim_powi: fn(x: f64, n: i32) = x.powi(n);
}

/// The Cranelift type of an argument of a library function.
fn native_type<T: 'static>() -> types::Type {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<i32>() {
        types::I32
    } else {
        types::F64
    }
}
