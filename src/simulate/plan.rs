//! What a simulation is asked to do: a run plan (one run's parameters, doses, span, output grid
//! and solver settings), and the template the runs of a batch, a data set or a fit are planned
//! from (everything but the doses, with base parameters each run may change), and the
//! integrator a plan starts with.

use super::schedules::{ParameterSchedule, values_at};
use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model, Regimen};
use crate::solver::{Integrator, SolverOptions, SolverOverrides, Stats};
use std::cell::RefCell;

/// Everything needed to run one simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPlan {
    /// The parameter values at `start`.
    pub parameters: Vec<f64>,
    /// Parameters that change during the run (a dataset's time-varying covariates).
    pub schedules: Vec<ParameterSchedule>,
    pub doses: Vec<DoseEvent>,
    pub start: f64,
    pub end: f64,
    /// Output interval (and the scale for treating two times as equal).
    pub step: f64,
    /// Output at exactly these times instead of every `step` (plus start and end).
    pub times: Option<Vec<f64>>,
    /// Output times whose row comes twice in the trajectory: first the state before the doses
    /// (and resets, event jumps) at that time, then the state after them, as every row shows
    /// (a dataset's observation listed before the dose rows at its time, as NONMEM reads it).
    pub before_doses: Vec<f64>,
    pub solver: SolverOptions,
}

impl RunPlan {
    /// The model file's own run for these parameters: its span, output grid (every `step`
    /// instead, when given), solver settings, and the doses of `regimen`.
    pub fn for_model(
        model: &Model,
        parameters: Vec<f64>,
        regimen: &Regimen,
        step: Option<f64>,
    ) -> Result<RunPlan, Diagnostic> {
        let doses = regimen.events(&parameters)?;
        Ok(RunTemplate::for_model(model, parameters, step).plan(doses))
    }

    /// The parameter values at time `t`: `parameters` with each schedule's value there.
    pub fn parameters_at(&self, t: f64) -> Vec<f64> {
        let mut parameters = self.parameters.clone();
        values_at(&self.schedules, t, &mut parameters);
        parameters
    }

    /// The plan without its doses: the template it could have been made from.
    pub fn template(&self) -> RunTemplate {
        RunTemplate {
            parameters: self.parameters.clone(),
            start: self.start,
            end: self.end,
            step: self.step,
            times: self.times.clone(),
            solver: self.solver,
        }
    }
}

/// What the runs of a batch, a data set or a fit are planned from: base parameters (a subject
/// sets its own values of some), the span every run covers, the output grid and the solver
/// settings; no doses (each run brings its own). A data subject's run widens the span to its
/// records and adds their times to the grid (`data::plan_subject`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunTemplate {
    pub parameters: Vec<f64>,
    pub start: f64,
    pub end: f64,
    /// Output interval (and the scale for treating two times as equal).
    pub step: f64,
    /// Output at exactly these times instead of every `step` (plus start and end).
    pub times: Option<Vec<f64>>,
    pub solver: SolverOptions,
}

impl RunTemplate {
    /// The model file's span, output grid (every `step` instead, when given) and solver
    /// settings, with `parameters`.
    pub fn for_model(model: &Model, parameters: Vec<f64>, step: Option<f64>) -> RunTemplate {
        let simulation = &model.simulation;
        let (step, times) = simulation.grid(step);
        RunTemplate {
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
        }
    }

    /// The template of a fit, whose data set each subject's span and output times: the
    /// model's start and step (which decides when two times are the same), no output grid, and
    /// the model's solver with `overrides`.
    pub fn for_data(model: &Model, parameters: Vec<f64>, overrides: &SolverOverrides) -> Self {
        let model_run = RunTemplate::for_model(model, parameters, None);
        RunTemplate {
            end: model_run.start,
            times: Some(Vec::new()),
            solver: model_run.solver.overridden(overrides),
            ..model_run
        }
    }

    /// The run of the template's parameters with `doses`.
    pub fn plan(&self, doses: Vec<DoseEvent>) -> RunPlan {
        self.plan_with(self.parameters.clone(), doses)
    }

    /// The run of `parameters` with `doses`.
    pub fn plan_with(&self, parameters: Vec<f64>, doses: Vec<DoseEvent>) -> RunPlan {
        RunPlan {
            parameters,
            schedules: Vec::new(),
            doses,
            start: self.start,
            end: self.end,
            step: self.step,
            times: self.times.clone(),
            before_doses: Vec::new(),
            solver: self.solver,
        }
    }
}

/// The integrator of `plan` from its start, with `registers` after the model's setup.
pub(super) fn integrator_for<'a>(
    model: &'a Model,
    plan: &RunPlan,
    registers: Vec<f64>,
) -> Integrator<'a> {
    let state_atol = model.absolute_tolerances(plan.solver.atol, &plan.parameters);
    // ode_solvers takes one absolute tolerance: the smallest of the per-state ones.
    let options = SolverOptions {
        atol: state_atol.iter().copied().fold(f64::INFINITY, f64::min),
        ..plan.solver
    };
    Integrator {
        model,
        parameters: plan.parameters.clone(),
        ramps: Vec::new(),
        ramped: RefCell::new(Vec::new()),
        registers: RefCell::new(registers),
        options,
        stats: Stats::default(),
        observer: None,
        state_atol,
        switched: None,
        implicit_failed: false,
        notes: Vec::new(),
        states_time: None,
    }
}
