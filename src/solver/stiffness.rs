//! `auto`'s stiffness test: is the explicit method's step held at its stability limit?
//!
//! Every `CHECK_EVERY` accepted steps, the mean step size h of those steps is multiplied by an
//! estimate of the Jacobian's spectral radius rho at the current state (power iteration on
//! finite-difference Jacobian-vector products of the right-hand side). Dopri5 is stable for
//! h * |lambda| up to about 3.3 on the negative real axis; a step within a factor of about 3 of
//! that limit (h * rho >= `STIFF_RATIO`) while rho is far above the rate at which the solution
//! itself moves (`SEPARATION`) at `STIFF_CHECKS` checks in a row means a settled fast mode, not
//! the solution, holds the explicit step: the model is stiff there, and BDF, whose step rho does
//! not bound, takes over. An accurate non-stiff run, however long, takes steps far below the
//! limit, and a loose one near it has rho of the order of its own rate: neither switches. This complements Hairer's own test
//! in ode_solvers, which misses models whose step hovers around the limit (Singh 2021).

use super::PieceRhs;
use std::cell::Cell;

/// Accepted steps between two checks.
const CHECK_EVERY: u32 = 200;
/// h * rho at or above this is a step near the stability limit (Dopri5's is about 3.3). On
/// Singh 2021 at rtol 1e-8, Dopri5's steps sit at h * rho = 1.0 to 1.9 from day 4 to day 55
/// (rho = 206/day, the CAR-BCMA dissociation): 2.0 kept it explicit until day 59.6, 8,000 steps
/// where BDF needs 1,600 for the whole year.
const STIFF_RATIO: f64 = 1.0;
/// ... with rho at least this many times the rate at which the solution itself moves: Singh's
/// rho is 250 times its rate there; the Lotka-Volterra oscillator of the tests at rtol 1e-6
/// steps at h * rho = 1.1 with rho 1.2 to 1.4 times its rate (not stiff).
const SEPARATION: f64 = 20.0;
/// Consecutive stiff checks needed.
const STIFF_CHECKS: u32 = 2;
/// Power iterations for the spectral radius.
const POWER_ITERATIONS: usize = 16;

/// The test's state over one solver call (interior mutability: ode_solvers owns the system).
pub(super) struct StiffnessWatch {
    enabled: bool,
    /// The call's tolerances (one absolute tolerance, as the explicit methods take).
    rtol: f64,
    atol: f64,
    /// Output step of a dense call (its dense points are not steps), 0 for sparse calls.
    dense_step: f64,
    steps: Cell<u32>,
    window_start: Cell<f64>,
    stiff_checks: Cell<u32>,
    /// Local time at which the test found the model stiff.
    pub stiff_at: Cell<Option<f64>>,
    /// Right-hand side evaluations spent on the test.
    pub evaluations: Cell<u64>,
}

impl StiffnessWatch {
    pub fn new(enabled: bool, (rtol, atol): (f64, f64), dense_step: Option<f64>) -> StiffnessWatch {
        StiffnessWatch {
            enabled,
            rtol,
            atol,
            dense_step: dense_step.unwrap_or(0.0),
            steps: Cell::new(0),
            window_start: Cell::new(0.0),
            stiff_checks: Cell::new(0),
            stiff_at: Cell::new(None),
            evaluations: Cell::new(0),
        }
    }

    /// Sees one `solout` call at local time `x` with state `y` (in dense calls, ode_solvers
    /// also calls it at each dense point, with the last dense point as `y`: those calls are
    /// skipped). Returns `true` to stop the solver: the model is stiff at `x`.
    pub fn observe(&self, rhs: &PieceRhs, x: f64, y: &[f64]) -> bool {
        if !self.enabled || self.is_dense_point(x) {
            return false;
        }
        let steps = self.steps.get() + 1;
        if steps < CHECK_EVERY {
            self.steps.set(steps);
            return false;
        }
        let mean_step = (x - self.window_start.get()) / f64::from(steps);
        self.steps.set(0);
        self.window_start.set(x);
        let rho = spectral_radius(rhs, x, y);
        let ratio = mean_step * rho;
        let spent = 1 + POWER_ITERATIONS as u64;
        self.evaluations.set(self.evaluations.get() + spent);
        let separated = rho >= SEPARATION * self.solution_rate(rhs, x, y);
        let checks = if ratio >= STIFF_RATIO && separated {
            self.stiff_checks.get() + 1
        } else {
            0
        };
        self.stiff_checks.set(checks);
        if checks >= STIFF_CHECKS {
            self.stiff_at.set(Some(x));
            return true;
        }
        false
    }

    /// How fast the solution itself moves at (x, y): |f| / |y| in the solver's error weights
    /// (ode_solvers' initial-step estimate).
    fn solution_rate(&self, rhs: &PieceRhs, x: f64, y: &[f64]) -> f64 {
        let mut f = vec![0.0; y.len()];
        rhs.derivatives(x, y, &mut f);
        self.evaluations.set(self.evaluations.get() + 1);
        let (mut moving, mut size) = (0.0, 0.0);
        for (y_i, f_i) in y.iter().zip(&f) {
            let scale = self.atol + y_i.abs() * self.rtol;
            moving += (f_i / scale) * (f_i / scale);
            size += (y_i / scale) * (y_i / scale);
        }
        if size > 0.0 {
            (moving / size).sqrt()
        } else {
            0.0
        }
    }

    fn is_dense_point(&self, x: f64) -> bool {
        if self.dense_step <= 0.0 {
            return false;
        }
        let k = x / self.dense_step;
        (k - k.round()).abs() <= 1e-9 * k.abs().max(1.0)
    }
}

/// Estimate of the spectral radius of the Jacobian at (x, y): the growth rate of J^k v with
/// J v from finite differences of the right-hand side.
fn spectral_radius(rhs: &PieceRhs, x: f64, y: &[f64]) -> f64 {
    let n = y.len();
    let mut f0 = vec![0.0; n];
    rhs.derivatives(x, y, &mut f0);
    let y_norm = norm(y);
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + 0.1 * i as f64).collect();
    let mut shifted = vec![0.0; n];
    let mut fv = vec![0.0; n];
    let mut radius = 0.0;
    for _ in 0..POWER_ITERATIONS {
        let length = norm(&v);
        if length == 0.0 || !length.is_finite() {
            return radius;
        }
        v.iter_mut().for_each(|e| *e /= length);
        let epsilon = f64::EPSILON.sqrt() * y_norm.max(1.0);
        for i in 0..n {
            shifted[i] = y[i] + epsilon * v[i];
        }
        rhs.derivatives(x, &shifted, &mut fv);
        for i in 0..n {
            v[i] = (fv[i] - f0[i]) / epsilon;
        }
        radius = norm(&v);
    }
    if radius.is_finite() { radius } else { 0.0 }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|e| e * e).sum::<f64>().sqrt()
}
