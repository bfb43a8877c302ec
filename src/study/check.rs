//! Run file to study: every name resolved against the model, every number checked, all problems
//! reported in one pass with the run file's line and column.

use super::metrics::MetricSettings;
use super::{Arm, Study};
use crate::diag::Diagnostic;
use crate::diag::Severity;
use crate::diag::number;
use crate::model::{Model, Regimen};
use crate::population::Population;
use crate::simulate::RunTemplate;
use crate::solver::SolverOverrides;
use crate::spec::{Loaded, RunSpec};

mod population;
use population::check_population;

/// A finite number above 0.
pub(super) fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// A finite number at or above 0.
pub(super) fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// What `check` needs besides the run file: the compiled model and, when the population names
/// a `table`, that file's name and text (the CLI reads files; checking does not).
pub struct StudyInputs<'a> {
    pub run: &'a Loaded<RunSpec>,
    pub model: Model,
    pub table: Option<(String, String)>,
}

/// Collects problems with their run-file locations.
pub(super) struct Problems<'a> {
    run: &'a Loaded<RunSpec>,
    list: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn at(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::new(message)
            .at(self.run.locate(path))
            .path(path.to_string());
        self.list.push(diagnostic);
        self.list.last_mut().expect("just pushed")
    }

    fn at_key(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::new(message)
            .at(self.run.locate_key(path))
            .path(path.to_string());
        self.list.push(diagnostic);
        self.list.last_mut().expect("just pushed")
    }

    /// Reports an unknown name with suggestions; `kind` says what it should have been.
    fn unknown(&mut self, path: &str, name: &str, kind: &str, candidates: &[&str]) {
        let diagnostic = Diagnostic::new(format!("`{name}` is not a {kind} of the model"))
            .at(self.run.locate_key(path).or_else(|| self.run.locate(path)))
            .path(path.to_string())
            .suggest(name, candidates.iter().copied())
            .note(format!("{kind}s: {}", candidates.join(", ")));
        self.list.push(diagnostic);
    }
}

pub(super) fn amend(diagnostic: &mut Diagnostic, hint: &str) {
    diagnostic.hints.push(hint.to_string());
}

/// Checks a run file against its model.
pub fn check(inputs: StudyInputs) -> Result<Study, Vec<Diagnostic>> {
    let StudyInputs { run, model, table } = inputs;
    let spec = &run.spec;
    let mut problems = Problems {
        run,
        list: Vec::new(),
    };
    let parameter_names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let set_names: Vec<&str> = model
        .parameter_sets
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let mut base = model.parameters.iter().map(|p| p.value).collect::<Vec<_>>();
    if let Some(set) = &spec.params {
        match model.parameter_values(Some(set)) {
            Ok(values) => base = values,
            Err(message) => {
                let d = problems.at("params", message);
                *d = d.clone().suggest(set, set_names.iter().copied());
            }
        }
    }

    let mut warnings = Vec::new();
    match spec.simulation_key_problem() {
        Some(d) if d.severity == Severity::Warning => {
            warnings.push(d.at(problems.run.locate_key("output")))
        }
        Some(d) => problems.list.push(d.at(problems.run.locate_key("output"))),
        None => {}
    }
    let plan = check_output(&mut problems, &model, &base);
    let (arms, grid_names) = check_arms(&mut problems, &model, &base, &parameter_names);
    let population = match &spec.population {
        Some(population) => check_population(&mut problems, &model, population, &arms, table),
        None => Some(Population::typical_only()),
    };
    let metrics =
        MetricSettings::check(
            &spec.metrics,
            &model,
            |path, message, candidates| match candidates {
                Some((name, names)) => problems.unknown(path, name, message, names),
                None => {
                    problems.at(path, message);
                }
            },
        );
    let tracked = check_tracked(&mut problems, &model);
    match (plan, population) {
        (Some(plan), Some(population)) if problems.list.is_empty() => {
            let tracked_units = tracked
                .iter()
                .map(|(name, _)| unit_of(&model, name))
                .collect();
            Ok(Study {
                model,
                arms,
                grid_names,
                population,
                metrics,
                template: plan,
                tracked,
                tracked_units,
                warnings,
            })
        }
        _ => Err(problems.list),
    }
}

/// The unit of a state or output, or "" when the model gives none.
pub(super) fn unit_of(model: &Model, name: &str) -> String {
    let unit = match model.state_index(name) {
        Some(k) => model.states[k].unit.clone(),
        None => model
            .outputs
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.unit.clone()),
    };
    unit.unwrap_or_default()
}

fn check_output(problems: &mut Problems, model: &Model, base: &[f64]) -> Option<RunTemplate> {
    let output = problems.run.spec.simulation();
    let key = problems.run.spec.simulation_key();
    let mut plan = RunTemplate::for_model(model, base.to_vec(), output.step);
    plan.start = output.start.unwrap_or(plan.start);
    plan.end = output.end.unwrap_or(plan.end);
    if output.start.is_some() || output.end.is_some() {
        plan.step = output.step.unwrap_or(plan.step.min(plan.end - plan.start));
        plan.times = None;
    }
    plan.solver = plan.solver.overridden(&SolverOverrides {
        method: output.solver,
        rtol: output.rtol,
        atol: output.atol,
    });
    let mut ok = true;
    if !(plan.start.is_finite() && plan.end.is_finite() && plan.end > plan.start) {
        problems
            .at(
                &format!("{key}.end"),
                format!("the run ends at {} but starts at {}", plan.end, plan.start),
            )
            .hints
            .push("`end` must be a finite time after `start`".into());
        ok = false;
    }
    if !positive(plan.step) {
        problems.at(
            &format!("{key}.step"),
            format!(
                "`step` is {}; it must be a positive number",
                number(plan.step)
            ),
        );
        ok = false;
    } else if (plan.end - plan.start) / plan.step > 1e6 {
        let d = problems.at(
            &format!("{key}.step"),
            format!(
                "{} output times per subject are too many for a population run",
                ((plan.end - plan.start) / plan.step) as u64
            ),
        );
        amend(
            d,
            "use a step giving at most 1,000,000 output times (daily output is usual)",
        );
        ok = false;
    }
    for (field, value) in [("rtol", plan.solver.rtol), ("atol", plan.solver.atol)] {
        if !positive(value) {
            problems.at(
                &format!("{key}.{field}"),
                format!(
                    "`{field}` is {}; it must be a positive number",
                    number(value)
                ),
            );
            ok = false;
        }
    }
    ok.then_some(plan)
}

/// Most arms (scenarios x grid points) one run file may have.
const MAX_ARMS: usize = 10_000;

/// Scenarios crossed with the grid, scenario-major; the grid's first parameter varies slowest.
fn check_arms(
    problems: &mut Problems,
    model: &Model,
    base: &[f64],
    parameter_names: &[&str],
) -> (Vec<Arm>, Vec<String>) {
    let spec = &problems.run.spec;
    let mut scenarios: Vec<(String, Vec<f64>, Regimen)> = Vec::new();
    if spec.scenarios.is_empty() {
        scenarios.push(("base".into(), base.to_vec(), model.default_regimen.clone()));
    }
    let run = problems.run;
    for (name, scenario) in spec.scenarios.iter() {
        let path = format!("scenarios.{name}");
        let mut values = base.to_vec();
        let mut ok = true;
        if let Some(set) = &scenario.params {
            match model.parameter_sets.iter().find(|(n, _)| n == set) {
                Some((_, overrides)) => {
                    for &(k, value) in overrides {
                        values[k] = value;
                    }
                }
                None => {
                    let sets: Vec<&str> = model
                        .parameter_sets
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect();
                    problems.unknown(&format!("{path}.params"), set, "parameter set", &sets);
                    ok = false;
                }
            }
        }
        for (parameter, &value) in scenario.parameters.iter() {
            match model.parameter_index(parameter) {
                Some(k) if value.is_finite() => values[k] = value,
                Some(_) => {
                    problems.at(
                        &format!("{path}.parameters.{parameter}"),
                        format!("`{parameter}` is {}; it must be finite", number(value)),
                    );
                    ok = false;
                }
                None => {
                    problems.unknown(
                        &format!("{path}.parameters.{parameter}"),
                        parameter,
                        "parameter",
                        parameter_names,
                    );
                    ok = false;
                }
            }
        }
        let regimen = match &scenario.doses {
            None => Some(model.default_regimen.clone()),
            Some(doses) => {
                let locate = |p: &str, span: Option<std::ops::Range<usize>>| match span {
                    Some(span) => run.locate_in_expression(p, span),
                    None => run.locate(p),
                };
                match model.compile_regimen(doses, &format!("{path}.doses"), &locate) {
                    Ok(regimen) => Some(regimen),
                    Err(diagnostics) => {
                        problems.list.extend(diagnostics);
                        None
                    }
                }
            }
        };
        if let (Some(regimen), true) = (regimen, ok) {
            scenarios.push((name.to_string(), values, regimen));
        }
    }
    let mut grid_names = Vec::new();
    let mut levels: Vec<(usize, &Vec<f64>)> = Vec::new();
    for (name, values) in spec.grid.iter() {
        let path = format!("grid.{name}");
        match model.parameter_index(name) {
            None => problems.unknown(&path, name, "parameter", parameter_names),
            Some(_) if values.is_empty() => {
                problems.at(&path, format!("the grid of `{name}` has no values"));
            }
            Some(_) if values.iter().any(|v| !v.is_finite()) => {
                problems.at(
                    &path,
                    format!("the grid of `{name}` has a value that is not finite"),
                );
            }
            Some(k) => {
                grid_names.push(name.to_string());
                levels.push((k, values));
            }
        }
    }
    // Counted before the grid points are built: a few lists of values cross to billions.
    let arm_count = (levels.iter()).fold(scenarios.len().max(1) as f64, |n, (_, values)| {
        n * values.len() as f64
    });
    if arm_count > MAX_ARMS as f64 {
        problems
            .at(
                "grid",
                format!("{arm_count} arms (scenarios x grid points) are too many"),
            )
            .hints
            .push("at most 10,000 arms; split the run into several run files".into());
        return (Vec::new(), grid_names);
    }
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for (_, values) in &levels {
        points = points
            .iter()
            .flat_map(|point| {
                values.iter().map(move |&v| {
                    let mut next = point.clone();
                    next.push(v);
                    next
                })
            })
            .collect();
    }
    let mut arms = Vec::new();
    for (scenario, values, regimen) in &scenarios {
        for point in &points {
            let mut parameters = values.clone();
            for ((k, _), &value) in levels.iter().zip(point) {
                parameters[*k] = value;
            }
            arms.push(Arm {
                scenario: scenario.clone(),
                grid: point.clone(),
                parameters,
                regimen: regimen.clone(),
            });
        }
    }
    (arms, grid_names)
}

/// The outputs whose percentile bands are computed: `simulation.outputs`, or every model output
/// (every state when the model names none).
fn check_tracked(problems: &mut Problems, model: &Model) -> Vec<(String, usize)> {
    let key = problems.run.spec.simulation_key();
    let names: Vec<String> = match &problems.run.spec.simulation().outputs {
        Some(list) => list.clone(),
        None if model.outputs.is_empty() => model.states.iter().map(|s| s.name.clone()).collect(),
        None => model.outputs.iter().map(|o| o.name.clone()).collect(),
    };
    let columns = super::Study::column_names(model);
    let mut tracked = Vec::new();
    for (k, name) in names.iter().enumerate() {
        match super::Study::column(model, name) {
            Some(column) => tracked.push((name.clone(), column)),
            None => problems.unknown(
                &format!("{key}.outputs.{k}"),
                name,
                "output or state",
                &columns,
            ),
        }
    }
    tracked
}
