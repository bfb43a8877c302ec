//! The simulation driver: splits time at breakpoints (dose times, infusion ends, comparisons of
//! `t` with a constant), applies doses, samples the output grid exactly, and reports failures
//! with the time, the states and a hint.
//!
//! Semantics: a bolus at time t is added after integrating to exactly t, and the output row at
//! t shows the state after the dose. An infusion adds amount/duration to d(state)/dt over
//! [time, time + duration). Within a segment between breakpoints, each `t <op> constant`
//! comparison is frozen at its value inside the segment, so a switch is never smeared across a
//! step. Output times are start + k * step exactly, plus `end` (or the listed `times`, plus
//! start and end). On a sensitivity model, the sensitivities jump where a switch whose time
//! depends on a parameter flips (`Model::cross_switches`), after the doses at that time, so the
//! row at that time shows them after the jump.

use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model, Regimen};
mod events;
mod outcome;
mod peaks;
mod times;

use crate::solver::{Integrator, MethodSwitch, Piece, SegmentFailure, SolverOptions, Stats};
use crate::trajectory::Trajectory;
use events::EventWatch;
use outcome::{assemble, check_finite, check_start_rates, segment_error};
pub use peaks::locate_peaks;
use std::cell::RefCell;
pub use times::{Clock, listed_times, output_times};
use times::{requested_rows, samples, schedule, warn_outside};

/// Everything needed to run one simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPlan {
    pub parameters: Vec<f64>,
    pub doses: Vec<DoseEvent>,
    pub start: f64,
    pub end: f64,
    /// Output interval (and the scale for treating two times as equal).
    pub step: f64,
    /// Output at exactly these times instead of every `step` (plus start and end).
    pub times: Option<Vec<f64>>,
    pub solver: SolverOptions,
}

impl RunPlan {
    /// The model file's own run for these parameters: its span, output grid (every `step`
    /// instead, when given), solver settings, and the doses of `regimen`. Callers override
    /// fields from there (the command line's `--end`, `--solver`, ...).
    pub fn for_model(
        model: &Model,
        parameters: Vec<f64>,
        regimen: &Regimen,
        step: Option<f64>,
    ) -> Result<RunPlan, Diagnostic> {
        let simulation = &model.simulation;
        let (step, times) = simulation.grid(step);
        Ok(RunPlan {
            doses: regimen.events(&parameters)?,
            parameters,
            start: simulation.start,
            end: simulation.end,
            step,
            times,
            solver: SolverOptions {
                method: simulation.solver,
                rtol: simulation.rtol,
                atol: simulation.atol,
                rk4_step: simulation.rk4_step.unwrap_or(step / 10.0),
                max_steps: simulation.max_steps,
            },
        })
    }
}

/// A failed simulation: when, what, the last finite state, and what to try.
#[derive(Debug, Clone, PartialEq)]
pub struct SimError {
    pub message: String,
    pub time: f64,
    /// The states at `states_time`: the failure time, or the start of the solver call that failed.
    pub states: Vec<(String, f64)>,
    pub states_time: f64,
    pub hint: String,
}

/// A finished simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub trajectory: Trajectory,
    pub stats: Stats,
    pub warnings: Vec<String>,
    /// Recorded events: (name, time), in the order they fired.
    pub events: Vec<(String, f64)>,
    /// When a `stop` event ended the run early.
    pub stopped: Option<f64>,
    /// When `auto` switched to the implicit method, and why.
    pub method_switch: Option<MethodSwitch>,
}

/// Most output rows one simulation may produce (memory guard: about 80 MB per state).
const MAX_OUTPUT_ROWS: f64 = 1e7;

pub fn simulate(model: &Model, plan: &RunPlan) -> Result<Simulation, SimError> {
    simulate_from(model, plan, None)
}

/// `simulate`, starting from the states `resume` at `plan.start` instead of the model's initial
/// states (a restart inside a run that has no events: doses at `plan.start` are applied on top).
fn simulate_from(
    model: &Model,
    plan: &RunPlan,
    resume: Option<&[f64]>,
) -> Result<Simulation, SimError> {
    if let Some(signal) = crate::interrupt::requested() {
        return Err(SimError {
            message: crate::interrupt::stopped(signal).message,
            time: plan.start,
            states: Vec::new(),
            states_time: plan.start,
            hint: String::new(),
        });
    }
    if plan.parameters.len() != model.parameters.len()
        || plan.doses.iter().any(|d| d.state >= model.states.len())
    {
        return Err(SimError {
            message: format!(
                "the run plan has {} parameter values for the {} parameters of `{}`, or a dose into a state it lacks",
                plan.parameters.len(),
                model.parameters.len(),
                model.name
            ),
            time: plan.start,
            states: Vec::new(),
            states_time: plan.start,
            hint: "build plans from `Model::parameter_values` and the model's regimens".into(),
        });
    }
    let mut registers = vec![0.0; model.register_count()];
    model.setup(&mut registers, &plan.parameters);
    let state_names: Vec<String> = model.states.iter().map(|s| s.name.clone()).collect();
    let mut y = resume.map_or_else(|| model.initial_states(&registers), <[f64]>::to_vec);
    let snapshot = |y: &[f64]| -> Vec<(String, f64)> {
        state_names.iter().cloned().zip(y.iter().copied()).collect()
    };
    if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
        return Err(SimError {
            message: format!(
                "the initial value of `{}` is {}",
                state_names[bad],
                crate::diag::number(y[bad])
            ),
            time: plan.start,
            states_time: plan.start,
            states: snapshot(&y),
            hint: "check the parameters its initial expression uses (a division by zero?)".into(),
        });
    }
    let rows = match &plan.times {
        Some(listed) => listed.len() as f64,
        None => (plan.end - plan.start) / plan.step,
    };
    if rows.is_nan() || rows > MAX_OUTPUT_ROWS {
        return Err(SimError {
            message: format!(
                "the output grid would have {rows:.3e} rows (the limit is {MAX_OUTPUT_ROWS:e})"
            ),
            time: plan.start,
            states_time: plan.start,
            states: snapshot(&y),
            hint: "use a larger `--step` (or `simulation.step`) or a shorter span".into(),
        });
    }
    let clock = Clock::new(plan.step);
    let schedule = schedule(model, plan, &registers, clock);
    let (breakpoints, doses, mut warnings) =
        (schedule.breakpoints, schedule.doses, schedule.warnings);
    let requested = match &plan.times {
        Some(listed) => {
            warn_outside(listed, plan, clock, &mut warnings);
            listed_times(plan.start, plan.end, listed)
        }
        None => output_times(plan.start, plan.end, plan.step),
    };
    let sampling = samples(clock, &breakpoints, &requested);
    let times = sampling.times.as_slice();
    let width = model.states.len();
    let mut state_rows = vec![f64::NAN; times.len() * width];
    let grid_index = |t: f64| -> Option<usize> {
        let index = times.partition_point(|&x| x < t - clock.tolerance(t));
        times
            .get(index)
            .filter(|&&x| clock.same(x, t))
            .map(|_| index)
    };
    let watch = (!model.events.is_empty()).then(|| {
        RefCell::new(EventWatch::new(
            model,
            &plan.parameters,
            registers.clone(),
            width,
        ))
    });
    let state_atol = model.absolute_tolerances(plan.solver.atol, &plan.parameters);
    // ode_solvers takes one absolute tolerance: the smallest of the per-state ones.
    let options = SolverOptions {
        atol: state_atol.iter().copied().fold(f64::INFINITY, f64::min),
        ..plan.solver
    };
    let mut integrator = Integrator {
        model,
        parameters: &plan.parameters,
        registers: RefCell::new(registers),
        options,
        stats: Stats::default(),
        observer: None,
        state_atol,
        switched: None,
        implicit_failed: false,
        notes: Vec::new(),
        states_time: None,
    };
    let fail =
        |failure: SegmentFailure, at: f64, y: &[f64]| segment_error(failure, at, snapshot(y));
    apply_boluses(&doses, plan.start, &mut y, &state_names)?;
    check_start_rates(
        model,
        &mut integrator.registers.borrow_mut(),
        plan,
        &y,
        &state_names,
    )?;
    let mut stopped = None;
    if let Some(cell) = &watch {
        let mut watch = cell.borrow_mut();
        watch.set_switches(plan.start);
        if watch.fire_holding(plan.start, &mut y)? {
            stopped = Some(plan.start);
        }
    }
    state_rows[..width].copy_from_slice(&y);
    let mut rates = vec![0.0; width];
    let mut checked = 0;
    for (index, window) in breakpoints.windows(2).enumerate() {
        let (a, b) = (window[0], window[1]);
        if stopped.is_some() {
            break;
        }
        rates.iter_mut().for_each(|r| *r = 0.0);
        for &(state, rate, from, to) in &schedule.infusions {
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
        model.set_switches(&mut integrator.registers.borrow_mut(), 0.5 * (a + b));
        // Grid points in (a, b]: the first one after `a`, and one past the last one up to `b`.
        let first = times.partition_point(|&t| t <= a + clock.tolerance(a));
        let end_on_grid = grid_index(b);
        let stop = end_on_grid.map_or_else(
            || times.partition_point(|&t| t < b - clock.tolerance(b)),
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
        let mut origin = a;
        if watch.is_some() || plan.times.is_some() {
            // Events or listed output times: a sparse call to each output time, and with events
            // every step end watched.
            if let Some(cell) = &watch {
                cell.borrow_mut().set_switches(0.5 * (a + b));
            }
            let inside = times.partition_point(|&t| t < b - clock.tolerance(b));
            let targets = (first..inside)
                .map(|i| (Some(i), times[i]))
                .chain([(None, b)]);
            'targets: for (row, target) in targets {
                while origin < target {
                    let Some(cell) = &watch else {
                        integrator
                            .advance_to(&mut y, origin, target, infusion)
                            .map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
                        origin = target;
                        break;
                    };
                    cell.borrow_mut().begin(origin, &y);
                    integrator.observer = Some(cell);
                    let result = integrator.advance_to(&mut y, origin, target, infusion);
                    integrator.observer = None;
                    result.map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
                    let crossing = cell.borrow_mut().take_crossing();
                    let Some(crossing) = crossing else {
                        origin = target;
                        break;
                    };
                    let mut watch = cell.borrow_mut();
                    let (time, state) = watch
                        .locate(&mut integrator, infusion, crossing)
                        .map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
                    (origin, y) = (time, state);
                    if watch.fire_holding(origin, &mut y)? {
                        stopped = Some(origin);
                        break 'targets;
                    }
                }
                if let Some(row) = row {
                    state_rows[row * width..(row + 1) * width].copy_from_slice(&y);
                }
            }
            if stopped.is_some() {
                break;
            }
        } else if first < stop {
            let base = match grid_index(a) {
                Some(index) => index,
                None => {
                    integrator
                        .advance_to(&mut y, a, at(first), infusion)
                        .map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
                    state_rows[first * width..(first + 1) * width].copy_from_slice(&y);
                    origin = at(first);
                    first
                }
            };
            let count = stop - 1 - base;
            if count > 0 {
                let mut rows = std::mem::take(&mut state_rows);
                let dense = Some((count, plan.step));
                let piece = Piece {
                    origin,
                    length: b - origin,
                    infusion,
                    dense,
                };
                let result = integrator.advance(&mut y, &piece, &mut |k, state| {
                    rows[(base + k) * width..(base + k + 1) * width].copy_from_slice(state);
                });
                state_rows = rows;
                result.map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
                origin = at(base + count);
            }
        }
        if origin < b {
            integrator
                .advance_to(&mut y, origin, b, infusion)
                .map_err(|f| fail(f, integrator.states_time.unwrap_or(origin), &y))?;
        }
        apply_boluses(&doses, b, &mut y, &state_names)?;
        if let Some(cell) = &watch
            && cell.borrow_mut().fire_holding(b, &mut y)?
        {
            stopped = Some(b);
        }
        if let Some(&c) = breakpoints.get(index + 2) {
            model.cross_switches(
                &mut integrator.registers.borrow_mut(),
                (0.5 * (a + b), 0.5 * (b + c)),
                b,
                &mut y,
                &plan.parameters,
            );
        }
        if let Some(index) = grid_index(b) {
            state_rows[index * width..(index + 1) * width].copy_from_slice(&y);
        }
        checked = check_finite(&state_names, times, &state_rows, checked, b)?;
    }
    let (times, state_rows) = requested_rows(
        &requested,
        &sampling.row_of,
        &state_rows,
        width,
        stopped.map(|time| {
            (
                time,
                times.partition_point(|&t| t < time - clock.tolerance(time)),
                y.as_slice(),
            )
        }),
    );
    if let Some(time) = stopped {
        check_finite(&state_names, &times, &state_rows, 0, time)?;
    }
    let stats = integrator.stats;
    let method_switch = integrator.switched.take();
    warnings.append(&mut integrator.notes);
    warnings.extend(outcome::negative_states(
        model,
        &integrator.state_atol,
        &times,
        &state_rows,
    ));
    let registers = integrator.registers.into_inner();
    let trajectory = assemble(model, &plan.parameters, registers, &times, &state_rows)?;
    let events = watch
        .map(|cell| cell.into_inner().recorded)
        .unwrap_or_default();
    Ok(Simulation {
        trajectory,
        stats,
        warnings,
        events,
        stopped,
        method_switch,
    })
}

/// Adds the boluses given at `t`; a state made non-finite by a dose is an error.
fn apply_boluses(
    doses: &[DoseEvent],
    t: f64,
    y: &mut [f64],
    names: &[String],
) -> Result<(), SimError> {
    for dose in doses.iter().filter(|d| d.time == t && d.duration.is_none()) {
        y[dose.state] += dose.amount;
        if !y[dose.state].is_finite() {
            return Err(SimError {
                message: format!(
                    "the dose at time {t:?} makes `{}` {}",
                    names[dose.state], y[dose.state]
                ),
                time: t,
                states_time: t,
                states: names.iter().cloned().zip(y.iter().copied()).collect(),
                hint: "check the dose amounts (doses at the same time add up)".into(),
            });
        }
    }
    Ok(())
}
