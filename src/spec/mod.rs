//! Model files as written: YAML text read into typed specs, with source positions kept aside
//! for diagnostics. Nothing here evaluates an expression; `model` checks and compiles.

mod load;
mod source_map;
mod types;

pub use load::{LoadedModel, load_model};
pub use source_map::{Position, SourceMap};
pub use types::{
    DoseSpec, EventSpec, ExprText, ModelSpec, OutputSpec, ParameterSpec, SimulationSpec,
    SolverName, StateSpec,
};
