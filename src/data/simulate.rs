//! Simulating one data subject: a run plan with its covariates, doses, span and record times
//! as output times; resets split the run into pieces that each start from the initial states.

use super::DataSubject;
use crate::diag::number;
use crate::model::Model;
use crate::simulate::{RunPlan, RunTemplate, SimError, Simulation, simulate};

/// Most output rows one subject's grid may have (the simulator's own limit).
const MAX_ROWS: f64 = 1e7;

/// The run plan of one subject, from `base` (the model's run with the command line's
/// settings, or a fit's template): `base`'s parameters with the subject's covariates set (those
/// that vary within the ID as schedules, at their value at the start), and
/// its solver and step; the subject's doses; a span from `base`'s start or the subject's first
/// record, whichever is earlier, to `base`'s end or its last record (infusion ends included),
/// whichever is later; output at `base`'s grid (start + k step within the span, or its listed
/// times) and at every record time (observations, output times, resets, doses, infusion ends).
pub fn plan_subject(base: &RunTemplate, subject: &DataSubject) -> Result<RunPlan, SimError> {
    let (start, end) = subject.span().map_or((base.start, base.end), |(lo, hi)| {
        (lo.min(base.start), hi.max(base.end))
    });
    let mut times = match &base.times {
        Some(listed) => listed.clone(),
        None => {
            let rows = (end - start) / base.step;
            if rows.is_nan() || rows > MAX_ROWS {
                return Err(SimError {
                    message: format!(
                        "the output grid from {} to {} every {} would have {rows:.3e} rows (the limit is {MAX_ROWS:e})",
                        number(start),
                        number(end),
                        number(base.step)
                    ),
                    time: start,
                    states: Vec::new(),
                    states_time: start,
                    hint: "the ID runs from its first record (or the model's start) to its last (or the model's end): check its TIME values, or use a larger `--step`".into(),
                });
            }
            let first = ((start - base.start) / base.step).ceil() as i64;
            let last = ((end - base.start) / base.step * (1.0 + 1e-12)).floor() as i64;
            (first..=last)
                .map(|k| base.start + k as f64 * base.step)
                .collect()
        }
    };
    times.extend(subject.observations.iter().map(|o| o.time));
    times.extend(&subject.output_times);
    times.extend(&subject.resets);
    for dose in &subject.doses {
        times.push(dose.time);
        times.extend(dose.duration.map(|d| dose.time + d));
    }
    times.retain(|&t| t >= start && t <= end);
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut parameters = base.parameters.clone();
    for &(index, value) in &subject.covariates {
        parameters[index] = value;
    }
    for schedule in &subject.schedules {
        parameters[schedule.parameter] = schedule.value_at(start);
    }
    Ok(RunPlan {
        start,
        end,
        times: Some(times),
        before_doses: subject.before_doses(),
        schedules: subject.schedules.clone(),
        ..base.plan_with(parameters, subject.doses.clone())
    })
}

/// Simulates one subject (see `plan_subject`). At each reset the run restarts from the initial
/// states: the trajectory's row at a reset time shows the state after it, running infusions
/// stop there, and doses at the reset time are given after it. A reset at the last time
/// extends the run by one output step, so that its effect shows.
pub fn simulate_subject(
    model: &Model,
    base: &RunTemplate,
    subject: &DataSubject,
) -> Result<Simulation, SimError> {
    let mut plan = plan_subject(base, subject)?;
    let mut cuts: Vec<f64> = (subject.resets.iter().copied())
        .filter(|&t| t > plan.start)
        .collect();
    cuts.dedup();
    if cuts.is_empty() {
        return simulate(model, &plan);
    }
    if cuts.last() == Some(&plan.end) {
        plan.end += plan.step;
    }
    let bounds: Vec<f64> = std::iter::once(plan.start)
        .chain(cuts)
        .chain([plan.end])
        .collect();
    let times = plan.times.take().unwrap_or_default();
    let piece = |k: usize| {
        let (a, b) = (bounds[k], bounds[k + 1]);
        let last = k + 2 == bounds.len();
        RunPlan {
            doses: (plan.doses.iter())
                .filter(|d| d.time >= a && (d.time < b || last))
                .copied()
                .collect(),
            start: a,
            end: b,
            times: Some(
                times
                    .iter()
                    .copied()
                    .filter(|&t| t >= a && t <= b)
                    .collect(),
            ),
            // Before a reset: the row the piece before it ends with (kept by `join`).
            before_doses: (plan.before_doses.iter().copied())
                .filter(|&t| (t > a || k == 0) && t >= a && (t < b || (last && t == b)))
                .collect(),
            ..plan.clone()
        }
    };
    let mut total = simulate(model, &piece(0))?;
    for (k, &at) in bounds.iter().enumerate().take(bounds.len() - 1).skip(1) {
        if total.stopped.is_some() {
            break;
        }
        let mut next = simulate(model, &piece(k))?;
        let keep_before = plan.before_doses.contains(&at);
        join(&mut total, &mut next, at, keep_before);
    }
    Ok(total)
}

/// Appends `next` (a piece starting at the reset time `at`) to `sum`, whose row at `at` (the
/// state before the reset) is replaced by `next`'s first row, or kept before it when
/// `keep_before` (an observation listed before the reset).
fn join(sum: &mut Simulation, next: &mut Simulation, at: f64, keep_before: bool) {
    let trajectory = &mut sum.trajectory;
    let width = trajectory.columns.len();
    if trajectory.times.last() == Some(&at) && !keep_before {
        trajectory.times.pop();
        trajectory.values.truncate(trajectory.times.len() * width);
    }
    trajectory.times.append(&mut next.trajectory.times);
    trajectory.values.append(&mut next.trajectory.values);
    let (stats, more) = (&mut sum.stats, &next.stats);
    stats.rhs_evaluations += more.rhs_evaluations;
    stats.jacobian_evaluations += more.jacobian_evaluations;
    stats.accepted_steps += more.accepted_steps;
    stats.rejected_steps += more.rejected_steps;
    stats.solver_calls += more.solver_calls;
    sum.warnings.append(&mut next.warnings);
    sum.events.append(&mut next.events);
    sum.stopped = next.stopped;
    if sum.method_switch.is_none() {
        sum.method_switch = next.method_switch.take();
    }
}
