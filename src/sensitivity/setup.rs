//! What a sensitivity analysis runs on: the run file's `sensitivity:` block with the command
//! line's overrides, checked against the study (scenario, parameters, ranges, metrics and
//! settings), every problem reported at once with its place in the run file or the option.

mod bounds;

use super::{MetricChoice, ParameterRange};
use crate::diag::Diagnostic;
use crate::spec::{Loaded, RunSpec, SensitivitySpec};
use crate::study::Study;
use bounds::check_ranges;

/// The command line's choices; `None` keeps the run file's (or the default).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub scenario: Option<String>,
    pub parameters: Option<Vec<String>>,
    pub metrics: Option<Vec<String>>,
    pub change: Option<f64>,
    pub n: Option<u64>,
    pub seed: Option<u64>,
}

/// The method of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Normalized coefficients and +-X% changes around the nominal values.
    Local,
    /// Elementary-effects screening over the ranges.
    Morris,
    /// First-order and total Sobol' indices over the ranges.
    Sobol,
}

impl Method {
    /// The method as the command line and records name it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Local => "local",
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// A checked analysis.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The arm analysed (the first of its scenario).
    pub arm: usize,
    /// Parameter indices and names, in the order of every table.
    pub parameters: Vec<(usize, String)>,
    /// Their ranges (global methods only; empty for the local one).
    pub ranges: Vec<ParameterRange>,
    pub metrics: Vec<MetricChoice>,
    pub change: f64,
    pub n: u64,
    pub seed: u64,
    pub levels: u32,
    pub bootstrap: u32,
}

/// Default base samples (Sobol') and trajectories (Morris).
pub const DEFAULT_SOBOL_N: u64 = 1024;
pub const DEFAULT_MORRIS_N: u64 = 20;

struct Checker<'a> {
    run: &'a Loaded<RunSpec>,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// A problem with a value from the command line (`option`) or the run file (`path`).
    fn report(
        &mut self,
        from_command_line: Option<&str>,
        path: &str,
        message: String,
    ) -> &mut Diagnostic {
        let diagnostic = match from_command_line {
            Some(option) => Diagnostic::new(format!("`{option}`: {message}")),
            None => Diagnostic::new(message)
                .at(self.run.locate(path))
                .path(path.to_string()),
        };
        self.problems.push(diagnostic);
        self.problems.last_mut().expect("just pushed")
    }
}

/// Checks the analysis; the global methods (Morris, Sobol') need a range for every parameter.
pub fn setup(
    run: &Loaded<RunSpec>,
    study: &Study,
    overrides: &Overrides,
    method: Method,
) -> Result<Setup, Vec<Diagnostic>> {
    let global = method != Method::Local;
    let spec = run.spec.sensitivity.clone().unwrap_or_default();
    let mut checker = Checker {
        run,
        problems: Vec::new(),
    };
    let arm = check_scenario(&mut checker, study, &spec, overrides);
    let nominal = arm.map(|k| study.arms[k].parameters.clone());
    let (mut parameters, explicit) =
        check_parameters(&mut checker, study, &spec, overrides, global);
    let ranges = match (global, &nominal) {
        (true, Some(nominal)) => {
            let listed_by = overrides.parameters.as_ref().map(|_| "--parameters");
            check_ranges(&mut checker, listed_by, study, &spec, &parameters, nominal)
        }
        _ => Vec::new(),
    };
    if let (false, Some(nominal)) = (global, &nominal) {
        check_local_parameters(&mut checker, overrides, explicit, nominal, &mut parameters);
    }
    let metrics = check_metrics(&mut checker, study, &spec, overrides);
    let change = check_change(&mut checker, &spec, overrides);
    let n = check_n(&mut checker, &spec, overrides, method);
    let levels = check_levels(&mut checker, &spec);
    let bootstrap = check_bootstrap(&mut checker, &spec);
    let seed = overrides
        .seed
        .or(spec.seed)
        .unwrap_or(study.population.seed);
    match (arm, checker.problems.is_empty()) {
        (Some(arm), true) => Ok(Setup {
            arm,
            parameters,
            ranges,
            metrics,
            change,
            n,
            seed,
            levels,
            bootstrap,
        }),
        _ => Err(checker.problems),
    }
}

/// The local method's parameters that are 0 in the scenario (a relative change of them is 0):
/// reported when listed explicitly, else left out.
fn check_local_parameters(
    checker: &mut Checker,
    overrides: &Overrides,
    explicit: bool,
    nominal: &[f64],
    parameters: &mut Vec<(usize, String)>,
) {
    match explicit {
        true => {
            for (_, name) in parameters.iter().filter(|(k, _)| nominal[*k] == 0.0) {
                let from = overrides.parameters.as_ref().map(|_| "--parameters");
                checker
                    .report(from, "sensitivity.parameters", format!("`{name}` is 0 in this scenario; a relative change of it is 0"))
                    .hints
                    .push("leave it out of the local analysis, or give it `bounds` and use `--method morris` or `sobol`".into());
            }
        }
        false => parameters.retain(|(k, _)| nominal[*k] != 0.0),
    }
}

/// The relative change the local method applies (`--change`, else `change`, else 0.2),
/// strictly between 0 and 1.
fn check_change(checker: &mut Checker, spec: &SensitivitySpec, overrides: &Overrides) -> f64 {
    let change = overrides.change.or(spec.change).unwrap_or(0.2);
    if !(change > 0.0 && change < 1.0) {
        let from = overrides.change.map(|_| "--change");
        checker
            .report(
                from,
                "sensitivity.change",
                format!(
                    "the change is {}; it must lie strictly between 0 and 1",
                    crate::diag::number(change)
                ),
            )
            .hints
            .push("0.2 means +-20%".into());
    }
    change
}

/// Base samples (Sobol') or trajectories (Morris): `--n`, else `n`, else the method's default;
/// 2 to 10,000,000.
fn check_n(
    checker: &mut Checker,
    spec: &SensitivitySpec,
    overrides: &Overrides,
    method: Method,
) -> u64 {
    let default_n = if method == Method::Morris {
        DEFAULT_MORRIS_N
    } else {
        DEFAULT_SOBOL_N
    };
    let n = overrides.n.or(spec.n).unwrap_or(default_n);
    if !(2..=10_000_000).contains(&n) {
        let from = overrides.n.map(|_| "--n");
        checker.report(
            from,
            "sensitivity.n",
            format!("n is {n}; it must be between 2 and 10,000,000"),
        );
    }
    n
}

/// Morris levels (`levels`, else 4): even and at least 2.
fn check_levels(checker: &mut Checker, spec: &SensitivitySpec) -> u32 {
    let levels = spec.levels.unwrap_or(4);
    if levels < 2 || !levels.is_multiple_of(2) {
        checker
            .report(
                None,
                "sensitivity.levels",
                format!("{levels} levels; Morris needs an even number of at least 2"),
            )
            .hints
            .push("4 levels are usual".into());
    }
    levels
}

/// Bootstrap resamples for the intervals (`bootstrap`, else 1000): at least 100.
fn check_bootstrap(checker: &mut Checker, spec: &SensitivitySpec) -> u32 {
    let bootstrap = spec.bootstrap.unwrap_or(1000);
    if bootstrap < 100 {
        checker.report(
            None,
            "sensitivity.bootstrap",
            format!(
                "{bootstrap} bootstrap resamples are too few for a 95% interval; use at least 100"
            ),
        );
    }
    bootstrap
}

fn check_scenario(
    checker: &mut Checker,
    study: &Study,
    spec: &SensitivitySpec,
    overrides: &Overrides,
) -> Option<usize> {
    let (name, from) = match (&overrides.scenario, &spec.scenario) {
        (Some(name), _) => (name, Some("--scenario")),
        (None, Some(name)) => (name, None),
        (None, None) => return (!study.arms.is_empty()).then_some(0),
    };
    let found = study.arms.iter().position(|a| &a.scenario == name);
    if found.is_none() {
        let mut names: Vec<&str> = study.arms.iter().map(|a| a.scenario.as_str()).collect();
        names.dedup();
        let diagnostic = checker.report(
            from,
            "sensitivity.scenario",
            format!("no scenario `{name}` in the run file"),
        );
        *diagnostic = diagnostic
            .clone()
            .suggest(name, names.iter().copied())
            .note(format!("scenarios: {}", names.join(", ")));
    }
    found
}

fn check_parameters(
    checker: &mut Checker,
    study: &Study,
    spec: &SensitivitySpec,
    overrides: &Overrides,
    global: bool,
) -> (Vec<(usize, String)>, bool) {
    let model = &study.model;
    let (names, from): (Vec<String>, Option<&str>) = match (&overrides.parameters, &spec.parameters)
    {
        (Some(list), _) => (list.clone(), Some("--parameters")),
        (None, Some(list)) => (list.clone(), None),
        (None, None) => {
            let mut names: Vec<String> = spec.bounds.keys().map(String::from).collect();
            for (_, name, _, _) in &study.population.effects.parameters {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            if names.is_empty() && !global {
                names = model.parameters.iter().map(|p| p.name.clone()).collect();
            }
            (names, None)
        }
    };
    if names.is_empty() {
        checker
            .report(None, "sensitivity", "no parameters to analyse".into())
            .hints
            .push("list them with `--parameters a,b` and give each `sensitivity.bounds` or `population.variability`".into());
    }
    let candidates: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let mut parameters: Vec<(usize, String)> = Vec::new();
    for (position, name) in names.iter().enumerate() {
        let path = format!("sensitivity.parameters.{position}");
        match model.parameter_index(name) {
            Some(k) if parameters.iter().any(|(j, _)| *j == k) => {
                checker.report(from, &path, format!("`{name}` is listed twice"));
            }
            Some(k) => parameters.push((k, name.clone())),
            None => {
                let diagnostic = checker.report(
                    from,
                    &path,
                    format!("`{name}` is not a parameter of the model"),
                );
                *diagnostic = diagnostic
                    .clone()
                    .suggest(name, candidates.iter().copied())
                    .note(format!("parameters: {}", candidates.join(", ")));
            }
        }
    }
    (parameters, from.is_some() || spec.parameters.is_some())
}

fn check_metrics(
    checker: &mut Checker,
    study: &Study,
    spec: &SensitivitySpec,
    overrides: &Overrides,
) -> Vec<MetricChoice> {
    let settings = &study.metrics;
    let available: Vec<String> = settings
        .columns()
        .into_iter()
        .map(|c| settings.column_name(c))
        .collect();
    let (names, from): (Vec<String>, Option<&str>) = match (&overrides.metrics, &spec.metrics) {
        (Some(list), _) => (list.clone(), Some("--metrics")),
        (None, Some(list)) => (list.clone(), None),
        (None, None) => {
            let defaults = ["cmax", "auc_0_28", "nadir"];
            (
                defaults
                    .iter()
                    .filter(|d| available.iter().any(|a| a == *d))
                    .map(|d| d.to_string())
                    .collect(),
                None,
            )
        }
    };
    if names.is_empty() {
        checker
            .report(None, "sensitivity.metrics", "no metrics to analyse".into())
            .hints
            .push("name them with `--metrics cmax,auc_0_28`, or set `metrics: {exposure: ...}` in the run file".into());
    }
    let mut metrics = Vec::new();
    for (position, name) in names.iter().enumerate() {
        match MetricChoice::resolve(study, name) {
            Ok(metric)
                if metrics
                    .iter()
                    .any(|m: &MetricChoice| m.name() == metric.name()) =>
            {
                let path = format!("sensitivity.metrics.{position}");
                checker.report(from, &path, format!("`{name}` is listed twice"));
            }
            Ok(metric) => metrics.push(metric),
            Err(message) => {
                let path = format!("sensitivity.metrics.{position}");
                let outputs = Study::column_names(&study.model).join(", ");
                let diagnostic = checker.report(from, &path, message);
                *diagnostic = diagnostic
                    .clone()
                    .suggest(name, available.iter().map(String::as_str))
                    .note(format!("metrics: {}; or OUTPUT@TIME with an output or state ({outputs}) at an output time, e.g. `{}@28`", available.join(", "), Study::column_names(&study.model).first().copied().unwrap_or("x")));
            }
        }
    }
    metrics
}
