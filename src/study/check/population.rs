//! Checking the `population:` block: random effects and their correlations, sampled
//! covariates, the subject table and the residual error model.

mod covariates;

use super::{Problems, amend, non_negative};
use crate::diag::number;
use crate::model::Model;
use crate::population::{
    Covariate, Population, RandomEffects, Residual, ResidualModel, ResidualNameError, SubjectTable,
    Transform, read_table,
};
use crate::spec::{PopulationSpec, ResidualSpec};
use crate::study::{Arm, Study};
use covariates::check_covariates;

/// A varied parameter as `RandomEffects` takes it: (parameter index, name, omega, transform).
type Varied = (usize, String, f64, Transform);

/// The `population:` block checked whole, every problem reported; the population when it has
/// none.
pub(super) fn check_population(
    problems: &mut Problems,
    model: &Model,
    spec: &PopulationSpec,
    arms: &[Arm],
    table: Option<(String, String)>,
) -> Option<Population> {
    let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let before = problems.list.len();
    let parameters = check_variability(problems, model, spec, arms, &names);
    let pairs = check_correlations(problems, spec, &parameters);
    let effects = random_effects(problems, parameters, &pairs);
    let covariates = check_covariates(problems, model, spec, &effects, &names);
    let table = check_table(problems, spec, table, &names, &effects, &covariates);
    let rows = table.as_ref().map(SubjectTable::rows);
    let n = check_n(problems, spec, rows);
    let residual =
        (spec.residual.as_ref()).and_then(|residual| check_residual(problems, model, residual));
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

/// The `variability:` entries: each names a parameter, a valid omega and a distribution that
/// can vary the parameter's value in every arm.
fn check_variability(
    problems: &mut Problems,
    model: &Model,
    spec: &PopulationSpec,
    arms: &[Arm],
    names: &[&str],
) -> Vec<Varied> {
    let mut parameters = Vec::new();
    for (name, variability) in spec.variability.iter() {
        let path = format!("population.variability.{name}");
        let Some(k) = model.parameter_index(name) else {
            problems.unknown(&path, name, "parameter", names);
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
    parameters
}

/// The `correlations:` entries as (row, column, r) pairs of indices into `parameters`.
fn check_correlations(
    problems: &mut Problems,
    spec: &PopulationSpec,
    parameters: &[Varied],
) -> Vec<(usize, usize, f64)> {
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
    pairs
}

/// The random effects of the varied parameters, or none when their correlations cannot hold
/// together (reported).
fn random_effects(
    problems: &mut Problems,
    parameters: Vec<Varied>,
    pairs: &[(usize, usize, f64)],
) -> RandomEffects {
    match RandomEffects::new(parameters, pairs) {
        Ok(effects) => effects,
        Err(message) => {
            problems
                .at("population.correlations", message)
                .hints
                .push("correlations that cannot hold together; lower the largest ones".into());
            RandomEffects::none()
        }
    }
}

/// The subject table, when the block names one and the CLI read it: parsed, and none of its
/// columns also sampled.
fn check_table(
    problems: &mut Problems,
    spec: &PopulationSpec,
    table: Option<(String, String)>,
    names: &[&str],
    effects: &RandomEffects,
    covariates: &[Covariate],
) -> Option<SubjectTable> {
    let table = match (&spec.table, table) {
        (Some(_), Some((file, text))) => match read_table(&file, &text, names) {
            Ok(table) => Some(table),
            Err(diagnostic) => {
                problems.list.push(diagnostic);
                None
            }
        },
        _ => None,
    };
    if let Some(table) = &table {
        check_table_columns(problems, table, effects, covariates);
    }
    table
}

/// The number of subjects: `n`, at most the table's rows, or all of them; 0 when reported
/// (a table that could not be read was reported where it was read).
fn check_n(problems: &mut Problems, spec: &PopulationSpec, rows: Option<usize>) -> u64 {
    match (spec.n, rows) {
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
        (None, None) if spec.table.is_some() => 0,
        (None, None) => {
            problems
                .at("population", "missing key `n`, the number of subjects")
                .hints
                .push("add `n: 1000` (or a `table:` with one row per subject)".into());
            0
        }
    }
}

/// The `residual:` error model: a known output or state, a valid SD and a known model.
fn check_residual(
    problems: &mut Problems,
    model: &Model,
    residual: &ResidualSpec,
) -> Option<Residual> {
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
    let model_error = match ResidualModel::named(&residual.model, sd, residual.sd_additive) {
        Ok(model) => Some(model),
        Err(ResidualNameError::CombinedNeedsAdditive) => {
            problems.at(
                path,
                "`combined` needs `sd_additive` (>= 0) besides `sd` (proportional)",
            );
            None
        }
        Err(ResidualNameError::Unknown) => {
            let other = residual.model.as_str();
            let d = problems.at(
                &format!("{path}.model"),
                format!("unknown residual error model `{other}`"),
            );
            *d = d
                .clone()
                .suggest(other, ResidualModel::NAMES)
                .note("models: additive, proportional, combined, exponential");
            None
        }
    };
    if let Some(lloq) = residual.lloq.filter(|l| !(l.is_finite() && *l > 0.0)) {
        problems.at(
            &format!("{path}.lloq"),
            format!("`lloq` is {}; it must be a finite number > 0", number(lloq)),
        );
    }
    Some(Residual {
        output: residual.output.clone(),
        model: model_error?,
        lloq: residual.lloq,
    })
}

/// No table column is also sampled (by variability or as a covariate).
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
