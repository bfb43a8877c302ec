//! One evaluation of a calibration: the fixed virtual patients simulated with the quantities'
//! values written into the study, each target's simulated statistic, and its contribution to
//! -2 log-likelihood.

use super::{Calibration, QuantityKind, Statistic, Target, smooth};
use crate::diag::Diagnostic;
use crate::metrics::summary::quantile;
use crate::population::Population;
use crate::study::{Arm, MetricColumn};
use crate::trajectory::Trajectory;
use rayon::prelude::*;

/// A target at one point: the simulated statistic and its share of -2LL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetValue {
    pub simulated: f64,
    pub contribution: f64,
}

/// The objective at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// -2 log-likelihood of all targets (counts as deviances).
    pub objective: f64,
    pub targets: Vec<TargetValue>,
    /// Patient simulations that failed (left out of the statistics).
    pub failed: usize,
}

/// Per target, one entry per patient (NaN: failed or undefined): the response and relapse
/// margins of a smoothed count, or a 0/1 or the metric first.
pub(super) struct PatientValues {
    pub values: Vec<Vec<[f64; 2]>>,
    pub failed: usize,
}

impl Calibration {
    /// The arms and population with `values` (one per quantity) written in, seeded with the
    /// calibration's seed.
    fn study_at(&self, values: &[f64]) -> (Vec<Arm>, Population) {
        let mut arms = self.study.arms.clone();
        let mut population = self.study.population.clone();
        let mut omegas: Vec<f64> = (population.effects.parameters.iter())
            .map(|e| e.2)
            .collect();
        for (quantity, &value) in self.quantities.iter().zip(values) {
            match quantity.kind {
                QuantityKind::Typical => arms
                    .iter_mut()
                    .for_each(|a| a.parameters[quantity.index] = value),
                QuantityKind::Omega(k) => omegas[k] = value,
            }
        }
        population.effects = population.effects.with_omegas(&omegas);
        population.seed = self.seed;
        (arms, population)
    }

    /// A target's value for one patient: its margins (smoothed counts), 0/1 (an event), or
    /// the metric, as the first entry.
    fn patient_value(&self, target: &Target, metrics: &[f64], trajectory: &Trajectory) -> [f64; 2] {
        let value = metrics[target.column];
        match (&self.study.metrics.tumor, &self.study.metrics.response) {
            (Some((_, tumor)), Some(criteria)) if target.smoothed().is_some() => {
                smooth::margins(trajectory, *tumor, criteria)
            }
            _ => match target.kind {
                MetricColumn::Event(_) if target.counts() => {
                    [f64::from(u8::from(value.is_finite())), f64::NAN]
                }
                _ => [value, f64::NAN],
            },
        }
    }

    /// Every patient simulated in the arms the targets name.
    pub(super) fn patient_values(&self, values: &[f64]) -> Result<PatientValues, Diagnostic> {
        let (arms, population) = self.study_at(values);
        let mut arms_used: Vec<usize> = self.targets.iter().map(|t| t.arm).collect();
        arms_used.sort_unstable();
        arms_used.dedup();
        let per_subject: Vec<(Vec<[f64; 2]>, usize)> = (0..self.subjects)
            .into_par_iter()
            .map(|index| -> Result<(Vec<[f64; 2]>, usize), Diagnostic> {
                let subject = population
                    .subject(index)
                    .map_err(|m| crate::population::sampling_failed(&m))?;
                let mut row = vec![[f64::NAN; 2]; self.targets.len()];
                let mut failed = 0;
                for &arm in &arms_used {
                    let parameters =
                        population.individual_parameters(&arms[arm].parameters, &subject);
                    let Ok(run) =
                        self.study
                            .simulate_arm(&arms[arm], parameters, &self.study.template)
                    else {
                        failed += 1;
                        continue;
                    };
                    let metrics = self.study.metrics.compute(&run);
                    for (k, target) in self
                        .targets
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| t.arm == arm)
                    {
                        row[k] = self.patient_value(target, &metrics, &run.simulation.trajectory);
                    }
                }
                Ok((row, failed))
            })
            .collect::<Result<_, _>>()?;
        let failed = per_subject.iter().map(|s| s.1).sum();
        let values = (0..self.targets.len())
            .map(|k| per_subject.iter().map(|(row, _)| row[k]).collect())
            .collect();
        Ok(PatientValues { values, failed })
    }

    /// A target's statistic over the patients `chosen` (indices into `values`).
    pub(super) fn statistic(&self, target: &Target, values: &[[f64; 2]], chosen: &[usize]) -> f64 {
        if let Some(relapse) = target.smoothed() {
            let margins: Vec<[f64; 2]> = (chosen.iter().map(|&i| values[i]))
                .filter(|m| !m[0].is_nan())
                .collect();
            return match margins.is_empty() {
                true => f64::NAN,
                false => smooth::fraction(&margins, relapse),
            };
        }
        let mut finite: Vec<f64> = (chosen.iter().map(|&i| values[i][0]))
            .filter(|v| !v.is_nan())
            .collect();
        if finite.is_empty() {
            return f64::NAN;
        }
        let n = finite.len() as f64;
        match &target.statistic {
            Statistic::Summary {
                probability: Some(p),
                ..
            } => {
                finite.sort_by(f64::total_cmp);
                quantile(&finite, *p)
            }
            _ => finite.iter().sum::<f64>() / n,
        }
    }

    /// The evaluation at `values` (one per quantity, in their order).
    pub fn evaluate(&self, values: &[f64]) -> Result<Evaluation, Diagnostic> {
        let patients = self.patient_values(values)?;
        let everyone: Vec<usize> = (0..self.subjects as usize).collect();
        Ok(self.score(&patients, &everyone))
    }

    /// -2LL and the targets' values from patient values, over patients `chosen`.
    pub(super) fn score(&self, patients: &PatientValues, chosen: &[usize]) -> Evaluation {
        let targets: Vec<TargetValue> = (self.targets.iter().zip(&patients.values))
            .map(|(target, values)| {
                let simulated = self.statistic(target, values, chosen);
                TargetValue {
                    simulated,
                    contribution: contribution(&target.statistic, simulated),
                }
            })
            .collect();
        Evaluation {
            objective: targets.iter().map(|t| t.contribution).sum(),
            targets,
            failed: patients.failed,
        }
    }
}

/// A target's -2LL: the binomial deviance of r of n at probability p, or the squared
/// standardized difference of the statistic (of its logarithm with `se_log`).
pub fn contribution(statistic: &Statistic, simulated: f64) -> f64 {
    /// Stands for an impossible fit (a statistic that cannot be computed).
    const IMPOSSIBLE: f64 = 1e6;
    match *statistic {
        Statistic::Count { responders, n } => {
            let p = simulated.clamp(1e-12, 1.0 - 1e-12);
            let (r, n) = (responders as f64, n as f64);
            let term = |k: f64, expected: f64| {
                if k > 0.0 {
                    k * (k / expected).ln()
                } else {
                    0.0
                }
            };
            match simulated.is_finite() {
                true => 2.0 * (term(r, n * p) + term(n - r, n * (1.0 - p))),
                false => IMPOSSIBLE,
            }
        }
        Statistic::Summary {
            observed, se, log, ..
        } => {
            let difference = match log {
                true => observed.ln() - simulated.ln(),
                false => observed - simulated,
            };
            match difference.is_finite() {
                true => (difference / se).powi(2),
                false => IMPOSSIBLE,
            }
        }
    }
}
