//! The slice stepper against ode_solvers' own `Dopri5` on dynamic vectors: the same points,
//! statistics, errors and `solout` calls, bit for bit (the stepper claims ode_solvers' steps
//! operation for operation, so no tolerance is allowed).

use super::{Settings, SliceSystem, integrate};
use crate::solver::results::{Points, Results};
use nalgebra::DVector;
use ode_solvers::dop_shared::IntegrationError;
use ode_solvers::{Dopri5, OutputType, System};
use std::cell::RefCell;

/// A nonlinear forced chain of `n` states with a fast first state (`fast`: its rate), logging
/// every `solout` call (time and state, as bits).
struct Chain<'a> {
    n: usize,
    fast: f64,
    calls: &'a RefCell<Vec<(u64, Vec<u64>)>>,
}

impl SliceSystem for Chain<'_> {
    fn rhs(&self, x: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -self.fast * y[0] + 1.0 + (3.0 * x).sin();
        for i in 1..self.n {
            let k = 0.3 + 0.05 * i as f64;
            dy[i] = k * y[i - 1] / (1.0 + y[i - 1].abs()) - 0.2 * y[i] * y[i];
        }
    }
    fn step_end(&mut self, x: f64, y: &[f64]) -> bool {
        self.calls.borrow_mut().push((x.to_bits(), bits(y)));
        false
    }
}

impl System<f64, DVector<f64>> for Chain<'_> {
    fn system(&self, x: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        self.rhs(x, y.as_slice(), dy.as_mut_slice());
    }
    fn solout(&mut self, x: f64, y: &DVector<f64>, _dy: &DVector<f64>) -> bool {
        self.step_end(x, y.as_slice())
    }
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// Runs both on the same chain and settings and asserts they agree.
fn compare(n: usize, fast: f64, settings: Settings) {
    let y0: Vec<f64> = (0..n).map(|i| 0.5 + 0.1 * i as f64).collect();
    let (expected_calls, calls) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
    let chain = |calls| Chain { n, fast, calls };
    let mut reference = Dopri5::from_param(
        chain(&expected_calls),
        0.0,
        settings.x_end,
        settings.dx,
        DVector::from_vec(y0.clone()),
        settings.rtol,
        settings.atol,
        0.9,
        0.04,
        0.2,
        10.0,
        settings.x_end,
        0.0,
        settings.max_steps,
        settings.stiffness_check,
        if settings.dense {
            OutputType::Dense
        } else {
            OutputType::Sparse
        },
    );
    let expected = reference.integrate();
    let mut stepper = chain(&calls);
    let mut points = Points::new(n, settings.dense, 4);
    let outcome = integrate(&mut stepper, &y0, &settings, &mut points);
    let expected_points = reference.y_out();
    match (&expected, &outcome) {
        (Ok(a), Ok(b)) => assert_eq!(
            (a.num_eval, a.accepted_steps, a.rejected_steps),
            (b.num_eval, b.accepted_steps, b.rejected_steps)
        ),
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
        _ => panic!("ode_solvers {expected:?}, slice stepper {outcome:?}"),
    }
    assert_eq!(expected_points.len(), points.count());
    let last = expected_points.last().map(|y| bits(y.as_slice()));
    assert_eq!(last, points.last().map(bits));
    if settings.dense {
        for (k, y) in expected_points.iter().enumerate() {
            assert_eq!(
                Some(bits(y.as_slice())),
                points.point(k).map(bits),
                "point {k}"
            );
        }
    }
    assert!(!calls.borrow().is_empty());
    assert_eq!(expected_calls, calls, "solout calls");
}

fn settings(x_end: f64, dx: f64, dense: bool) -> Settings {
    Settings {
        x_end,
        dx,
        rtol: 1e-7,
        atol: 1e-9,
        max_steps: 100_000,
        stiffness_check: 1000,
        dense,
    }
}

#[test]
fn dense_and_sparse_calls_match_ode_solvers_bit_for_bit() {
    for n in [17, 20, 40, 100] {
        compare(n, 2.0, settings(30.0 + 1e-6, 1.0, true));
        compare(n, 2.0, settings(30.0, 30.0, false));
        // A dense step that does not divide the span, and one far below the solver's steps.
        compare(n, 2.0, settings(7.3, 0.7, true));
        compare(n, 2.0, settings(0.5, 0.001, true));
    }
}

#[test]
fn failures_match_ode_solvers() {
    // Hairer's stiffness test on a stiff first state, checked every step.
    let mut stiff = settings(50.0, 50.0, false);
    stiff.stiffness_check = 1;
    compare(20, 1e4, stiff);
    let mut few = settings(30.0, 30.0, false);
    few.max_steps = 10;
    compare(20, 2.0, few);
    let mut few_dense = settings(30.0, 1.0, true);
    few_dense.max_steps = 10;
    compare(20, 2.0, few_dense);
}

#[test]
fn the_stiff_case_does_stop_on_stiffness() {
    let mut stiff = settings(50.0, 50.0, false);
    stiff.stiffness_check = 1;
    let calls = RefCell::new(Vec::new());
    let mut chain = Chain {
        n: 20,
        fast: 1e4,
        calls: &calls,
    };
    let y0 = vec![1.0; 20];
    let mut points = Points::new(20, false, 1);
    let outcome = integrate(&mut chain, &y0, &stiff, &mut points);
    assert!(matches!(
        outcome,
        Err(IntegrationError::StiffnessDetected { .. })
    ));
}
