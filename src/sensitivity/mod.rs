//! Sensitivity analysis: which parameters drive a model's outputs. The estimators (Sobol'
//! indices with bootstrap intervals, Morris elementary effects, local normalized coefficients)
//! are pure functions of sampled points and the outputs computed there, so they are checked on
//! functions with known answers; `ranges` maps run-file parameters onto the unit cube and
//! `evaluate` computes a study's metrics at many points in parallel and reproducibly.

mod analysis;
mod design;
mod evaluate;
mod local;
mod morris;
mod ranges;
mod setup;
mod sobol;
mod tables;

pub use crate::study::Progress;
pub use analysis::{
    Failures, LOCAL_RTOL, LOCAL_STEP, LocalResult, MorrisResult, SobolOutcome, evaluation_count,
    forward_system, local, morris, sobol,
};
pub use design::{SaltelliDesign, unit_points};
pub use evaluate::{Evaluation, Evaluator, MetricChoice};
pub use local::{LocalDesign, LocalEffect};
pub use morris::{MorrisDesign, MorrisEffect};
pub use ranges::{ParameterRange, RangeKind, VARIABILITY_COVERAGE};
pub use setup::{DEFAULT_MORRIS_N, DEFAULT_SOBOL_N, Method, Overrides, Setup, setup};
pub use sobol::{Bootstrap, IndexEstimate, SobolIndex, SobolResult, sobol_indices};
pub use tables::{local_curves_csv, local_metrics_csv, morris_csv, sobol_csv};
