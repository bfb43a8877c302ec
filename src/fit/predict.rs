//! Predictions of one subject's observations by simulating the model at the observation
//! times, with derivatives from the forward sensitivity system or, as the checked fallback,
//! central finite differences.

use super::{Prediction, Predictor};
use crate::model::Model;
use crate::simulate::{RunPlan, simulate};
use crate::trajectory::Trajectory;

/// Relative step of the finite-difference fallback (central differences: truncation error
/// about step^2, rounding about rtol/step, balanced near 1e-4 for rtol 1e-10).
const DIFFERENCE_STEP: f64 = 1e-4;

/// One subject: a run plan (its parameters, covariates included, and doses; output at the
/// observation times) and the trajectory column each observation reads.
pub struct SimulatedSubject<'a> {
    pub model: &'a Model,
    pub plan: RunPlan,
    /// Indices of the estimated parameters.
    pub estimated: Vec<usize>,
    /// (time, trajectory column) of each observation.
    pub observations: Vec<(f64, usize)>,
}

impl SimulatedSubject<'_> {
    fn values_at(&self, parameters: &[f64]) -> Result<Vec<f64>, String> {
        let mut values = self.plan.parameters.clone();
        for (&index, &value) in self.estimated.iter().zip(parameters) {
            values[index] = value;
        }
        let plan = RunPlan {
            parameters: values,
            ..self.plan.clone()
        };
        let simulation = simulate(self.model, &plan)
            .map_err(|e| format!("the simulation failed at time {}: {}", e.time, e.message))?;
        self.read(&simulation.trajectory)
    }

    /// The observed columns at the observation times.
    fn read(&self, trajectory: &Trajectory) -> Result<Vec<f64>, String> {
        let width = trajectory.columns.len();
        self.observations
            .iter()
            .map(|&(time, column)| {
                let row = trajectory
                    .times
                    .binary_search_by(|t| t.total_cmp(&time))
                    .map_err(|_| format!("no output at the observation time {time}"))?;
                Ok(trajectory.values[row * width + column])
            })
            .collect()
    }
}

impl Predictor for SimulatedSubject<'_> {
    fn predict(&self, parameters: &[f64]) -> Result<Prediction, String> {
        let values = self.values_at(parameters)?;
        let mut jacobian = vec![vec![0.0; parameters.len()]; values.len()];
        for k in 0..parameters.len() {
            let step = DIFFERENCE_STEP * parameters[k].abs().max(1e-12);
            let mut up = parameters.to_vec();
            let mut down = parameters.to_vec();
            up[k] += step;
            down[k] -= step;
            let (high, low) = (self.values_at(&up)?, self.values_at(&down)?);
            for (row, (h, l)) in jacobian.iter_mut().zip(high.iter().zip(&low)) {
                row[k] = (h - l) / (2.0 * step);
            }
        }
        Ok(Prediction { values, jacobian })
    }
}
