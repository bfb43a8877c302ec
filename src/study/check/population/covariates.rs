//! Checking the `population.covariates:` entries: sampled covariates, each setting a model
//! parameter without variability from a lognormal, normal or uniform distribution.

use super::super::Problems;
use crate::diag::number;
use crate::model::Model;
use crate::population::{Covariate, CovariateDistribution, RandomEffects};
use crate::spec::{CovariateSpec, PopulationSpec};

/// The `covariates:` entries: each names a parameter without variability and a valid
/// distribution.
pub(super) fn check_covariates(
    problems: &mut Problems,
    model: &Model,
    spec: &PopulationSpec,
    effects: &RandomEffects,
    names: &[&str],
) -> Vec<Covariate> {
    let mut covariates = Vec::new();
    for (name, covariate) in spec.covariates.iter() {
        let path = format!("population.covariates.{name}");
        match model.parameter_index(name) {
            None => problems.unknown(&path, name, "parameter", names),
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
    covariates
}

/// One covariate's distribution and truncation (`min` below `max`).
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
