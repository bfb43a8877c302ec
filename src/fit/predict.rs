//! Predictions of one subject's observations by simulating the model at the observation
//! times, with derivatives from the forward sensitivity system or, as the checked fallback,
//! central finite differences.

use super::{Prediction, Predictor};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::simulate::{RunPlan, simulate};
use crate::trajectory::Trajectory;

/// Relative step of the finite-difference fallback (central differences: truncation error
/// about step^2, rounding about rtol/step, balanced near 1e-4 for rtol 1e-10).
const DIFFERENCE_STEP: f64 = 1e-4;

/// How a `SimulatedSubject` computes the derivatives of its predictions.
#[derive(Clone, Copy)]
pub enum Gradient<'a> {
    /// Forward sensitivity equations: one simulation of `sensitivity`, which must be
    /// `model.sensitivity_model(&estimated)` (built once, shared by every subject).
    Sensitivity(&'a Model),
    /// Central differences of the plain model, two simulations per parameter: the checked
    /// fallback, for models the sensitivity equations refuse.
    FiniteDifference,
}

/// One subject: a run plan (its parameters, covariates included, and doses; output at the
/// observation times) and the trajectory column each observation reads. The plan's doses are
/// numbers, fixed whatever the estimated parameters (by either gradient).
pub struct SimulatedSubject<'a> {
    pub model: &'a Model,
    pub plan: RunPlan,
    /// Indices of the estimated parameters.
    pub estimated: Vec<usize>,
    /// Where each observation reads the trajectory.
    pub observations: Vec<ObservedPoint>,
    pub gradient: Gradient<'a>,
}

/// Where one observation reads a subject's trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservedPoint {
    pub time: f64,
    /// The column of the plain model's trajectory: states then outputs.
    pub column: usize,
    /// The row before the doses at `time` (the plan's `before_doses` lists the time).
    pub before_doses: bool,
}

impl From<&crate::data::Observation> for ObservedPoint {
    fn from(observation: &crate::data::Observation) -> Self {
        ObservedPoint {
            time: observation.time,
            column: observation.column,
            before_doses: observation.before_doses,
        }
    }
}

impl SimulatedSubject<'_> {
    /// `model`'s trajectory at the estimated `parameters`.
    fn simulate_at(&self, model: &Model, parameters: &[f64]) -> Result<Trajectory, Diagnostic> {
        let mut values = self.plan.parameters.clone();
        for (&index, &value) in self.estimated.iter().zip(parameters) {
            values[index] = value;
        }
        let plan = RunPlan {
            parameters: values,
            ..self.plan.clone()
        };
        let simulation = simulate(model, &plan).map_err(|e| {
            let diagnostic = e.diagnostic();
            Diagnostic {
                message: format!("the simulation failed {}", diagnostic.message),
                ..diagnostic
            }
        })?;
        Ok(simulation.trajectory)
    }

    /// The predictions at the estimated `parameters`, without derivatives.
    pub fn values(&self, parameters: &[f64]) -> Result<Vec<f64>, Diagnostic> {
        let trajectory = self.simulate_at(self.model, parameters)?;
        self.read(&trajectory, |column| column)
    }

    /// The observed columns at the observation times; `column` maps a column of the plain
    /// model's trajectory to the one read.
    fn read(
        &self,
        trajectory: &Trajectory,
        column: impl Fn(usize) -> usize,
    ) -> Result<Vec<f64>, Diagnostic> {
        let width = trajectory.columns.len();
        self.observations
            .iter()
            .map(|point| {
                let row = trajectory
                    .row_at(point.time, point.before_doses)
                    .ok_or_else(|| {
                        Diagnostic::new(format!("no output at the observation time {}", point.time))
                    })?;
                Ok(trajectory.values[row * width + column(point.column)])
            })
            .collect()
    }

    /// Values and exact derivatives from one simulation of the sensitivity model.
    fn predict_sensitivity(
        &self,
        sensitivity: &Model,
        parameters: &[f64],
    ) -> Result<Prediction, Diagnostic> {
        let layout = sensitivity
            .sensitivity_layout()
            .filter(|layout| layout.parameters == self.estimated)
            .ok_or_else(|| {
                Diagnostic::new("the sensitivity model is not the one for the estimated parameters")
            })?;
        let trajectory = self.simulate_at(sensitivity, parameters)?;
        let values = self.read(&trajectory, |c| layout.value_column(c))?;
        let mut jacobian = vec![vec![0.0; parameters.len()]; values.len()];
        for j in 0..parameters.len() {
            let column = self.read(&trajectory, |c| layout.derivative_column(c, j))?;
            for (row, value) in jacobian.iter_mut().zip(column) {
                row[j] = value;
            }
        }
        Ok(Prediction { values, jacobian })
    }
}

impl Predictor for SimulatedSubject<'_> {
    fn predict(&self, parameters: &[f64]) -> Result<Prediction, Diagnostic> {
        if let Gradient::Sensitivity(sensitivity) = self.gradient {
            return self.predict_sensitivity(sensitivity, parameters);
        }
        let values = self.values(parameters)?;
        let mut jacobian = vec![vec![0.0; parameters.len()]; values.len()];
        for k in 0..parameters.len() {
            let step = DIFFERENCE_STEP * parameters[k].abs().max(1e-12);
            let mut up = parameters.to_vec();
            let mut down = parameters.to_vec();
            up[k] += step;
            down[k] -= step;
            let (high, low) = (self.values(&up)?, self.values(&down)?);
            for (row, (h, l)) in jacobian.iter_mut().zip(high.iter().zip(&low)) {
                row[k] = (h - l) / (2.0 * step);
            }
        }
        Ok(Prediction { values, jacobian })
    }
}
