//! `auto`'s stiffness test: is the explicit method's step held at its stability limit?
//!
//! Every `CHECK_EVERY` accepted steps, the mean step size h of those steps is multiplied by an
//! estimate of the Jacobian's spectral radius rho at the current state (power iteration on
//! finite-difference Jacobian-vector products of the right-hand side). Dopri5 is stable for
//! h * |lambda| up to about 3.3 on the negative real axis; a step held near that limit
//! (h * rho >= `STIFF_RATIO`) at `STIFF_CHECKS` checks in a row means the step is limited by
//! stability, not accuracy: the model is stiff there. An accurate non-stiff run, however long,
//! takes steps far below the limit and never switches. This complements Hairer's own test in
//! ode_solvers, which misses models whose step hovers around the limit (Singh 2021).

use super::PieceRhs;
use std::cell::Cell;

/// Accepted steps between two checks.
const CHECK_EVERY: u32 = 200;
/// h * rho at or above this is a step held by stability (Dopri5's limit is about 3.3).
const STIFF_RATIO: f64 = 2.0;
/// Consecutive stiff checks needed.
const STIFF_CHECKS: u32 = 2;
/// Power iterations for the spectral radius.
const POWER_ITERATIONS: usize = 16;

/// The test's state over one solver call (interior mutability: ode_solvers owns the system).
pub(super) struct StiffnessWatch {
    enabled: bool,
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
    pub fn new(enabled: bool, dense_step: Option<f64>) -> StiffnessWatch {
        StiffnessWatch {
            enabled,
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
        let ratio = mean_step * spectral_radius(rhs, x, y);
        let spent = 1 + POWER_ITERATIONS as u64;
        self.evaluations.set(self.evaluations.get() + spent);
        let checks = if ratio >= STIFF_RATIO {
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
