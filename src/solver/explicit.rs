//! The explicit Runge-Kutta methods through ode_solvers: the model as an ode_solvers `System`,
//! dispatch to fixed-size vectors for up to 16 states (Dopri5 above them: the slice stepper of
//! `dopri5.rs`, the same steps without allocating), dense output without its end-point trap,
//! and, when a call fails, the point it can be resumed from and the work it did.

use super::StepObserver;
use super::dopri5::{self, SliceSystem};
use super::results::{Points, Results};
use super::stiffness::StiffnessWatch;
use super::{Integrator, Piece, PieceRhs, SegmentFailure, SolverOptions};
use crate::spec::SolverName;
use nalgebra::{Const, DefaultAllocator, Dim, Dyn, OVector, U1, allocator::Allocator};
use ode_solvers::dop_shared::IntegrationError;
use ode_solvers::{Dop853, Dopri5, OutputType, System};
use std::cell::{Cell, RefCell};

/// The ode_solvers methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Explicit {
    Dopri5,
    Dop853,
    Rk4,
}

/// The piece as ode_solvers sees it: the right-hand side and, for events, a step observer,
/// counting its calls (ode_solvers reports no work for a call that fails).
#[derive(Clone, Copy)]
pub(super) struct SegmentSystem<'a, 'o> {
    pub rhs: PieceRhs<'a>,
    pub observer: Option<&'a RefCell<dyn StepObserver + 'o>>,
    pub calls: &'a Calls,
    pub stiffness: &'a StiffnessWatch,
}

/// Right-hand side evaluations and `solout` calls of one solver call.
#[derive(Default)]
pub(super) struct Calls {
    rhs: Cell<u64>,
    solout: Cell<u64>,
}

/// A failed explicit call: why, and where it can be resumed from. `y` then holds the state at
/// `resume` (local time): the last accepted step of a sparse call, the last dense point of a
/// dense call (whose `recorded` points up to it have been passed on).
pub(super) struct Interrupted {
    pub failure: SegmentFailure,
    pub resume: f64,
    pub recorded: usize,
}

impl SliceSystem for SegmentSystem<'_, '_> {
    #[inline]
    fn rhs(&self, x: f64, y: &[f64], dy: &mut [f64]) {
        self.calls.rhs.set(self.calls.rhs.get() + 1);
        self.rhs.derivatives(x, y, dy);
    }

    fn step_end(&mut self, x: f64, y: &[f64]) -> bool {
        self.calls.solout.set(self.calls.solout.get() + 1);
        let event = self
            .observer
            .is_some_and(|observer| observer.borrow_mut().observe(self.rhs.origin + x, y));
        event || self.stiffness.observe(&self.rhs, x, y)
    }
}

impl<D: Dim> System<f64, OVector<f64, D>> for SegmentSystem<'_, '_>
where
    DefaultAllocator: Allocator<D>,
{
    #[inline]
    fn system(&self, x: f64, y: &OVector<f64, D>, dy: &mut OVector<f64, D>) {
        self.rhs(x, y.as_slice(), dy.as_mut_slice());
    }

    fn solout(&mut self, x: f64, y: &OVector<f64, D>, _dy: &OVector<f64, D>) -> bool {
        self.step_end(x, y.as_slice())
    }
}

fn failure(error: IntegrationError, origin: f64) -> SegmentFailure {
    match error {
        IntegrationError::MaxNumStepReached { x, n_step } => SegmentFailure::MaxSteps {
            time: origin + x,
            steps: n_step,
        },
        IntegrationError::StepSizeUnderflow { x } => {
            SegmentFailure::StepSizeUnderflow { time: origin + x }
        }
        IntegrationError::StiffnessDetected { x } => SegmentFailure::Stiffness { time: origin + x },
    }
}

macro_rules! dispatch {
    ($n:expr, $function:ident, $($argument:expr),*) => {
        match $n {
            1 => $function::<Const<1>>(Const::<1>, $($argument),*),
            2 => $function::<Const<2>>(Const::<2>, $($argument),*),
            3 => $function::<Const<3>>(Const::<3>, $($argument),*),
            4 => $function::<Const<4>>(Const::<4>, $($argument),*),
            5 => $function::<Const<5>>(Const::<5>, $($argument),*),
            6 => $function::<Const<6>>(Const::<6>, $($argument),*),
            7 => $function::<Const<7>>(Const::<7>, $($argument),*),
            8 => $function::<Const<8>>(Const::<8>, $($argument),*),
            9 => $function::<Const<9>>(Const::<9>, $($argument),*),
            10 => $function::<Const<10>>(Const::<10>, $($argument),*),
            11 => $function::<Const<11>>(Const::<11>, $($argument),*),
            12 => $function::<Const<12>>(Const::<12>, $($argument),*),
            13 => $function::<Const<13>>(Const::<13>, $($argument),*),
            14 => $function::<Const<14>>(Const::<14>, $($argument),*),
            15 => $function::<Const<15>>(Const::<15>, $($argument),*),
            16 => $function::<Const<16>>(Const::<16>, $($argument),*),
            n => $function::<Dyn>(Dyn(n), $($argument),*),
        }
    };
}

impl Integrator<'_> {
    /// `advance` on an explicit method. On failure, `y` holds the state the call can be
    /// resumed from (see `Interrupted`), and the work done so far is counted.
    pub(super) fn advance_explicit(
        &mut self,
        y: &mut [f64],
        piece: &Piece,
        record: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<(), Interrupted> {
        let origin = piece.origin;
        // After BDF failed, `auto` goes on as plain Dopri5.
        let options = match (self.options.method, self.implicit_failed) {
            (SolverName::Auto, true) => SolverOptions {
                method: SolverName::Dopri5,
                ..self.options
            },
            _ => self.options,
        };
        let method = match self.options.method {
            SolverName::Dop853 => Explicit::Dop853,
            SolverName::Rk4 => Explicit::Rk4,
            _ => Explicit::Dopri5,
        };
        let calls = Calls::default();
        let watch_stiffness = self.options.method == SolverName::Auto && !self.implicit_failed;
        let stiffness = StiffnessWatch::new(
            watch_stiffness,
            (options.rtol, options.atol),
            piece.dense.map(|(_, step)| step),
        );
        let system = SegmentSystem {
            rhs: self.piece_rhs(piece),
            observer: self.observer,
            calls: &calls,
            stiffness: &stiffness,
        };
        let outcome = match (method, y.len()) {
            (Explicit::Dopri5, 17..) => integrate_slices(&system, y, piece, options, record),
            (_, n) => dispatch!(
                n,
                integrate_sized,
                &system,
                y,
                piece,
                options,
                method,
                record
            ),
        };
        self.stats.solver_calls += 1;
        self.stats.rhs_evaluations += stiffness.evaluations.get();
        match outcome {
            Ok(stats) => {
                self.stats.rhs_evaluations += u64::from(stats.num_eval);
                self.stats.accepted_steps += u64::from(stats.accepted_steps);
                self.stats.rejected_steps += u64::from(stats.rejected_steps);
                Ok(())
            }
            Err(stopped) => {
                self.count_failed_call(&calls, stopped.accepted, method);
                let failure = match failure(stopped.error, origin) {
                    SegmentFailure::MaxSteps { time, .. } => SegmentFailure::MaxSteps {
                        time,
                        steps: self.options.max_steps,
                    },
                    other => other,
                };
                Err(Interrupted {
                    failure,
                    resume: stopped.resume,
                    recorded: stopped.recorded,
                })
            }
        }
    }

    /// Counts the work of a failed Dopri5 call from its calls: 3 evaluations to start (two
    /// for the initial step, one at the start), then 6 per attempted step.
    fn count_failed_call(&mut self, calls: &Calls, accepted: u64, method: Explicit) {
        let evaluations = calls.rhs.get();
        self.stats.rhs_evaluations += evaluations;
        self.stats.accepted_steps += accepted;
        if method == Explicit::Dopri5 {
            let attempted = evaluations.saturating_sub(3) / 6;
            self.stats.rejected_steps += attempted.saturating_sub(accepted);
        }
    }
}

/// How a failed solver call ended: the error, where to resume (local time; `y` holds the
/// state there), the dense points recorded before it, and the accepted steps.
pub(super) struct Stopped {
    pub error: IntegrationError,
    pub resume: f64,
    pub recorded: usize,
    pub accepted: u64,
}

/// How far a call integrates and its output step. Dense calls integrate a hair past the last
/// dense point, so ode_solvers interpolates it inside a step instead of extrapolating it from an
/// earlier one (its dense-output trap when the last point equals the end); the right-hand side
/// is smooth there because time switches are frozen per segment. Sparse calls return the exact
/// end state.
fn call_span(piece: &Piece) -> (f64, f64, OutputType) {
    match piece.dense {
        Some((count, step)) => {
            let last = count as f64 * step;
            // A millionth of a step past the last point (never an absolute amount: with a step
            // of 1e-20, 1e-8 past the end meant 1e12 dense points), and at least a few ulps.
            let hair = (1e-6 * step).max(8.0 * f64::EPSILON * last.abs());
            (last + hair, step, OutputType::Dense)
        }
        None => (piece.length, piece.length, OutputType::Sparse),
    }
}

/// `auto` tests for stiffness every 100 steps (Hairer's estimate of h * |lambda|, 15 times in a
/// row over the stability limit): a stiff model moves to BDF early, a long accurate non-stiff
/// run never does.
fn stiffness_check(options: SolverOptions) -> u32 {
    match options.method {
        SolverName::Auto => 100,
        _ => 1000,
    }
}

/// A finished call's outcome: its points passed on, its failure (or the stiffness found by
/// `auto`'s own test) with where to resume.
fn conclude<R: Results + ?Sized>(
    outcome: Result<ode_solvers::dop_shared::Stats, IntegrationError>,
    results: &R,
    system: &SegmentSystem<'_, '_>,
    y: &mut [f64],
    dense: Option<(usize, f64)>,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, Stopped> {
    match outcome {
        Ok(_) if system.stiffness.stiff_at.get().is_some() => {
            let x = system.stiffness.stiff_at.get().unwrap_or(0.0);
            let error = IntegrationError::StiffnessDetected { x };
            Err(stopped(error, results, y, dense, system.calls, record))
        }
        Ok(stats) => {
            take_results(results, y, dense, record);
            Ok(stats)
        }
        Err(error) => Err(stopped(error, results, y, dense, system.calls, record)),
    }
}

/// One Dopri5 call on slices (models above the fixed sizes): ode_solvers' steps without its
/// allocations.
fn integrate_slices(
    system: &SegmentSystem<'_, '_>,
    y: &mut [f64],
    piece: &Piece,
    options: SolverOptions,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, Stopped> {
    let (x_end, dx, output) = call_span(piece);
    let dense = output == OutputType::Dense;
    let settings = dopri5::Settings {
        x_end,
        dx,
        rtol: options.rtol,
        atol: options.atol,
        max_steps: options.max_steps,
        stiffness_check: stiffness_check(options),
        dense,
    };
    let capacity = piece.dense.map_or(1, |(count, _)| count + 2);
    let mut points = Points::new(y.len(), dense, capacity);
    let outcome = dopri5::integrate(&mut { *system }, y, &settings, &mut points);
    conclude(outcome, &points, system, y, piece.dense, record)
}

/// One solver call on vectors of dimension `D` (see `call_span`).
fn integrate_sized<D: Dim>(
    dimension: D,
    system: &SegmentSystem<'_, '_>,
    y: &mut [f64],
    piece: &Piece,
    options: SolverOptions,
    method: Explicit,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, Stopped>
where
    DefaultAllocator: Allocator<D>,
{
    let start = OVector::<f64, D>::from_column_slice_generic(dimension, U1, y);
    let (x_end, dx, output) = call_span(piece);
    // Dopri5 and Dop853 share ode_solvers' API; the controller constants are each method's
    // own defaults (safety, beta, minimum and maximum step factors).
    macro_rules! run {
        ($solver:ident, $beta:expr, $fac_min:expr, $fac_max:expr) => {{
            let mut solver = $solver::from_param(
                *system,
                0.0,
                x_end,
                dx,
                start,
                options.rtol,
                options.atol,
                0.9,
                $beta,
                $fac_min,
                $fac_max,
                x_end,
                0.0,
                options.max_steps,
                stiffness_check(options),
                output,
            );
            let outcome = solver.integrate();
            conclude(
                outcome,
                solver.y_out().as_slice(),
                system,
                y,
                piece.dense,
                record,
            )
        }};
    }
    match method {
        Explicit::Dopri5 => run!(Dopri5, 0.04, 0.2, 10.0),
        Explicit::Dop853 => run!(Dop853, 0.0, 0.333, 6.0),
        Explicit::Rk4 => {
            let length = piece.length;
            super::rk4::integrate(system, start, y, options, length, piece.dense, record)
        }
    }
}

/// Passes dense points to `record` and leaves in `y` the last dense point (dense) or the exact
/// end state (sparse). Dense results start with the initial point.
fn take_results<R: Results + ?Sized>(
    results: &R,
    y: &mut [f64],
    dense: Option<(usize, f64)>,
    record: &mut dyn FnMut(usize, &[f64]),
) {
    let last = match dense {
        Some((count, _)) => {
            for k in 1..=count.min(results.count().saturating_sub(1)) {
                if let Some(state) = results.point(k) {
                    record(k, state);
                }
            }
            results.point(count)
        }
        None => results.last(),
    };
    if let Some(last) = last {
        y.copy_from_slice(last);
    }
}

/// A failed call's results: a sparse call resumes from its last accepted step (every accepted
/// step is a result), a dense call from its last dense point (passed to `record` with those
/// before it). Accepted steps: sparse results after the first, or `solout` calls less the dense
/// points (ode_solvers calls it once per step and once per dense point).
fn stopped<R: Results + ?Sized>(
    error: IntegrationError,
    results: &R,
    y: &mut [f64],
    dense: Option<(usize, f64)>,
    calls: &Calls,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Stopped {
    let points = results.count().saturating_sub(1);
    let (resume, recorded, accepted) = match dense {
        Some((count, step)) => {
            let recorded = points.min(count);
            take_results(results, y, Some((recorded, step)), record);
            let accepted = calls.solout.get().saturating_sub(points as u64);
            (recorded as f64 * step, recorded, accepted)
        }
        None => {
            let resume = match &error {
                IntegrationError::MaxNumStepReached { x, .. }
                | IntegrationError::StepSizeUnderflow { x }
                | IntegrationError::StiffnessDetected { x } => *x,
            };
            if let Some(last) = results.last() {
                y.copy_from_slice(last);
            }
            (resume, 0, points as u64)
        }
    };
    Stopped {
        error,
        resume,
        recorded,
        accepted,
    }
}
