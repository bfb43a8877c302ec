//! cartsim: CAR T-cell therapy models written in YAML, compiled, and simulated.
//!
//! The pipeline, top to bottom (each stage uses only the ones below it):
//! 1. [`spec`]: model, run and trial files as written (YAML text to typed specs with source positions).
//! 2. [`model`]: a spec checked and compiled; expressions lowered by [`expr`] to register programs.
//! 3. [`simulate::RunPlan`]: one run's parameters, doses, span, output grid and solver settings;
//!    [`study`], [`population`], [`data`] and [`fit`] make many from a [`simulate::RunTemplate`].
//! 4. [`simulate`]: the driver splits time at breakpoints and calls [`solver`] on each segment.
//! 5. [`trajectory`]: the states and outputs at the output times (and a column's peak).
//! 6. [`metrics`]: exposure, kinetic phases and response of a curve; summaries of a population.
//! 7. [`present`]: results and settings turned into named files (tables, [`plot`] figures,
//!    [`record`]s), without touching the disk; [`report`] reads a folder back through the records.
//! 8. [`cli`]: arguments resolved once, the pipeline run, files committed by [`output`].
//!
//! Beside the pipeline: [`diag`] (errors with where and how to fix), [`csv`] (tables as people
//! write them), [`sensitivity`] (sensitivity analysis), [`trial`] (dose-escalation designs, pure),
//! [`virtual_trial`] (those designs run over simulated virtual patients), [`calibrate`]
//! (a population fitted to published aggregate results), [`library`] (shipped models), [`version`] (which build), [`interrupt`] (the stop flag
//! and the signal handlers `cli` registers).

// Diagnostics are large by design (message, location, hints) and only built on the error path.
#![allow(clippy::result_large_err)]

pub mod calibrate;
pub mod cli;
pub mod csv;
pub mod data;
pub mod diag;
pub mod export;
pub mod expr;
pub mod fit;
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
pub mod sbml;
pub mod sensitivity;
pub mod simulate;
pub mod solver;
pub mod spec;
pub mod study;
pub mod trajectory;
pub mod trial;
pub mod version;
pub mod virtual_trial;
