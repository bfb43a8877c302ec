//! Fixed-step RK4 through ode_solvers: every output time and the segment end hit exactly, the
//! number of steps bounded before anything is allocated.

use super::PieceRhs;
use super::SolverOptions;
use super::explicit::{SegmentSystem, Stopped};
use nalgebra::{DefaultAllocator, Dim, OVector, allocator::Allocator};
use ode_solvers::Rk4;
use ode_solvers::dop_shared::IntegrationError;

/// The step that splits `width` into exactly `steps` RK4 steps. ode_solvers takes
/// ceil(width / step) steps, which for step = width / steps can round up to one step more
/// (a whole extra step past the end): nudge the step up until it does not.
fn rk4_step(width: f64, steps: f64) -> f64 {
    let mut step = width / steps;
    while (width / step).ceil() > steps {
        step = f64::from_bits(step.to_bits() + 1);
    }
    step
}

/// Fixed-step RK4: each output interval is split into equal steps no longer than `step`, so
/// every output time and the segment end are hit exactly.
pub(super) fn integrate<D: Dim>(
    system: &SegmentSystem<'_, '_>,
    mut state: OVector<f64, D>,
    y: &mut [f64],
    options: SolverOptions,
    length: f64,
    dense: Option<(usize, f64)>,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, Stopped>
where
    DefaultAllocator: Allocator<D>,
{
    let step = options.rk4_step;
    let (count, interval) = dense.unwrap_or((1, length));
    // ode_solvers keeps every RK4 step: bound the steps of the call by `max_steps` before
    // allocating (a step of 1e-12 over a year would ask for terabytes).
    let needed = (length / step).ceil();
    if needed.is_nan() || needed > f64::from(options.max_steps) {
        return Err(Stopped {
            error: IntegrationError::MaxNumStepReached {
                x: 0.0,
                n_step: options.max_steps,
            },
            resume: 0.0,
            recorded: 0,
            accepted: 0,
        });
    }
    let mut total = ode_solvers::dop_shared::Stats {
        num_eval: 0,
        accepted_steps: 0,
        rejected_steps: 0,
    };
    for k in 1..=count {
        let from = (k - 1) as f64 * interval;
        let width = k as f64 * interval - from;
        let steps = (width / step).ceil().max(1.0);
        let shifted = SegmentSystem {
            rhs: PieceRhs {
                origin: system.rhs.origin + from,
                ..system.rhs
            },
            ..*system
        };
        let mut solver = Rk4::new(shifted, 0.0, state.clone(), width, rk4_step(width, steps));
        let stats = solver.integrate().map_err(|error| Stopped {
            error,
            resume: 0.0,
            recorded: 0,
            accepted: 0,
        })?;
        total.num_eval += stats.num_eval;
        total.accepted_steps += stats.accepted_steps;
        if let Some(last) = solver.y_out().last() {
            state = last.clone();
        }
        if dense.is_some() {
            record(k, state.as_slice());
        }
    }
    y.copy_from_slice(state.as_slice());
    Ok(total)
}
