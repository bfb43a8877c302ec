//! A short restart on a uniform grid without the driver: the peak search's windows, solved
//! many times per population run. The same solver call and output rows as `simulate_from`
//! (bit for bit), without the schedule, the sample bookkeeping and the checks that cannot fire
//! on such a window; anything else, and any failure, goes through `simulate_from`, so errors
//! read as they always do.

use super::outcome::assemble;
use super::plan::integrator_for;
use super::times::{Clock, output_times};
use super::{RunPlan, SimError, check_plan, simulate_from};
use crate::solver::Piece;
use crate::trajectory::Trajectory;

/// The trajectory of `plan` started from `states` at `plan.start`, where `plan` has no doses,
/// schedules or listed times and its model no events, and no breakpoint lies strictly inside
/// the span (the caller's schedule says so).
pub fn simulate_window(
    model: &crate::model::Model,
    plan: &RunPlan,
    states: &[f64],
) -> Result<Trajectory, SimError> {
    let full = || simulate_from(model, plan, Some(states)).map(|s| s.trajectory);
    let plain = plan.doses.is_empty()
        && plan.schedules.is_empty()
        && plan.times.is_none()
        && model.events.is_empty()
        && plan.end > plan.start
        && states.iter().all(|v| v.is_finite());
    if !plain {
        return full();
    }
    check_plan(model, plan)?;
    let times = output_times(plan.start, plan.end, plan.step);
    // The driver samples every grid time on its own row only when no two of them (nor the
    // start or end breakpoints) are the same time; otherwise leave the merging to it.
    let clock = Clock::new(plan.step);
    let distinct = times.first() == Some(&plan.start)
        && times.last() == Some(&plan.end)
        && times.windows(2).all(|pair| !clock.same(pair[0], pair[1]));
    if !distinct {
        return full();
    }
    let mut registers = model.new_registers();
    model.setup(&mut registers, &plan.parameters);
    let (start, end) = (plan.start, plan.end);
    model.set_switches(&mut registers, 0.5 * (start + end));
    let mut integrator = integrator_for(model, plan, registers);
    let width = states.len();
    let count = times.len() - 1;
    let mut rows = vec![0.0; times.len() * width];
    rows[..width].copy_from_slice(states);
    let mut y = states.to_vec();
    let piece = Piece {
        origin: start,
        length: end - start,
        infusion: &[],
        dense: Some((count, plan.step)),
    };
    let solved = integrator.advance(&mut y, &piece, &mut |k, state| {
        rows[k * width..(k + 1) * width].copy_from_slice(state);
    });
    if solved.is_err() || !rows.iter().all(|v| v.is_finite()) {
        return full();
    }
    let registers = integrator.registers.into_inner();
    assemble(model, plan, registers, times, &rows).or_else(|_| full())
}
