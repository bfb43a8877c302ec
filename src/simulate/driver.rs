//! The driver's state through one run: the schedule, the output samples filled so far, the
//! states, the integrator and the event watch; one segment between breakpoints at a time, with
//! its three ways of integrating (to each output time, one dense call, or straight to the end),
//! then the doses, events and switch jumps at its end.

use super::events::EventWatch;
use super::outcome::{assemble, check_finite, check_start_rates, negative_states, segment_error};
use super::plan::integrator_for;
use super::schedules::{on_segment, switch_moved};
use super::times::{
    Samples, Schedule, keep_before, requested_rows, samples, schedule, warn_outside,
    with_rows_before,
};
use super::{Clock, RunPlan, SimError, Simulation, apply_boluses, listed_times, output_times};
use crate::model::Model;
use crate::solver::{Integrator, Piece, Ramp, SegmentFailure};
use std::cell::RefCell;

pub(super) struct Driver<'a, 'w> {
    model: &'a Model,
    plan: &'a RunPlan,
    clock: Clock,
    pub schedule: Schedule,
    warnings: Vec<String>,
    requested: Vec<f64>,
    sampling: Samples,
    width: usize,
    /// The states at each sample time, `width` per sample; NaN until integrated.
    state_rows: Vec<f64>,
    /// The model's trajectory columns; the first `width` are the state names.
    columns: std::sync::Arc<[String]>,
    integrator: Integrator<'w>,
    watch: Option<&'w RefCell<EventWatch<'a>>>,
    /// The states at the current time.
    y: Vec<f64>,
    /// When a `stop` event ended the run.
    pub stopped: Option<f64>,
    /// Infusion rates of the current segment, one per state.
    rates: Vec<f64>,
    /// Sample rows checked finite so far.
    checked: usize,
    /// The times of the model's time switches at the start, when schedules change parameters.
    switch_times: Vec<f64>,
    /// The states before the doses at each of the plan's `before_doses` times reached so far.
    before: Vec<(f64, Vec<f64>)>,
}

impl<'a: 'w, 'w> Driver<'a, 'w> {
    /// The schedule and samples of `plan`, the integrator, and the start: doses at the start,
    /// the first rates checked, events holding at the start fired, the first row filled.
    pub fn new(
        model: &'a Model,
        plan: &'a RunPlan,
        registers: Vec<f64>,
        mut y: Vec<f64>,
        watch: Option<&'w RefCell<EventWatch<'a>>>,
    ) -> Result<Driver<'a, 'w>, SimError> {
        let clock = Clock::new(plan.step);
        let mut schedule = schedule(model, plan, &registers, clock);
        let mut warnings = std::mem::take(&mut schedule.warnings);
        let requested = match &plan.times {
            Some(listed) => {
                warn_outside(listed, plan, clock, &mut warnings);
                listed_times(plan.start, plan.end, listed)
            }
            None => output_times(plan.start, plan.end, plan.step),
        };
        let sampling = samples(clock, &schedule.breakpoints, &requested);
        let width = model.states.len();
        let switch_times = match plan.schedules.is_empty() {
            true => Vec::new(),
            false => model.switch_times(&registers),
        };
        let integrator = integrator_for(model, plan, registers);
        let columns = model.trajectory_columns();
        let state_names = &columns[..width];
        let mut before = Vec::new();
        keep_before(plan, clock, plan.start, &y, &mut before);
        apply_boluses(&schedule.doses, plan.start, &mut y, state_names)?;
        let mut rates: Vec<f64> = std::iter::repeat_n(0.0, width).collect();
        check_start_rates(
            model,
            &mut integrator.registers.borrow_mut(),
            plan,
            &y,
            state_names,
            &mut rates,
        )?;
        let mut stopped = None;
        if let Some(cell) = watch {
            let mut watch = cell.borrow_mut();
            watch.set_switches(plan.start);
            if watch.fire_holding(plan.start, &mut y)? {
                stopped = Some(plan.start);
            }
        }
        let mut state_rows = vec![f64::NAN; sampling.times.len() * width];
        state_rows[..width].copy_from_slice(&y);
        Ok(Driver {
            model,
            plan,
            clock,
            schedule,
            warnings,
            requested,
            sampling,
            width,
            state_rows,
            columns,
            integrator,
            watch,
            y,
            stopped,
            rates,
            checked: 0,
            switch_times,
            before,
        })
    }

    /// The index of the sample at time `t`, if there is one.
    fn sample_index(&self, t: f64) -> Option<usize> {
        let times = &self.sampling.times;
        let index = times.partition_point(|&x| x < t - self.clock.tolerance(t));
        times
            .get(index)
            .filter(|&&x| self.clock.same(x, t))
            .map(|_| index)
    }

    fn record_row(&mut self, row: usize) {
        let width = self.width;
        self.state_rows[row * width..(row + 1) * width].copy_from_slice(&self.y);
    }

    /// The solver's failure as the run's error, with the states it left and their time.
    fn fail(&self, failure: SegmentFailure, origin: f64) -> SimError {
        let states = (self.columns[..self.width].iter().cloned())
            .zip(self.y.iter().copied())
            .collect();
        segment_error(
            failure,
            self.integrator.states_time.unwrap_or(origin),
            states,
        )
    }

    fn advance_to(&mut self, from: f64, to: f64, infusion: &[f64]) -> Result<(), SimError> {
        self.integrator
            .advance_to(&mut self.y, from, to, infusion)
            .map_err(|f| self.fail(f, from))
    }

    /// Integrates (a, b) and applies what happens at `b`; `next` is the breakpoint after `b`.
    pub fn segment(&mut self, a: f64, b: f64, next: Option<f64>) -> Result<(), SimError> {
        let mut rates = std::mem::take(&mut self.rates);
        rates.iter_mut().for_each(|r| *r = 0.0);
        for &(state, rate, from, to) in &self.schedule.infusions {
            if from <= a && b <= to {
                rates[state] += rate;
            }
        }
        // No infusion running: an empty slice, so the right-hand side skips the loop.
        let infusion: &[f64] = if rates.iter().any(|&r| r != 0.0) {
            &rates
        } else {
            &[]
        };
        self.follow_schedules(a, b)?;
        let model = self.model;
        model.set_switches(&mut self.integrator.registers.borrow_mut(), 0.5 * (a + b));
        let origin = if self.watch.is_some() || self.plan.times.is_some() {
            self.sparse_to_each_time(a, b, infusion)?
        } else {
            self.dense(a, b, infusion)?
        };
        if self.stopped.is_some() {
            self.rates = rates;
            return Ok(());
        }
        if origin < b {
            self.advance_to(origin, b, infusion)?;
        }
        self.rates = rates;
        self.at_breakpoint(a, b, next)
    }

    /// When schedules change parameters: the parameters of the segment (a, b) in the integrator
    /// and the event watch, the model's setup redone for them. A time switch they would move is
    /// refused: its breakpoint was placed from the values at the start.
    fn follow_schedules(&mut self, a: f64, b: f64) -> Result<(), SimError> {
        let (model, schedules) = (self.model, &self.plan.schedules);
        if schedules.is_empty() {
            return Ok(());
        }
        let integrator = &mut self.integrator;
        on_segment(
            schedules,
            (a, b),
            &mut integrator.parameters,
            &mut integrator.ramps,
        );
        let registers = integrator.registers.get_mut();
        let mut at_end = integrator.parameters.clone();
        Ramp::apply(&integrator.ramps, b, &mut at_end);
        for parameters in [&at_end, &integrator.parameters] {
            model.setup(registers, parameters);
            let moved = (model.switch_times(registers).iter())
                .zip(&self.switch_times)
                .any(|(now, then)| now.to_bits() != then.to_bits());
            if moved {
                let states = (self.columns[..self.width].iter().cloned())
                    .zip(self.y.iter().copied())
                    .collect();
                return Err(switch_moved(model, schedules, a, states));
            }
        }
        if let Some(cell) = self.watch {
            cell.borrow_mut()
                .set_parameters(&integrator.parameters, &integrator.ramps);
        }
        Ok(())
    }

    /// Events or listed output times: a sparse call to each output time in (a, b) and to `b`,
    /// with events every step end watched and fired where they cross. Returns the time reached.
    fn sparse_to_each_time(&mut self, a: f64, b: f64, infusion: &[f64]) -> Result<f64, SimError> {
        if let Some(cell) = self.watch {
            cell.borrow_mut().set_switches(0.5 * (a + b));
        }
        let times = &self.sampling.times;
        let first = times.partition_point(|&t| t <= a + self.clock.tolerance(a));
        let inside = times.partition_point(|&t| t < b - self.clock.tolerance(b));
        let targets: Vec<(Option<usize>, f64)> = (first..inside)
            .map(|i| (Some(i), times[i]))
            .chain([(None, b)])
            .collect();
        let mut origin = a;
        for (row, target) in targets {
            while origin < target {
                let Some(cell) = self.watch else {
                    self.advance_to(origin, target, infusion)?;
                    origin = target;
                    break;
                };
                cell.borrow_mut().begin(origin, &self.y);
                self.integrator.observer = Some(cell);
                let result = self
                    .integrator
                    .advance_to(&mut self.y, origin, target, infusion);
                self.integrator.observer = None;
                result.map_err(|f| self.fail(f, origin))?;
                let crossing = cell.borrow_mut().take_crossing();
                let Some(crossing) = crossing else {
                    origin = target;
                    break;
                };
                let mut watch = cell.borrow_mut();
                let located = watch.locate(&mut self.integrator, infusion, crossing);
                let (time, state) = located.map_err(|f| self.fail(f, origin))?;
                (origin, self.y) = (time, state);
                if watch.fire_holding(origin, &mut self.y)? {
                    self.stopped = Some(origin);
                    return Ok(origin);
                }
            }
            if let Some(row) = row {
                self.record_row(row);
            }
        }
        Ok(origin)
    }

    /// No events and a uniform grid: the grid times in (a, b] in one dense solver call (after
    /// a sparse call to the first of them when `a` is not on the grid). Returns the time
    /// reached.
    fn dense(&mut self, a: f64, b: f64, infusion: &[f64]) -> Result<f64, SimError> {
        let times = &self.sampling.times;
        // Grid points in (a, b]: the first one after `a`, and one past the last one up to `b`.
        let first = times.partition_point(|&t| t <= a + self.clock.tolerance(a));
        let end_on_grid = self.sample_index(b);
        let stop = end_on_grid.map_or_else(
            || times.partition_point(|&t| t < b - self.clock.tolerance(b)),
            |i| i + 1,
        );
        // The time the state `y` belongs to; a grid point equal to `b` counts as `b`.
        let at = |index: usize| {
            if Some(index) == end_on_grid {
                b
            } else {
                times[index]
            }
        };
        if first >= stop {
            return Ok(a);
        }
        let (first_time, last_time, mut origin) = (at(first), at(stop - 1), a);
        let base = match self.sample_index(a) {
            Some(index) => index,
            None => {
                self.advance_to(a, first_time, infusion)?;
                self.record_row(first);
                origin = first_time;
                first
            }
        };
        let count = stop - 1 - base;
        if count == 0 {
            return Ok(origin);
        }
        let width = self.width;
        let mut rows = std::mem::take(&mut self.state_rows);
        let piece = Piece {
            origin,
            length: b - origin,
            infusion,
            dense: Some((count, self.plan.step)),
        };
        let result = self
            .integrator
            .advance(&mut self.y, &piece, &mut |k, state| {
                rows[(base + k) * width..(base + k + 1) * width].copy_from_slice(state);
            });
        self.state_rows = rows;
        result.map_err(|f| self.fail(f, origin))?;
        Ok(last_time)
    }

    /// At the breakpoint `b` ending (a, b): its doses, events holding there, the jumps of
    /// switches between (a, b) and (b, next), its row, and the finite check of the rows so far.
    fn at_breakpoint(&mut self, a: f64, b: f64, next: Option<f64>) -> Result<(), SimError> {
        keep_before(self.plan, self.clock, b, &self.y, &mut self.before);
        apply_boluses(
            &self.schedule.doses,
            b,
            &mut self.y,
            &self.columns[..self.width],
        )?;
        if let Some(cell) = self.watch
            && cell.borrow_mut().fire_holding(b, &mut self.y)?
        {
            self.stopped = Some(b);
        }
        if let Some(c) = next {
            self.model.cross_switches(
                &mut self.integrator.registers.borrow_mut(),
                (0.5 * (a + b), 0.5 * (b + c)),
                b,
                &mut self.y,
                &self.integrator.parameters,
            );
        }
        if let Some(index) = self.sample_index(b) {
            self.record_row(index);
        }
        let times = &self.sampling.times;
        self.checked = check_finite(
            &self.columns[..self.width],
            times,
            &self.state_rows,
            self.checked,
            b,
        )?;
        Ok(())
    }

    /// The times and states of the requested rows, up to a `stop` (with a row at the stop).
    fn requested_rows(&mut self) -> (Vec<f64>, Vec<f64>) {
        let (times, clock) = (&self.sampling.times, self.clock);
        let row_of = &self.sampling.row_of;
        // Every requested time its own sample and no stop (the usual run): the rows as they are.
        let own_rows = self.stopped.is_none()
            && row_of.len() == times.len()
            && row_of.iter().enumerate().all(|(i, &row)| i == row);
        if own_rows {
            let rows = std::mem::take(&mut self.state_rows);
            return (std::mem::take(&mut self.requested), rows);
        }
        let stop = self.stopped.map(|time| {
            let kept = times.partition_point(|&t| t < time - clock.tolerance(time));
            (time, kept, self.y.as_slice())
        });
        requested_rows(&self.requested, row_of, &self.state_rows, self.width, stop)
    }

    /// The requested rows (up to a `stop`), the outputs computed on them, and what the solver
    /// did; `events` is left for the caller, which owns the watch.
    pub fn finish(mut self) -> Result<Simulation, SimError> {
        let (times, state_rows) = self.requested_rows();
        let (times, state_rows) =
            with_rows_before(self.plan, self.clock, (times, state_rows), &self.before);
        if let Some(time) = self.stopped {
            check_finite(&self.columns[..self.width], &times, &state_rows, 0, time)?;
        }
        let stats = self.integrator.stats;
        let method_switch = self.integrator.switched.take();
        let mut warnings = self.warnings;
        warnings.append(&mut self.integrator.notes);
        warnings.extend(negative_states(
            self.model,
            &self.integrator.state_atol,
            &times,
            &state_rows,
        ));
        let registers = self.integrator.registers.into_inner();
        let trajectory = assemble(self.model, self.plan, registers, times, &state_rows)?;
        Ok(Simulation {
            trajectory,
            stats,
            warnings,
            events: Vec::new(),
            stopped: self.stopped,
            method_switch,
        })
    }
}
