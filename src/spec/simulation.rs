//! The `simulation:` block of a model file: time span, output grid and solver settings, with
//! their defaults (`end` may be left out when `times` are listed: the last one is the end).

pub use crate::solver::SolverName;
use serde::{Deserialize, Serialize};

/// How to fix `times: []` without an `end` (in a model's or a run file's `simulation:`): the
/// span then has no end.
pub const EMPTY_TIMES_HINT: &str = "list the output times, the last being the end (`times: [0, 7, 28]`), or give `end` and `step` instead (`end: 28, step: 1`)";

/// The `simulation:` block: time span, output grid and solver settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(from = "SimulationText")]
pub struct SimulationSpec {
    pub start: f64,
    /// As written, or else the last of `times`; NaN when neither is given (the model check
    /// refuses it).
    pub end: f64,
    /// Output interval; or give `times`.
    pub step: Option<f64>,
    /// Output at exactly these times (start and end are added).
    pub times: Option<Vec<f64>>,
    pub solver: SolverName,
    pub rtol: f64,
    pub atol: f64,
    pub rk4_step: Option<f64>,
    pub max_steps: u32,
}

/// The `simulation:` block as written: `end` may be left out when `times` are listed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulationText {
    #[serde(default)]
    start: f64,
    end: Option<f64>,
    step: Option<f64>,
    times: Option<Vec<f64>>,
    #[serde(default = "default_solver")]
    solver: SolverName,
    #[serde(default = "default_rtol")]
    rtol: f64,
    #[serde(default = "default_atol")]
    atol: f64,
    rk4_step: Option<f64>,
    #[serde(default = "default_max_steps")]
    max_steps: u32,
}

impl From<SimulationText> for SimulationSpec {
    fn from(text: SimulationText) -> Self {
        let last = text.times.as_ref().and_then(|t| t.last().copied());
        SimulationSpec {
            start: text.start,
            end: text.end.or(last).unwrap_or(f64::NAN),
            step: text.step,
            times: text.times,
            solver: text.solver,
            rtol: text.rtol,
            atol: text.atol,
            rk4_step: text.rk4_step,
            max_steps: text.max_steps,
        }
    }
}

impl SimulationSpec {
    /// The output grid: (step, listed times). A command-line `step` wins over listed `times`;
    /// with listed times only, the step (used as the scale for "the same time") is their
    /// smallest gap.
    pub fn grid(&self, step: Option<f64>) -> (f64, Option<Vec<f64>>) {
        match (step, &self.times) {
            (Some(step), _) => (step, None),
            (None, Some(times)) => {
                let span = self.end - self.start;
                let gap = times.windows(2).map(|w| w[1] - w[0]).fold(span, f64::min);
                (self.step.unwrap_or(gap), Some(times.clone()))
            }
            (None, None) => (self.step.unwrap_or(self.end - self.start), None),
        }
    }
}

fn default_solver() -> SolverName {
    SolverName::Auto
}
fn default_rtol() -> f64 {
    1e-6
}
fn default_atol() -> f64 {
    1e-6
}
fn default_max_steps() -> u32 {
    100_000
}
