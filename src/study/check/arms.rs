//! The arms of a run: its scenarios (parameter set, parameter values, doses) crossed with the
//! grid of parameter values.

use crate::diag::number;
use crate::model::{Model, Regimen};
use crate::spec::Problems;
use crate::spec::{OrderedMap, ScenarioSpec};
use crate::study::Arm;

/// Most arms (scenarios x grid points) one run file may have.
const MAX_ARMS: usize = 10_000;

/// A checked scenario: its name, parameter values and regimen.
pub(super) type Scenario = (String, Vec<f64>, Regimen);

/// Scenarios crossed with the grid, scenario-major; the grid's first parameter varies slowest.
pub(super) fn check_arms(
    problems: &mut Problems,
    model: &Model,
    base: &[f64],
    parameter_names: &[&str],
) -> (Vec<Arm>, Vec<String>) {
    let scenarios = check_scenarios(problems, model, base, parameter_names);
    let (grid_names, levels) = check_grid(problems, model, parameter_names);
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
    (cross(&scenarios, &levels), grid_names)
}

/// The run file's scenarios, or one `base` scenario with the model's doses when it has none;
/// scenarios with a problem (reported) are left out.
fn check_scenarios(
    problems: &mut Problems,
    model: &Model,
    base: &[f64],
    parameter_names: &[&str],
) -> Vec<Scenario> {
    let run = problems.file;
    let mut scenarios: Vec<Scenario> = Vec::new();
    if run.spec.scenarios.is_empty() {
        scenarios.push(("base".into(), base.to_vec(), model.default_regimen.clone()));
    }
    let named = &run.spec.scenarios;
    scenarios.extend(check_named(
        problems,
        named,
        "scenarios",
        model,
        base,
        parameter_names,
    ));
    scenarios
}

/// Named scenarios written under `key` of the file `problems` reports in (a run file's
/// `scenarios`, a trial file's `levels`), in file order; those with a problem (reported) are
/// left out.
pub(super) fn check_named<S>(
    problems: &mut Problems<S>,
    named: &OrderedMap<ScenarioSpec>,
    key: &str,
    model: &Model,
    base: &[f64],
    parameter_names: &[&str],
) -> Vec<Scenario> {
    let mut scenarios = Vec::new();
    for (name, scenario) in named.iter() {
        let path = format!("{key}.{name}");
        let values = scenario_values(problems, model, base, parameter_names, &path, scenario);
        let regimen = scenario_regimen(problems, model, &path, scenario);
        if let (Some(regimen), Some(values)) = (regimen, values) {
            scenarios.push((name.to_string(), values, regimen));
        }
    }
    scenarios
}

/// A scenario's parameter values: the base ones, then its parameter set's, then its own; `None`
/// when a name or value is reported.
fn scenario_values<S>(
    problems: &mut Problems<S>,
    model: &Model,
    base: &[f64],
    parameter_names: &[&str],
    path: &str,
    scenario: &ScenarioSpec,
) -> Option<Vec<f64>> {
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
    ok.then_some(values)
}

/// A scenario's doses compiled to a regimen (the model's own when it gives none); `None` when
/// they have problems (reported).
fn scenario_regimen<S>(
    problems: &mut Problems<S>,
    model: &Model,
    path: &str,
    scenario: &ScenarioSpec,
) -> Option<Regimen> {
    let run = problems.file;
    match &scenario.doses {
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
    }
}

/// The grid's parameter names and (parameter index, values), in file order; entries with a
/// problem (reported) are left out.
fn check_grid<'a>(
    problems: &mut Problems<'a>,
    model: &Model,
    parameter_names: &[&str],
) -> (Vec<String>, Vec<(usize, &'a Vec<f64>)>) {
    let spec = &problems.file.spec;
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
    (grid_names, levels)
}

/// The arms: every scenario at every grid point, scenario-major; the grid's first parameter
/// varies slowest.
pub(super) fn cross(scenarios: &[Scenario], levels: &[(usize, &Vec<f64>)]) -> Vec<Arm> {
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for (_, values) in levels {
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
    for (scenario, values, regimen) in scenarios {
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
    arms
}
