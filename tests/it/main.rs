//! Integration tests: numbers against closed forms and independent reference solutions, the
//! shipped models, golden diagnostics, and the command line end to end.

// The library's errors are large diagnostics by design (see src/lib.rs); tests pass them on.
#![allow(clippy::result_large_err)]

mod auto_switch;
mod calibrate;
mod cd22;
mod cli;
mod closed_form;
mod console;
mod data;
mod events;
mod export;
mod figures;
mod fit;
mod folders;
mod forward_sensitivity;
mod functions;
mod golden;
mod hostile_spans;
mod install;
mod jacobian;
mod library;
mod limits;
mod native;
mod near_times;
mod negative_states;
mod peaks;
mod population;
mod reference;
mod report;
mod sbml;
mod sensitivity_analysis;
mod state_count;
mod stiff;
mod tolerances;
mod trial;

use cartsim::model::{Model, compile};
use cartsim::simulate::{RunPlan, Simulation, simulate};
use cartsim::spec::{DoseSpec, SolverName, load_model};

/// Path of a file inside the repository.
pub fn repo_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Loads and compiles model text, panicking with the rendered diagnostics on failure.
pub fn model_from(file: &str, text: &str) -> Model {
    let loaded =
        load_model(file, text).unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)));
    compile(&loaded).unwrap_or_else(|d| panic!("{}", cartsim::diag::render_all(&d)))
}

pub fn shipped(name: &str) -> Model {
    let path = repo_path(&format!("models/{name}"));
    let text = std::fs::read_to_string(&path).expect("shipped model readable");
    model_from(&path.display().to_string(), &text)
}

/// Settings for a test run; `None` keeps the model file's value.
#[derive(Default)]
pub struct Run<'a> {
    pub params: Option<&'a str>,
    pub doses: Option<&'a [DoseSpec]>,
    pub set: &'a [(&'a str, f64)],
    pub end: Option<f64>,
    pub step: Option<f64>,
    pub method: Option<SolverName>,
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
    pub rk4_step: Option<f64>,
}

pub fn run(model: &Model, settings: Run) -> Simulation {
    let mut parameters = model.parameter_values(settings.params).unwrap();
    for (name, value) in settings.set {
        parameters[model.parameter_index(name).expect("known parameter")] = *value;
    }
    let regimen = match settings.doses {
        Some(doses) => model
            .compile_regimen(doses, "test", &|_, _| None)
            .unwrap_or_else(|d| panic!("{:?}", d)),
        None => model.default_regimen.clone(),
    };
    let mut plan =
        RunPlan::for_model(model, parameters, &regimen, settings.step).expect("valid doses");
    plan.end = settings.end.unwrap_or(plan.end);
    let solver = &mut plan.solver;
    solver.method = settings.method.unwrap_or(solver.method);
    solver.rtol = settings.rtol.unwrap_or(solver.rtol);
    solver.atol = settings.atol.unwrap_or(solver.atol);
    solver.rk4_step = settings.rk4_step.unwrap_or(solver.rk4_step);
    simulate(model, &plan).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Parses a dose list written in YAML flow form, e.g. `[{state: A, amount: 100, time: 0}]`.
pub fn doses(yaml: &str) -> Vec<DoseSpec> {
    serde_yaml::from_str(yaml).expect("test dose YAML")
}

/// |actual - expected| <= relative * |expected| + absolute, with a readable failure.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, relative: f64, absolute: f64, what: &str) {
    let error = (actual - expected).abs();
    assert!(
        error <= relative * expected.abs() + absolute,
        "{what}: got {actual:e}, expected {expected:e} (error {error:e}, allowed {relative:e} rel + {absolute:e} abs)"
    );
}
