//! Integrating one smooth segment of a model: explicit Runge-Kutta methods with ode_solvers (on
//! fixed-size vectors for up to 16 states, no allocation per step; Dopri5 on preallocated slices
//! above, other methods on dynamic vectors),
//! implicit BDF and SDIRK with diffsol, and `auto`, which starts explicit and switches to BDF
//! for the rest of the run when the explicit solver detects stiffness (or reaches `max_steps`),
//! resuming from the explicit method's last accepted step or output point.

mod dopri5;
mod explicit;
mod implicit;
mod results;
mod rk4;
mod stiff;
mod stiffness;

use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use stiff::ImplicitMethod;

/// Integration methods a model or the command line can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SolverName {
    /// Dormand-Prince 5(4), switching to BDF for the rest of the run when the model turns out
    /// stiff (default).
    Auto,
    /// Dormand-Prince 5(4), adaptive.
    Dopri5,
    /// Dormand-Prince 8(5,3), adaptive; for tight tolerances.
    Dop853,
    /// Classic fixed-step Runge-Kutta 4 with step `rk4_step`.
    Rk4,
    /// Variable-order BDF (implicit, for stiff models; diffsol).
    Bdf,
    /// ESDIRK3(4) singly diagonally implicit Runge-Kutta (implicit; diffsol).
    Sdirk,
}

/// Solver settings that replace a model file's where given (the command line's `--solver`,
/// `--rtol`, `--atol`; a run file's `simulation:`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SolverOverrides {
    pub method: Option<SolverName>,
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
}

/// How to integrate: method and tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolverOptions {
    pub method: SolverName,
    pub rtol: f64,
    pub atol: f64,
    /// Step of the fixed-step RK4 method.
    pub rk4_step: f64,
    /// Most steps in one call of the underlying solver.
    pub max_steps: u32,
}

impl SolverOptions {
    /// These settings with `overrides` in place of the ones they give.
    pub fn overridden(self, overrides: &SolverOverrides) -> SolverOptions {
        SolverOptions {
            method: overrides.method.unwrap_or(self.method),
            rtol: overrides.rtol.unwrap_or(self.rtol),
            atol: overrides.atol.unwrap_or(self.atol),
            ..self
        }
    }
}

/// Work done by the solver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSwitch {
    pub time: f64,
    pub reason: String,
}

/// Watches every accepted step's end state (time, states); returning `true` stops the solver
/// there. Used for state events; only with sparse (non-dense) calls.
pub trait StepObserver {
    fn observe(&mut self, time: f64, states: &[f64]) -> bool;
}

/// A parameter that changes linearly within a segment (a time-varying covariate read with
/// `linear`): `value + slope (t - origin)` at time t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    pub parameter: usize,
    pub origin: f64,
    pub value: f64,
    pub slope: f64,
}

impl Ramp {
    /// `parameters` with every ramp's value at `t`.
    pub fn apply(ramps: &[Ramp], t: f64, parameters: &mut [f64]) {
        for ramp in ramps {
            parameters[ramp.parameter] = ramp.value + ramp.slope * (t - ramp.origin);
        }
    }
}

/// The model on one piece as every method sees it: time local to the piece's origin, running
/// infusion rates added to the derivatives, one register file reused across calls; with ramps,
/// the parameters at each evaluation's time (and the model's setup redone for them).
#[derive(Clone, Copy)]
struct PieceRhs<'a> {
    model: &'a Model,
    parameters: &'a [f64],
    ramps: &'a [Ramp],
    ramped: &'a RefCell<Vec<f64>>,
    registers: &'a RefCell<Vec<f64>>,
    infusion: &'a [f64],
    origin: f64,
}

impl PieceRhs<'_> {
    #[inline]
    fn derivatives(&self, local_time: f64, y: &[f64], dy: &mut [f64]) {
        let t = self.origin + local_time;
        let mut registers = self.registers.borrow_mut();
        if self.ramps.is_empty() {
            self.model.rhs(&mut registers, t, y, self.parameters, dy);
        } else {
            let parameters = self.parameters_at(&mut registers, t);
            self.model.rhs(&mut registers, t, y, &parameters, dy);
        }
        for (derivative, rate) in dy.iter_mut().zip(self.infusion) {
            *derivative += rate;
        }
    }

    /// The ramped parameters at `t`, with the model's setup redone for them in `registers`.
    fn parameters_at(&self, registers: &mut [f64], t: f64) -> std::cell::RefMut<'_, Vec<f64>> {
        let mut parameters = self.ramped.borrow_mut();
        parameters.clear();
        parameters.extend_from_slice(self.parameters);
        Ramp::apply(self.ramps, t, &mut parameters);
        self.model.setup(registers, &parameters);
        parameters
    }

    fn jacobian(&self, local_time: f64, y: &[f64], jacobian: &mut [f64]) {
        let t = self.origin + local_time;
        let mut registers = self.registers.borrow_mut();
        if self.ramps.is_empty() {
            (self.model).jacobian(&mut registers, t, y, self.parameters, jacobian);
        } else {
            let parameters = self.parameters_at(&mut registers, t);
            (self.model).jacobian(&mut registers, t, y, &parameters, jacobian);
        }
    }
}

impl<'a> Integrator<'a> {
    fn piece_rhs<'p>(&'p self, piece: &Piece<'p>) -> PieceRhs<'p> {
        PieceRhs {
            model: self.model,
            parameters: &self.parameters,
            ramps: &self.ramps,
            ramped: &self.ramped,
            registers: &self.registers,
            infusion: piece.infusion,
            origin: piece.origin,
        }
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
    /// The parameters of the current segment (a time-varying covariate changes them at
    /// breakpoints).
    pub parameters: Vec<f64>,
    /// Parameters changing linearly within the current segment; empty when none does.
    pub ramps: Vec<Ramp>,
    /// Room for the ramped parameters at one time.
    pub ramped: RefCell<Vec<f64>>,
    pub registers: RefCell<Vec<f64>>,
    pub options: SolverOptions,
    pub stats: Stats,
    /// Sees every step end of sparse calls (state events).
    pub observer: Option<&'a RefCell<dyn StepObserver + 'a>>,
    /// Absolute tolerance per state (the implicit methods use them all).
    pub state_atol: Vec<f64>,
    /// Set once `auto` has switched to BDF.
    pub switched: Option<MethodSwitch>,
    /// `auto` tried BDF and it failed: explicit for the rest of the run, without switching again.
    pub implicit_failed: bool,
    /// What the solver decided along the way, for the run record.
    pub notes: Vec<String>,
    /// After a failed call, the time of the state it left in `y` (the last accepted step or
    /// output point before the failure); `None` when `y` is the state at the call's start.
    pub states_time: Option<f64>,
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
        let may_switch = self.options.method == SolverName::Auto && !self.implicit_failed;
        let interrupted = match self.advance_explicit(y, piece, record) {
            Ok(()) => return Ok(()),
            Err(interrupted) => interrupted,
        };
        self.states_time = Some(piece.origin + interrupted.resume);
        let failure = interrupted.failure.clone();
        if !may_switch
            || !matches!(
                failure,
                SegmentFailure::Stiffness { .. } | SegmentFailure::MaxSteps { .. }
            )
        {
            self.locate_failure(y, piece, &interrupted);
            return Err(failure);
        }
        let reason = match failure {
            SegmentFailure::Stiffness { .. } => "the explicit method detected stiffness",
            _ => "the explicit method reached `max_steps`",
        };
        self.switched = Some(MethodSwitch {
            time: failure.time(),
            reason: reason.to_string(),
        });
        self.states_time = None;
        self.resume_implicit(y, piece, &interrupted, record)
    }

    /// After a dense call failed, `y` is the state at its last output point: the same
    /// integration redone as a sparse call from there stops at the same trouble and leaves the
    /// state of its last accepted step, which the failure then reports (failure path only).
    fn locate_failure(
        &mut self,
        y: &mut [f64],
        piece: &Piece,
        interrupted: &explicit::Interrupted,
    ) {
        if piece.dense.is_none()
            || interrupted.failure.time() <= self.states_time.unwrap_or(f64::MAX)
        {
            return;
        }
        let rest = Piece {
            origin: piece.origin + interrupted.resume,
            length: piece.length - interrupted.resume,
            infusion: piece.infusion,
            dense: None,
        };
        let mut state = y.to_vec();
        let stats = self.stats;
        if let Err(again) = self.advance_explicit(&mut state, &rest, &mut |_, _| {}) {
            y.copy_from_slice(&state);
            self.states_time = Some(rest.origin + again.resume);
        }
        self.stats = stats;
    }

    /// `auto` after the explicit call stopped: BDF from where it can be resumed (`y`) over the
    /// rest of the piece; if BDF fails too, the explicit method again from there, without
    /// switching.
    fn resume_implicit(
        &mut self,
        y: &mut [f64],
        piece: &Piece,
        interrupted: &explicit::Interrupted,
        record: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<(), SegmentFailure> {
        let offset = interrupted.recorded;
        let dense = match piece.dense {
            Some((count, _)) if offset >= count => return Ok(()),
            Some((count, step)) => Some((count - offset, step)),
            None => None,
        };
        let rest = Piece {
            origin: piece.origin + interrupted.resume,
            length: piece.length - interrupted.resume,
            infusion: piece.infusion,
            dense,
        };
        let mut shifted = |k: usize, state: &[f64]| record(k + offset, state);
        let resumed_from = y.to_vec();
        let Err(failure) = self.advance_implicit(ImplicitMethod::Bdf, y, &rest, &mut shifted)
        else {
            return Ok(());
        };
        // BDF cannot cope either (e.g. a right-hand side that is not smooth where it starts):
        // go on explicitly.
        let time = failure.time();
        self.switched = None;
        self.implicit_failed = true;
        self.notes.push(format!(
            "`auto`: BDF failed at time {time} after the switch; continued with dopri5"
        ));
        y.copy_from_slice(&resumed_from);
        self.advance_explicit(y, &rest, &mut shifted)
            .map_err(|interrupted| {
                self.states_time = Some(rest.origin + interrupted.resume);
                interrupted.failure
            })
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
}
