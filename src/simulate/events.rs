//! State events during a simulation: watching step ends for conditions that start to hold,
//! locating the crossing on the solution to 1e-12 relative in time by re-integrating from the
//! last step end (Illinois method), and firing actions (set, record, stop, arming).

use super::SimError;
use crate::model::Model;
use crate::solver::{Integrator, Ramp, SegmentFailure, StepObserver};

/// Width, relative to the time, of the final bracket around a crossing: well inside the 1e-9
/// promised, so that repeated events (each starting from the last) stay within it.
const LOCATION_TOLERANCE: f64 = 1e-12;

/// Most times one event may fire at a single instant before the run stops: events whose
/// actions keep making each other's conditions hold would otherwise loop forever.
const MAX_FIRINGS_AT_ONE_TIME: usize = 100;

/// Event bookkeeping for one simulation; also the solver's step observer.
pub struct EventWatch<'m> {
    model: &'m Model,
    /// The parameters of the current segment.
    parameters: Vec<f64>,
    /// Parameters changing linearly within the current segment.
    ramps: Vec<Ramp>,
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
    pub fn new(model: &'m Model, parameters: Vec<f64>, registers: Vec<f64>, states: usize) -> Self {
        let count = model.events.len();
        EventWatch {
            model,
            parameters,
            ramps: Vec::new(),
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

    /// The parameters of a new segment (`ramps` change within it), the setup redone for them;
    /// switches are set by `set_switches` after.
    pub fn set_parameters(&mut self, parameters: &[f64], ramps: &[Ramp]) {
        self.parameters.copy_from_slice(parameters);
        self.ramps.clear();
        self.ramps.extend_from_slice(ramps);
        self.model.setup(&mut self.registers, &self.parameters);
    }

    /// Every condition at (time, states), with the ramped parameters at `time`.
    fn evaluate(&mut self, time: f64, states: &[f64]) {
        if !self.ramps.is_empty() {
            Ramp::apply(&self.ramps, time, &mut self.parameters);
            self.model.setup(&mut self.registers, &self.parameters);
        }
        self.model.event_conditions(
            &mut self.registers,
            time,
            states,
            &self.parameters,
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
    /// at (time, states); returns true when one of them stops the run. A repeating event is
    /// re-armed at once when its own jump makes its condition false, else when a later step end
    /// sees it false. Events that keep re-triggering each other at one instant are an error.
    pub fn fire_holding(&mut self, time: f64, states: &mut [f64]) -> Result<bool, SimError> {
        let mut firings = vec![0usize; self.values.len()];
        loop {
            self.evaluate(time, states);
            let Some(k) = (0..self.values.len()).find(|&k| self.armed[k] && self.values[k] > 0.0)
            else {
                return Ok(false);
            };
            firings[k] += 1;
            if firings[k] > MAX_FIRINGS_AT_ONE_TIME {
                return Err(self.endless(time, states, &firings));
            }
            let event = &self.model.events[k];
            if !event.set.is_empty() {
                self.model
                    .apply_event(k, &mut self.registers, time, states, &self.parameters);
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
                self.evaluate(time, states);
                if self.values[k] > 0.0 {
                    self.waiting[k] = true;
                } else {
                    self.armed[k] = true;
                }
            } else {
                self.done[k] = true;
            }
            for (j, other) in self.model.events.iter().enumerate() {
                if other.after == Some(k) && !self.done[j] && !self.waiting[j] {
                    self.armed[j] = true;
                }
            }
            if event.stop {
                return Ok(true);
            }
        }
    }

    /// The error for events that keep firing each other at `time`.
    fn endless(&self, time: f64, states: &[f64], firings: &[usize]) -> SimError {
        let names: Vec<String> = self
            .model
            .events
            .iter()
            .zip(firings)
            .filter(|&(_, &count)| count > 1)
            .map(|(event, _)| format!("`{}`", event.name))
            .collect();
        SimError {
            message: format!(
                "events {} keep triggering each other at time {}: more than {MAX_FIRINGS_AT_ONE_TIME} firings at one instant",
                names.join(", "),
                crate::diag::number(time)
            ),
            time,
            states: self
                .model
                .states
                .iter()
                .map(|s| s.name.clone())
                .zip(states.iter().copied())
                .collect(),
            states_time: time,
            hint: "each event's `set` makes another's condition hold again; change a `set` so that it leaves the other conditions false, or give one of them `repeat: false`".into(),
        }
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
