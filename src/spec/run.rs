//! The typed form of a run file (scenarios, grid, virtual population, metrics), as written.

use super::types::{DoseSpec, OrderedMap, SolverName};
use crate::diag::Diagnostic;
use serde::Deserialize;

/// A whole run file as written. Paths are relative to the run file's folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// The model file.
    pub model: String,
    /// A named parameter set of the model, applied before everything else.
    pub params: Option<String>,
    /// Span, output grid and solver (`simulation:`, as in model files).
    simulation: Option<RunOutputSpec>,
    /// The same block under its former name (accepted with a deprecation warning).
    output: Option<RunOutputSpec>,
    /// Named scenarios; none means one scenario `base` with the model's own doses.
    #[serde(default)]
    pub scenarios: OrderedMap<ScenarioSpec>,
    /// Cartesian product over parameter values, crossed with every scenario.
    #[serde(default)]
    pub grid: OrderedMap<Vec<f64>>,
    /// The virtual population; none means one typical subject.
    pub population: Option<PopulationSpec>,
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Settings of `cartsim sensitivity` (the command line overrides them).
    pub sensitivity: Option<SensitivitySpec>,
    /// Formats and size of the figures (the command line overrides them).
    pub figures: Option<super::FiguresSpec>,
}

/// The `simulation:` block (formerly `output:`): span, output grid, solver settings and the
/// outputs to summarize. Unset fields keep the model file's `simulation:` values.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOutputSpec {
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub step: Option<f64>,
    /// Output at exactly these times (start and end are added), as in model files; `end`
    /// defaults to the last.
    pub times: Option<Vec<f64>>,
    /// Outputs (or states) whose percentile bands are computed; default: every output.
    pub outputs: Option<Vec<String>>,
    pub solver: Option<SolverName>,
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
}

/// No `simulation:` block: everything as in the model file.
const MODEL_SIMULATION: RunOutputSpec = RunOutputSpec {
    start: None,
    end: None,
    step: None,
    times: None,
    outputs: None,
    solver: None,
    rtol: None,
    atol: None,
};

impl RunSpec {
    /// The `simulation:` block (or the deprecated `output:`), empty when there is none.
    pub fn simulation(&self) -> &RunOutputSpec {
        (self.simulation.as_ref())
            .or(self.output.as_ref())
            .unwrap_or(&MODEL_SIMULATION)
    }

    /// The key the block is written under, for messages (`simulation` unless only the
    /// deprecated `output` is).
    pub fn simulation_key(&self) -> &'static str {
        match (&self.simulation, &self.output) {
            (None, Some(_)) => "output",
            _ => "simulation",
        }
    }

    /// Both `simulation:` and `output:` given, or the deprecated `output:` alone.
    pub fn simulation_key_problem(&self) -> Option<Diagnostic> {
        match (&self.simulation, &self.output) {
            (Some(_), Some(_)) => Some(
                Diagnostic::new("the run file has both `simulation:` and `output:`").hint(
                    "`output:` is the former name of `simulation:`: merge them into `simulation:`",
                ),
            ),
            (None, Some(_)) => Some(
                Diagnostic::warning("`output:` in a run file is deprecated")
                    .hint("rename the block `simulation:`, as in model files (same keys)"),
            ),
            _ => None,
        }
    }
}

/// One scenario: parameter overrides and/or doses replacing the model's own.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// A named parameter set of the model, applied over the run's `params`.
    pub params: Option<String>,
    #[serde(default)]
    pub parameters: OrderedMap<f64>,
    pub doses: Option<Vec<DoseSpec>>,
}

/// The `population:` block.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// Number of subjects; with a `table`, at most its row count (default: all rows).
    pub n: Option<u64>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Random effects per parameter, in file order.
    #[serde(default)]
    pub variability: OrderedMap<VariabilitySpec>,
    /// Correlations between random effects: `a~b: r`.
    #[serde(default)]
    pub correlations: OrderedMap<f64>,
    /// Sampled covariates (each names a model parameter, e.g. `weight`).
    #[serde(default)]
    pub covariates: OrderedMap<CovariateSpec>,
    /// A CSV with one row per subject: an optional `ID` column and columns named after model
    /// parameters, whose values the subject takes.
    pub table: Option<String>,
    /// Residual error for simulated observations (written to trajectories.csv).
    pub residual: Option<ResidualSpec>,
}

fn default_seed() -> u64 {
    1
}

/// Between-subject variability of one parameter: `omega` is the SD on the scale of
/// `distribution`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariabilitySpec {
    pub omega: f64,
    #[serde(default = "default_distribution")]
    pub distribution: String,
}

fn default_distribution() -> String {
    "lognormal".into()
}

/// A sampled covariate: lognormal (`median`, `omega`), normal (`mean`, `sd`) or uniform
/// (`min`, `max`); `min`/`max` truncate the other two.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CovariateSpec {
    pub distribution: String,
    pub median: Option<f64>,
    pub omega: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Residual error added to one output for simulated observations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidualSpec {
    pub output: String,
    /// additive, proportional, combined or exponential.
    pub model: String,
    /// SD: of the additive error, the proportional error (a fraction), or log scale.
    pub sd: f64,
    /// With `combined`: the additive SD (`sd` is then the proportional one).
    pub sd_additive: Option<f64>,
    /// Limit of quantification: observations below it are censored in observations.csv
    /// (`run --save-observations`).
    pub lloq: Option<f64>,
}

/// The `metrics:` block.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// The CAR T output exposure metrics run on.
    pub exposure: Option<String>,
    /// The tumor output response metrics run on.
    pub tumor: Option<String>,
    /// Limit of quantification of the exposure output (persistence: last time above it).
    pub lloq: Option<f64>,
    pub response: Option<ResponseSpec>,
    pub relapse: Option<RelapseSpec>,
    /// Contraction half-life window: this long after Tmax (default 14).
    pub contraction_window: Option<f64>,
    /// Persistence half-life window: from this long after Tmax to Tlast (default 60).
    pub persistence_from: Option<f64>,
    /// Where Cmax and Tmax are read: on the solver's solution (default) or on the output grid.
    pub peak: Option<PeakSpec>,
}

/// `metrics.peak`: Cmax and Tmax located on the solver's solution between output times (two
/// more solves of the windows around the grid peak), or read off the output grid as NCA of
/// sampled data does (faster; never above the solution's peak).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeakSpec {
    Solution,
    Grid,
}

/// Response: the tumor output below `below` by time `by`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    pub below: f64,
    pub by: f64,
}

/// Relapse: after a response, the tumor output rising above `above`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelapseSpec {
    pub above: f64,
}

/// The `sensitivity:` block: what `cartsim sensitivity` analyses by default.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivitySpec {
    /// The scenario analysed (default: the first).
    pub scenario: Option<String>,
    /// Parameters analysed (default: those with `bounds`, then those with variability).
    pub parameters: Option<Vec<String>>,
    /// Metrics analysed: metric columns (`cmax`, `auc_0_28`, ...) or `OUTPUT@TIME`.
    pub metrics: Option<Vec<String>>,
    /// Explicit ranges, preferred over the variability's 5th-95th percentiles.
    #[serde(default)]
    pub bounds: OrderedMap<BoundsSpec>,
    /// Local method: the fractional change of the tornado chart (default 0.2).
    pub change: Option<f64>,
    /// Sobol: base samples N; Morris: trajectories r.
    pub n: Option<u64>,
    pub seed: Option<u64>,
    /// Morris: grid levels p (even; default 4).
    pub levels: Option<u32>,
    /// Sobol: bootstrap resamples (default 1000).
    pub bootstrap: Option<u32>,
}

/// An explicit range: uniform between `min` and `max` on a `linear` (default) or `log` scale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundsSpec {
    pub min: f64,
    pub max: f64,
    pub scale: Option<String>,
}
