//! The batch: every subject of a range in every arm, in parallel (rayon) and reproducibly.
//! Subjects are processed in blocks; within a block each worker adds to its own band sketches
//! (integer counts, merged exactly at the end), and each block's rows go to a `RunSink` in
//! subject order (nothing per subject is kept), so the result does not depend on the thread
//! count and memory does not grow with the population. A stop request (`interrupt`) ends it after the
//! block in progress, whose remaining simulations then fail at once.

use super::bands::BandSet;
use super::metrics::{ArmRun, MetricRow};
use super::sink::{Block, RunSink};
use super::summary::StudyResult;
use super::summary::Tally;
use super::tables::{SubjectRecord, TrajectorySelection};
use super::{Arm, Study};
use crate::diag::Diagnostic;
use crate::population::Subject;
use crate::simulate::{RunTemplate, SimError, Simulation, locate_peaks, simulate};
use rayon::prelude::*;
use std::fmt::Write;
use std::ops::Range;
use std::sync::Mutex;

/// Subjects per block: bounds the memory of rows in flight.
pub(super) const BLOCK: u64 = 4096;

/// Called once per finished subject, from the worker threads.
pub type Progress<'a> = &'a (dyn Fn() + Sync);

struct SubjectOutcome {
    record: SubjectRecord,
    rows: Vec<MetricRow>,
    steps: u64,
    trajectories: String,
    /// observations.csv rows (`--save-observations`; see `observations.rs`).
    observations: String,
    /// The first simulated observation that is not a finite number, described.
    bad_observation: Option<String>,
}

impl Study {
    /// Simulates one parameter vector in one arm with the span, output grid and solver of
    /// `base`, and locates the exposure output's peak on the solution (unless `peak: grid`).
    pub(crate) fn simulate_arm(
        &self,
        arm: &Arm,
        parameters: Vec<f64>,
        base: &RunTemplate,
    ) -> Result<ArmRun, Diagnostic> {
        let doses = arm.regimen.events(&parameters)?;
        let first_dose = doses.first().map_or(base.start, |d| d.time);
        let plan = base.plan_with(parameters, doses);
        let failed = |e: SimError| e.diagnostic();
        let simulation = simulate(&self.model, &plan).map_err(failed)?;
        let exposure_peak = match &self.metrics.exposure {
            Some((_, column)) if self.metrics.peak_on_solution => {
                locate_peaks(&self.model, &plan, &simulation, &[*column])
                    .map_err(failed)?
                    .pop()
                    .flatten()
            }
            _ => None,
        };
        Ok(ArmRun {
            simulation,
            first_dose,
            exposure_peak,
        })
    }

    /// The tracked outputs of a simulation at every output time, `[time * outputs + output]`;
    /// NaN after a `stop` event.
    pub(crate) fn tracked_values(&self, simulation: &Simulation, times: usize) -> Vec<f64> {
        let trajectory = &simulation.trajectory;
        let mut values = vec![f64::NAN; times * self.tracked.len()];
        for row in 0..trajectory.times.len().min(times) {
            let cells = trajectory.row(row);
            for (k, (_, column)) in self.tracked.iter().enumerate() {
                values[row * self.tracked.len() + k] = cells[*column];
            }
        }
        values
    }

    fn run_subject(
        &self,
        subject: &Subject,
        times: &[f64],
        bands: &[Mutex<BandSet>],
        save_trajectories: Option<&TrajectorySelection>,
        observation_id_stride: Option<u64>,
    ) -> SubjectOutcome {
        let mut rows = Vec::with_capacity(self.arms.len());
        let mut steps = 0;
        let mut trajectories = String::new();
        let mut observations = String::new();
        let mut bad_observation = None;
        let worker = rayon::current_thread_index().unwrap_or(0) % bands.len();
        let deviates = match (
            &self.population.residual,
            save_trajectories.is_some() || observation_id_stride.is_some(),
        ) {
            (Some(_), true) => self.population.residual_deviates(subject.id, times.len()),
            _ => Vec::new(),
        };
        for (arm_index, arm) in self.arms.iter().enumerate() {
            let parameters = self
                .population
                .individual_parameters(&arm.parameters, subject);
            let (failure, values) = match self.simulate_arm(arm, parameters, &self.template) {
                Ok(run) => {
                    let simulation = &run.simulation;
                    steps += simulation.stats.accepted_steps + simulation.stats.rejected_steps;
                    let tracked = self.tracked_values(simulation, times.len());
                    if let Ok(mut set) = bands[worker].lock() {
                        set.insert_subject(arm_index, &tracked);
                    }
                    if let Some(selection) = save_trajectories {
                        let bad = self.write_trajectory(
                            &mut trajectories,
                            (arm, subject.id),
                            (times, selection),
                            simulation,
                            &deviates,
                        );
                        bad_observation = bad_observation.or(bad);
                    }
                    if let Some(id_stride) = observation_id_stride {
                        let arm = (arm_index, arm);
                        let bad = self.write_observations(
                            &mut observations,
                            arm,
                            id_stride,
                            subject,
                            simulation,
                            &deviates,
                        );
                        bad_observation = bad_observation.or(bad);
                    }
                    (None, self.metrics.compute(&run))
                }
                Err(failure) => (
                    Some(Box::new(failure)),
                    vec![f64::NAN; self.metrics.columns().len()],
                ),
            };
            rows.push(MetricRow {
                arm: arm_index as u32,
                index: subject.index,
                id: subject.id,
                failure,
                values: values.into_boxed_slice(),
            });
        }
        let covariates = subject.covariates.iter().map(|c| c.1).collect();
        SubjectOutcome {
            record: SubjectRecord {
                index: subject.index,
                id: subject.id,
                covariates,
                etas: subject.etas.clone(),
            },
            rows,
            steps,
            trajectories,
            observations,
            bad_observation,
        }
    }

    /// Long-format rows `scenario,<grid>,subject,time,output,value[,observation]`; returns the
    /// first simulated observation that is not finite (of a finite prediction), described.
    fn write_trajectory(
        &self,
        text: &mut String,
        (arm, id): (&Arm, u64),
        (times, selection): (&[f64], &TrajectorySelection),
        simulation: &Simulation,
        deviates: &[f64],
    ) -> Option<String> {
        let mut bad = None;
        let grid: String = arm.grid.iter().map(|v| format!(",{v}")).collect();
        let residual = self.population.residual.as_ref();
        let width = simulation.trajectory.columns.len();
        for (row, time) in simulation
            .trajectory
            .times
            .iter()
            .enumerate()
            .take(times.len())
        {
            if selection.rows.get(row) == Some(&false) {
                continue;
            }
            for (name, column) in &selection.columns {
                let value = simulation.trajectory.values[row * width + column];
                let scenario = crate::csv::text_cell(&arm.scenario);
                let _ = write!(text, "{scenario}{grid},{id},{time},{name},{value}");
                match residual {
                    Some(r) if r.output == *name => {
                        let observation = r.model.observe(value, deviates[row]);
                        if !observation.is_finite() && value.is_finite() && bad.is_none() {
                            bad = Some(format!(
                                "the simulated observation of `{name}` for subject {id} in scenario `{}` at time {} is {observation} (prediction {}, residual error {:?})",
                                arm.scenario,
                                crate::diag::number(*time),
                                crate::diag::number(value),
                                r.model
                            ));
                        }
                        let _ = writeln!(text, ",{observation}");
                    }
                    Some(_) => text.push_str(",\n"),
                    None => text.push('\n'),
                }
            }
        }
        bad
    }
}

/// Runs subjects `range` (positions from 0) of the study in every arm on the current rayon
/// pool, giving each block of finished subjects to `sink` in subject order. Fails only when a
/// subject cannot be sampled or the sink fails; a subject whose simulation fails gets a row
/// saying why.
pub fn execute(
    study: &Study,
    range: Range<u64>,
    sink: &mut dyn RunSink,
    progress: Progress,
) -> Result<StudyResult, Diagnostic> {
    let times = study.output_times();
    let empty = || BandSet::new(study.arms.len(), study.tracked.len(), times.len());
    let workers = rayon::current_num_threads().max(1);
    let bands: Vec<Mutex<BandSet>> = (0..workers).map(|_| Mutex::new(empty())).collect();
    let typical = study
        .arms
        .iter()
        .map(|arm| {
            study
                .simulate_arm(arm, study.typical_subject(arm).parameters, &study.template)
                .map(|run| study.tracked_values(&run.simulation, times.len()))
        })
        .collect();
    let mut tally = Tally::new(study);
    let mut steps = 0;
    let (save, observe) = sink.wants();
    let save = save.as_ref();
    let observe = (observe.then(|| study.observation_id_stride())).transpose()?;
    let mut start = range.start;
    while start < range.end {
        let end = (start + BLOCK).min(range.end);
        let sampled: Vec<Subject> = (start..end)
            .into_par_iter()
            .map(|index| study.population.subject(index))
            .collect::<Result<_, String>>()
            .map_err(|message| crate::population::sampling_failed(&message))?;
        let outcomes: Vec<SubjectOutcome> = sampled
            .par_iter()
            .map(|subject| {
                let outcome = study.run_subject(subject, &times, &bands, save, observe);
                progress();
                outcome
            })
            .collect();
        crate::interrupt::check()?;
        if let Some(problem) = outcomes.iter().find_map(|o| o.bad_observation.clone()) {
            return Err(Diagnostic::new(problem)
                .path("population.residual.sd")
                .hint("the residual `sd` is far too large: for `proportional` and `exponential` it is a fraction (0.2 means 20%), for `additive` it is in the output's units"));
        }
        let mut rows: Vec<MetricRow> = Vec::with_capacity(outcomes.len() * study.arms.len());
        let (mut subjects, mut trajectories, mut observations) = (
            Vec::with_capacity(outcomes.len()),
            String::new(),
            String::new(),
        );
        for outcome in outcomes {
            steps += outcome.steps;
            subjects.push(outcome.record);
            rows.extend(outcome.rows);
            trajectories.push_str(&outcome.trajectories);
            observations.push_str(&outcome.observations);
        }
        rows.sort_by_key(|row| row.arm);
        rows.iter().for_each(|row| tally.add(row));
        sink.block(Block {
            subjects: &subjects,
            rows: &rows,
            trajectories: &trajectories,
            observations: &observations,
        })?;
        start = end;
    }
    let mut merged = empty();
    for set in bands {
        let set = set
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        merged.merge(&set).map_err(Diagnostic::new)?;
    }
    Ok(StudyResult {
        times,
        tally,
        bands: merged,
        typical,
        steps,
    })
}
