//! Per-subject metrics of a population run: which columns exist (exposure, tumor response,
//! recorded events) and one subject's row, computed from its trajectory.

use crate::diag::Diagnostic;
use crate::metrics::nca;
use crate::metrics::phases::{PhaseWindows, phases_of};
use crate::metrics::response::{ResponseCriteria, tumor_metrics};
use crate::model::Model;
use crate::simulate::Simulation;
use crate::spec::MetricsSpec;
use crate::trajectory::Peak;

/// One subject's simulation in one arm: the time of its first dose (the start when there is
/// none), and the exposure output's peak on the solver's solution (none with `peak: grid`,
/// whose metrics read it off the output grid).
pub(crate) struct ArmRun {
    pub simulation: Simulation,
    pub first_dose: f64,
    pub exposure_peak: Option<Peak>,
}

/// What a metric column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricColumn {
    /// A number (empty when undefined for the subject).
    Value(&'static str),
    /// 1 or 0 (a response, a relapse).
    Flag(&'static str),
    /// The first time a recorded model event fired (empty when it did not).
    Event(usize),
}

/// The checked `metrics:` block.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSettings {
    /// (output name, trajectory column) exposure metrics run on.
    pub exposure: Option<(String, usize)>,
    pub tumor: Option<(String, usize)>,
    pub lloq: f64,
    pub response: Option<ResponseCriteria>,
    pub windows: PhaseWindows,
    /// Cmax and Tmax located on the solver's solution (else read off the output grid).
    pub peak_on_solution: bool,
    /// Names of the model's recorded events, in file order.
    pub events: Vec<String>,
}

const EXPOSURE: [MetricColumn; 9] = [
    MetricColumn::Value("cmax"),
    MetricColumn::Value("tmax"),
    MetricColumn::Value("auc_0_28"),
    MetricColumn::Value("auc_0_last"),
    MetricColumn::Value("clast"),
    MetricColumn::Value("tlast"),
    MetricColumn::Value("expansion_fold"),
    MetricColumn::Value("t_half_contraction"),
    MetricColumn::Value("t_half_persistence"),
];

/// One subject in one arm: the metric values in `MetricSettings::columns` order (NaN when
/// undefined), or why its simulation failed.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub arm: u32,
    /// The subject's position in the population, from 0.
    pub index: u64,
    pub id: u64,
    /// Why the simulation failed: when, the states it left, and what to try.
    pub failure: Option<Box<Diagnostic>>,
    pub values: Box<[f64]>,
}

impl MetricSettings {
    /// Checks the `metrics:` block; `report(path, message, Some((name, candidates)))` reports
    /// an unknown name, `report(path, message, None)` any other problem.
    pub fn check(
        spec: &MetricsSpec,
        model: &Model,
        mut report: impl FnMut(&str, &str, Option<(&str, &[&str])>),
    ) -> MetricSettings {
        let columns = super::Study::column_names(model);
        let mut resolve = |field: &str, name: &Option<String>| -> Option<(String, usize)> {
            let name = name.as_ref()?;
            match super::Study::column(model, name) {
                Some(column) => Some((name.clone(), column)),
                None => {
                    report(
                        &format!("metrics.{field}"),
                        "output or state",
                        Some((name, &columns)),
                    );
                    None
                }
            }
        };
        let first_output = model.outputs.first().map(|o| o.name.clone());
        let exposure = resolve("exposure", &spec.exposure.clone().or(first_output));
        let tumor = resolve("tumor", &spec.tumor);
        let lloq = spec.lloq.unwrap_or(0.0);
        if !non_negative(lloq) {
            report(
                "metrics.lloq",
                &format!(
                    "`lloq` is {}; it must be a finite number >= 0",
                    crate::diag::number(lloq)
                ),
                None,
            );
        }
        let response = spec.response.as_ref().map(|r| ResponseCriteria {
            below: r.below,
            by: r.by,
            relapse_above: spec.relapse.as_ref().map(|x| x.above),
        });
        if let Some(r) = &response {
            if !positive(r.below) || !r.by.is_finite() {
                report(
                    "metrics.response",
                    "`below` must be a positive number and `by` a finite time",
                    None,
                );
            }
            if r.relapse_above.is_some_and(|a| !positive(a)) {
                report(
                    "metrics.relapse.above",
                    "`above` must be a positive number",
                    None,
                );
            }
        }
        if spec.relapse.is_some() && spec.response.is_none() {
            report(
                "metrics.relapse",
                "a relapse is defined after a response; add `response: {below: ..., by: ...}`",
                None,
            );
        }
        if (spec.response.is_some() || spec.relapse.is_some()) && tumor.is_none() {
            report(
                "metrics",
                "response and relapse need `tumor:`, the output they run on",
                None,
            );
        }
        let defaults = PhaseWindows::default();
        let windows = PhaseWindows {
            contraction: spec.contraction_window.unwrap_or(defaults.contraction),
            persistence_from: spec.persistence_from.unwrap_or(defaults.persistence_from),
        };
        if !positive(windows.contraction) || !non_negative(windows.persistence_from) {
            report(
                "metrics",
                "`contraction_window` must be positive and `persistence_from` >= 0",
                None,
            );
        }
        MetricSettings {
            exposure,
            tumor,
            lloq,
            response,
            windows,
            peak_on_solution: spec.peak != Some(crate::spec::PeakSpec::Grid),
            events: model
                .events
                .iter()
                .filter(|e| e.record)
                .map(|e| e.name.clone())
                .collect(),
        }
    }

    /// The metric columns, in the order of `MetricRow::values`.
    pub fn columns(&self) -> Vec<MetricColumn> {
        let mut columns = Vec::new();
        if self.exposure.is_some() {
            columns.extend(EXPOSURE);
        }
        if self.tumor.is_some() {
            columns.extend([
                MetricColumn::Value("nadir"),
                MetricColumn::Value("time_to_nadir"),
            ]);
            if let Some(response) = &self.response {
                columns.extend([
                    MetricColumn::Flag("response"),
                    MetricColumn::Value("time_to_response"),
                ]);
                if response.relapse_above.is_some() {
                    columns.extend([
                        MetricColumn::Flag("relapse"),
                        MetricColumn::Value("time_to_relapse"),
                        MetricColumn::Value("time_above_relapse"),
                    ]);
                }
            }
        }
        columns.extend((0..self.events.len()).map(MetricColumn::Event));
        columns
    }

    /// The header name of a column.
    pub fn column_name(&self, column: MetricColumn) -> String {
        match column {
            MetricColumn::Value(name) | MetricColumn::Flag(name) => name.to_string(),
            MetricColumn::Event(k) => format!("event_{}", self.events[k]),
        }
    }

    /// One subject's metric values from its simulation in one arm.
    pub(crate) fn compute(&self, run: &ArmRun) -> Vec<f64> {
        let (trajectory, first_dose) = (&run.simulation.trajectory, run.first_dose);
        let times = &trajectory.times;
        let width = trajectory.columns.len();
        let column = |k: usize| -> Vec<f64> {
            trajectory
                .values
                .iter()
                .skip(k)
                .step_by(width)
                .copied()
                .collect()
        };
        let some = |x: Option<f64>| x.unwrap_or(f64::NAN);
        let flag = |x: bool| if x { 1.0 } else { 0.0 };
        let mut values = Vec::new();
        if let Some((_, k)) = self.exposure {
            let curve = column(k);
            match nca(times, &curve, self.lloq).map(|n| n.with_peak(run.exposure_peak)) {
                Some(n) => {
                    let p = phases_of(&n, times, &curve, first_dose, self.lloq, &self.windows);
                    values.extend([
                        n.cmax,
                        n.tmax,
                        some(n.auc_0_28),
                        n.auc_0_last,
                        some(n.clast),
                        some(n.tlast),
                        some(p.expansion_fold),
                        some(p.t_half_contraction),
                        some(p.t_half_persistence),
                    ]);
                }
                None => values.extend([f64::NAN; EXPOSURE.len()]),
            }
        }
        if let Some((_, k)) = self.tumor {
            let curve = column(k);
            let criteria = self.response.unwrap_or(ResponseCriteria {
                below: 0.0,
                by: f64::NEG_INFINITY,
                relapse_above: None,
            });
            let tumor = tumor_metrics(times, &curve, &criteria);
            let get = |f: &dyn Fn(&crate::metrics::response::TumorMetrics) -> f64| {
                tumor.as_ref().map_or(f64::NAN, f)
            };
            values.extend([get(&|m| m.nadir), get(&|m| m.time_to_nadir)]);
            if let Some(response) = &self.response {
                values.extend([
                    get(&|m| flag(m.response)),
                    get(&|m| {
                        if m.response {
                            some(m.time_to_response)
                        } else {
                            f64::NAN
                        }
                    }),
                ]);
                if response.relapse_above.is_some() {
                    values.extend([
                        get(&|m| flag(m.relapse)),
                        get(&|m| some(m.time_to_relapse)),
                        get(&|m| some(m.time_above_relapse)),
                    ]);
                }
            }
        }
        for name in &self.events {
            let first = run.simulation.events.iter().find(|(n, _)| n == name);
            values.push(first.map_or(f64::NAN, |(_, t)| *t));
        }
        values
    }
}

/// A finite number above 0 (the run file's checks share it).
pub(super) fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// A finite number at or above 0.
pub(super) fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}
