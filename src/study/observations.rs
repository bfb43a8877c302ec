//! A run's simulated observations (`run --save-observations`): in every arm, each subject's
//! doses and the residual error's output observed at every output time, as NONMEM dataset rows
//! (`data::nonmem`). The deviates are the ones trajectories.csv's `observation` column uses, so
//! the two files agree wherever no observation is censored.

use super::{Arm, Study};
use crate::data::nonmem::{NonmemLayout, ObservationDesign, SubjectRecords};
use crate::diag::Diagnostic;
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

    /// The stride of observations.csv's IDs, worked out once per run: subject k of arm a
    /// (from 1) is ID a x stride + k, the stride the smallest power of ten above every subject
    /// ID (2017: subject 17 in the second arm of a population of at most 999), so that every
    /// ID of the file is one subject in one arm and its rows are contiguous; 0 in a run of one
    /// arm, whose IDs are the subjects' own. Refused when the last arm's IDs would not fit in
    /// 64 bits.
    pub(crate) fn observation_id_stride(&self) -> Result<u64, Diagnostic> {
        if self.arms.len() == 1 {
            return Ok(0);
        }
        let table = self.population.table.as_ref();
        let largest =
            (table.and_then(|t| t.ids.iter().max().copied())).unwrap_or(self.population.n);
        let (path, smaller) = match table {
            Some(_) => (
                "population.table",
                "number the table's subjects with smaller IDs",
            ),
            None => ("population.n", "use fewer subjects"),
        };
        let arms = self.arms.len() as u64;
        let mut stride = Some(10u64);
        while let Some(power) = stride.filter(|&power| power <= largest) {
            stride = power.checked_mul(10);
        }
        let last = stride.and_then(|s| s.checked_mul(arms)?.checked_add(largest));
        match (stride, last) {
            (Some(stride), Some(_)) => Ok(stride),
            _ => Err(Diagnostic::new(format!(
                "observations.csv numbers subject k of scenario (arm) a as a x 10^m + k, with 10^m above every subject ID; with {arms} arms and IDs up to {largest} these pass the largest ID, {}",
                u64::MAX
            ))
            .path(path)
            .hint(format!("save the observations of one scenario at a time (`--scenario NAME`), or {smaller}"))),
        }
    }

    /// Appends the rows of `subject` in `arms[arm_index]` to `text`, under its ID with
    /// `id_stride` (`observation_id_stride`); returns the first
    /// simulated observation that is not a finite number (of a finite prediction), described.
    pub(crate) fn write_observations(
        &self,
        text: &mut String,
        (arm_index, arm): (usize, &Arm),
        id_stride: u64,
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
            id: (arm_index as u64 + 1) * id_stride + subject.id,
            arm: arm_index + 1,
            covariates: &covariates,
            doses: &doses,
            resets: &[],
            other_events: &[],
            times: &trajectory.times[..rows],
            before_doses: &[],
            predictions: &predictions,
            deviates,
        };
        let (time, prediction, observation) = layout.write_subject(text, &design, &records)?;
        Some(format!(
            "the simulated observation for subject {} in scenario `{}` at time {} is {observation} (prediction {}, residual error {})",
            subject.id,
            arm.scenario,
            crate::diag::number(time),
            crate::diag::number(prediction),
            design.residual.describe()
        ))
    }
}
