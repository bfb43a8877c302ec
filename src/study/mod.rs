//! Studies: a run file checked against its model. Scenarios crossed with a parameter grid make
//! the arms; every subject of the population runs in every arm; metrics, percentile bands and
//! summaries come out. `execute` is the parallel, reproducible batch; nothing here does I/O.

mod bands;
mod check;
mod execute;
mod metrics;
mod observations;
mod shard_rows;
mod shards;
mod sink;
mod summary;
mod tables;

pub use bands::{BandSet, RELATIVE_ERROR, Sketch};
pub use check::{StudyInputs, check, check_scenarios_in};
pub use execute::{Progress, execute};
pub use metrics::{MetricColumn, MetricRow, MetricSettings};
pub use shard_rows::{TableSource, cut_short};
pub use shards::{Merger, Shard, shard_subjects};
pub use sink::{Block, Collected, RunSink};
pub use summary::{
    ArmSummary, ArmValues, MetricSummary, RELAPSE_OBSERVATIONS_KEPT, StudyResult, Tally, summarize,
    visit_rows,
};
pub use tables::{
    SubjectRecord, TrajectorySelection, metrics_header, metrics_rows, percentiles_csv,
    subjects_header, subjects_rows, summary_csv, trajectories_header,
};

use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model, Regimen};
use crate::population::Population;
use crate::simulate::{RunTemplate, listed_times, output_times};

/// One arm: a scenario at one grid point, with its typical parameter values and doses.
#[derive(Debug, Clone)]
pub struct Arm {
    pub scenario: String,
    /// Values of the grid parameters (`Study::grid_names`), in order.
    pub grid: Vec<f64>,
    /// Typical parameter values (before covariates and random effects).
    pub parameters: Vec<f64>,
    pub regimen: Regimen,
}

impl Arm {
    /// `scenario` or `scenario [kill_max=0.5, ...]`: a name for figures and messages.
    pub fn label(&self, grid_names: &[String]) -> String {
        if grid_names.is_empty() {
            return self.scenario.clone();
        }
        let levels: Vec<String> = grid_names
            .iter()
            .zip(&self.grid)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("{} [{}]", self.scenario, levels.join(", "))
    }
}

/// One arm's typical subject: every covariate at its typical value, no random effects.
#[derive(Debug, Clone)]
pub struct TypicalSubject {
    pub parameters: Vec<f64>,
    /// Its doses (a per-kg amount at the typical weight), or why they cannot be computed.
    pub doses: Result<Vec<DoseEvent>, String>,
}

/// A checked run file: the model, the arms, the population and what to compute.
pub struct Study {
    pub model: Model,
    pub arms: Vec<Arm>,
    pub grid_names: Vec<String>,
    pub population: Population,
    pub metrics: MetricSettings,
    /// The run's span, output grid and solver (parameters and doses are set per subject).
    pub template: RunTemplate,
    /// (name, trajectory column) of the outputs whose percentile bands are computed.
    pub tracked: Vec<(String, usize)>,
    /// Units of the tracked outputs (empty when unknown), for figure labels.
    pub tracked_units: Vec<String>,
    /// What the run file should change but that does not stop the run (a deprecated key).
    pub warnings: Vec<Diagnostic>,
}

impl Study {
    /// Output times of every subject.
    pub fn output_times(&self) -> Vec<f64> {
        match &self.template.times {
            Some(listed) => listed_times(self.template.start, self.template.end, listed),
            None => output_times(self.template.start, self.template.end, self.template.step),
        }
    }

    /// Names of `SubjectRecord::covariates`.
    pub fn covariate_names(&self) -> Vec<String> {
        let table = self
            .population
            .table
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| c.0.clone()));
        table
            .chain(self.population.covariates.iter().map(|c| c.name.clone()))
            .collect()
    }

    /// The trajectory column of a state or output name.
    pub fn column(model: &Model, name: &str) -> Option<usize> {
        model.state_index(name).or_else(|| {
            model
                .outputs
                .iter()
                .position(|o| o.name == name)
                .map(|k| model.states.len() + k)
        })
    }

    /// The typical subject of `arm`, the same for its percentile curve, figure labels,
    /// sensitivity analyses and `run.json`.
    pub fn typical_subject(&self, arm: &Arm) -> TypicalSubject {
        let parameters = self.population.typical_parameters(&arm.parameters);
        let doses = arm.regimen.events(&parameters).map_err(|d| d.message);
        TypicalSubject { parameters, doses }
    }

    /// Keeps only the arms of the scenarios `names` (all when empty); refuses a name the run
    /// file (`run_file`) does not have.
    pub fn keep_scenarios(&mut self, names: &[String], run_file: &str) -> Result<(), Diagnostic> {
        if names.is_empty() {
            return Ok(());
        }
        let mut known: Vec<String> = self.arms.iter().map(|a| a.scenario.clone()).collect();
        known.dedup();
        if let Some(name) = names.iter().find(|name| !known.contains(name)) {
            return Err(Diagnostic::new(format!(
                "`--scenario {name}`: no such scenario in {run_file}"
            ))
            .suggest(name, known.iter().map(String::as_str))
            .note(format!("scenarios: {}", known.join(", "))));
        }
        self.arms.retain(|a| names.contains(&a.scenario));
        Ok(())
    }

    /// Every name a trajectory column can be asked for by: states, then outputs.
    pub fn column_names(model: &Model) -> Vec<&str> {
        model
            .states
            .iter()
            .map(|s| s.name.as_str())
            .chain(model.outputs.iter().map(|o| o.name.as_str()))
            .collect()
    }
}
