//! State events during a simulation: watching step ends for conditions that start to hold,
//! locating the crossing on the solution to 1e-12 relative in time by re-integrating from the
//! last step end (Illinois method), and firing actions (set, record, stop, arming).

use crate::model::Model;
use crate::solver::{Integrator, SegmentFailure, StepObserver};

/// Width, relative to the time, of the final bracket around a crossing: well inside the 1e-9
/// promised, so that repeated events (each starting from the last) stay within it.
const LOCATION_TOLERANCE: f64 = 1e-12;

/// Event bookkeeping for one simulation; also the solver's step observer.
pub struct EventWatch<'m> {
    model: &'m Model,
    parameters: &'m [f64],
    registers: Vec<f64>,
    values: Vec<f64>,
    armed: Vec<bool>,
    /// Repeating events that fired and re-arm once their condition stops holding.
    waiting: Vec<bool>,
    /// One-shot events that have fired.
    done: Vec<bool>,
    previous_time: f64,
    previous_state: Vec<f64>,
    /// Set by `observe`: (last time no armed condition held, its state, first time one held).
    crossing: Option<(f64, Vec<f64>, f64)>,
    /// (event name, time) for events with `record: true`.
    pub recorded: Vec<(String, f64)>,
}

impl StepObserver for EventWatch<'_> {
    fn observe(&mut self, time: f64, states: &[f64]) -> bool {
        self.evaluate(time, states);
        for k in 0..self.values.len() {
            if self.waiting[k] && self.values[k] <= 0.0 {
                self.waiting[k] = false;
                self.armed[k] = true;
            }
        }
        if (0..self.values.len()).any(|k| self.armed[k] && self.values[k] > 0.0) {
            self.crossing = Some((self.previous_time, self.previous_state.clone(), time));
            return true;
        }
        self.previous_time = time;
        self.previous_state.copy_from_slice(states);
        false
    }
}

impl<'m> EventWatch<'m> {
    /// `registers` must hold the model's setup for `parameters`.
    pub fn new(
        model: &'m Model,
        parameters: &'m [f64],
        registers: Vec<f64>,
        states: usize,
    ) -> Self {
        let count = model.events.len();
        EventWatch {
            model,
            parameters,
            registers,
            values: vec![0.0; count],
            armed: model.events.iter().map(|e| e.after.is_none()).collect(),
            waiting: vec![false; count],
            done: vec![false; count],
            previous_time: 0.0,
            previous_state: vec![0.0; states],
            crossing: None,
            recorded: Vec::new(),
        }
    }

    /// Freezes time switches for the segment containing `t`.
    pub fn set_switches(&mut self, t: f64) {
        self.model.set_switches(&mut self.registers, t);
    }

    fn evaluate(&mut self, time: f64, states: &[f64]) {
        self.model.event_conditions(
            &mut self.registers,
            time,
            states,
            self.parameters,
            &mut self.values,
        );
    }

    /// Starts watching from (time, states).
    pub fn begin(&mut self, time: f64, states: &[f64]) {
        self.previous_time = time;
        self.previous_state.copy_from_slice(states);
        self.crossing = None;
    }

    pub fn take_crossing(&mut self) -> Option<(f64, Vec<f64>, f64)> {
        self.crossing.take()
    }

    /// Fires, in file order and until none is left, every armed event whose condition holds
    /// at (time, states); returns true when one of them stops the run.
    pub fn fire_holding(&mut self, time: f64, states: &mut [f64]) -> bool {
        for _ in 0..=self.values.len() * 4 {
            self.evaluate(time, states);
            let Some(k) = (0..self.values.len()).find(|&k| self.armed[k] && self.values[k] > 0.0)
            else {
                return false;
            };
            let event = &self.model.events[k];
            if !event.set.is_empty() {
                self.model
                    .apply_event(k, &mut self.registers, time, states, self.parameters);
            }
            if event.record {
                self.recorded.push((event.name.clone(), time));
            }
            if event.floor.is_some() {
                for other in &self.model.events {
                    if let Some((state, level)) = other.floor
                        && states[state] < level
                    {
                        states[state] = 0.0;
                        for &companion in &other.companions {
                            states[companion] = 0.0;
                        }
                    }
                }
            }
            self.armed[k] = false;
            if event.repeat {
                self.waiting[k] = true;
            } else {
                self.done[k] = true;
            }
            for (j, other) in self.model.events.iter().enumerate() {
                if other.after == Some(k) && !self.done[j] && !self.waiting[j] {
                    self.armed[j] = true;
                }
            }
            if event.stop {
                return true;
            }
        }
        false
    }

    /// The first time in (left, right] at which an armed condition holds, and the state there,
    /// found by re-integrating from (left, left_state).
    pub fn locate(
        &mut self,
        integrator: &mut Integrator,
        infusion: &[f64],
        (left, left_state, right): (f64, Vec<f64>, f64),
    ) -> Result<(f64, Vec<f64>), SegmentFailure> {
        let mut state_at = |t: f64| -> Result<Vec<f64>, SegmentFailure> {
            let mut y = left_state.clone();
            if t > left {
                integrator.advance_to(&mut y, left, t, infusion)?;
            }
            Ok(y)
        };
        let right_state = state_at(right)?;
        self.evaluate(right, &right_state);
        let candidates: Vec<usize> = (0..self.values.len())
            .filter(|&k| self.armed[k] && self.values[k] > 0.0)
            .collect();
        let mut best = (right, right_state);
        for k in candidates {
            self.evaluate(left, &left_state);
            let (mut a, mut value_a) = (left, self.values[k]);
            let (mut b, mut state_b) = (best.0, best.1.clone());
            self.evaluate(b, &state_b);
            let mut value_b = self.values[k];
            if value_b <= 0.0 {
                continue;
            }
            let mut side = 0;
            for _ in 0..200 {
                if b - a <= LOCATION_TOLERANCE * b.abs().max(1.0) {
                    break;
                }
                let secant = b - value_b * (b - a) / (value_b - value_a);
                let c = if secant > a && secant < b {
                    secant
                } else {
                    0.5 * (a + b)
                };
                let state_c = state_at(c)?;
                self.evaluate(c, &state_c);
                let value_c = self.values[k];
                if value_c > 0.0 {
                    (b, value_b, state_b) = (c, value_c, state_c);
                    if side == 1 {
                        value_a *= 0.5;
                    }
                    side = 1;
                } else {
                    (a, value_a) = (c, value_c);
                    if side == -1 {
                        value_b *= 0.5;
                    }
                    side = -1;
                }
            }
            if b < best.0 {
                best = (b, state_b);
            }
        }
        Ok(best)
    }
}
