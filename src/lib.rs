//! cartsim: CAR T-cell therapy models written in YAML, compiled, and simulated.

// Diagnostics are large by design (message, location, hints) and only built on the error path.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod csv;
pub mod data;
pub mod diag;
pub mod expr;
pub mod fit;
pub mod gsa;
pub mod interrupt;
pub mod library;
pub mod metrics;
pub mod model;
pub mod output;
pub mod plot;
pub mod population;
pub mod present;
pub mod record;
pub mod report;
pub mod simulate;
pub mod solver;
pub mod spec;
pub mod study;
pub mod trajectory;
