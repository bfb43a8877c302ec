//! The records of `cartsim simulate` (run.json): what the run used (model file, parameters,
//! time span, solver settings), then, for one simulation, its doses, events and solver work
//! (`SimulateRecord`), or, with `--data`, the dataset and one entry per ID
//! (`SimulateDataRecord`).

use super::Record;
use super::dataset::DatasetFacts;
use super::provenance::Provenance;
use super::{DoseRecord, ModelFile, TimeSpan};
use crate::diag::Diagnostic;
use crate::solver::{MethodSwitch, SolverOptions, Stats};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An event that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event: String,
    pub time: f64,
}

/// What every `simulate` run used: the program and command, the model file, the parameters
/// (by name), the time span and grid, and the solver settings with each state's absolute
/// tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationSetup {
    pub cartsim_version: String,
    /// The git commit of the build (`version::COMMIT`); empty in records written before it.
    #[serde(default)]
    pub cartsim_commit: String,
    pub command: Vec<String>,
    pub model: ModelFile,
    /// `--params`: the named parameter set used, if any.
    pub parameter_set: Option<String>,
    pub parameters: BTreeMap<String, f64>,
    pub time: TimeSpan,
    pub solver: SolverOptions,
    pub absolute_tolerances: BTreeMap<String, f64>,
}

/// run.json of `cartsim simulate`: one simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulateRecord {
    pub format_version: u32,
    pub provenance: Provenance,
    #[serde(flatten)]
    pub setup: SimulationSetup,
    pub doses: Vec<DoseRecord>,
    pub solver_statistics: Stats,
    pub events: Vec<EventRecord>,
    /// When a `stop` event ended the run early.
    pub stopped_at: Option<f64>,
    pub method_switch: Option<MethodSwitch>,
    pub warnings: Vec<String>,
    pub wall_time_seconds: f64,
}

/// run.json of `cartsim simulate --data`: one simulation per ID of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulateDataRecord {
    pub format_version: u32,
    pub provenance: Provenance,
    #[serde(flatten)]
    pub setup: SimulationSetup,
    pub data: SimulatedDataset,
    /// The dataset's warnings, then each ID's (prefixed `ID <id>: `).
    pub warnings: Vec<String>,
    pub wall_time_seconds: f64,
}

/// The dataset of `simulate --data` and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedDataset {
    #[serde(flatten)]
    pub facts: DatasetFacts,
    /// `--output`: the output observations without a DVID belong to.
    pub default_output: Option<String>,
    /// Figures drawn (figures/ID_<id>.png).
    pub figures: usize,
    pub subjects: Vec<SubjectRun>,
}

/// One ID's simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectRun {
    pub id: String,
    /// The dataset row of its first record.
    pub first_row: usize,
    /// Parameter values from covariate columns, by parameter name.
    pub covariates: BTreeMap<String, f64>,
    pub doses: Vec<DoseRecord>,
    /// Observations in the dataset.
    pub observations: usize,
    /// Times of EVID 2 rows and MDV = 1 observation rows.
    pub output_times: Vec<f64>,
    /// Times of EVID 3 and 4 rows.
    pub resets: Vec<f64>,
    /// First and last time simulated.
    pub span: [Option<f64>; 2],
    pub solver_statistics: Stats,
    pub stopped_at: Option<f64>,
    pub method_switch: Option<MethodSwitch>,
}

impl Record for SimulateRecord {
    const FILE: &'static str = "run.json";
    const FORMAT_VERSION: u32 = 1;
}

impl Record for SimulateDataRecord {
    const FILE: &'static str = "run.json";
    const FORMAT_VERSION: u32 = 1;
}

/// The run.json of a `simulate` folder, with or without `--data`.
#[derive(Debug, Clone, PartialEq)]
pub enum SimulateRun {
    Single(SimulateRecord),
    Data(SimulateDataRecord),
}

impl SimulateRun {
    /// Reads run.json of a `simulate` folder (see `record::from_json`): a `data` entry makes it
    /// the record of `simulate --data`.
    pub fn from_json(text: &str, path: &str) -> Result<SimulateRun, Diagnostic> {
        let with_data = serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|value| value.get("data").is_some());
        if with_data {
            super::from_json(text, path).map(SimulateRun::Data)
        } else {
            super::from_json(text, path).map(SimulateRun::Single)
        }
    }

    /// What the run used (model file, parameters, time span, solver settings).
    pub fn setup(&self) -> &SimulationSetup {
        match self {
            SimulateRun::Single(record) => &record.setup,
            SimulateRun::Data(record) => &record.setup,
        }
    }

    /// The model's title.
    pub fn title(&self) -> &str {
        &self.setup().model.title
    }

    /// The doses of one simulation; none with `--data` (each ID has its own, see `subjects`).
    pub fn doses(&self) -> &[DoseRecord] {
        match self {
            SimulateRun::Single(record) => &record.doses,
            SimulateRun::Data(_) => &[],
        }
    }

    /// The IDs simulated with `--data`; none for one simulation.
    pub fn subjects(&self) -> &[SubjectRun] {
        match self {
            SimulateRun::Single(_) => &[],
            SimulateRun::Data(record) => &record.data.subjects,
        }
    }

    pub fn provenance(&self) -> &Provenance {
        match self {
            SimulateRun::Single(record) => &record.provenance,
            SimulateRun::Data(record) => &record.provenance,
        }
    }
}
