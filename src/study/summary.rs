//! Summaries per arm over subjects: percentiles of each metric (exact, type 7), response and
//! relapse fractions with Wilson 95% intervals, and the relapse-free curve of responders.

use super::Study;
use super::metrics::{MetricColumn, MetricRow};
use crate::metrics::summary::{kaplan_meier, quantile, wilson_interval};

/// Percentiles reported for every numeric metric.
pub const SUMMARY_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// One metric over the subjects of one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    /// Subjects for which the metric is defined (for a flag: subjects simulated).
    pub n: usize,
    /// Quantiles at `SUMMARY_PROBABILITIES` (NaN for flags and empty metrics).
    pub quantiles: [f64; 5],
    /// For flags and events: (fraction, 95% interval low, high) over simulated subjects.
    pub fraction: Option<(f64, f64, f64)>,
}

/// One arm's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSummary {
    pub subjects: usize,
    pub failed: usize,
    pub metrics: Vec<MetricSummary>,
    /// Relapse-free fraction of responders over time, (time, fraction) where it drops; relapse
    /// times are observed, non-relapsing responders censored at the end of the run. Empty
    /// without response and relapse criteria.
    pub relapse_free: Vec<(f64, f64)>,
    /// The responders behind `relapse_free`: (relapse time, true) or (end of the run, false).
    pub relapse_observations: Vec<(f64, bool)>,
    pub responders: usize,
}

impl MetricSummary {
    pub fn median(&self) -> f64 {
        self.quantiles[2]
    }
}

/// Summarizes rows sorted by arm.
pub fn summarize(study: &Study, rows: &[MetricRow]) -> Vec<ArmSummary> {
    let columns = study.metrics.columns();
    let position = |name: &str| {
        columns
            .iter()
            .position(|&c| study.metrics.column_name(c) == name)
    };
    let (response, relapse, relapse_time) = (
        position("response"),
        position("relapse"),
        position("time_to_relapse"),
    );
    (0..study.arms.len())
        .map(|arm| {
            let arm_rows: Vec<&MetricRow> = rows.iter().filter(|r| r.arm as usize == arm).collect();
            let simulated: Vec<&&MetricRow> =
                arm_rows.iter().filter(|r| r.failure.is_none()).collect();
            let metrics = columns
                .iter()
                .enumerate()
                .map(|(k, &column)| {
                    let mut values: Vec<f64> = simulated
                        .iter()
                        .map(|r| r.values[k])
                        .filter(|v| v.is_finite())
                        .collect();
                    values.sort_by(f64::total_cmp);
                    let fraction = |successes: usize| {
                        let (low, high) = wilson_interval(successes, simulated.len());
                        Some((successes as f64 / simulated.len() as f64, low, high))
                    };
                    let (n, quantiles, fraction) = match column {
                        MetricColumn::Flag(_) => (
                            simulated.len(),
                            [f64::NAN; 5],
                            fraction(values.iter().filter(|&&v| v == 1.0).count()),
                        ),
                        MetricColumn::Event(_) => (
                            values.len(),
                            SUMMARY_PROBABILITIES.map(|p| quantile(&values, p)),
                            fraction(values.len()),
                        ),
                        MetricColumn::Value(_) => (
                            values.len(),
                            SUMMARY_PROBABILITIES.map(|p| quantile(&values, p)),
                            None,
                        ),
                    };
                    MetricSummary {
                        name: study.metrics.column_name(column),
                        n,
                        quantiles,
                        fraction,
                    }
                })
                .collect();
            let responders: Vec<&&MetricRow> = simulated
                .iter()
                .filter(|r| response.is_some_and(|k| r.values[k] == 1.0))
                .copied()
                .collect();
            let relapse_observations: Vec<(f64, bool)> = match (relapse, relapse_time) {
                (Some(flag), Some(time)) => responders
                    .iter()
                    .map(|r| match r.values[flag] == 1.0 {
                        true => (r.values[time], true),
                        false => (study.template.end, false),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let relapse_free = match (relapse, relapse_time) {
                (Some(_), Some(_)) => kaplan_meier(study.template.start, &relapse_observations),
                _ => Vec::new(),
            };
            ArmSummary {
                subjects: arm_rows.len(),
                failed: arm_rows.len() - simulated.len(),
                metrics,
                relapse_free,
                relapse_observations,
                responders: responders.len(),
            }
        })
        .collect()
}
