//! Run file to study: every name resolved against the model, every number checked, all problems
//! reported in one pass with the run file's line and column.

use super::metrics::{MetricSettings, non_negative, positive};
use super::{Arm, Study};
use crate::diag::Diagnostic;
use crate::diag::Severity;
use crate::diag::number;
use crate::model::Model;
use crate::population::Population;
use crate::simulate::RunTemplate;
use crate::solver::SolverOverrides;
use crate::spec::{Loaded, OrderedMap, Problems, RunSpec, ScenarioSpec};

mod arms;
mod population;
use arms::check_arms;
use population::check_population;

/// What `check` needs besides the run file: the compiled model and, when the population names
/// a `table`, that file's name and text (the CLI reads files; checking does not).
pub struct StudyInputs<'a> {
    pub run: &'a Loaded<RunSpec>,
    pub model: Model,
    pub table: Option<(String, String)>,
}

pub(super) fn amend(diagnostic: &mut Diagnostic, hint: &str) {
    diagnostic.hints.push(hint.to_string());
}

/// Checks a run file against its model.
pub fn check(inputs: StudyInputs) -> Result<Study, Vec<Diagnostic>> {
    let StudyInputs { run, model, table } = inputs;
    let spec = &run.spec;
    let mut problems = Problems::new(run);
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
            warnings.push(d.at(problems.file.locate_key("output")))
        }
        Some(d) => problems.list.push(d.at(problems.file.locate_key("output"))),
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
    if let Some(population) = &population {
        check_typical_doses(&mut problems, population, &arms, "scenario");
    }
    match (plan, population) {
        (Some(plan), Some(population)) if problems.list.is_empty() => {
            let tracked_units = tracked
                .iter()
                .map(|&(_, column)| model.column_unit(column).unwrap_or_default().to_string())
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

/// Checks scenarios written in another file than the run file (a trial file's dose levels,
/// under `key`) against a checked study: each becomes an arm with the study's base parameter
/// values (no grid), in file order, and its doses must suit the typical subject. `noun` names
/// them in messages (`level`).
pub fn check_scenarios_in<S>(
    file: &Loaded<S>,
    key: &str,
    named: &OrderedMap<ScenarioSpec>,
    noun: &str,
    study: &Study,
) -> Result<Vec<Arm>, Vec<Diagnostic>> {
    let mut problems = Problems::new(file);
    let model = &study.model;
    let parameter_names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let base = &study.template.parameters;
    let scenarios = arms::check_named(&mut problems, named, key, model, base, &parameter_names);
    let arms = arms::cross(&scenarios, &[]);
    check_typical_doses(&mut problems, &study.population, &arms, noun);
    match problems.list.is_empty() {
        true => Ok(arms),
        false => Err(problems.list),
    }
}

/// Refuses a scenario whose doses cannot be given to its typical subject (a negative or
/// infinite amount, say): every subject would fail, so the file is wrong where the dose is.
fn check_typical_doses<S>(
    problems: &mut Problems<S>,
    population: &Population,
    arms: &[Arm],
    noun: &str,
) {
    for arm in arms {
        let parameters = population.typical_parameters(&arm.parameters);
        if let Err(diagnostic) = arm.regimen.events(&parameters) {
            let location = (diagnostic.yaml_path.as_deref()).and_then(|p| problems.file.locate(p));
            let message = format!("{noun} `{}`: {}", arm.scenario, diagnostic.message);
            problems.list.push(
                Diagnostic {
                    message,
                    ..diagnostic
                }
                .at(location),
            );
        }
    }
}

fn check_output(problems: &mut Problems, model: &Model, base: &[f64]) -> Option<RunTemplate> {
    let output = problems.file.spec.simulation();
    let key = problems.file.spec.simulation_key();
    let mut plan = RunTemplate::for_model(model, base.to_vec(), output.step);
    plan.start = output.start.unwrap_or(plan.start);
    plan.end = output.end.unwrap_or(plan.end);
    if output.start.is_some() || output.end.is_some() {
        plan.step = output.step.unwrap_or(plan.step.min(plan.end - plan.start));
        plan.times = None;
    }
    let spanned =
        (output.times.as_ref()).is_none_or(|times| listed_times(problems, model, &mut plan, times));
    plan.solver = plan.solver.overridden(&SolverOverrides {
        method: output.solver,
        rtol: output.rtol,
        atol: output.atol,
    });
    let mut ok = spanned;
    if spanned && !(plan.start.is_finite() && plan.end.is_finite() && plan.end > plan.start) {
        problems
            .at(
                &format!("{key}.end"),
                format!("the run ends at {} but starts at {}", plan.end, plan.start),
            )
            .hints
            .push("`end` must be a finite time after `start`".into());
        ok = false;
    }
    if spanned && !positive(plan.step) {
        problems.at(
            &format!("{key}.step"),
            format!(
                "`step` is {}; it must be a positive number",
                number(plan.step)
            ),
        );
        ok = false;
    } else if spanned && (plan.end - plan.start) / plan.step > 1e6 {
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

/// `simulation.times`: output at these times (increasing, within the span; `end` defaults to
/// the last), the step their smallest gap unless given, as a model file's `times` are read.
/// False when the list is empty and no `end` is given: the run then has no span.
fn listed_times(
    problems: &mut Problems,
    model: &Model,
    plan: &mut RunTemplate,
    times: &[f64],
) -> bool {
    let output = problems.file.spec.simulation();
    let key = problems.file.spec.simulation_key();
    if times.is_empty() && output.end.is_none() {
        let d = problems.at(
            &format!("{key}.times"),
            "`times` is an empty list, so the run has no end",
        );
        amend(d, crate::spec::EMPTY_TIMES_HINT);
        return false;
    }
    let mut listed = model.simulation.clone();
    listed.start = plan.start;
    listed.end = (output.end).unwrap_or_else(|| times.iter().copied().fold(plan.start, f64::max));
    listed.step = output.step;
    listed.times = Some(times.to_vec());
    let (step, grid) = listed.grid(None);
    (plan.end, plan.step, plan.times) = (listed.end, step, grid);
    let inside = |t: &f64| t.is_finite() && *t >= plan.start && *t <= plan.end;
    if !times.iter().all(inside) || times.windows(2).any(|w| w[1] <= w[0]) {
        let d = problems.at(
            &format!("{key}.times"),
            format!(
                "`times` must increase and lie from start {} to end {}",
                number(plan.start),
                number(plan.end)
            ),
        );
        amend(
            d,
            "list each output time once, in increasing order, within the span",
        );
    }
    true
}

/// The outputs whose percentile bands are computed: `simulation.outputs`, or every model output
/// (every state when the model names none).
fn check_tracked(problems: &mut Problems, model: &Model) -> Vec<(String, usize)> {
    let key = problems.file.spec.simulation_key();
    let names: Vec<String> = match &problems.file.spec.simulation().outputs {
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
