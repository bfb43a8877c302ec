//! A study's metrics at many parameter points: each point sets some parameters of one arm's
//! typical subject, whose doses are recomputed (a per-kg dose follows `weight`), simulated and
//! summarized. Points run in parallel (rayon) and come back in point order, so the numbers do
//! not depend on the thread count.

use crate::diag::Diagnostic;
use crate::simulate::RunTemplate;
use crate::study::{Arm, MetricSettings, Progress, Study};
use rayon::prelude::*;

/// A quantity analysed.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricChoice {
    /// The metric at `position` of `MetricSettings::columns` (cmax, auc_0_28, nadir, ...).
    Column { name: String, position: usize },
    /// A state or output (trajectory `column`) at the output time of `row`: `T@28`.
    At {
        name: String,
        column: usize,
        row: usize,
    },
}

impl MetricChoice {
    pub fn name(&self) -> &str {
        match self {
            MetricChoice::Column { name, .. } | MetricChoice::At { name, .. } => name,
        }
    }

    /// Resolves `name` against a study: a metric column name, or `OUTPUT@TIME` with a state
    /// or output and one of the study's output times (named `OUTPUT@TIME` with the time as
    /// parsed, so `T@28.0` is `T@28`). Fails with what went wrong.
    pub fn resolve(study: &Study, name: &str) -> Result<MetricChoice, String> {
        if let Some((output, time)) = name.split_once('@') {
            let column = Study::column(&study.model, output.trim())
                .ok_or_else(|| format!("`{output}` is not a state or output of the model"))?;
            let time: f64 = time
                .trim()
                .parse()
                .map_err(|_| format!("`{time}` after `@` is not a time"))?;
            let times = study.output_times();
            let tolerance = 1e-9 * study.template.step;
            let row = times
                .iter()
                .position(|t| (t - time).abs() <= tolerance)
                .ok_or_else(|| {
                    format!(
                        "time {time} is not an output time (the run outputs from {} to {} every {})",
                        study.template.start, study.template.end, study.template.step
                    )
                })?;
            return Ok(MetricChoice::At {
                name: format!("{}@{time}", output.trim()),
                column,
                row,
            });
        }
        let settings: &MetricSettings = &study.metrics;
        settings
            .columns()
            .into_iter()
            .position(|c| settings.column_name(c) == name)
            .map(|position| MetricChoice::Column {
                name: name.to_string(),
                position,
            })
            .ok_or_else(|| format!("`{name}` is not a metric of this run file"))
    }
}

/// The outcome at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One value per metric (NaN where undefined or the simulation failed).
    pub metrics: Vec<f64>,
    /// The study's tracked outputs, `[time * outputs + output]`, when asked for.
    pub curves: Vec<f64>,
    pub failure: Option<Diagnostic>,
}

/// Evaluates metrics of one arm's typical subject with some parameters set.
pub struct Evaluator<'a> {
    pub study: &'a Study,
    pub arm: &'a Arm,
    /// Every parameter's value when not set by a point: the arm's typical values with the
    /// typical covariates.
    pub nominal: Vec<f64>,
    /// The parameters each point sets, in point order.
    pub parameters: Vec<usize>,
    pub metrics: Vec<MetricChoice>,
    /// The span, output grid and solver of every simulation.
    pub template: RunTemplate,
    /// Whether evaluations keep the tracked output curves.
    pub curves: bool,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of `metrics` with the study's own template, nothing set yet.
    pub fn new(study: &'a Study, arm: &'a Arm, metrics: Vec<MetricChoice>) -> Evaluator<'a> {
        Evaluator {
            study,
            arm,
            nominal: study.typical_subject(arm).parameters,
            parameters: Vec::new(),
            metrics,
            template: study.template.clone(),
            curves: false,
        }
    }

    /// The full parameter vector at a point (values of `parameters`, in order).
    pub fn parameter_values(&self, point: &[f64]) -> Vec<f64> {
        let mut values = self.nominal.clone();
        for (&k, &value) in self.parameters.iter().zip(point) {
            values[k] = value;
        }
        values
    }

    /// Simulates one point.
    pub fn evaluate(&self, point: &[f64]) -> Evaluation {
        let study = self.study;
        let times = study.output_times();
        let parameters = self.parameter_values(point);
        match study.simulate_arm(self.arm, parameters, &self.template) {
            Ok(run) => {
                let columns = study.metrics.compute(&run);
                let trajectory = &run.simulation.trajectory;
                let metrics = (self.metrics.iter())
                    .map(|metric| match *metric {
                        MetricChoice::Column { position, .. } => columns[position],
                        MetricChoice::At { column, row, .. } if row < trajectory.times.len() => {
                            trajectory.row(row)[column]
                        }
                        MetricChoice::At { .. } => f64::NAN,
                    })
                    .collect();
                let curves = match self.curves {
                    true => study.tracked_values(&run.simulation, times.len()),
                    false => Vec::new(),
                };
                Evaluation {
                    metrics,
                    curves,
                    failure: None,
                }
            }
            Err(failure) => Evaluation {
                metrics: vec![f64::NAN; self.metrics.len()],
                curves: match self.curves {
                    true => vec![f64::NAN; times.len() * study.tracked.len()],
                    false => Vec::new(),
                },
                failure: Some(failure),
            },
        }
    }

    /// Simulates every point in parallel; results in point order.
    pub fn evaluate_all(&self, points: &[Vec<f64>], progress: Progress) -> Vec<Evaluation> {
        points
            .par_iter()
            .map(|point| {
                let evaluation = self.evaluate(point);
                progress();
                evaluation
            })
            .collect()
    }
}
