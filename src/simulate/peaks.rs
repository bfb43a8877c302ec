//! Cmax and Tmax on the solver's solution rather than on the output grid.
//!
//! A column's largest grid value at t_k brackets the solution's maximum in [t_(k-1), t_(k+1)]
//! (for a curve with one peak there). That window is solved again with `PEAK_SAMPLES` output
//! times plus every breakpoint inside it, and then the two sample spacings around
//! its largest sample likewise: restarted from the states at the window's start, or from the
//! run's start when an event changes states (events remember what fired). The largest sample
//! is the peak, refined to the vertex of the parabola through it and its neighbours when the
//! curve is smooth there: no breakpoint (dose, infusion end, switch of `t`) between the
//! neighbours and no event that changes states (one may fire anywhere).
//! The peak is never below the grid's maximum. Limits: a peak narrower than an output interval
//! that the grid misses entirely stays missed, and a kink at the peak from an `if` on states
//! is taken as smooth (the vertex is then off by up to a sample spacing).

use super::times::{Clock, schedule};
use super::window::simulate_window;
use super::{RunPlan, SimError, Simulation, simulate, simulate_from};
use crate::model::{DoseEvent, Model};
use crate::trajectory::{Peak, Trajectory};

/// Evenly spaced output times across a window (two output intervals, then two samples).
pub const PEAK_SAMPLES: usize = 32;

/// Windows solved per peak: the second, around the first's largest sample, is 16 times
/// narrower.
const ROUNDS: usize = 2;

/// The peak of each trajectory column in `columns` (indexes into `Trajectory::columns`) of the
/// run `plan` whose result is `simulation`; `None` for an empty column or one with a non-finite
/// value.
pub fn locate_peaks(
    model: &Model,
    plan: &RunPlan,
    simulation: &Simulation,
    columns: &[usize],
) -> Result<Vec<Option<Peak>>, SimError> {
    let smooth = !model.events.iter().any(|event| event.acts());
    let search = Search {
        model,
        plan,
        restart: smooth && simulation.stopped.is_none(),
        smooth,
    };
    columns
        .iter()
        .map(|&column| search.peak(&simulation.trajectory, column))
        .collect()
}

/// How the windows of one run are solved again.
struct Search<'a> {
    model: &'a Model,
    plan: &'a RunPlan,
    /// From the states at a window's start, or else from the run's start.
    restart: bool,
    /// No event changes the solution (only breakpoints make kinks).
    smooth: bool,
}

impl Search<'_> {
    fn peak(&self, trajectory: &Trajectory, column: usize) -> Result<Option<Peak>, SimError> {
        let values = trajectory.column_at(column);
        let Some(k) = grid_peak(&values) else {
            return Ok(None);
        };
        let grid = Peak {
            cmax: values[k],
            tmax: trajectory.times[k],
        };
        let mut solved: Option<(Trajectory, Vec<f64>)> = None;
        let mut at = k;
        for _ in 0..ROUNDS {
            let current = solved.as_ref().map_or(trajectory, |(fine, _)| fine);
            let rows = (at.saturating_sub(1), (at + 1).min(current.times.len() - 1));
            if rows.0 == rows.1 {
                break;
            }
            let (fine, breakpoints) = self.solve_window(current, rows)?;
            let Some(j) = grid_peak(&fine.column_at(column)) else {
                break;
            };
            let kinked = j == 0
                || j + 1 == fine.times.len()
                || breakpoints
                    .iter()
                    .any(|&t| t > fine.times[j - 1] && t < fine.times[j + 1]);
            solved = Some((fine, breakpoints));
            at = j;
            if kinked {
                break;
            }
        }
        let refined = solved.and_then(|(fine, breakpoints)| {
            refine(
                &fine.times,
                &fine.column_at(column),
                &breakpoints,
                self.smooth,
            )
        });
        Ok(Some(match refined {
            Some(peak) if peak.cmax > grid.cmax => peak,
            _ => grid,
        }))
    }

    /// The solution over the rows `first..=last` of `trajectory`, densely sampled, and the
    /// breakpoints inside.
    fn solve_window(
        &self,
        trajectory: &Trajectory,
        (first, last): (usize, usize),
    ) -> Result<(Trajectory, Vec<f64>), SimError> {
        let (model, plan) = (self.model, self.plan);
        let (a, b) = (trajectory.times[first], trajectory.times[last]);
        let clock = Clock::new(plan.step);
        let window = RunPlan {
            parameters: match self.restart {
                true => plan.parameters_at(a),
                false => plan.parameters.clone(),
            },
            schedules: plan.schedules.clone(),
            doses: if self.restart {
                doses_after(clock, &plan.doses, a, b)
            } else {
                plan.doses.clone()
            },
            start: if self.restart { a } else { plan.start },
            end: b,
            step: plan.step,
            times: None,
            before_doses: Vec::new(),
            solver: plan.solver,
        };
        let mut registers = model.new_registers();
        model.setup(&mut registers, &plan.parameters);
        let breakpoints: Vec<f64> = schedule(model, &window, &registers, clock)
            .breakpoints
            .into_iter()
            .filter(|&t| t > a && t < b)
            .collect();
        let window = if self.restart && breakpoints.is_empty() {
            // One dense solver call: samples a + i (b - a) / PEAK_SAMPLES.
            RunPlan {
                step: (b - a) / PEAK_SAMPLES as f64,
                ..window
            }
        } else {
            let mut fine: Vec<f64> = (0..=PEAK_SAMPLES)
                .map(|i| a + (b - a) * i as f64 / PEAK_SAMPLES as f64)
                .chain(breakpoints.iter().copied())
                .collect();
            fine.sort_by(f64::total_cmp);
            fine.dedup();
            RunPlan {
                times: Some(fine),
                ..window
            }
        };
        let states = &trajectory.row(first)[..model.states.len()];
        let solved = match (self.restart, breakpoints.is_empty()) {
            (true, true) => simulate_window(model, &window, states)?,
            (true, false) => simulate_from(model, &window, Some(states))?.trajectory,
            (false, _) => simulate(model, &window)?.trajectory,
        };
        Ok((solved, breakpoints))
    }
}

/// The first index of the largest value; `None` if there is none or one is not finite.
fn grid_peak(values: &[f64]) -> Option<usize> {
    if !values.iter().all(|v| v.is_finite()) {
        return None;
    }
    let (index, _) = values
        .iter()
        .enumerate()
        .rev()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    Some(index)
}

/// The doses that act after time `a` up to `b`, for a restart at `a` from states that already
/// hold the doses at `a`: boluses in (a, b], and infusions running after `a` (one started
/// before `a` continues from `a` at its rate).
fn doses_after(clock: Clock, doses: &[DoseEvent], a: f64, b: f64) -> Vec<DoseEvent> {
    let after = |t: f64| t > a && !clock.same(t, a);
    doses
        .iter()
        .filter_map(|dose| {
            let Some(duration) = dose.duration else {
                return (after(dose.time) && dose.time <= b).then_some(*dose);
            };
            let end = dose.time + duration;
            if !after(end) || dose.time > b {
                None
            } else if after(dose.time) || clock.same(dose.time, a) {
                Some(*dose)
            } else {
                Some(DoseEvent {
                    time: a,
                    duration: Some(end - a),
                    amount: dose.amount * (end - a) / duration,
                    ..*dose
                })
            }
        })
        .collect()
}

/// The largest sample, moved to the vertex of the parabola through it and its neighbours when
/// the curve is `smooth` and has no breakpoint between the neighbours, and bends down there.
fn refine(times: &[f64], values: &[f64], breakpoints: &[f64], smooth: bool) -> Option<Peak> {
    let j = grid_peak(values)?;
    let sample = Peak {
        cmax: values[j],
        tmax: times[j],
    };
    if !smooth || j == 0 || j + 1 >= times.len() {
        return Some(sample);
    }
    let (t0, t1, t2) = (times[j - 1], times[j], times[j + 1]);
    let (c0, c1, c2) = (values[j - 1], values[j], values[j + 1]);
    if breakpoints.iter().any(|&t| t > t0 && t < t2) {
        return Some(sample);
    }
    let slope01 = (c1 - c0) / (t1 - t0);
    let slope12 = (c2 - c1) / (t2 - t1);
    let curvature = (slope12 - slope01) / (t2 - t0);
    if curvature.is_nan() || curvature >= 0.0 {
        return Some(sample);
    }
    let tmax = 0.5 * (t0 + t1) - slope01 / (2.0 * curvature);
    let cmax = c0 + slope01 * (tmax - t0) + curvature * (tmax - t0) * (tmax - t1);
    Some(if (t0..=t2).contains(&tmax) && cmax >= c1 {
        Peak { cmax, tmax }
    } else {
        sample
    })
}
