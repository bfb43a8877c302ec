//! cartsim: CAR T-cell therapy models written in YAML, compiled, and simulated.

pub mod cli;
pub mod diag;
pub mod expr;
pub mod library;
pub mod model;
pub mod output;
pub mod plot;
pub mod simulate;
pub mod solver;
pub mod spec;
pub mod trajectory;
