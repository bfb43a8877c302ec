//! The three analyses of a study's arm: points chosen by the design, metrics evaluated in
//! parallel, estimators applied per metric. Nothing here does I/O.

use super::{
    Bootstrap, Evaluation, Evaluator, LocalDesign, LocalEffect, MorrisDesign, MorrisEffect,
    Progress, SaltelliDesign, Setup, SobolResult, sobol_indices,
};
use crate::diag::Diagnostic;
use crate::model::{Model, Regimen};
use crate::simulate::simulate;
use crate::spec::{Loaded, RunSpec};
use crate::study::Study;

/// Step in log p of the local central differences.
pub const LOCAL_STEP: f64 = 1e-3;
/// Relative tolerance of the local runs (the run file's, when tighter): solver error of about
/// 1e-9 over a difference of 2e-3 is 1e-6 of a coefficient, and the O(h^2) truncation about
/// 2e-7 times the third log-derivative.
pub const LOCAL_RTOL: f64 = 1e-9;

/// Failed simulations of an analysis: how many, and the first (when, the states it left, and
/// what to try).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Failures {
    pub count: usize,
    pub first: Option<Diagnostic>,
}

impl Failures {
    fn of(evaluations: &[Evaluation]) -> Failures {
        let mut failed = evaluations.iter().filter_map(|e| e.failure.clone());
        let first = failed.next();
        Failures {
            count: first.iter().count() + failed.count(),
            first,
        }
    }
}

/// Local coefficients of the metrics and of the tracked output curves.
#[derive(Debug, Clone)]
pub struct LocalResult {
    /// Nominal values of the analysed parameters, and of the metrics.
    pub parameter_values: Vec<f64>,
    pub metric_values: Vec<f64>,
    /// `[parameter][metric]`.
    pub effects: Vec<Vec<LocalEffect>>,
    /// `[parameter][time * outputs + output]`: d log y(t) / d log p of the tracked outputs.
    pub curves: Vec<Vec<f64>>,
    /// How the curves were computed: forward sensitivities, or why differences were used.
    pub curve_method: String,
    pub failures: Failures,
}

/// Points the analysis simulates, for the progress bar.
pub fn evaluation_count(setup: &Setup, method: super::Method) -> u64 {
    let k = setup.parameters.len() as u64;
    match method {
        super::Method::Local => 1 + 4 * k,
        super::Method::Morris => setup.n * (k + 1),
        super::Method::Sobol => setup.n * (k + 2),
    }
}

fn evaluator<'a>(study: &'a Study, setup: &Setup) -> Evaluator<'a> {
    let mut evaluator = Evaluator::new(study, &study.arms[setup.arm], Vec::new());
    evaluator.metrics = setup.metrics.clone();
    evaluator.parameters = setup.parameters.iter().map(|(k, _)| *k).collect();
    evaluator
}

/// The sensitivity model of the analysed parameters and the arm's doses compiled against it
/// (for `local`'s forward sensitivity equations), or why they cannot be used.
pub fn forward_system(
    study: &Study,
    run: &Loaded<RunSpec>,
    setup: &Setup,
) -> Result<(Model, Regimen), String> {
    let indices: Vec<usize> = setup.parameters.iter().map(|(k, _)| *k).collect();
    let model = study.model.sensitivity_model(&indices)?;
    let scenario = &study.arms[setup.arm].scenario;
    let regimen = match run
        .spec
        .scenarios
        .get(scenario)
        .and_then(|s| s.doses.as_ref())
    {
        Some(doses) => model
            .compile_regimen(doses, &format!("scenarios.{scenario}.doses"), &|_, _| None)
            .map_err(|d| d.first().map(|d| d.message.clone()).unwrap_or_default())?,
        None => model.default_regimen.clone(),
    };
    Ok((model, regimen))
}

/// Local analysis. `forward` is the sensitivity model of the analysed parameters with the
/// arm's doses compiled against it, or why it could not be built; curves then come from the
/// central differences.
pub fn local(
    study: &Study,
    setup: &Setup,
    forward: Result<(&Model, &Regimen), String>,
    progress: Progress,
) -> LocalResult {
    let mut evaluator = evaluator(study, setup);
    let solver = &mut evaluator.template.solver;
    if solver.rtol > LOCAL_RTOL {
        solver.atol *= LOCAL_RTOL / solver.rtol;
        solver.rtol = LOCAL_RTOL;
    }
    evaluator.curves = true;
    let design = LocalDesign {
        step: LOCAL_STEP,
        change: setup.change,
    };
    let parameter_values: Vec<f64> = evaluator
        .parameters
        .iter()
        .map(|&k| evaluator.nominal[k])
        .collect();
    let points = design.points(&parameter_values);
    let evaluations = evaluator.evaluate_all(&points, progress);
    let metrics: Vec<Vec<f64>> = evaluations.iter().map(|e| e.metrics.clone()).collect();
    let effects = design.effects(&metrics);
    let (curves, curve_method) =
        match forward.and_then(|(model, regimen)| forward_curves(&evaluator, model, regimen)) {
            Ok(curves) => (curves, "forward sensitivity equations".to_string()),
            Err(reason) => {
                let curves: Vec<Vec<f64>> = evaluations.iter().map(|e| e.curves.clone()).collect();
                let coefficients = design
                    .effects(&curves)
                    .into_iter()
                    .map(|row| row.iter().map(|e| e.coefficient).collect())
                    .collect();
                (coefficients, format!("central differences ({reason})"))
            }
        };
    LocalResult {
        parameter_values,
        metric_values: metrics[0].clone(),
        effects,
        curves,
        curve_method,
        failures: Failures::of(&evaluations),
    }
}

/// p d y(t)/d p / y(t) of the tracked outputs from one simulation of the sensitivity model.
fn forward_curves(
    evaluator: &Evaluator,
    model: &Model,
    regimen: &Regimen,
) -> Result<Vec<Vec<f64>>, String> {
    let layout = model
        .sensitivity_layout()
        .ok_or("not a sensitivity model")?;
    let parameters = evaluator.nominal.clone();
    let doses = regimen.events(&parameters).map_err(|d| d.message)?;
    let plan = evaluator.template.plan_with(parameters, doses);
    let simulation = simulate(model, &plan)
        .map_err(|e| format!("the sensitivity system failed {}", e.diagnostic().message))?;
    let trajectory = &simulation.trajectory;
    let study = evaluator.study;
    let times = study.output_times().len();
    let tracked = &study.tracked;
    Ok(layout
        .parameters
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            let mut values = vec![f64::NAN; times * tracked.len()];
            for row in 0..trajectory.times.len().min(times) {
                let cells = trajectory.row(row);
                for (k, (_, column)) in tracked.iter().enumerate() {
                    let y = cells[layout.value_column(*column)];
                    let derivative = cells[layout.derivative_column(*column, j)];
                    if y != 0.0 {
                        values[row * tracked.len() + k] = evaluator.nominal[p] * derivative / y;
                    }
                }
            }
            values
        })
        .collect())
}

/// Morris screening: per metric, the effects of every parameter.
#[derive(Debug, Clone)]
pub struct MorrisResult {
    pub design: MorrisDesign,
    /// `[metric][parameter]`.
    pub effects: Vec<Vec<MorrisEffect>>,
    pub failures: Failures,
}

pub fn morris(study: &Study, setup: &Setup, progress: Progress) -> MorrisResult {
    let evaluator = evaluator(study, setup);
    let design = MorrisDesign {
        trajectories: setup.n as usize,
        levels: setup.levels,
        seed: setup.seed,
    };
    let unit = design.points(setup.ranges.len());
    let evaluations = evaluator.evaluate_all(&to_values(setup, &unit), progress);
    let effects = (0..setup.metrics.len())
        .map(|m| {
            let outputs: Vec<f64> = evaluations.iter().map(|e| e.metrics[m]).collect();
            design.effects(&unit, &outputs)
        })
        .collect();
    MorrisResult {
        design,
        effects,
        failures: Failures::of(&evaluations),
    }
}

/// Sobol' indices per metric (or why they could not be estimated).
#[derive(Debug, Clone)]
pub struct SobolOutcome {
    pub bootstrap: Bootstrap,
    pub indices: Vec<Result<SobolResult, String>>,
    pub failures: Failures,
}

pub fn sobol(study: &Study, setup: &Setup, progress: Progress) -> SobolOutcome {
    let evaluator = evaluator(study, setup);
    let design = SaltelliDesign::new(setup.n as usize, setup.ranges.len(), setup.seed);
    let unit = design.points();
    let evaluations = evaluator.evaluate_all(&to_values(setup, &unit), progress);
    let bootstrap = Bootstrap {
        resamples: setup.bootstrap as usize,
        confidence: 0.95,
        seed: setup.seed,
    };
    let indices = (0..setup.metrics.len())
        .map(|m| {
            let outputs: Vec<f64> = evaluations.iter().map(|e| e.metrics[m]).collect();
            sobol_indices(&outputs, design.n, design.dimensions, &bootstrap)
        })
        .collect();
    SobolOutcome {
        bootstrap,
        indices,
        failures: Failures::of(&evaluations),
    }
}

/// Unit-cube points mapped through the parameter ranges.
fn to_values(setup: &Setup, unit: &[Vec<f64>]) -> Vec<Vec<f64>> {
    unit.iter()
        .map(|u| {
            setup
                .ranges
                .iter()
                .zip(u)
                .map(|(range, &x)| range.value(x))
                .collect()
        })
        .collect()
}
