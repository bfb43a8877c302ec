//! Integrating a stiff segment with diffsol's implicit methods (BDF, SDIRK) through plain slices.
//!
//! The caller's system is handed to diffsol through its trait-based problem API (an
//! `OdeEquations` implementation whose right-hand side overrides
//! `NonLinearOpJacobian::jacobian_inplace`), so the Newton matrix is built from the caller's dense
//! Jacobian in one call instead of `n` Jacobian-vector products. A fresh problem and solver are
//! built on every call: nothing of the step history survives a dose.

use std::cell::{Cell, RefCell};

use diffsol::error::OdeSolverError;
use diffsol::{
    ConstantOp, DenseMatrix, DiffsolError, NalgebraContext, NalgebraLU, NalgebraMat, NalgebraVec,
    NonLinearOp, NonLinearOpJacobian, OdeBuilder, OdeEquations, OdeEquationsRef, OdeSolverMethod,
    OdeSolverStopReason, Op, ParameterisedOp, UnitCallable, Vector, VectorCommon,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitMethod {
    /// Variable-order BDF (orders 1 to 5).
    Bdf,
    /// ESDIRK3(4) singly diagonally implicit Runge-Kutta.
    Sdirk,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StiffStats {
    /// Accepted steps.
    pub steps: u64,
    /// Attempts thrown away: local error test failures plus Newton convergence failures.
    pub rejected_steps: u64,
    pub rhs_evaluations: u64,
    pub jacobian_evaluations: u64,
}

/// A stiff system, implemented by the caller (cartsim's compiled model).
pub trait StiffSystem {
    fn dimension(&self) -> usize;
    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]);
    /// Dense Jacobian d(dy_i)/d(y_j), row-major n*n into `jacobian`.
    fn jacobian(&self, t: f64, y: &[f64], jacobian: &mut [f64]);
}

pub struct StiffOptions {
    pub method: ImplicitMethod,
    pub rtol: f64,
    /// One absolute tolerance per state.
    pub atol: Vec<f64>,
    pub max_steps: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StiffFailure {
    StepSizeTooSmall { time: f64 },
    MaxSteps { time: f64 },
    Other { time: f64, message: String },
}

type Mat = NalgebraMat<f64>;
type Vec64 = NalgebraVec<f64>;
type Unused<'a> = ParameterisedOp<'a, UnitCallable<Mat>>;

/// The caller's system seen as diffsol equations, counting the calls made into it.
struct Equations<'s> {
    system: &'s dyn StiffSystem,
    y0: Vec<f64>,
    ctx: NalgebraContext,
    jacobian: RefCell<Vec<f64>>,
    rhs_evaluations: Cell<u64>,
    jacobian_evaluations: Cell<u64>,
}

impl Equations<'_> {
    /// Evaluates the caller's Jacobian at (t, x) into the row-major scratch buffer.
    fn evaluate_jacobian(&self, x: &Vec64, t: f64) -> std::cell::RefMut<'_, Vec<f64>> {
        self.jacobian_evaluations
            .set(self.jacobian_evaluations.get() + 1);
        let mut jacobian = self.jacobian.borrow_mut();
        self.system.jacobian(t, x.inner().as_slice(), &mut jacobian);
        jacobian
    }
}

/// Both the right-hand side and the initial state of the equations.
struct View<'a, 's>(&'a Equations<'s>);

macro_rules! impl_op {
    ($ty:ty, $eqn:expr) => {
        impl Op for $ty {
            type T = f64;
            type V = Vec64;
            type M = Mat;
            type C = NalgebraContext;
            fn context(&self) -> &NalgebraContext {
                &$eqn(self).ctx
            }
            fn nstates(&self) -> usize {
                $eqn(self).y0.len()
            }
            fn nout(&self) -> usize {
                self.nstates()
            }
            fn nparams(&self) -> usize {
                0
            }
        }
    };
}
impl_op!(Equations<'_>, std::convert::identity);
impl_op!(View<'_, '_>, |v: &Self| v.0);

impl NonLinearOp for View<'_, '_> {
    fn call_inplace(&self, x: &Vec64, t: f64, y: &mut Vec64) {
        let eqn = self.0;
        eqn.rhs_evaluations.set(eqn.rhs_evaluations.get() + 1);
        eqn.system
            .rhs(t, x.inner().as_slice(), y.inner_mut().as_mut_slice());
    }
}

impl NonLinearOpJacobian for View<'_, '_> {
    fn jac_mul_inplace(&self, x: &Vec64, t: f64, v: &Vec64, y: &mut Vec64) {
        let jacobian = self.0.evaluate_jacobian(x, t);
        let (v, y) = (v.inner().as_slice(), y.inner_mut().as_mut_slice());
        for (yi, row) in y.iter_mut().zip(jacobian.chunks(v.len())) {
            *yi = row.iter().zip(v).map(|(a, b)| a * b).sum();
        }
    }
    /// The caller's dense Jacobian in one evaluation (the default would make `n` products).
    fn jacobian_inplace(&self, x: &Vec64, t: f64, y: &mut Mat) {
        let jacobian = self.0.evaluate_jacobian(x, t);
        let n = x.len();
        for (k, &value) in jacobian.iter().enumerate() {
            y.set_index(k / n, k % n, value);
        }
    }
}

impl ConstantOp for View<'_, '_> {
    fn call_inplace(&self, _t: f64, y: &mut Vec64) {
        y.inner_mut().as_mut_slice().copy_from_slice(&self.0.y0);
    }
}

impl<'a, 's> OdeEquationsRef<'a> for Equations<'s> {
    type Rhs = View<'a, 's>;
    type Init = View<'a, 's>;
    type Mass = Unused<'a>;
    type Root = Unused<'a>;
    type Out = Unused<'a>;
    type Reset = Unused<'a>;
}

impl<'s> OdeEquations for Equations<'s> {
    fn rhs(&self) -> View<'_, 's> {
        View(self)
    }
    fn mass(&self) -> Option<Unused<'_>> {
        None
    }
    fn init(&self) -> View<'_, 's> {
        View(self)
    }
    // no parameters: the caller's system holds its own
    fn set_params(&mut self, _p: &Vec64) {}
    fn get_params(&self, _p: &mut Vec64) {}
}

fn failure(time: f64, error: DiffsolError) -> StiffFailure {
    match error {
        DiffsolError::OdeSolverError(OdeSolverError::StepSizeTooSmall { time }) => {
            StiffFailure::StepSizeTooSmall { time }
        }
        error => StiffFailure::Other {
            time,
            message: error.to_string(),
        },
    }
}

fn other(time: f64, message: &str) -> StiffFailure {
    StiffFailure::Other {
        time,
        message: message.to_owned(),
    }
}

/// Integrates from (t0, y) to exactly t_end (or to the end of the first step at which
/// `observe(t, state)` returns true, leaving that step's state in `y`); calls record(k, state) for each output time
/// outputs[k] (strictly inside (t0, t_end], increasing) from the solver's interpolant (or exactly
/// if it coincides with t_end); on return `y` holds the state at exactly t_end.
pub fn integrate_stiff(
    system: &dyn StiffSystem,
    options: &StiffOptions,
    (t0, t_end): (f64, f64),
    y: &mut [f64],
    outputs: &[f64],
    record: &mut dyn FnMut(usize, &[f64]),
    observe: &mut dyn FnMut(f64, &[f64]) -> bool,
) -> Result<StiffStats, StiffFailure> {
    let n = system.dimension();
    let inside = |(k, &t): (usize, &f64)| t > t0 && t <= t_end && (k == 0 || t > outputs[k - 1]);
    let sized = y.len() == n && options.atol.len() == n;
    let finite = y.iter().all(|v| v.is_finite());
    let span = t0.is_finite() && t_end.is_finite() && t0 <= t_end;
    let increasing = outputs.iter().enumerate().all(inside);
    let checks = [
        (sized, "y or atol length is not the dimension"),
        (finite, "non-finite initial state"),
        (span, "need finite t0 <= t_end"),
        (increasing, "outputs not increasing inside (t0, t_end]"),
    ];
    if let Some((_, message)) = checks.iter().find(|(ok, _)| !ok) {
        return Err(other(t0, message));
    }
    if t_end == t0 {
        return Ok(StiffStats::default());
    }
    let eqn = Equations {
        system,
        y0: y.to_vec(),
        ctx: NalgebraContext::default(),
        jacobian: RefCell::new(vec![0.0; n * n]),
        rhs_evaluations: Cell::new(0),
        jacobian_evaluations: Cell::new(0),
    };
    let mut problem = OdeBuilder::<Mat>::new()
        .t0(t0)
        .rtol(options.rtol)
        .atol(options.atol.iter().copied())
        .build_from_eqn(eqn)
        .map_err(|e| failure(t0, e))?;
    // diffsol caps the Newton failures of a whole solve (not of a step), so a long segment
    // would fail on failures it recovered from: bound them by max_steps instead.
    problem.ode_options.max_nonlinear_solver_failures =
        usize::try_from(options.max_steps).unwrap_or(usize::MAX);
    let segment = Segment {
        t0,
        t_end,
        outputs,
        max_steps: options.max_steps,
    };
    let (diffsol_stats, y_end) = match options.method {
        ImplicitMethod::Bdf => segment.run(problem.bdf::<NalgebraLU<f64>>(), record, observe),
        ImplicitMethod::Sdirk => {
            segment.run(problem.esdirk34::<NalgebraLU<f64>>(), record, observe)
        }
    }?;
    y.copy_from_slice(&y_end);
    Ok(StiffStats {
        steps: diffsol_stats.number_of_steps as u64,
        rejected_steps: (diffsol_stats.number_of_error_test_failures
            + diffsol_stats.number_of_nonlinear_solver_fails) as u64,
        rhs_evaluations: problem.eqn.rhs_evaluations.get(),
        jacobian_evaluations: problem.eqn.jacobian_evaluations.get(),
    })
}

struct Segment<'o> {
    t0: f64,
    t_end: f64,
    outputs: &'o [f64],
    max_steps: u64,
}

impl Segment<'_> {
    /// Steps a freshly built solver to the stop time, recording the outputs on the way.
    fn run<'a, 's: 'a, S: OdeSolverMethod<'a, Equations<'s>>>(
        &self,
        solver: Result<S, DiffsolError>,
        record: &mut dyn FnMut(usize, &[f64]),
        observe: &mut dyn FnMut(f64, &[f64]) -> bool,
    ) -> Result<(diffsol::ode_solver::OdeSolverStatistics, Vec<f64>), StiffFailure> {
        let mut solver = solver.map_err(|e| failure(self.t0, e))?;
        // a NaN first derivative gives a NaN first step, which no step size check catches
        let start = solver.state();
        if !start.h.is_finite() || start.dy.inner().iter().any(|v| !v.is_finite()) {
            return Err(other(self.t0, "non-finite derivative at the initial state"));
        }
        let time = |s: &S| s.state().t;
        solver
            .set_stop_time(self.t_end)
            .map_err(|e| failure(time(&solver), e))?;
        let mut next = 0;
        let mut steps = 0;
        loop {
            if steps == self.max_steps {
                return Err(StiffFailure::MaxSteps {
                    time: time(&solver),
                });
            }
            steps += 1;
            let reason = solver.step().map_err(|e| failure(time(&solver), e))?;
            let t = time(&solver);
            if solver.state().y.inner().iter().any(|v| !v.is_finite()) {
                return Err(other(t, "non-finite state"));
            }
            while next < self.outputs.len()
                && self.outputs[next] < self.t_end
                && self.outputs[next] <= t
            {
                let state = solver
                    .interpolate(self.outputs[next])
                    .map_err(|e| failure(t, e))?;
                record(next, state.inner().as_slice());
                next += 1;
            }
            if reason == OdeSolverStopReason::TstopReached {
                break;
            }
            if observe(t, solver.state().y.inner().as_slice()) {
                let y_now = solver.state().y.inner().as_slice().to_vec();
                return Ok((solver.get_statistics().clone(), y_now));
            }
        }
        // diffsol stops within 100 eps of t_end (exactly, in every case tried): never past it
        let t = time(&solver);
        let y_end = if t > self.t_end {
            solver.interpolate(self.t_end).map_err(|e| failure(t, e))?
        } else {
            solver.state().y.clone()
        };
        let y_end = y_end.inner().as_slice().to_vec();
        // The last step end is watched too (an event crossing in the final step); the caller
        // finds any crossing in the observer, and the state is the same either way.
        observe(self.t_end, &y_end);
        for k in next..self.outputs.len() {
            record(k, &y_end);
        }
        Ok((solver.get_statistics().clone(), y_end))
    }
}

#[cfg(test)]
mod tests;
