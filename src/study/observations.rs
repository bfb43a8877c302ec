//! A run's simulated observations (`run --save-observations`): in every arm, each subject's
//! doses and the residual error's output observed at every output time, as NONMEM dataset rows
//! (`data::nonmem`). The deviates are the ones trajectories.csv's `observation` column uses, so
//! the two files agree wherever no observation is censored.

use super::{Arm, Study};
use crate::data::nonmem::{NonmemLayout, ObservationDesign, SubjectRecords};
use crate::population::Subject;
use crate::simulate::Simulation;

impl Study {
    /// What observations.csv observes: the residual error's column, model and LLOQ (`None`
    /// when the population has no `residual`).
    pub fn observation_design(&self) -> Option<ObservationDesign> {
        let residual = self.population.residual.as_ref()?;
        Some(ObservationDesign {
            column: Study::column(&self.model, &residual.output)?,
            residual: residual.model,
            lloq: residual.lloq,
        })
    }

    /// observations.csv's layout: covariate columns for the population's covariates (table
    /// columns, then sampled ones), an ARM column when there are several arms.
    fn observations_layout(&self, design: &ObservationDesign) -> NonmemLayout {
        let covariates: Vec<usize> = (self.population.typical_covariates().iter())
            .map(|c| c.0)
            .collect();
        NonmemLayout::new(&self.model, design, &covariates, self.arms.len())
    }

    /// observations.csv's header line (`None` without a residual error).
    pub fn observations_header(&self) -> Option<String> {
        let design = self.observation_design()?;
        Some(self.observations_layout(&design).header())
    }

    /// The dataset ID of `subject` in arm `arm_index` (from 0): its own ID in a run of one
    /// arm; else arm number (from 1) x a power of ten above every subject ID, plus its ID
    /// (2017: subject 17 in the second arm of a population of at most 999), so that every ID
    /// of the file is one subject in one arm and its rows are contiguous.
    fn dataset_id(&self, arm_index: usize, subject: &Subject) -> u64 {
        if self.arms.len() == 1 {
            return subject.id;
        }
        let largest = (self.population.table.as_ref())
            .and_then(|t| t.ids.iter().max().copied())
            .unwrap_or(self.population.n);
        let mut stride = 10u64;
        while stride <= largest {
            stride = stride.saturating_mul(10);
        }
        (arm_index as u64 + 1) * stride + subject.id
    }

    /// Appends the rows of `subject` in `arms[arm_index]` to `text`; returns the first
    /// simulated observation that is not a finite number (of a finite prediction), described.
    pub(crate) fn write_observations(
        &self,
        text: &mut String,
        (arm_index, arm): (usize, &Arm),
        subject: &Subject,
        simulation: &Simulation,
        deviates: &[f64],
    ) -> Option<String> {
        let design = self.observation_design()?;
        let layout = self.observations_layout(&design);
        let parameters = self
            .population
            .individual_parameters(&arm.parameters, subject);
        let doses = arm.regimen.events(&parameters).unwrap_or_default();
        let trajectory = &simulation.trajectory;
        let rows = trajectory.times.len().min(deviates.len());
        let predictions: Vec<f64> = (0..rows)
            .map(|row| trajectory.row(row)[design.column])
            .collect();
        let covariates: Vec<f64> = subject.covariates.iter().map(|c| c.1).collect();
        let records = SubjectRecords {
            id: self.dataset_id(arm_index, subject),
            arm: arm_index + 1,
            covariates: &covariates,
            doses: &doses,
            resets: &[],
            other_events: &[],
            times: &trajectory.times[..rows],
            predictions: &predictions,
            deviates,
        };
        let (time, prediction, observation) = layout.write_subject(text, &design, &records)?;
        Some(format!(
            "the simulated observation for subject {} in scenario `{}` at time {} is {observation} (prediction {}, residual error {:?})",
            subject.id,
            arm.scenario,
            crate::diag::number(time),
            crate::diag::number(prediction),
            design.residual
        ))
    }
}
