//! Checking the `population:` block: random effects and their correlations, sampled
//! covariates, the subject table and the residual error model.

use super::{Problems, amend, non_negative};
use crate::diag::number;
use crate::model::Model;
use crate::population::{
    Covariate, CovariateDistribution, Population, RandomEffects, Residual, ResidualModel,
    SubjectTable, Transform, read_table,
};
use crate::spec::{CovariateSpec, PopulationSpec};
use crate::study::{Arm, Study};

pub(super) fn check_population(
    problems: &mut Problems,
    model: &Model,
    spec: &PopulationSpec,
    arms: &[Arm],
    table: Option<(String, String)>,
) -> Option<Population> {
    let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let before = problems.list.len();
    let mut parameters = Vec::new();
    for (name, variability) in spec.variability.iter() {
        let path = format!("population.variability.{name}");
        let Some(k) = model.parameter_index(name) else {
            problems.unknown(&path, name, "parameter", &names);
            continue;
        };
        if !non_negative(variability.omega) {
            let d = problems.at(
                &format!("{path}.omega"),
                format!(
                    "omega of `{name}` is {}; it must be a finite number >= 0",
                    variability.omega
                ),
            );
            amend(
                d,
                "omega is the SD of the random effect on its scale (0.3 is about 30% CV for lognormal)",
            );
        }
        let Some(transform) = Transform::parse(&variability.distribution) else {
            let d = problems.at(
                &format!("{path}.distribution"),
                format!("unknown distribution `{}`", variability.distribution),
            );
            *d = d
                .clone()
                .suggest(&variability.distribution, Transform::NAMES)
                .note("distributions: lognormal, normal, logit");
            continue;
        };
        if let Some(arm) = arms.iter().find(|a| !transform.accepts(a.parameters[k])) {
            problems
                .at(
                    &path,
                    format!(
                        "`{name}` is {} in scenario `{}`, which a {} random effect cannot vary",
                        arm.parameters[k], arm.scenario, variability.distribution
                    ),
                )
                .hints
                .push("logit needs a typical value strictly between 0 and 1".into());
        }
        parameters.push((k, name.to_string(), variability.omega, transform));
    }
    let mut pairs = Vec::new();
    for (key, &r) in spec.correlations.iter() {
        let path = format!("population.correlations.{key}");
        let Some((a, b)) = key.split_once('~') else {
            problems
                .at_key(&path, format!("`{key}` does not name a pair"))
                .hints
                .push("write pairs as `rho~kill_max: 0.3`".into());
            continue;
        };
        let position = |n: &str| parameters.iter().position(|p| p.1 == n.trim());
        match (position(a), position(b)) {
            (Some(i), Some(j)) if i != j && (-1.0..=1.0).contains(&r) => {
                if pairs
                    .iter()
                    .any(|&(x, y, _)| (x, y) == (i.min(j), i.max(j)))
                {
                    problems.at_key(&path, format!("the pair `{key}` is given twice"));
                }
                pairs.push((i.min(j), i.max(j), r));
            }
            (Some(i), Some(j)) if i == j => {
                problems.at_key(&path, format!("`{key}` pairs a parameter with itself"));
            }
            (Some(_), Some(_)) => {
                problems.at(&path, format!("the correlation {r} is outside [-1, 1]"));
            }
            _ => {
                let varied: Vec<&str> = parameters.iter().map(|p| p.1.as_str()).collect();
                let missing = if position(a).is_none() { a } else { b };
                let d = problems.at_key(
                    &path,
                    format!("`{}` has no variability to correlate", missing.trim()),
                );
                *d = d
                    .clone()
                    .suggest(missing.trim(), varied.iter().copied())
                    .note(format!(
                        "parameters with variability: {}",
                        varied.join(", ")
                    ));
            }
        }
    }
    let effects = match RandomEffects::new(parameters, &pairs) {
        Ok(effects) => effects,
        Err(message) => {
            problems
                .at("population.correlations", message)
                .hints
                .push("correlations that cannot hold together; lower the largest ones".into());
            RandomEffects::none()
        }
    };
    let mut covariates = Vec::new();
    for (name, covariate) in spec.covariates.iter() {
        let path = format!("population.covariates.{name}");
        match model.parameter_index(name) {
            None => problems.unknown(&path, name, "parameter", &names),
            Some(k) => {
                if effects.parameters.iter().any(|p| p.0 == k) {
                    problems
                        .at_key(
                            &path,
                            format!("`{name}` is both a covariate and has variability"),
                        )
                        .hints
                        .push("remove one of the two".into());
                }
                if let Some(checked) = check_covariate(problems, &path, name, k, covariate) {
                    covariates.push(checked);
                }
            }
        }
    }
    let table = match (&spec.table, table) {
        (Some(_), Some((file, text))) => match read_table(&file, &text, &names) {
            Ok(table) => Some(table),
            Err(diagnostic) => {
                problems.list.push(diagnostic);
                None
            }
        },
        _ => None,
    };
    if let Some(table) = &table {
        check_table_columns(problems, table, &effects, &covariates);
    }
    let rows = table.as_ref().map(SubjectTable::rows);
    let n = match (spec.n, rows) {
        (Some(0), _) => {
            problems.at(
                "population.n",
                "`n` is 0; a population needs at least one subject",
            );
            0
        }
        (Some(n), Some(rows)) if n > rows as u64 => {
            problems.at(
                "population.n",
                format!("`n` is {n} but the table has {rows} rows"),
            );
            0
        }
        (Some(n), _) => n,
        (None, Some(rows)) => rows as u64,
        (None, None) => {
            problems
                .at("population", "missing key `n`, the number of subjects")
                .hints
                .push("add `n: 1000` (or a `table:` with one row per subject)".into());
            0
        }
    };
    let residual = spec.residual.as_ref().and_then(|residual| {
        let path = "population.residual";
        let columns = Study::column_names(model);
        if Study::column(model, &residual.output).is_none() {
            problems.unknown(
                &format!("{path}.output"),
                &residual.output,
                "output or state",
                &columns,
            );
        }
        let sd = residual.sd;
        if !non_negative(sd) {
            problems.at(
                &format!("{path}.sd"),
                format!("`sd` is {}; it must be a finite number >= 0", number(sd)),
            );
        }
        let model_error = match residual.model.as_str() {
            "additive" => Some(ResidualModel::Additive { sd }),
            "proportional" => Some(ResidualModel::Proportional { sd }),
            "exponential" => Some(ResidualModel::Exponential { sd }),
            "combined" => match residual.sd_additive {
                Some(additive) if additive >= 0.0 && additive.is_finite() => {
                    Some(ResidualModel::Combined {
                        additive,
                        proportional: sd,
                    })
                }
                _ => {
                    problems.at(
                        path,
                        "`combined` needs `sd_additive` (>= 0) besides `sd` (proportional)",
                    );
                    None
                }
            },
            other => {
                let d = problems.at(
                    &format!("{path}.model"),
                    format!("unknown residual error model `{other}`"),
                );
                *d = d
                    .clone()
                    .suggest(
                        other,
                        ["additive", "proportional", "combined", "exponential"],
                    )
                    .note("models: additive, proportional, combined, exponential");
                None
            }
        };
        Some(Residual {
            output: residual.output.clone(),
            model: model_error?,
        })
    });
    (problems.list.len() == before).then_some(Population {
        n,
        seed: spec.seed,
        effects,
        covariates,
        table: table.map(|mut t| {
            t.ids.truncate(n as usize);
            t.values.truncate(n as usize * t.columns.len());
            t
        }),
        residual,
    })
}

fn check_table_columns(
    problems: &mut Problems,
    table: &SubjectTable,
    effects: &RandomEffects,
    covariates: &[Covariate],
) {
    for (name, k) in &table.columns {
        if effects.parameters.iter().any(|p| p.0 == *k)
            || covariates.iter().any(|c| c.parameter == *k)
        {
            problems
                .at(
                    "population.table",
                    format!(
                        "`{name}` is a column of `{}` and also sampled (variability or covariate)",
                        table.file
                    ),
                )
                .hints
                .push("a parameter is either read per subject or sampled; remove one".into());
        }
    }
}

fn check_covariate(
    problems: &mut Problems,
    path: &str,
    name: &str,
    parameter: usize,
    spec: &CovariateSpec,
) -> Option<Covariate> {
    let positive = |x: Option<f64>| x.filter(|v| *v > 0.0 && v.is_finite());
    let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
    let distribution = match spec.distribution.as_str() {
        "lognormal" => positive(spec.median)
            .zip(finite(spec.omega).filter(|o| *o >= 0.0))
            .map(|(median, omega)| CovariateDistribution::LogNormal { median, omega }),
        "normal" => finite(spec.mean)
            .zip(finite(spec.sd).filter(|s| *s >= 0.0))
            .map(|(mean, sd)| CovariateDistribution::Normal { mean, sd }),
        "uniform" => finite(spec.min)
            .zip(finite(spec.max))
            .map(|(min, max)| CovariateDistribution::Uniform { min, max }),
        other => {
            let d = problems.at(
                &format!("{path}.distribution"),
                format!("unknown covariate distribution `{other}`"),
            );
            *d = d.clone().suggest(other, ["lognormal", "normal", "uniform"]).note("distributions: lognormal (median, omega), normal (mean, sd), uniform (min, max)");
            return None;
        }
    };
    let Some(distribution) = distribution else {
        let needs = match spec.distribution.as_str() {
            "lognormal" => "`median` > 0 and `omega` >= 0",
            "normal" => "`mean` and `sd` >= 0",
            _ => "finite `min` and `max`",
        };
        problems.at(
            path,
            format!(
                "covariate `{name}`: a {} distribution needs {needs}",
                spec.distribution
            ),
        );
        return None;
    };
    let min = spec.min.unwrap_or(f64::NEG_INFINITY);
    let max = spec.max.unwrap_or(f64::INFINITY);
    if min.partial_cmp(&max) != Some(std::cmp::Ordering::Less) {
        problems.at(
            path,
            format!(
                "covariate `{name}`: `min` ({}) must be below `max` ({})",
                number(min),
                number(max)
            ),
        );
        return None;
    }
    Some(Covariate {
        name: name.to_string(),
        parameter,
        distribution,
        min,
        max,
    })
}
