//! The files of `cartsim sensitivity`: each method's CSV tables and figures, and the
//! sensitivity.json record.

mod figures;

use super::NamedFile;
use crate::diag::Diagnostic;
use crate::plot::FigureSettings;
use crate::record::Record;
use crate::record::run::RunInputs;
use crate::record::sensitivity::{
    BootstrapSettings, MethodSettings, NominalValue, RangeRecord, SensitivityRecord,
};
use crate::sensitivity::{
    Failures, LOCAL_RTOL, LOCAL_STEP, LocalResult, Method, MorrisResult, Setup, SobolOutcome,
    local_curves_csv, local_metrics_csv, morris_csv, sobol_csv,
};
use crate::study::Study;

/// The result of an analysis, by method.
pub enum Analysis {
    Local(LocalResult),
    Morris(MorrisResult),
    Sobol(SobolOutcome),
}

impl Analysis {
    pub fn method(&self) -> Method {
        match self {
            Analysis::Local(_) => Method::Local,
            Analysis::Morris(_) => Method::Morris,
            Analysis::Sobol(_) => Method::Sobol,
        }
    }

    /// The simulations that failed.
    pub fn failures(&self) -> &Failures {
        match self {
            Analysis::Local(result) => &result.failures,
            Analysis::Morris(result) => &result.failures,
            Analysis::Sobol(outcome) => &outcome.failures,
        }
    }

    /// The metrics whose Sobol' indices could not be estimated, with why.
    pub fn not_estimated<'a>(&'a self, setup: &'a Setup) -> Vec<(&'a str, &'a str)> {
        let Analysis::Sobol(outcome) = self else {
            return Vec::new();
        };
        (setup.metrics.iter().zip(&outcome.indices))
            .filter_map(|(m, r)| r.as_ref().err().map(|e| (m.name(), e.as_str())))
            .collect()
    }
}

/// What sensitivity.json says besides the results: how the analysis was run.
pub struct RecordSettings {
    pub command: Vec<String>,
    pub inputs: RunInputs,
    pub threads: usize,
    pub simulations: u64,
    pub wall_time_seconds: f64,
}

/// The method's table and figures; `scenario` names the arm in titles.
pub fn files(
    study: &Study,
    setup: &Setup,
    analysis: &Analysis,
    scenario: &str,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let (mut files, figures) = match analysis {
        Analysis::Local(result) => (
            vec![
                NamedFile::new("local_metrics.csv", local_metrics_csv(setup, result)),
                NamedFile::new(
                    "local_over_time.csv",
                    local_curves_csv(study, setup, result),
                ),
            ],
            figures::local(study, setup, result, scenario, look)?,
        ),
        Analysis::Morris(result) => (
            vec![NamedFile::new("morris.csv", morris_csv(setup, result))],
            figures::morris(study, setup, result, scenario, look)?,
        ),
        Analysis::Sobol(outcome) => (
            vec![NamedFile::new("sobol.csv", sobol_csv(setup, outcome))],
            figures::sobol(setup, outcome, scenario, look)?,
        ),
    };
    files.extend(figures);
    Ok(files)
}

/// sensitivity.json.
pub fn record(
    study: &Study,
    setup: &Setup,
    analysis: &Analysis,
    settings: RecordSettings,
) -> SensitivityRecord {
    let arm = &study.arms[setup.arm];
    let nominal = study.typical_subject(arm).parameters;
    let failures = analysis.failures();
    SensitivityRecord {
        format_version: SensitivityRecord::FORMAT_VERSION,
        cartsim_version: crate::version::VERSION.to_string(),
        cartsim_commit: crate::version::COMMIT.to_string(),
        command: settings.command,
        inputs: settings.inputs,
        method: analysis.method(),
        scenario: arm.label(&study.grid_names),
        parameters: (setup.parameters.iter())
            .map(|(k, name)| NominalValue {
                name: name.clone(),
                nominal: nominal[*k],
            })
            .collect(),
        ranges: (setup.ranges.iter())
            .map(|r| RangeRecord {
                parameter: r.name.clone(),
                min: r.value(0.0),
                max: r.value(1.0),
                scale: r.scale().to_string(),
                source: r.source().to_string(),
            })
            .collect(),
        metrics: setup.metrics.iter().map(|m| m.name().to_string()).collect(),
        seed: setup.seed,
        settings: settings_of(study, setup, analysis),
        simulations: settings.simulations,
        failed_simulations: failures.count,
        first_failure: failures.first.as_ref().map(Diagnostic::one_line),
        threads: settings.threads,
        wall_time_seconds: settings.wall_time_seconds,
    }
}

fn settings_of(study: &Study, setup: &Setup, analysis: &Analysis) -> MethodSettings {
    match analysis {
        Analysis::Local(result) => MethodSettings::Local {
            step_in_log_parameter: LOCAL_STEP,
            rtol: study.template.solver.rtol.min(LOCAL_RTOL),
            change: setup.change,
            curves: result.curve_method.clone(),
        },
        Analysis::Morris(result) => MethodSettings::Morris {
            trajectories: result.design.trajectories,
            levels: result.design.levels,
            delta: result.design.delta(),
        },
        Analysis::Sobol(outcome) => MethodSettings::Sobol {
            base_samples: setup.n,
            design: "Saltelli (A, B, A_B^i) from seeded uniform samples".to_string(),
            estimators: "Jansen".to_string(),
            bootstrap: BootstrapSettings {
                resamples: outcome.bootstrap.resamples,
                confidence: outcome.bootstrap.confidence,
                interval: "percentile".to_string(),
            },
            not_estimated: (analysis.not_estimated(setup).into_iter())
                .map(|(metric, why)| (metric.to_string(), why.into()))
                .collect(),
        },
    }
}
