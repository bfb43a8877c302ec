//! The compiled model on diffsol's implicit methods: right-hand side and symbolic Jacobian
//! through slices, segment-local time, dense outputs, and step observation for events.

use super::stiff::{ImplicitMethod, StiffFailure, StiffOptions, StiffSystem, integrate_stiff};
use super::{Integrator, Piece, PieceRhs, SegmentFailure};

impl StiffSystem for PieceRhs<'_> {
    fn dimension(&self) -> usize {
        self.model.states.len()
    }

    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.derivatives(t, y, dy);
    }

    fn jacobian(&self, t: f64, y: &[f64], jacobian: &mut [f64]) {
        PieceRhs::jacobian(self, t, y, jacobian);
    }
}

impl Integrator<'_> {
    /// `advance` on an implicit method; same contract.
    pub(super) fn advance_implicit(
        &mut self,
        method: ImplicitMethod,
        y: &mut [f64],
        piece: &Piece,
        record: &mut dyn FnMut(usize, &[f64]),
    ) -> Result<(), SegmentFailure> {
        let origin = piece.origin;
        let system = self.piece_rhs(piece);
        let options = StiffOptions {
            method,
            rtol: self.options.rtol,
            atol: self.state_atol.clone(),
            max_steps: u64::from(self.options.max_steps),
        };
        let (outputs, end): (Vec<f64>, f64) = match piece.dense {
            Some((count, step)) => (
                (1..=count).map(|k| k as f64 * step).collect(),
                count as f64 * step,
            ),
            None => (Vec::new(), piece.length),
        };
        let observer = self.observer;
        let mut observe = |t: f64, state: &[f64]| {
            observer.is_some_and(|o| o.borrow_mut().observe(origin + t, state))
        };
        let mut shifted = |k: usize, state: &[f64]| record(k + 1, state);
        let stats = integrate_stiff(
            &system,
            &options,
            (0.0, end),
            y,
            &outputs,
            &mut shifted,
            &mut observe,
        )
        .map_err(|failure| match failure {
            StiffFailure::StepSizeTooSmall { time } => SegmentFailure::StepSizeUnderflow {
                time: origin + time,
            },
            StiffFailure::MaxSteps { time } => SegmentFailure::MaxSteps {
                time: origin + time,
                steps: self.options.max_steps,
            },
            StiffFailure::Other { time, message } => SegmentFailure::Implicit {
                time: origin + time,
                message,
            },
        })?;
        self.stats.rhs_evaluations += stats.rhs_evaluations;
        self.stats.jacobian_evaluations += stats.jacobian_evaluations;
        self.stats.accepted_steps += stats.steps;
        self.stats.rejected_steps += stats.rejected_steps;
        self.stats.solver_calls += 1;
        Ok(())
    }
}
