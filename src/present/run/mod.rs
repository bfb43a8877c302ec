//! The files of a population run (`run`, a shard, `merge`) besides the tables streamed as it
//! runs (metrics.csv, subjects.csv: see `study::RunSink`): summary and percentile tables,
//! figures or shard state, the run.json record and the run's part of the provenance.

mod figures;

use super::NamedFile;
use crate::diag::Diagnostic;
use crate::plot::FigureSettings;
use crate::population::Transform;
use crate::record::Record;
use crate::record::provenance::Provenance;
use crate::record::run::{
    ArmRecord, EffectScale, ExtraTables, PopulationRecord, RandomEffect, RunDescription, RunInputs,
    RunRecord, ScenarioFailure, ShardSlice, ShardState, SubjectFailure,
};
use crate::record::{DoseRecord, TimeSpan};
use crate::study::{ArmSummary, RELATIVE_ERROR, Study, StudyResult, percentiles_csv, summary_csv};
use figures::figures;
pub use figures::slug;

/// What a run's record says besides its results: how it was run.
pub struct RecordSettings {
    pub command: Vec<String>,
    pub inputs: RunInputs,
    pub shard: Option<ShardSlice>,
    pub merged_from: Option<Vec<String>>,
    pub scenarios_selected: Vec<String>,
    pub threads: Option<usize>,
    pub wall_time_seconds: f64,
    pub extra_tables: ExtraTables,
    pub provenance: Option<Provenance>,
}

/// summary.csv and percentiles.csv, then shard_state.json (a shard) or the figures.
pub fn files(
    study: &Study,
    result: &StudyResult,
    summaries: &[ArmSummary],
    shard: bool,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let mut files = vec![
        NamedFile::new("summary.csv", summary_csv(study, summaries)),
        NamedFile::new("percentiles.csv", percentiles_csv(study, result)),
    ];
    if shard {
        let state = ShardState::new(result.bands.clone(), &result.typical, result.steps);
        let bytes = serde_json::to_vec(&state).map_err(|e| Diagnostic::new(e.to_string()))?;
        files.push(NamedFile::new(ShardState::FILE, bytes));
    } else {
        let drawn = figures(study, result, summaries, look)
            .map_err(|e| Diagnostic::new(format!("cannot draw the figures: {e}")))?;
        files.extend(
            drawn
                .into_iter()
                .flat_map(|(stem, f)| NamedFile::figure(&stem, f)),
        );
    }
    Ok(files)
}

/// run.json of a finished run, shard or merge.
pub fn record(study: &Study, result: &StudyResult, settings: RecordSettings) -> RunRecord {
    let (simulations, failed) = result.tally.simulations();
    RunRecord {
        format_version: RunRecord::FORMAT_VERSION,
        cartsim_version: crate::version::VERSION.to_string(),
        cartsim_commit: crate::version::COMMIT.to_string(),
        command: settings.command,
        inputs: settings.inputs,
        run: description(study),
        shard: settings.shard,
        merged_from: settings.merged_from,
        scenarios_selected: settings.scenarios_selected,
        threads: settings.threads,
        simulations,
        failed_simulations: failed,
        first_failure: (result.tally.first_failure()).map(|(arm, id, why)| SubjectFailure {
            subject: id,
            scenario: study.arms[arm].scenario.clone(),
            message: why.one_line(),
        }),
        solver_steps: result.steps,
        typical_subject_failures: typical_failures(study, result)
            .map(|(scenario, message)| ScenarioFailure {
                scenario: scenario.to_string(),
                message: message.one_line(),
            })
            .collect(),
        wall_time_seconds: settings.wall_time_seconds,
        extra_tables: settings.extra_tables,
        provenance: settings.provenance,
    }
}

/// The simulations that failed, as one console diagnostic (an error when all did); `None`
/// when none failed.
pub fn failures(study: &Study, result: &StudyResult) -> Option<Diagnostic> {
    let (arm, id, why) = result.tally.first_failure()?;
    let (simulations, failed) = result.tally.simulations();
    let which = format!("subject {id}, scenario {}, ", study.arms[arm].scenario);
    Some(super::failed_simulations(
        failed as usize,
        simulations as usize,
        "rows marked `failed` in metrics.csv",
        &which,
        why,
    ))
}

/// The arms' typical subjects that failed: (scenario, why).
fn typical_failures<'a>(
    study: &'a Study,
    result: &'a StudyResult,
) -> impl Iterator<Item = (&'a str, &'a Diagnostic)> {
    (result.typical.iter().zip(&study.arms))
        .filter_map(|(t, a)| t.as_ref().err().map(|e| (a.scenario.as_str(), e)))
}

/// The run as run.json describes it: arms, population, time span and solver.
pub fn description(study: &Study) -> RunDescription {
    let model = &study.model;
    let arms = (study.arms.iter())
        .map(|arm| ArmRecord {
            scenario: arm.scenario.clone(),
            grid: (study.grid_names.iter().zip(&arm.grid))
                .map(|(name, value)| (name.clone(), (*value).into()))
                .collect(),
            typical_doses: (study.typical_subject(arm).doses.unwrap_or_default().iter())
                .map(|d| DoseRecord {
                    state: model.states[d.state].name.clone(),
                    time: d.time,
                    amount: d.amount,
                    duration: d.duration,
                })
                .collect(),
        })
        .collect();
    let population = &study.population;
    RunDescription {
        arms,
        population: PopulationRecord {
            n: population.n,
            seed: population.seed,
            random_effects: (population.effects.parameters.iter())
                .map(|(_, parameter, omega, transform)| RandomEffect {
                    parameter: parameter.clone(),
                    omega: *omega,
                    scale: match transform {
                        Transform::LogNormal => EffectScale::LogNormal,
                        Transform::Normal => EffectScale::Normal,
                        Transform::Logit => EffectScale::Logit,
                    },
                })
                .collect(),
            correlations: population.effects.correlations.clone(),
            covariates: study.covariate_names(),
            typical_covariates: (population.typical_covariates().into_iter())
                .map(|(k, value)| (model.parameters[k].name.clone(), value.into()))
                .collect(),
        },
        time: TimeSpan {
            start: study.template.start,
            end: study.template.end,
            step: study.template.step,
            unit: model.time_unit.clone(),
        },
        solver: serde_json::to_value(study.template.solver).unwrap_or_default(),
        percentile_method: format!(
            "log-bucket sketch: within {:.2}% (relative) of the exact type-7 sample percentile",
            100.0 * RELATIVE_ERROR
        ),
        auc_method: "linear-up/log-down trapezoidal rule".to_string(),
        cmax_method: match study.metrics.peak_on_solution {
            true => "on the solver's solution (the windows around the grid peak solved again)",
            false => "largest value at the output times (metrics.peak: grid)",
        }
        .to_string(),
    }
}

/// A run's provenance: `base` (the program, command line, inputs and solver) with the
/// scenarios, population, solver work and warnings of the run.
pub fn provenance(mut base: Provenance, study: &Study, result: &StudyResult) -> Provenance {
    base.scenarios = study.arms.iter().map(|a| a.scenario.clone()).collect();
    base.scenarios.dedup();
    base.n = study.population.n;
    base.seed = Some(study.population.seed);
    let (simulations, failed) = result.tally.simulations();
    base.solver_statistics.extend([
        ("accepted_steps".to_string(), result.steps.into()),
        ("simulations".to_string(), simulations.into()),
        ("failed_simulations".to_string(), failed.into()),
    ]);
    base.warnings = (result.tally.first_failure().into_iter())
        .map(|(arm, id, why)| {
            format!(
                "simulations failed; the first: subject {id}, scenario {}: {}",
                study.arms[arm].scenario,
                why.one_line()
            )
        })
        .chain(
            typical_failures(study, result)
                .map(|(scenario, e)| format!("typical subject of {scenario}: {}", e.one_line())),
        )
        .collect();
    base
}
