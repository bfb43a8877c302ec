//! The ranges of the analysed parameters: explicit `bounds` (linear or log), else the
//! variability's 5th-95th percentiles; every bound checked and every bounded name known.

use super::Checker;
use crate::diag::Diagnostic;
use crate::sensitivity::{ParameterRange, RangeKind};
use crate::spec::SensitivitySpec;
use crate::study::Study;

/// The range of every parameter (global methods), reporting those without one; `listed_by`
/// names the option that listed the parameters (`None`: the run file).
pub(super) fn check_ranges(
    checker: &mut Checker,
    listed_by: Option<&str>,
    study: &Study,
    spec: &SensitivitySpec,
    parameters: &[(usize, String)],
    nominal: &[f64],
) -> Vec<ParameterRange> {
    let candidates: Vec<&str> = study
        .model
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for name in spec.bounds.keys() {
        if study.model.parameter_index(name).is_none() {
            let path = format!("sensitivity.bounds.{name}");
            let diagnostic = Diagnostic::new(format!("`{name}` is not a parameter of the model"))
                .at(checker.run.locate_key(&path))
                .path(path)
                .suggest(name, candidates.iter().copied());
            checker.problems.push(diagnostic);
        }
    }
    let mut ranges = Vec::new();
    for (index, name) in parameters {
        let path = format!("sensitivity.bounds.{name}");
        let effect = study
            .population
            .effects
            .parameters
            .iter()
            .find(|(k, ..)| k == index);
        let kind = match (spec.bounds.get(name), effect) {
            (Some(bounds), _) => {
                let log = match bounds.scale.as_deref() {
                    None | Some("linear") => false,
                    Some("log") => true,
                    Some(other) => {
                        checker
                            .report(
                                None,
                                &format!("{path}.scale"),
                                format!("unknown scale `{other}`"),
                            )
                            .hints
                            .push("use `linear` or `log`".into());
                        continue;
                    }
                };
                let (min, max) = (bounds.min, bounds.max);
                if !(min.is_finite() && max.is_finite() && min < max) || (log && min <= 0.0) {
                    let rule = if log {
                        "0 < min < max on a log scale"
                    } else {
                        "finite, with min < max"
                    };
                    checker.report(
                        None,
                        &path,
                        format!(
                            "the bounds of `{name}` are [{}, {}]; they must be {rule}",
                            crate::diag::number(min),
                            crate::diag::number(max)
                        ),
                    );
                    continue;
                }
                if log {
                    RangeKind::Log { min, max }
                } else {
                    RangeKind::Linear { min, max }
                }
            }
            (None, Some((_, _, omega, transform))) => RangeKind::Variability {
                typical: nominal[*index],
                omega: *omega,
                transform: *transform,
            },
            (None, None) => {
                checker
                    .report(listed_by, "sensitivity.parameters", format!("`{name}` has no range: no `bounds` and no variability"))
                    .hints
                    .push(format!("add `sensitivity: {{bounds: {{{name}: {{min: ..., max: ...}}}}}}` to the run file, or `population.variability.{name}`"));
                continue;
            }
        };
        ranges.push(ParameterRange {
            index: *index,
            name: name.clone(),
            kind,
        });
    }
    ranges
}
