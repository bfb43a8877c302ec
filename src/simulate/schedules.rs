//! Parameters that change during a run: a schedule of (time, value) records per parameter (a
//! dataset's time-varying covariate), how it is read between its records, the breakpoints
//! where it changes, and its values on each segment between breakpoints.
//!
//! Semantics: with `nocb` a record's value holds over the interval that ends at it (NONMEM), with
//! `locf` from its time on (mrgsolve), with `linear` the value is interpolated between records.
//! Before the first record every rule gives the first value, after the last the last value. At a
//! record's own time the value is that record's (the first of several at one time with `nocb`,
//! the last with `locf` and `linear`), so an output row at a record time shows the record's
//! value. Every time where a value or a slope changes is a breakpoint: the solver stops there.

use super::SimError;
use crate::model::Model;
use crate::solver::Ramp;
use serde::{Deserialize, Serialize};

/// How a schedule is read between its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Next observation carried backward (NONMEM's convention): a record's value holds over the
    /// interval that ends at it.
    #[default]
    Nocb,
    /// Last observation carried forward (mrgsolve's convention): a record's value holds from
    /// its time on.
    Locf,
    /// Linear between records; constant before the first and after the last.
    Linear,
}

impl Interpolation {
    pub fn name(self) -> &'static str {
        match self {
            Interpolation::Nocb => "nocb",
            Interpolation::Locf => "locf",
            Interpolation::Linear => "linear",
        }
    }
}

/// One parameter following (time, value) records through a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSchedule {
    pub parameter: usize,
    /// (time, value), times never decreasing; records at one time in file order. Not empty.
    pub records: Vec<(f64, f64)>,
    pub interpolation: Interpolation,
}

impl ParameterSchedule {
    /// The value at time `t` (see the module's semantics).
    pub fn value_at(&self, t: f64) -> f64 {
        let records = &self.records;
        let (first, last) = (records[0].1, records[records.len() - 1].1);
        match self.interpolation {
            Interpolation::Nocb => {
                let next = records.partition_point(|r| r.0 < t);
                records.get(next).map_or(last, |r| r.1)
            }
            Interpolation::Locf => {
                let after = records.partition_point(|r| r.0 <= t);
                after.checked_sub(1).map_or(first, |k| records[k].1)
            }
            Interpolation::Linear => self.line_at(t).map_or_else(
                || self.with(Interpolation::Locf).value_at(t),
                |(origin, value, slope)| value + slope * (t - origin),
            ),
        }
    }

    fn with(&self, interpolation: Interpolation) -> ParameterSchedule {
        ParameterSchedule {
            interpolation,
            ..self.clone()
        }
    }

    /// With `linear`, the line through the records around `t` as (origin, value, slope), or
    /// `None` before the first and from the last record on.
    fn line_at(&self, t: f64) -> Option<(f64, f64, f64)> {
        let after = self.records.partition_point(|r| r.0 <= t);
        let (before, next) = (
            self.records.get(after.checked_sub(1)?)?,
            self.records.get(after)?,
        );
        let slope = (next.1 - before.1) / (next.0 - before.0);
        Some((before.0, before.1, slope))
    }

    /// The times at which the value or its slope changes.
    pub fn breakpoints(&self) -> Vec<f64> {
        let pairs = self.records.windows(2).filter(|w| w[0].1 != w[1].1);
        match self.interpolation {
            Interpolation::Nocb => pairs.map(|w| w[0].0).collect(),
            Interpolation::Locf => pairs.map(|w| w[1].0).collect(),
            Interpolation::Linear => pairs.flat_map(|w| [w[0].0, w[1].0]).collect(),
        }
    }

    /// Over the segment (a, b), which lies between two breakpoints: the value at `a` and the
    /// slope (0 unless `linear` between two records of different values).
    fn on_segment(&self, a: f64, b: f64) -> (f64, f64) {
        let middle = 0.5 * (a + b);
        match self.interpolation {
            Interpolation::Linear => match self.line_at(middle) {
                Some((origin, value, slope)) if slope != 0.0 => {
                    (value + slope * (a - origin), slope)
                }
                _ => (self.value_at(middle), 0.0),
            },
            _ => (self.value_at(middle), 0.0),
        }
    }
}

/// `parameters` with each schedule's value at `t`.
pub fn values_at(schedules: &[ParameterSchedule], t: f64, parameters: &mut [f64]) {
    for schedule in schedules {
        parameters[schedule.parameter] = schedule.value_at(t);
    }
}

/// The parameters over the segment (a, b): each schedule's value at `a` written into
/// `parameters`, and `ramps` replaced by the schedules that change linearly within it.
pub(super) fn on_segment(
    schedules: &[ParameterSchedule],
    (a, b): (f64, f64),
    parameters: &mut [f64],
    ramps: &mut Vec<Ramp>,
) {
    ramps.clear();
    for schedule in schedules {
        let (value, slope) = schedule.on_segment(a, b);
        parameters[schedule.parameter] = value;
        if slope != 0.0 {
            ramps.push(Ramp {
                parameter: schedule.parameter,
                origin: a,
                value,
                slope,
            });
        }
    }
}

/// The error for a time switch whose time a schedule moves (its breakpoint was placed from the
/// parameters at the start), at `time` with `states`.
pub(super) fn switch_moved(
    model: &Model,
    schedules: &[ParameterSchedule],
    time: f64,
    states: Vec<(String, f64)>,
) -> SimError {
    let names: Vec<String> = (schedules.iter())
        .map(|s| format!("`{}`", model.parameters[s.parameter].name))
        .collect();
    SimError {
        message: format!(
            "the time of a comparison of `t` depends on {}, which changes during the run",
            names.join(", ")
        ),
        time,
        states,
        states_time: time,
        hint: "give the covariate one value per ID, or compare `t` with a parameter the dataset does not change".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(interpolation: Interpolation) -> ParameterSchedule {
        ParameterSchedule {
            parameter: 0,
            records: vec![(0.0, 1.0), (10.0, 2.0), (10.0, 3.0), (20.0, 5.0)],
            interpolation,
        }
    }

    #[test]
    fn nocb_holds_a_value_over_the_interval_ending_at_its_record() {
        let s = schedule(Interpolation::Nocb);
        let values: Vec<f64> = [-1.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
            .map(|t| s.value_at(t))
            .to_vec();
        assert_eq!(values, [1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0]);
        assert_eq!(s.breakpoints(), [0.0, 10.0, 10.0]);
    }

    #[test]
    fn locf_holds_a_value_from_its_record_on() {
        let s = schedule(Interpolation::Locf);
        let values: Vec<f64> = [-1.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
            .map(|t| s.value_at(t))
            .to_vec();
        assert_eq!(values, [1.0, 1.0, 1.0, 3.0, 3.0, 5.0, 5.0]);
        assert_eq!(s.breakpoints(), [10.0, 10.0, 20.0]);
    }

    #[test]
    fn linear_interpolates_between_records_and_jumps_at_a_repeated_time() {
        let s = schedule(Interpolation::Linear);
        let values: Vec<f64> = [-1.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
            .map(|t| s.value_at(t))
            .to_vec();
        assert_eq!(values, [1.0, 1.0, 1.5, 3.0, 4.0, 5.0, 5.0]);
        // Within a few ulps: the line is evaluated as value + slope (a - origin).
        let close = |(value, slope): (f64, f64), expected: (f64, f64)| {
            (value - expected.0).abs() < 1e-14 && (slope - expected.1).abs() < 1e-14
        };
        assert!(close(s.on_segment(2.0, 8.0), (1.2, 0.1)));
        assert!(close(s.on_segment(12.0, 20.0), (3.4, 0.2)));
        assert_eq!(s.on_segment(20.0, 30.0), (5.0, 0.0));
    }
}
