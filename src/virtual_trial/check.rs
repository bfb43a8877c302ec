//! Trial file to virtual trial: levels, readouts, design and counts checked against the run
//! file's study, every problem reported in one pass with the trial file's line and column.

use super::{MAX_REFERENCE_PATIENTS, MAX_TRIALS, Readout, Side, VirtualTrial};
use crate::diag::{Diagnostic, number};
use crate::spec::{DesignSpec, EfficacySpec, Loaded, Problems, ToxicitySpec, TrialSpec};
use crate::study::{Study, check_scenarios_in};
use crate::trial::{Boin, Design, DesignError, MAX_LEVELS, ThreePlusThree};

/// Command-line values that replace the trial file's.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrialOverrides {
    pub trials: Option<u64>,
    pub seed: Option<u64>,
}

/// BOIN's cohort size when the file gives none (the BOIN package's examples use 3).
const DEFAULT_COHORT: u64 = 3;

/// Checks a trial file against the study of its run file.
pub fn check(
    file: &Loaded<TrialSpec>,
    mut study: Study,
    overrides: TrialOverrides,
) -> Result<VirtualTrial, Vec<Diagnostic>> {
    let spec = &file.spec;
    let mut problems = Problems::new(file);
    let levels = check_levels(&mut problems, &study);
    let names: Vec<&str> = spec.levels.iter().map(|(name, _)| name).collect();
    let start = check_start(&mut problems, &names);
    let toxicity = check_toxicity(&mut problems, &study, &spec.toxicity);
    let efficacy = (spec.efficacy.as_ref()).and_then(|e| check_efficacy(&mut problems, &study, e));
    let design = start.and_then(|start| check_design(&mut problems, names.len(), start));
    let trials = overrides.trials.unwrap_or(spec.trials);
    count(
        &mut problems,
        "trials",
        trials,
        MAX_TRIALS,
        overrides.trials,
        "--trials",
    );
    let reference = spec.reference_patients;
    count(
        &mut problems,
        "reference_patients",
        reference,
        MAX_REFERENCE_PATIENTS,
        None,
        "",
    );
    let accrual = check_accrual(&mut problems, &study);
    match (levels, toxicity, design) {
        (Some(levels), Some(toxicity), Some(design)) if problems.list.is_empty() => {
            study.arms = levels;
            study.grid_names.clear();
            Ok(VirtualTrial {
                study,
                toxicity,
                efficacy,
                design,
                trials,
                seed: overrides.seed.unwrap_or(spec.seed),
                reference_patients: reference,
                accrual_per_month: accrual.map(|(rate, _)| rate),
                months_per_time_unit: accrual.map(|(_, months)| months),
            })
        }
        _ => Err(problems.list),
    }
}

fn check_levels(
    problems: &mut Problems<TrialSpec>,
    study: &Study,
) -> Option<Vec<crate::study::Arm>> {
    let file = problems.file;
    let count = file.spec.levels.iter().count();
    if count == 0 || count > MAX_LEVELS {
        problems
            .at("levels", format!("a trial needs 1 to {MAX_LEVELS} dose levels, found {count}"))
            .hints
            .push("list the levels lowest first, each as a run file's scenario: `DL1: {doses: [{state: E, amount: 3e5, per_kg: true, time: 0}]}`".into());
        return None;
    }
    match check_scenarios_in(file, "levels", &file.spec.levels, "level", study) {
        Ok(levels) => Some(levels),
        Err(list) => {
            problems.list.extend(list);
            None
        }
    }
}

/// The start level's index (the first level when `start` is not given).
fn check_start(problems: &mut Problems<TrialSpec>, names: &[&str]) -> Option<usize> {
    let Some(start) = &problems.file.spec.start else {
        return Some(0);
    };
    let found = names.iter().position(|name| name == start);
    if found.is_none() {
        let diagnostic = Diagnostic::new(format!("`{start}` is not one of the trial's levels"))
            .at(problems.file.locate("start"))
            .path("start")
            .suggest(start, names.iter().copied())
            .hint(format!(
                "`start` names the first cohort's level, one of `levels` (e.g. `start: {}`)",
                names.first().unwrap_or(&"DL1")
            ))
            .note(format!("levels: {}", names.join(", ")));
        problems.list.push(diagnostic);
    }
    found
}

/// An output or state of the model, as a readout's trajectory column.
fn column(
    problems: &mut Problems<TrialSpec>,
    study: &Study,
    path: &str,
    name: &str,
) -> Option<usize> {
    let found = Study::column(&study.model, name);
    if found.is_none() {
        problems.unknown(
            path,
            name,
            "output or state",
            &Study::column_names(&study.model),
        );
    }
    found
}

/// A window length after the first dose: positive and finite.
fn window(problems: &mut Problems<TrialSpec>, path: &str, value: f64, unit: &str) -> bool {
    let ok = value.is_finite() && value > 0.0;
    if !ok {
        let message = format!(
            "the window is {}; it must be a positive time",
            number(value)
        );
        let hint = format!("the time after the first dose, in the model's unit ({unit}), e.g. 28");
        problems.at(path, message).hints.push(hint);
    }
    ok
}

/// A readout under `key`: its output, the side and threshold (finite), and its window after
/// the first dose (positive), written under `window_key`.
fn readout(
    problems: &mut Problems<TrialSpec>,
    study: &Study,
    key: &str,
    output: &str,
    (side, threshold): (Side, f64),
    (window_key, window): (&str, f64),
) -> Option<Readout> {
    let column = column(problems, study, &format!("{key}.output"), output);
    let window_path = format!("{key}.{window_key}");
    let window_ok = self::window(problems, &window_path, window, &study.model.time_unit);
    let threshold_ok = threshold.is_finite();
    if !threshold_ok {
        let path = format!("{key}.{}", side.word());
        let message = format!("the threshold is {}; it must be finite", number(threshold));
        let hint = "give the threshold as a number in the output's unit, e.g. `above: 1000`";
        problems.at(&path, message).hints.push(hint.into());
    }
    (window_ok && threshold_ok).then_some(Readout {
        output: output.to_string(),
        column: column?,
        side,
        threshold,
        window,
    })
}

fn check_toxicity(
    problems: &mut Problems<TrialSpec>,
    study: &Study,
    spec: &ToxicitySpec,
) -> Option<Readout> {
    let threshold = (Side::Above, spec.above);
    readout(
        problems,
        study,
        "toxicity",
        &spec.output,
        threshold,
        ("within", spec.within),
    )
}

fn check_efficacy(
    problems: &mut Problems<TrialSpec>,
    study: &Study,
    spec: &EfficacySpec,
) -> Option<Readout> {
    let threshold = match (spec.below, spec.above) {
        (Some(value), None) => (Side::Below, value),
        (None, Some(value)) => (Side::Above, value),
        _ => {
            problems
                .at("efficacy", "efficacy needs exactly one of `below` and `above`")
                .hints
                .push("a falling tumor output responds `below` a value (`below: 1e7`), a rising marker `above` one".into());
            return None;
        }
    };
    readout(
        problems,
        study,
        "efficacy",
        &spec.output,
        threshold,
        ("by", spec.by),
    )
}

/// The design of `design:`; keys of the other kind are refused where they are written.
fn check_design(problems: &mut Problems<TrialSpec>, levels: usize, start: usize) -> Option<Design> {
    let spec: &DesignSpec = &problems.file.spec.design;
    let boin_keys = [
        ("target", spec.target.is_some()),
        ("cohort", spec.cohort.is_some()),
        ("max_n", spec.max_n.is_some()),
    ];
    let kind = spec.kind.to_ascii_lowercase();
    let (own, other): (&str, Vec<&str>) = match kind.as_str() {
        "3+3" => (
            "3+3",
            boin_keys.iter().filter(|k| k.1).map(|k| k.0).collect(),
        ),
        "boin" => (
            "boin",
            spec.deescalate.iter().map(|_| "deescalate").collect(),
        ),
        _ => {
            problems
                .at("design.kind", format!("`{}` is not a design cartsim runs", spec.kind))
                .hints
                .push("`kind` is `3+3` (with `deescalate`) or `boin` (with `target`, `cohort`, `max_n`)".into());
            return None;
        }
    };
    for key in &other {
        let (takes, belongs) = match own {
            "3+3" => ("takes only `deescalate`", "BOIN (`kind: boin`)"),
            _ => ("takes `target`, `cohort` and `max_n`", "3+3 (`kind: 3+3`)"),
        };
        problems
            .at_key(
                &format!("design.{key}"),
                format!("`{key}` is not a key of a {own} design"),
            )
            .hints
            .push(format!(
                "a {own} design {takes}; `{key}` belongs to {belongs}: remove it or change `kind`"
            ));
    }
    if !other.is_empty() {
        return None;
    }
    let built = match own {
        "3+3" => ThreePlusThree::new(levels, start, spec.deescalate.unwrap_or(false))
            .map(Design::ThreePlusThree),
        _ => match (spec.target, spec.max_n) {
            (Some(target), Some(max_n)) => {
                let cohort = spec.cohort.unwrap_or(DEFAULT_COHORT);
                Boin::new(target, to_usize(cohort), to_usize(max_n), levels, start)
                    .map(Design::Boin)
            }
            _ => {
                let missing = if spec.target.is_none() {
                    "target"
                } else {
                    "max_n"
                };
                problems
                    .at("design", format!("a BOIN design needs `{missing}`"))
                    .hints
                    .push("e.g. `design: {kind: boin, target: 0.3, cohort: 3, max_n: 30}` (target: the DLT rate sought; max_n: the sample size)".into());
                return None;
            }
        },
    };
    built.map_err(|error| design_problem(problems, &error)).ok()
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A design parameter refused by `trial/`, at the key it came from.
fn design_problem(problems: &mut Problems<TrialSpec>, error: &DesignError) {
    let path = match error.parameter {
        "levels" | "start" => error.parameter.to_string(),
        parameter => format!("design.{parameter}"),
    };
    let hint = match error.parameter {
        "target" => "the DLT rate the design seeks, above 0 and below 1/1.4 (e.g. `target: 0.3`)",
        "cohort" => "patients treated together before each decision (e.g. `cohort: 3`)",
        "max_n" => {
            "the trial's sample size, a multiple of the cohort size is usual (e.g. `max_n: 30`)"
        }
        _ => "see README.md, section `Virtual dose-escalation trials`",
    };
    problems
        .at(&path, error.message.clone())
        .hints
        .push(hint.into());
}

/// A count between 1 and `max`, from the file or (when `flag` gave it) the command line.
fn count(
    problems: &mut Problems<TrialSpec>,
    key: &str,
    value: u64,
    max: u64,
    from_flag: Option<u64>,
    flag: &str,
) {
    if (1..=max).contains(&value) {
        return;
    }
    let message = format!("{value} {} is not 1 to {max}", key.replace('_', " "));
    match from_flag {
        Some(_) => problems
            .list
            .push(Diagnostic::new(format!("`{flag} {value}`: {message}"))),
        None => problems
            .at(key, message)
            .hints
            .push(format!("set `{key}` to at least 1")),
    }
}

/// Patients per month and months per model time unit, when `accrual` is given.
fn check_accrual(problems: &mut Problems<TrialSpec>, study: &Study) -> Option<(f64, f64)> {
    let rate = problems.file.spec.accrual.as_ref()?.per_month;
    if !(rate.is_finite() && rate > 0.0) {
        problems.at(
            "accrual.per_month",
            format!("{} patients per month is not a positive rate", number(rate)),
        );
        return None;
    }
    let unit = &study.model.time_unit;
    match super::months(unit) {
        Some(months) => Some((rate, months)),
        None => {
            problems
                .at_key("accrual", format!("the model's time unit `{unit}` has no length in months"))
                .hints
                .push("accrual needs a model time in minutes, hours, days, weeks, months or years (`time_unit:` in the model file)".into());
            None
        }
    }
}
