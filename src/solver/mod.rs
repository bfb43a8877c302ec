//! Integrating one smooth segment of a model: explicit Runge-Kutta methods with ode_solvers (on
//! fixed-size vectors for up to 16 states, no allocation per step, dynamic vectors above),
//! implicit BDF and SDIRK with diffsol, and `auto`, which starts explicit and switches to BDF
//! for the rest of the run when the explicit solver detects stiffness or runs out of steps.

mod implicit;
mod stiff;

use crate::model::Model;
use crate::spec::SolverName;
use nalgebra::{Const, DefaultAllocator, Dim, Dyn, OVector, U1, allocator::Allocator};
use ode_solvers::dop_shared::IntegrationError;
use ode_solvers::{Dop853, Dopri5, OutputType, Rk4, System};
use serde::Serialize;
use std::cell::RefCell;
use stiff::ImplicitMethod;

/// How to integrate: method and tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SolverOptions {
    pub method: SolverName,
    pub rtol: f64,
    pub atol: f64,
    /// Step of the fixed-step RK4 method.
    pub rk4_step: f64,
    /// Most steps in one call of the underlying solver.
    pub max_steps: u32,
}

/// Work done by the solver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stats {
    pub rhs_evaluations: u64,
    pub jacobian_evaluations: u64,
    pub accepted_steps: u64,
    pub rejected_steps: u64,
    pub solver_calls: u64,
}

/// Why a segment could not be integrated; `time` is absolute model time.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentFailure {
    MaxSteps {
        time: f64,
        steps: u32,
    },
    StepSizeUnderflow {
        time: f64,
    },
    Stiffness {
        time: f64,
    },
    /// The implicit solver gave up (e.g. Newton iterations failing on non-finite values).
    Implicit {
        time: f64,
        message: String,
    },
}

/// Most steps `auto` lets the explicit method take in one call before switching to BDF.
const AUTO_STEP_BUDGET: u32 = 5000;

/// The ode_solvers methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Explicit {
    Dopri5,
    Dop853,
    Rk4,
}

impl SegmentFailure {
    /// The model time at which the solver gave up.
    pub fn time(&self) -> f64 {
        match *self {
            SegmentFailure::MaxSteps { time, .. }
            | SegmentFailure::StepSizeUnderflow { time }
            | SegmentFailure::Stiffness { time }
            | SegmentFailure::Implicit { time, .. } => time,
        }
    }
}

/// When and why `auto` moved from the explicit method to BDF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodSwitch {
    pub time: f64,
    pub reason: String,
}

/// Watches every accepted step's end state (time, states); returning `true` stops the solver
/// there. Used for state events; only with sparse (non-dense) calls.
pub trait StepObserver {
    fn observe(&mut self, time: f64, states: &[f64]) -> bool;
}

/// The right-hand side seen by the solver: local time from the segment start, infusion rates
/// added, registers reused across calls.
#[derive(Clone, Copy)]
struct SegmentSystem<'a, 'o> {
    model: &'a Model,
    parameters: &'a [f64],
    registers: &'a RefCell<Vec<f64>>,
    infusion: &'a [f64],
    origin: f64,
    observer: Option<&'a RefCell<dyn StepObserver + 'o>>,
}

impl<D: Dim> System<f64, OVector<f64, D>> for SegmentSystem<'_, '_>
where
    DefaultAllocator: Allocator<D>,
{
    #[inline]
    fn system(&self, x: f64, y: &OVector<f64, D>, dy: &mut OVector<f64, D>) {
        let mut registers = self.registers.borrow_mut();
        let derivatives = dy.as_mut_slice();
        self.model.rhs(
            &mut registers,
            self.origin + x,
            y.as_slice(),
            self.parameters,
            derivatives,
        );
        for (derivative, rate) in derivatives.iter_mut().zip(self.infusion) {
            *derivative += rate;
        }
    }

    fn solout(&mut self, x: f64, y: &OVector<f64, D>, _dy: &OVector<f64, D>) -> bool {
        self.observer
            .is_some_and(|observer| observer.borrow_mut().observe(self.origin + x, y.as_slice()))
    }
}

/// One solver call: from `origin` over `length`, with the infusion rates running, and with
/// `dense = Some((count, step))` reporting the states at `origin + k*step`, k = 1..=count.
pub struct Piece<'a> {
    pub origin: f64,
    pub length: f64,
    pub infusion: &'a [f64],
    pub dense: Option<(usize, f64)>,
}

/// Integrates one model on one parameter set, segment by segment.
pub struct Integrator<'a> {
    pub model: &'a Model,
    pub parameters: &'a [f64],
    pub registers: RefCell<Vec<f64>>,
    pub options: SolverOptions,
    pub stats: Stats,
    /// Sees every step end of sparse calls (state events).
    pub observer: Option<&'a RefCell<dyn StepObserver + 'a>>,
    /// Absolute tolerance per state (the implicit methods use them all).
    pub state_atol: Vec<f64>,
    /// Set once `auto` has switched to BDF.
    pub switched: Option<MethodSwitch>,
    /// `auto` tried BDF and it failed: explicit for the rest of the run, without a step budget.
    pub implicit_failed: bool,
    /// What the solver decided along the way, for the run record.
    pub notes: Vec<String>,
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
    /// Integrates the piece and overwrites `y` with the exact end state. With dense output,
    /// instead calls `record(k, state)` for the states at `origin + k*step`, k = 1..=count (the
    /// last may be the segment end), and leaves in `y` the state at the last of them.
    pub fn advance(
        &mut self,
        y: &mut [f64],
        piece: &Piece,
        record: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<(), SegmentFailure> {
        let implicit = match self.options.method {
            SolverName::Bdf => Some(ImplicitMethod::Bdf),
            SolverName::Sdirk => Some(ImplicitMethod::Sdirk),
            SolverName::Auto if self.switched.is_some() => Some(ImplicitMethod::Bdf),
            _ => None,
        };
        if let Some(method) = implicit {
            return self.advance_implicit(method, y, piece, record);
        }
        // Only `auto` may need to redo the piece from its start.
        let may_switch = self.options.method == SolverName::Auto && !self.implicit_failed;
        let start = if may_switch { y.to_vec() } else { Vec::new() };
        match self.advance_explicit(y, piece, record) {
            Err(SegmentFailure::Stiffness { time } | SegmentFailure::MaxSteps { time, .. })
                if may_switch =>
            {
                self.switched = Some(MethodSwitch {
                    time,
                    reason: "the explicit method detected stiffness or exceeded its step budget"
                        .to_string(),
                });
                y.copy_from_slice(&start);
                match self.advance_implicit(ImplicitMethod::Bdf, y, piece, record) {
                    Err(failure) => {
                        // BDF cannot cope either (e.g. a right-hand side that is not smooth
                        // where it starts): go on explicitly, without the step budget.
                        let time = failure.time();
                        self.switched = None;
                        self.implicit_failed = true;
                        self.notes.push(format!(
                            "`auto`: BDF failed at time {time} after the switch; continued with dopri5"
                        ));
                        y.copy_from_slice(&start);
                        self.advance_explicit(y, piece, record)
                    }
                    ok => ok,
                }
            }
            result => result,
        }
    }

    /// A sparse call from `from` to exactly `to`.
    pub fn advance_to(
        &mut self,
        y: &mut [f64],
        from: f64,
        to: f64,
        infusion: &[f64],
    ) -> Result<(), SegmentFailure> {
        let piece = Piece {
            origin: from,
            length: to - from,
            infusion,
            dense: None,
        };
        self.advance(y, &piece, &mut |_, _| {})
    }

    fn advance_explicit(
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
            model: self.model,
            parameters: self.parameters,
            registers: &self.registers,
            infusion: piece.infusion,
            origin,
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
    match method {
        Explicit::Dopri5 => {
            let mut solver = Dopri5::from_param(
                *system,
                0.0,
                x_end,
                dx,
                start,
                options.rtol,
                options.atol,
                0.9,
                0.04,
                0.2,
                10.0,
                x_end,
                0.0,
                step_budget,
                stiffness_check,
                output,
            );
            let stats = solver.integrate()?;
            take_results(solver.y_out(), y, dense, record);
            Ok(stats)
        }
        Explicit::Dop853 => {
            let mut solver = Dop853::from_param(
                *system,
                0.0,
                x_end,
                dx,
                start,
                options.rtol,
                options.atol,
                0.9,
                0.0,
                0.333,
                6.0,
                x_end,
                0.0,
                step_budget,
                stiffness_check,
                output,
            );
            let stats = solver.integrate()?;
            take_results(solver.y_out(), y, dense, record);
            Ok(stats)
        }
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
            origin: system.origin + from,
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
