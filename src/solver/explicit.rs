//! The explicit Runge-Kutta methods through ode_solvers: the model as an ode_solvers `System`,
//! dispatch to fixed-size vectors for up to 16 states, dense output without its end-point trap,
//! and fixed-step RK4 that hits every output time.

use super::StepObserver;
use super::{Integrator, Piece, PieceRhs, SegmentFailure, SolverOptions};
use crate::spec::SolverName;
use nalgebra::{Const, DefaultAllocator, Dim, Dyn, OVector, U1, allocator::Allocator};
use ode_solvers::dop_shared::IntegrationError;
use ode_solvers::{Dop853, Dopri5, OutputType, Rk4, System};
use std::cell::RefCell;

/// Most steps `auto` lets the explicit method take in one call before switching to BDF.
const AUTO_STEP_BUDGET: u32 = 5000;

/// The ode_solvers methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Explicit {
    Dopri5,
    Dop853,
    Rk4,
}

/// The piece as ode_solvers sees it: the right-hand side and, for events, a step observer.
#[derive(Clone, Copy)]
struct SegmentSystem<'a, 'o> {
    rhs: PieceRhs<'a>,
    observer: Option<&'a RefCell<dyn StepObserver + 'o>>,
}

impl<D: Dim> System<f64, OVector<f64, D>> for SegmentSystem<'_, '_>
where
    DefaultAllocator: Allocator<D>,
{
    #[inline]
    fn system(&self, x: f64, y: &OVector<f64, D>, dy: &mut OVector<f64, D>) {
        self.rhs.derivatives(x, y.as_slice(), dy.as_mut_slice());
    }

    fn solout(&mut self, x: f64, y: &OVector<f64, D>, _dy: &OVector<f64, D>) -> bool {
        self.observer.is_some_and(|observer| {
            observer
                .borrow_mut()
                .observe(self.rhs.origin + x, y.as_slice())
        })
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
    pub(super) fn advance_explicit(
        &mut self,
        y: &mut [f64],
        piece: &Piece,
        record: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<(), SegmentFailure> {
        let origin = piece.origin;
        // After BDF failed, `auto` goes on as plain Dopri5 (no step budget).
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
        let system = SegmentSystem {
            rhs: self.piece_rhs(piece),
            observer: self.observer,
        };
        let stats = dispatch!(
            y.len(),
            integrate_sized,
            &system,
            y,
            piece,
            options,
            method,
            record
        )
        .map_err(|e| match failure(e, origin) {
            SegmentFailure::MaxSteps { time, .. } => SegmentFailure::MaxSteps {
                time,
                steps: self.options.max_steps,
            },
            other => other,
        })?;
        self.stats.rhs_evaluations += u64::from(stats.num_eval);
        self.stats.accepted_steps += u64::from(stats.accepted_steps);
        self.stats.rejected_steps += u64::from(stats.rejected_steps);
        self.stats.solver_calls += 1;
        Ok(())
    }
}

/// One solver call on vectors of dimension `D`. Dense calls integrate a hair past the last
/// dense point, so ode_solvers interpolates it inside a step instead of extrapolating it from an
/// earlier one (its dense-output trap when the last point equals the end); the right-hand side
/// is smooth there because time switches are frozen per segment. Sparse calls return the exact
/// end state.
fn integrate_sized<D: Dim>(
    dimension: D,
    system: &SegmentSystem<'_, '_>,
    y: &mut [f64],
    piece: &Piece,
    options: SolverOptions,
    method: Explicit,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, IntegrationError>
where
    DefaultAllocator: Allocator<D>,
{
    let (length, dense) = (piece.length, piece.dense);
    // `auto` checks for stiffness more often and gives the explicit method a smaller step
    // budget, so a stiff model moves to BDF early instead of crawling.
    let (step_budget, stiffness_check) = match options.method {
        SolverName::Auto => (options.max_steps.min(AUTO_STEP_BUDGET), 100),
        _ => (options.max_steps, 1000),
    };
    let start = OVector::<f64, D>::from_column_slice_generic(dimension, U1, y);
    let (x_end, dx, output) = match dense {
        Some((count, step)) => {
            let last = count as f64 * step;
            (last + (1e-6 * step).max(1e-8), step, OutputType::Dense)
        }
        None => (length, length, OutputType::Sparse),
    };
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
                step_budget,
                stiffness_check,
                output,
            );
            let stats = solver.integrate()?;
            take_results(solver.y_out(), y, dense, record);
            Ok(stats)
        }};
    }
    match method {
        Explicit::Dopri5 => run!(Dopri5, 0.04, 0.2, 10.0),
        Explicit::Dop853 => run!(Dop853, 0.0, 0.333, 6.0),
        Explicit::Rk4 => integrate_rk4(system, start, y, options.rk4_step, length, dense, record),
    }
}

/// Passes dense points to `record` and leaves in `y` the last dense point (dense) or the exact
/// end state (sparse). Dense results start with the initial point.
fn take_results<D: Dim>(
    results: &[OVector<f64, D>],
    y: &mut [f64],
    dense: Option<(usize, f64)>,
    record: &mut dyn FnMut(usize, &[f64]),
) where
    DefaultAllocator: Allocator<D>,
{
    let last = match dense {
        Some((count, _)) => {
            for (k, state) in results.iter().enumerate().skip(1).take(count) {
                record(k, state.as_slice());
            }
            results.get(count)
        }
        None => results.last(),
    };
    if let Some(last) = last {
        y.copy_from_slice(last.as_slice());
    }
}

/// Fixed-step RK4: each output interval is split into equal steps no longer than `step`, so
/// every output time and the segment end are hit exactly.
fn integrate_rk4<D: Dim>(
    system: &SegmentSystem<'_, '_>,
    mut state: OVector<f64, D>,
    y: &mut [f64],
    step: f64,
    length: f64,
    dense: Option<(usize, f64)>,
    record: &mut dyn FnMut(usize, &[f64]),
) -> Result<ode_solvers::dop_shared::Stats, IntegrationError>
where
    DefaultAllocator: Allocator<D>,
{
    let (count, interval) = dense.unwrap_or((1, length));
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
        let mut solver = Rk4::new(shifted, 0.0, state.clone(), width, width / steps);
        let stats = solver.integrate()?;
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
