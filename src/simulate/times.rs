//! The times of one run: the output grid, the breakpoints where the right-hand side changes
//! (doses, infusion ends, time switches, parameter schedules), and when two times count as one.
//!
//! Times from data files and arithmetic land a few ulps apart (a dose at 23.8 and a record at
//! 23.800000000000004). Two times closer than `Clock::tolerance` are one time: breakpoints that
//! close are merged into the first of them (the run's start and end win), doses and infusion
//! ends move onto their breakpoint, and an output time that close to a breakpoint or to another
//! output time is sampled there. Output rows keep the times as requested, so a caller that looks
//! a row up by its own time finds it; the solver never sees a segment shorter than the tolerance.

use super::RunPlan;
use crate::model::{DoseEvent, Model};

/// Relative tolerance, in output steps, for treating two times as the same.
const SAME_TIME: f64 = 1e-9;

/// Ulps (in units of machine epsilon times the magnitude) within which two times are the same,
/// whatever the output step: 16 ulps on either side of a time, with room to spare.
const SAME_TIME_EPSILONS: f64 = 64.0;

/// When two times of a run are the same.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    step: f64,
}

impl Clock {
    pub fn new(step: f64) -> Clock {
        Clock { step }
    }

    /// Largest distance at which a time near `t` is `t` itself.
    pub fn tolerance(&self, t: f64) -> f64 {
        let by_step = SAME_TIME * self.step;
        let by_magnitude = SAME_TIME_EPSILONS * f64::EPSILON * t.abs();
        if by_step.is_finite() {
            by_step.max(by_magnitude)
        } else {
            by_magnitude
        }
    }

    /// Whether `a` and `b` are one time: equal, or a finite distance within the tolerance (an
    /// infinite time is the same only as itself, whatever the tolerance at its magnitude).
    pub fn same(&self, a: f64, b: f64) -> bool {
        let distance = (a - b).abs();
        a == b || (distance.is_finite() && distance <= self.tolerance(a.abs().max(b.abs())))
    }
}

/// The output grid: start + k * step while not past `end`, then `end` itself.
pub fn output_times(start: f64, end: f64, step: f64) -> Vec<f64> {
    let count = ((end - start) / step * (1.0 + 1e-12)).floor() as usize;
    let mut times: Vec<f64> = (0..=count).map(|k| start + k as f64 * step).collect();
    match times.last_mut() {
        Some(last) if (end - *last).abs() <= SAME_TIME * step => *last = end,
        _ => times.push(end),
    }
    times
}

/// Listed output times within [start, end], sorted, with start and end added.
pub fn listed_times(start: f64, end: f64, listed: &[f64]) -> Vec<f64> {
    let mut times: Vec<f64> = listed
        .iter()
        .copied()
        .filter(|t| *t > start && *t < end)
        .collect();
    times.push(start);
    times.push(end);
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// The distinct breakpoints in [start, end] of `candidates` (any order, any values): sorted,
/// each at least a tolerance from the last, starting with `start` and ending with `end`.
pub fn merge_breakpoints(clock: Clock, start: f64, end: f64, candidates: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = candidates
        .iter()
        .copied()
        .filter(|t| t.is_finite() && *t > start && *t < end)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let mut merged = vec![start];
    for t in sorted {
        let last = *merged.last().unwrap_or(&start);
        if !clock.same(t, last) && !clock.same(t, end) {
            merged.push(t);
        }
    }
    if end > start {
        merged.push(end);
    }
    merged
}

/// The breakpoint that `t` is the same time as, or `t` itself.
pub fn snap(clock: Clock, breakpoints: &[f64], t: f64) -> f64 {
    let index = breakpoints.partition_point(|&b| b < t);
    [index.checked_sub(1), Some(index)]
        .into_iter()
        .flatten()
        .filter_map(|i| breakpoints.get(i).copied())
        .find(|&b| clock.same(b, t))
        .unwrap_or(t)
}

/// `doses` with their times and infusion ends moved onto the breakpoints they are the same time
/// as. An infusion shorter than the tolerance becomes a bolus; an infusion keeps its amount.
pub fn snap_doses(clock: Clock, breakpoints: &[f64], doses: &[DoseEvent]) -> Vec<DoseEvent> {
    doses
        .iter()
        .map(|dose| {
            let time = snap(clock, breakpoints, dose.time);
            let duration = dose
                .duration
                .map(|d| snap(clock, breakpoints, dose.time + d) - time)
                .filter(|d| *d > 0.0);
            DoseEvent {
                time,
                duration,
                ..*dose
            }
        })
        .collect()
}

/// Output times as requested, and the distinct times they are sampled at.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Distinct sample times, sorted (requested times moved onto breakpoints and merged).
    pub times: Vec<f64>,
    /// For each requested time, the index of its sample time.
    pub row_of: Vec<usize>,
}

/// Samples for `requested` (sorted): each time snapped onto a breakpoint it is the same as,
/// then merged with the previous sample when they are the same time.
pub fn samples(clock: Clock, breakpoints: &[f64], requested: &[f64]) -> Samples {
    let mut times: Vec<f64> = Vec::with_capacity(requested.len());
    let mut row_of = Vec::with_capacity(requested.len());
    for &t in requested {
        let snapped = snap(clock, breakpoints, t);
        match times.last() {
            Some(&last) if last == snapped || clock.same(last, snapped) => {}
            _ => times.push(snapped),
        }
        row_of.push(times.len() - 1);
    }
    Samples { times, row_of }
}

/// The run's times where the right-hand side changes, and its doses on them.
pub(super) struct Schedule {
    /// Start, end, doses, infusion ends, time switches and changes of parameter schedules,
    /// merged where they are the same time.
    pub breakpoints: Vec<f64>,
    /// The doses, moved onto their breakpoints.
    pub doses: Vec<DoseEvent>,
    /// Each running infusion: (state, rate, from, to), `from` and `to` breakpoints.
    pub infusions: Vec<(usize, f64, f64, f64)>,
    /// Doses outside the span (ignored).
    pub warnings: Vec<String>,
}

/// The run's schedule (see `Schedule`).
pub(super) fn schedule(model: &Model, plan: &RunPlan, registers: &[f64], clock: Clock) -> Schedule {
    let mut candidates = model.switch_times(registers);
    candidates.extend(model.step_times(plan.start, plan.end));
    candidates.extend(plan.schedules.iter().flat_map(|s| s.breakpoints()));
    let mut warnings = Vec::new();
    let (start, end) = (plan.start, plan.end);
    for dose in &plan.doses {
        candidates.push(dose.time);
        candidates.extend(dose.duration.map(|d| dose.time + d));
        let inside =
            |t: f64| (start <= t && t <= end) || clock.same(t, start) || clock.same(t, end);
        if !inside(dose.time) {
            warnings.push(format!(
                "the dose of {} into `{}` at time {} is outside the simulated span [{}, {}] and is ignored",
                dose.amount, model.states[dose.state].name, dose.time, start, end
            ));
        }
    }
    let breakpoints = merge_breakpoints(clock, start, end, &candidates);
    let doses = snap_doses(clock, &breakpoints, &plan.doses);
    let infusions = doses
        .iter()
        .filter_map(|dose| {
            let duration = dose.duration?;
            let to = snap(clock, &breakpoints, dose.time + duration);
            Some((dose.state, dose.amount / duration, dose.time, to))
        })
        .collect();
    Schedule {
        breakpoints,
        doses,
        infusions,
        warnings,
    }
}

/// Warns about listed output times outside [start, end], which are not simulated.
pub(super) fn warn_outside(
    listed: &[f64],
    plan: &RunPlan,
    clock: Clock,
    warnings: &mut Vec<String>,
) {
    let outside: Vec<f64> = listed
        .iter()
        .copied()
        .filter(|&t| {
            !(plan.start <= t && t <= plan.end
                || clock.same(t, plan.start)
                || clock.same(t, plan.end))
        })
        .collect();
    if let (Some(first), count) = (outside.first(), outside.len()) {
        warnings.push(format!(
            "{count} listed output time{} outside the simulated span [{}, {}] (the first: {first}) {} not simulated; extend `simulation.start`/`end` to include {}",
            if count == 1 { "" } else { "s" },
            plan.start,
            plan.end,
            if count == 1 { "is" } else { "are" },
            if count == 1 { "it" } else { "them" },
        ));
    }
}

/// The rows of the requested output times (each the state of its sample), up to a `stop`
/// (time, samples kept before it, state there) that ends the run early with a row at the stop.
pub(super) fn requested_rows(
    requested: &[f64],
    row_of: &[usize],
    sample_rows: &[f64],
    width: usize,
    stop: Option<(f64, usize, &[f64])>,
) -> (Vec<f64>, Vec<f64>) {
    let kept = stop.map_or(usize::MAX, |(_, kept, _)| kept);
    let mut times = Vec::with_capacity(requested.len() + 1);
    let mut rows = Vec::with_capacity((requested.len() + 1) * width);
    for (&t, &row) in requested
        .iter()
        .zip(row_of)
        .take_while(|(_, row)| **row < kept)
    {
        times.push(t);
        rows.extend_from_slice(&sample_rows[row * width..(row + 1) * width]);
    }
    if let Some((time, _, state)) = stop {
        times.push(time);
        rows.extend_from_slice(state);
    }
    (times, rows)
}

/// Keeps the states `y` at `t`, before the doses there, when `t` is one of `plan`'s
/// `before_doses` times.
pub(super) fn keep_before(
    plan: &RunPlan,
    clock: Clock,
    t: f64,
    y: &[f64],
    before: &mut Vec<(f64, Vec<f64>)>,
) {
    if plan.before_doses.iter().any(|&s| clock.same(s, t)) {
        before.push((t, y.to_vec()));
    }
}

/// The rows (times, states) with a row before each row at one of `plan`'s `before_doses`
/// times: the states kept there before the doses (`before`), or the row's own states where the
/// run had no breakpoint (nothing was given there, so nothing jumps).
pub(super) fn with_rows_before(
    plan: &RunPlan,
    clock: Clock,
    (times, rows): (Vec<f64>, Vec<f64>),
    before: &[(f64, Vec<f64>)],
) -> (Vec<f64>, Vec<f64>) {
    let wanted = |t: f64| plan.before_doses.iter().any(|&s| clock.same(s, t));
    let width = rows.len() / times.len().max(1);
    if width == 0 || !times.iter().any(|&t| wanted(t)) {
        return (times, rows);
    }
    let extra = plan.before_doses.len();
    let mut all_times = Vec::with_capacity(times.len() + extra);
    let mut all_rows = Vec::with_capacity(rows.len() + extra * width);
    for (&t, row) in times.iter().zip(rows.chunks_exact(width)) {
        if wanted(t) {
            let kept = before.iter().find(|(s, _)| clock.same(*s, t));
            all_times.push(t);
            all_rows.extend_from_slice(kept.map_or(row, |(_, states)| states));
        }
        all_times.push(t);
        all_rows.extend_from_slice(row);
    }
    (all_times, all_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(t: f64, n: i64) -> f64 {
        f64::from_bits((t.to_bits() as i64 + n) as u64)
    }

    #[test]
    fn an_infinite_time_is_the_same_only_as_itself() {
        let clock = Clock::new(1.0);
        assert!(!clock.same(0.0, f64::INFINITY) && !clock.same(f64::INFINITY, 180.0));
        assert!(!clock.same(f64::NEG_INFINITY, f64::INFINITY));
        assert!(clock.same(f64::INFINITY, f64::INFINITY));
        assert!(!clock.same(f64::NAN, 1.0));
        assert!(clock.same(23.8, ulps(23.8, 1)) && !clock.same(23.8, 23.9));
    }

    #[test]
    fn breakpoints_a_few_ulps_apart_merge_into_the_first() {
        let clock = Clock::new(1.0);
        let merged = merge_breakpoints(clock, 0.0, 48.0, &[23.8, ulps(23.8, 1), ulps(0.0, 3)]);
        assert_eq!(merged, [0.0, 23.8, 48.0]);
        let near_end = merge_breakpoints(clock, 0.0, 48.0, &[ulps(48.0, -2), 1e-300]);
        assert_eq!(near_end, [0.0, 48.0]);
    }

    #[test]
    fn output_times_near_a_breakpoint_sample_at_it_and_keep_their_rows() {
        let clock = Clock::new(1.0);
        let breakpoints = [0.0, 23.8, 48.0];
        let requested = [
            0.0,
            1e-300,
            ulps(23.8, -5),
            23.8,
            ulps(23.8, 16),
            30.0,
            48.0,
        ];
        let samples = samples(clock, &breakpoints, &requested);
        assert_eq!(samples.times, [0.0, 23.8, 30.0, 48.0]);
        assert_eq!(samples.row_of, [0, 0, 1, 1, 1, 2, 3]);
    }

    #[test]
    fn a_dose_an_ulp_off_its_breakpoint_moves_onto_it_with_its_amount() {
        let clock = Clock::new(1.0);
        let breakpoints = [0.0, 23.8, 25.8, 48.0];
        let dose = DoseEvent {
            state: 0,
            time: ulps(23.8, 2),
            amount: 4.0,
            duration: Some(2.0),
        };
        let snapped = snap_doses(clock, &breakpoints, &[dose]);
        assert_eq!(snapped[0].time, 23.8);
        assert_eq!(snapped[0].time + snapped[0].duration.unwrap(), 25.8);
        assert_eq!(snapped[0].amount, 4.0);
    }
}
