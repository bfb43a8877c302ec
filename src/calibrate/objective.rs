//! One evaluation of a calibration: the fixed virtual patients simulated with the quantities'
//! values written into the study, each target's simulated statistic, and its contribution to
//! -2 log-likelihood.

use super::{Calibration, QuantityKind, Statistic, Target};
use crate::diag::Diagnostic;
use crate::metrics::summary::quantile;
use crate::population::Population;
use crate::study::{Arm, MetricColumn};
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

/// Per target, one value per patient (NaN: failed or undefined): a response margin, a 0/1,
/// or the metric.
pub(super) struct PatientValues {
    pub values: Vec<Vec<f64>>,
    pub failed: usize,
}

/// The standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
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

    /// Whether a target's fraction is smoothed (the `response` flag, through its margin).
    fn smoothed(&self, target: &Target) -> bool {
        let column = self.study.metrics.columns()[target.column];
        matches!(target.statistic, Statistic::Count { .. })
            && column == MetricColumn::Flag("response")
            && self.study.metrics.tumor.is_some()
    }

    /// ln(tumor minimum at output times up to `by`) - ln(`below`): negative for a responder.
    fn response_margin(&self, trajectory: &crate::trajectory::Trajectory) -> f64 {
        let (Some((_, column)), Some(criteria)) =
            (&self.study.metrics.tumor, &self.study.metrics.response)
        else {
            return f64::NAN;
        };
        let minimum = (trajectory.times.iter().enumerate())
            .filter(|(_, t)| **t <= criteria.by)
            .map(|(row, _)| trajectory.row(row)[*column])
            .fold(f64::INFINITY, f64::min);
        match minimum > 0.0 {
            true => minimum.ln() - criteria.below.ln(),
            false => f64::NEG_INFINITY,
        }
    }

    /// Every patient simulated in the arms the targets name.
    pub(super) fn patient_values(&self, values: &[f64]) -> Result<PatientValues, Diagnostic> {
        let (arms, population) = self.study_at(values);
        let mut arms_used: Vec<usize> = self.targets.iter().map(|t| t.arm).collect();
        arms_used.sort_unstable();
        arms_used.dedup();
        let per_subject: Vec<(Vec<f64>, usize)> = (0..self.subjects)
            .into_par_iter()
            .map(|index| -> Result<(Vec<f64>, usize), Diagnostic> {
                let subject = population
                    .subject(index)
                    .map_err(|m| Diagnostic::new(format!("cannot sample the population: {m}")))?;
                let mut row = vec![f64::NAN; self.targets.len()];
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
                        let value = metrics[target.column];
                        row[k] = match self.study.metrics.columns()[target.column] {
                            _ if self.smoothed(target) => {
                                self.response_margin(&run.simulation.trajectory)
                            }
                            MetricColumn::Event(_)
                                if matches!(target.statistic, Statistic::Count { .. }) =>
                            {
                                f64::from(u8::from(value.is_finite()))
                            }
                            _ => value,
                        };
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
    pub(super) fn statistic(&self, target: &Target, values: &[f64], chosen: &[usize]) -> f64 {
        let finite: Vec<f64> = chosen
            .iter()
            .map(|&i| values[i])
            .filter(|v| !v.is_nan())
            .collect();
        if finite.is_empty() {
            return f64::NAN;
        }
        let n = finite.len() as f64;
        match &target.statistic {
            Statistic::Count { .. } if self.smoothed(target) => {
                let mut sorted: Vec<f64> =
                    finite.iter().copied().filter(|v| v.is_finite()).collect();
                sorted.sort_by(f64::total_cmp);
                let spread = (quantile(&sorted, 0.75) - quantile(&sorted, 0.25)) / 1.349;
                let h = spread * n.powf(-1.0 / 3.0);
                let count = |m: f64| match h > 0.0 && h.is_finite() {
                    true => phi(-m / h),
                    false => f64::from(u8::from(m < 0.0)),
                };
                finite.iter().map(|&m| count(m)).sum::<f64>() / n
            }
            Statistic::Count { .. } => finite.iter().sum::<f64>() / n,
            Statistic::Summary {
                probability: Some(p),
                ..
            } => {
                let mut sorted = finite;
                sorted.sort_by(f64::total_cmp);
                quantile(&sorted, *p)
            }
            Statistic::Summary {
                probability: None, ..
            } => finite.iter().sum::<f64>() / n,
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
