//! Calibration file to calibration: quantities, bounds and targets checked against the run
//! file's study, every problem reported in one pass with the file's line and column.

use super::{Calibration, MAX_SUBJECTS, Quantity, QuantityKind, Statistic, Target};
use crate::diag::{Diagnostic, number};
use crate::spec::{CalibrationSpec, Loaded, Problems, TargetSpec};
use crate::study::{MetricColumn, Study};

/// Command-line values that replace the file's.
#[derive(Debug, Clone, Copy, Default)]
pub struct CalibrationOverrides {
    pub subjects: Option<u64>,
    pub seed: Option<u64>,
}

type Found<'a> = Problems<'a, CalibrationSpec>;

/// Checks a calibration file against the study of its run file.
pub fn check(
    file: &Loaded<CalibrationSpec>,
    study: Study,
    overrides: CalibrationOverrides,
) -> Result<Calibration, Vec<Diagnostic>> {
    let spec = &file.spec;
    let mut problems = Problems::new(file);
    if !study.grid_names.is_empty() {
        problems
            .at(
                "run",
                "the run file has a `grid`; a calibration needs one arm per scenario",
            )
            .hints
            .push("remove `grid:` from the run file (or make each grid point a scenario)".into());
    }
    let quantities = (spec.estimate.iter())
        .flat_map(|(name, bounds)| {
            let mut found = Vec::new();
            for (kind, range) in [("typical", bounds.typical), ("omega", bounds.omega)] {
                if let Some(range) = range {
                    found.extend(quantity(&mut problems, &study, name, kind, range));
                }
            }
            if bounds.typical.is_none() && bounds.omega.is_none() {
                problems
                    .at(&format!("estimate.{name}"), format!("nothing of `{name}` is estimated"))
                    .hints
                    .push(format!("give bounds: `{name}: {{typical: [low, high]}}` and/or `omega: [low, high]`"));
            }
            found
        })
        .collect::<Vec<_>>();
    if quantities.is_empty() && problems.list.is_empty() {
        problems.at("estimate", "no quantity to estimate");
    }
    let targets = (spec.targets.iter().enumerate())
        .filter_map(|(k, target)| check_target(&mut problems, &study, k, target))
        .collect::<Vec<_>>();
    if spec.targets.is_empty() {
        problems.at(
            "targets",
            "no targets: give the published results to reproduce",
        );
    }
    let subjects = overrides.subjects.unwrap_or(spec.subjects);
    if !(1..=MAX_SUBJECTS).contains(&subjects) {
        let message = format!("{subjects} subjects is not 1 to {MAX_SUBJECTS}");
        match overrides.subjects {
            Some(_) => problems
                .list
                .push(Diagnostic::new(format!("`--subjects`: {message}"))),
            None => problems
                .at("subjects", message)
                .hints
                .push("set `subjects` to a few thousand".into()),
        }
    }
    let seed = overrides
        .seed
        .or(spec.seed)
        .unwrap_or(study.population.seed);
    match problems.list.is_empty() {
        true => Ok(Calibration {
            study,
            quantities,
            targets,
            subjects,
            seed,
        }),
        false => Err(problems.list),
    }
}

/// One estimated quantity, its start taken from the run file.
fn quantity(
    problems: &mut Found,
    study: &Study,
    name: &str,
    kind: &str,
    [lower, upper]: [f64; 2],
) -> Option<Quantity> {
    let path = format!("estimate.{name}.{kind}");
    let model = &study.model;
    let Some(index) = model.parameter_index(name) else {
        let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
        problems.unknown(&format!("estimate.{name}"), name, "parameter", &names);
        return None;
    };
    let effects = &study.population.effects.parameters;
    let (kind, start) = match kind {
        "typical" => {
            if study
                .population
                .covariates
                .iter()
                .any(|c| c.parameter == index)
            {
                problems.at(
                    &path,
                    format!("`{name}` is a covariate: each patient draws its own value"),
                );
                return None;
            }
            let base = study.template.parameters[index];
            if study.arms.iter().any(|arm| arm.parameters[index] != base) {
                problems
                    .at(&path, format!("a scenario of the run file sets `{name}`"))
                    .hints
                    .push("estimate a parameter the scenarios leave alone, or remove it from their `parameters`".into());
                return None;
            }
            (QuantityKind::Typical, base)
        }
        _ => match effects.iter().position(|e| e.0 == index) {
            Some(k) => (QuantityKind::Omega(k), effects[k].2),
            None => {
                problems
                    .at(&path, format!("`{name}` has no variability in the run file, so it has no omega to estimate"))
                    .hints
                    .push(format!("add `{name}: {{omega: 0.3}}` under `population.variability` of the run file (its start), or estimate `typical` only"));
                return None;
            }
        },
    };
    if !(lower.is_finite() && upper.is_finite() && lower > 0.0 && upper > lower) {
        problems
            .at(
                &path,
                format!(
                    "the bounds [{}, {}] are not 0 < low < high",
                    number(lower),
                    number(upper)
                ),
            )
            .hints
            .push("bounds are searched on the log scale: both positive, the lower first".into());
        return None;
    }
    if !(lower..=upper).contains(&start) {
        problems
            .at(&path, format!("the bounds [{}, {}] do not contain the start value {}", number(lower), number(upper), number(start)))
            .hints
            .push(format!("the start is the run file's value of `{name}`'s {}; widen the bounds or change it there", kind.word()));
        return None;
    }
    Some(Quantity {
        parameter: name.to_string(),
        index,
        kind,
        lower,
        upper,
        start,
    })
}

/// The metric names a target may name, with their columns: metrics.csv's headers
/// (`MetricSettings::column_name`), and a recorded event's own name too.
fn metric_names(study: &Study) -> Vec<(String, MetricColumn)> {
    let metrics = &study.metrics;
    let events = (metrics.columns().into_iter()).filter_map(|column| match column {
        MetricColumn::Event(k) => Some((metrics.events[k].clone(), column)),
        _ => None,
    });
    let headers = (metrics.columns().into_iter()).map(|c| (metrics.column_name(c), c));
    headers.chain(events).collect()
}

fn check_target(
    problems: &mut Found,
    study: &Study,
    k: usize,
    spec: &TargetSpec,
) -> Option<Target> {
    let path = format!("targets.{k}");
    let scenarios: Vec<&str> = study.arms.iter().map(|a| a.scenario.as_str()).collect();
    let arm = scenarios.iter().position(|s| *s == spec.scenario);
    if arm.is_none() {
        let diagnostic = Diagnostic::new(format!(
            "`{}` is not a scenario of the run file",
            spec.scenario
        ))
        .at(problems.file.locate(&format!("{path}.scenario")))
        .path(format!("{path}.scenario"))
        .suggest(&spec.scenario, scenarios.iter().copied())
        .note(format!("scenarios: {}", scenarios.join(", ")));
        problems.list.push(diagnostic);
    }
    let metrics = metric_names(study);
    let column = metrics.iter().position(|(name, _)| *name == spec.metric);
    if column.is_none() {
        let names: Vec<&str> = metrics.iter().map(|(n, _)| n.as_str()).collect();
        let diagnostic =
            Diagnostic::new(format!("`{}` is not a metric of the run file", spec.metric))
                .at(problems.file.locate(&format!("{path}.metric")))
                .path(format!("{path}.metric"))
                .suggest(&spec.metric, names.iter().copied())
                .note(format!(
                    "metrics (columns of metrics.csv and recorded events): {}",
                    names.join(", ")
                ));
        problems.list.push(diagnostic);
    }
    let statistic = statistic(problems, &path, spec)?;
    let (arm, column) = (arm?, column?);
    let kind = metrics[column].1;
    let counted = matches!(kind, MetricColumn::Flag(_) | MetricColumn::Event(_));
    if matches!(statistic, Statistic::Count { .. }) && !counted {
        problems
            .at(&format!("{path}.metric"), format!("`{}` is a number per patient, not a yes/no", spec.metric))
            .hints
            .push("count `response`, `relapse` or a recorded event; give a number's `median`, `mean` or percentile".into());
        return None;
    }
    Some(Target {
        scenario: spec.scenario.clone(),
        arm,
        metric: spec.metric.clone(),
        column: study.metrics.columns().iter().position(|c| *c == kind)?,
        kind,
        statistic,
    })
}

/// The target's statistic: a count, or exactly one summary with exactly one SE.
fn statistic(problems: &mut Found, path: &str, spec: &TargetSpec) -> Option<Statistic> {
    let summaries = spec.statistics();
    match (spec.responders, spec.n, summaries.as_slice()) {
        (Some(responders), Some(n), []) => {
            if n == 0 || responders > n {
                problems
                    .at(&format!("{path}.responders"), format!("{responders} responders of {n} patients"))
                    .hints
                    .push("`responders` counts patients among `n`, so 0 <= responders <= n and n >= 1".into());
                return None;
            }
            Some(Statistic::Count { responders, n })
        }
        (None, None, [(key, probability, observed)]) => {
            let (se, log) = match (spec.se, spec.se_log) {
                (Some(se), None) => (se, false),
                (None, Some(se)) => (se, true),
                _ => {
                    problems
                        .at(path, "a statistic needs exactly one of `se` and `se_log`")
                        .hints
                        .push("`se` is its standard error; `se_log` the standard error of its logarithm".into());
                    return None;
                }
            };
            let usable = se.is_finite() && se > 0.0 && observed.is_finite();
            if !usable || (log && *observed <= 0.0) {
                problems.at(path, format!("`{key}` {} with SE {} cannot be compared (a positive SE, and a positive value on the log scale)", number(*observed), number(se)));
                return None;
            }
            Some(Statistic::Summary {
                key,
                probability: *probability,
                observed: *observed,
                se,
                log,
            })
        }
        _ => {
            problems
                .at(path, "a target is either a count (`responders` and `n`) or one statistic (`median`, `mean`, `p25`, ...) with `se` or `se_log`")
                .hints
                .push("e.g. `{scenario: mid, metric: response, responders: 8, n: 9}` or `{scenario: mid, metric: cmax, median: 5e8, se_log: 0.3}`".into());
            None
        }
    }
}
