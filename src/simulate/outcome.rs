//! Turning a run's raw results into its outcome: solver failures as errors with a hint,
//! non-finite states and outputs caught with the time, and the recorded states with their
//! outputs assembled into a trajectory.

use super::schedules::values_at;
use super::{RunPlan, SimError};
use crate::model::Model;
use crate::solver::SegmentFailure;
use crate::trajectory::Trajectory;

pub(super) fn segment_error(
    failure: SegmentFailure,
    states_time: f64,
    states: Vec<(String, f64)>,
) -> SimError {
    let (message, time, hint) = match failure {
        SegmentFailure::MaxSteps { time, steps } => (
            format!("the solver needed more than {steps} steps"),
            time,
            "the model may be stiff (use solver `bdf`, or `auto`, the default) or a state may be growing without bound; otherwise raise `simulation.max_steps` or loosen `rtol` (with `rk4`: a larger `rk4_step`); solver settings go in `simulation:` of the model or run file, or `--solver`/`--rtol` on the command line",
        ),
        SegmentFailure::StepSizeUnderflow { time } => (
            "the step size became too small".to_string(),
            time,
            "a state is probably blowing up or a rate is discontinuous; check the ODEs near this time, or loosen `rtol`/`atol` (`simulation:` of the model or run file, or `--rtol`/`--atol`)",
        ),
        SegmentFailure::Implicit { time, message } => (
            format!("the implicit solver failed: {message}"),
            time,
            "a state is probably becoming non-finite or the Newton iteration cannot converge; check the ODEs near this time or loosen `rtol`/`atol` (`simulation:` of the model or run file, or `--rtol`/`--atol`)",
        ),
        SegmentFailure::Stiffness { time } => (
            "the problem became stiff for the explicit solver".to_string(),
            time,
            "rates differ by orders of magnitude: use `--solver bdf` (or `auto`, the default, which switches by itself)",
        ),
    };
    SimError {
        message,
        time,
        states,
        states_time,
        hint: hint.to_string(),
    }
}

/// A warning for every state declared non-negative that the solution takes below minus its
/// absolute tolerance on the output grid (an overshoot of a fast elimination, say): its most
/// negative value and when.
pub(super) fn negative_states(
    model: &Model,
    atol: &[f64],
    times: &[f64],
    rows: &[f64],
) -> Vec<String> {
    let width = model.states.len();
    let mut warnings = Vec::new();
    for (index, state) in model.states.iter().enumerate() {
        if !state.nonnegative {
            continue;
        }
        let lowest = rows
            .iter()
            .skip(index)
            .step_by(width)
            .zip(times)
            .filter(|(value, _)| **value < -atol[index])
            .min_by(|a, b| a.0.total_cmp(b.0));
        if let Some((value, time)) = lowest {
            warnings.push(format!(
                "state `{}` went below zero: {} at time {} (its absolute tolerance is {}); tighten `rtol`/`atol`, try `--solver bdf`, or declare `nonnegative: false` for a state that may be negative",
                state.name,
                crate::diag::number(*value),
                crate::diag::number(*time),
                crate::diag::number(atol[index])
            ));
        }
    }
    warnings
}

/// Checks the rows recorded since `checked` (up to time `until`); returns the new count.
pub(super) fn check_finite(
    names: &[String],
    times: &[f64],
    rows: &[f64],
    checked: usize,
    until: f64,
) -> Result<usize, SimError> {
    let width = names.len();
    let recorded = times.partition_point(|&t| t <= until);
    for index in checked..recorded {
        let row = &rows[index * width..(index + 1) * width];
        if let Some(bad) = row.iter().position(|v| !v.is_finite()) {
            let previous = &rows[index.saturating_sub(1) * width..index.max(1) * width];
            return Err(SimError {
                message: format!(
                    "state `{}` became {} before time {:?}",
                    names[bad], row[bad], times[index]
                ),
                time: times[index],
                states_time: times[index.saturating_sub(1)],
                states: names
                    .iter()
                    .cloned()
                    .zip(previous.iter().copied())
                    .collect(),
                hint: format!(
                    "look for a division by zero, a log of a non-positive value or explosive growth in `odes.{}`",
                    names[bad]
                ),
            });
        }
    }
    Ok(recorded)
}

/// The trajectory of the requested rows: states with the outputs at each row's time (with the
/// parameters there, when schedules change them).
pub(super) fn assemble(
    model: &Model,
    plan: &RunPlan,
    mut registers: Vec<f64>,
    times: Vec<f64>,
    state_rows: &[f64],
) -> Result<Trajectory, SimError> {
    let states = model.states.len();
    let outputs = model.outputs.len();
    let mut values = Vec::with_capacity(times.len() * (states + outputs));
    let mut output_values: Vec<f64> = std::iter::repeat_n(0.0, outputs).collect();
    let mut parameters = plan.parameters.clone();
    for (index, &t) in times.iter().enumerate() {
        let row = &state_rows[index * states..(index + 1) * states];
        if !plan.schedules.is_empty() {
            values_at(&plan.schedules, t, &mut parameters);
            model.setup(&mut registers, &parameters);
        }
        model.set_switches(&mut registers, t);
        model.outputs(&mut registers, t, row, &parameters, &mut output_values);
        if let Some(bad) = output_values.iter().position(|v| !v.is_finite()) {
            let name = &model.outputs[bad].name;
            return Err(SimError {
                message: format!(
                    "output `{name}` is {} at time {t:?}",
                    crate::diag::number(output_values[bad])
                ),
                time: t,
                states: model
                    .states
                    .iter()
                    .map(|s| s.name.clone())
                    .zip(row.iter().copied())
                    .collect(),
                states_time: t,
                hint: format!(
                    "look for a division by zero or a log of a non-positive value in `outputs.{name}`"
                ),
            });
        }
        values.extend_from_slice(row);
        values.extend_from_slice(&output_values);
    }
    Ok(Trajectory {
        columns: model.trajectory_columns(),
        times,
        values,
    })
}

/// Refuses a start where some d(state)/dt is not finite (a division by zero, a log of 0 in
/// the ODEs or the parameters they use), naming the ODE; `rates` is room for one per state.
pub(super) fn check_start_rates(
    model: &Model,
    registers: &mut [f64],
    plan: &RunPlan,
    states: &[f64],
    names: &[String],
    rates: &mut [f64],
) -> Result<(), SimError> {
    model.set_switches(registers, plan.start);
    model.rhs(registers, plan.start, states, &plan.parameters, rates);
    match rates.iter().position(|r| !r.is_finite()) {
        None => Ok(()),
        Some(bad) => Err(SimError {
            message: format!(
                "d({})/dt is {} at the start",
                names[bad],
                crate::diag::number(rates[bad])
            ),
            time: plan.start,
            states_time: plan.start,
            states: names.iter().cloned().zip(states.iter().copied()).collect(),
            hint: format!(
                "look for a division by zero or a log of a non-positive value in `odes.{}` or the parameters and derived values it uses",
                names[bad]
            ),
        }),
    }
}
