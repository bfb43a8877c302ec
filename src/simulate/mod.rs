//! The simulation driver: splits time at breakpoints (dose times, infusion ends, comparisons of
//! `t` with a constant), applies doses, samples the output grid exactly, and reports failures
//! with the time, the states and a hint.
//!
//! Semantics: a bolus at time t is added after integrating to exactly t, and the output row at
//! t shows the state after the dose; a time of the plan's `before_doses` has a row before that
//! one, showing the state before the doses. An infusion adds amount/duration to d(state)/dt over
//! [time, time + duration). Within a segment between breakpoints, each `t <op> constant`
//! comparison is frozen at its value inside the segment, so a switch is never smeared across a
//! step. Output times are start + k * step exactly, plus `end` (or the listed `times`, plus
//! start and end). On a sensitivity model, the sensitivities jump where a switch whose time
//! depends on a parameter flips (`Model::cross_switches`), after the doses at that time, so the
//! row at that time shows them after the jump. A parameter with a schedule (`RunPlan::schedules`)
//! takes its segment's value at each breakpoint, or its value at each time within a segment
//! where it changes linearly (schedules.rs). `floor`/`ceil` of `t` (with constant
//! coefficients) jump at breakpoints too and are frozen within segments like the comparisons.

use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model};
mod driver;
mod events;
mod outcome;
mod peaks;
mod plan;
mod schedules;
mod times;
mod window;

use crate::solver::{MethodSwitch, Stats};
use crate::trajectory::Trajectory;
use driver::Driver;
use events::EventWatch;
pub use peaks::locate_peaks;
pub use plan::{RunPlan, RunTemplate};
pub use schedules::{Interpolation, ParameterSchedule};
use std::cell::RefCell;
pub use times::{Clock, listed_times, output_times};

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

impl SimError {
    /// The failure as a diagnostic: "at time T: why", the states it left as a note (none when
    /// it failed before the run started), and the hint; callers put what failed in front of
    /// the message.
    pub fn diagnostic(&self) -> Diagnostic {
        let states: Vec<String> = (self.states.iter())
            .map(|(name, value)| format!("{name} = {}", crate::diag::number(*value)))
            .collect();
        let mut diagnostic = Diagnostic::new(format!(
            "at time {}: {}",
            crate::diag::number(self.time),
            self.message
        ));
        if !states.is_empty() {
            diagnostic = diagnostic.note(format!(
                "states at time {}: {}",
                crate::diag::number(self.states_time),
                states.join(", ")
            ));
        }
        match self.hint.is_empty() {
            true => diagnostic,
            false => diagnostic.hint(self.hint.clone()),
        }
    }
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

/// Most jumps of `floor`/`ceil` of `t` in one simulation: each is a breakpoint (a solver
/// restart and 8 bytes in the schedule).
const MAX_STEP_JUMPS: f64 = 1e6;

pub fn simulate(model: &Model, plan: &RunPlan) -> Result<Simulation, SimError> {
    simulate_from(model, plan, None)
}

/// `simulate`, starting from the states `resume` at `plan.start` instead of the model's initial
/// states (a restart inside a run that has no events: doses at `plan.start` are applied on top).
/// The steps: check the plan, the initial states, the schedule of breakpoints and output
/// samples (`Driver::new`), each segment between breakpoints (`Driver::segment`), and the
/// requested rows with outputs (`Driver::finish`).
fn simulate_from(
    model: &Model,
    plan: &RunPlan,
    resume: Option<&[f64]>,
) -> Result<Simulation, SimError> {
    check_plan(model, plan)?;
    let mut registers = model.new_registers();
    model.setup(&mut registers, &plan.parameters);
    let y = initial_states(model, plan, &registers, resume)?;
    let watch = (!model.events.is_empty()).then(|| {
        RefCell::new(EventWatch::new(
            model,
            plan.parameters.clone(),
            registers.clone(),
            model.states.len(),
        ))
    });
    let mut driver = Driver::new(model, plan, registers, y, watch.as_ref())?;
    let breakpoints = driver.schedule.breakpoints.clone();
    for (index, window) in breakpoints.windows(2).enumerate() {
        if driver.stopped.is_some() {
            break;
        }
        driver.segment(window[0], window[1], breakpoints.get(index + 2).copied())?;
    }
    let simulation = driver.finish()?;
    Ok(Simulation {
        events: watch
            .map(|cell| cell.into_inner().recorded)
            .unwrap_or_default(),
        ..simulation
    })
}

/// Refuses a run before it starts: an interrupt already requested, or a plan that does not
/// fit the model.
fn check_plan(model: &Model, plan: &RunPlan) -> Result<(), SimError> {
    let refuse = |message: String, hint: &str| SimError {
        message,
        time: plan.start,
        states: Vec::new(),
        states_time: plan.start,
        hint: hint.to_string(),
    };
    if let Some(signal) = crate::interrupt::requested() {
        return Err(refuse(crate::interrupt::stopped(signal).message, ""));
    }
    if plan.parameters.len() != model.parameters.len()
        || plan.doses.iter().any(|d| d.state >= model.states.len())
        || (plan.schedules.iter())
            .any(|s| s.parameter >= model.parameters.len() || s.records.is_empty())
    {
        return Err(refuse(
            format!(
                "the run plan has {} parameter values for the {} parameters of `{}`, a dose into a state it lacks, or an empty schedule or one of a parameter it lacks",
                plan.parameters.len(),
                model.parameters.len(),
                model.name
            ),
            "build plans from `Model::parameter_values` and the model's regimens",
        ));
    }
    Ok(())
}

/// The states at the start (the model's initial values, or `resume`), refused when one is not
/// finite or when the output grid would be too large.
fn initial_states(
    model: &Model,
    plan: &RunPlan,
    registers: &[f64],
    resume: Option<&[f64]>,
) -> Result<Vec<f64>, SimError> {
    let y = resume.map_or_else(|| model.initial_states(registers), <[f64]>::to_vec);
    let refuse = |message: String, hint: &str| SimError {
        message,
        time: plan.start,
        states_time: plan.start,
        states: (model.states.iter())
            .map(|s| s.name.clone())
            .zip(y.iter().copied())
            .collect(),
        hint: hint.to_string(),
    };
    if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
        return Err(refuse(
            format!(
                "the initial value of `{}` is {}",
                model.states[bad].name,
                crate::diag::number(y[bad])
            ),
            "check the parameters its initial expression uses (a division by zero?)",
        ));
    }
    let jumps = model.step_jumps(plan.start, plan.end);
    if jumps.is_nan() || jumps > MAX_STEP_JUMPS {
        return Err(refuse(
            format!(
                "`floor` or `ceil` of `t` jumps {jumps:.3e} times over the run (the limit is {MAX_STEP_JUMPS:e}), each a breakpoint"
            ),
            "a floor of `t` with a larger period (`floor(t / 7)`), or a shorter span",
        ));
    }
    let rows = match &plan.times {
        Some(listed) => listed.len() as f64,
        None => (plan.end - plan.start) / plan.step,
    };
    if rows.is_nan() || rows > MAX_OUTPUT_ROWS {
        return Err(refuse(
            format!(
                "the output grid would have {rows:.3e} rows (the limit is {MAX_OUTPUT_ROWS:e})"
            ),
            "use a larger `--step` (or `simulation.step`) or a shorter span",
        ));
    }
    Ok(y)
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
