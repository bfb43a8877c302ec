//! Model, run, trial and calibration files as written: YAML text read into typed specs, with source positions kept aside
//! for diagnostics. Nothing here evaluates an expression; `model` checks and compiles.

mod calibration;
mod figures;
mod kind;
mod load;
mod problems;
mod run;
mod simulation;
mod source_map;
mod trial;
mod types;

pub use calibration::{CalibrationSpec, EstimateSpec, TargetSpec};
pub use figures::FiguresSpec;
pub use kind::{FileKind, file_kind};
pub use load::{Loaded, LoadedModel, load_model, load_yaml, location};
pub use problems::Problems;
pub use run::{
    BoundsSpec, CovariateSpec, MetricsSpec, PeakSpec, PopulationSpec, RelapseSpec, ResidualSpec,
    ResponseSpec, RunOutputSpec, RunSpec, ScenarioSpec, SensitivitySpec, VariabilitySpec,
};
pub use simulation::EMPTY_TIMES_HINT;
pub use source_map::{Position, SourceMap};
pub use trial::{AccrualSpec, DesignSpec, EfficacySpec, ToxicitySpec, TrialSpec};
pub use types::{
    DoseSpec, EventSpec, ExprText, ModelSpec, OrderedMap, OutputSpec, ParameterSpec,
    SimulationSpec, SolverName, StateSpec,
};
