//! Running a virtual trial: every trial of the design over its own patients, and the reference
//! patients at every level, in parallel (rayon) and in order, so results do not depend on the
//! thread count. A stop request (`interrupt`) ends the run between blocks of trials.

use super::patients::{PatientRecord, TrialPatients};
use super::{REFERENCE_TRIAL, VirtualTrial};
use crate::diag::Diagnostic;
use crate::population::sampling_failed;
use crate::study::Progress;
use crate::trial::Trial;
use rayon::prelude::*;

/// Trials (or reference patients) per block between stop checks.
const BLOCK: u64 = 1024;

/// One simulated trial: the design's path and selection, and each patient's draw and readouts
/// in enrolment order.
#[derive(Debug, Clone)]
pub struct TrialRun {
    pub trial: Trial,
    pub patients: Vec<PatientRecord>,
}

/// The true probabilities at one level, from the reference patients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelTruth {
    pub n: u64,
    pub dlts: u64,
    pub responses: u64,
}

impl LevelTruth {
    /// A proportion of the reference patients with its binomial standard error.
    fn rate(&self, count: u64) -> (f64, f64) {
        let p = count as f64 / self.n as f64;
        (p, (p * (1.0 - p) / self.n as f64).sqrt())
    }

    /// P(DLT) and its standard error.
    pub fn p_dlt(&self) -> (f64, f64) {
        self.rate(self.dlts)
    }

    /// P(response) and its standard error.
    pub fn p_response(&self) -> (f64, f64) {
        self.rate(self.responses)
    }
}

/// Everything a virtual trial produces before it is written.
#[derive(Debug, Clone)]
pub struct TrialResult {
    /// In trial order.
    pub runs: Vec<TrialRun>,
    /// Per level, lowest first.
    pub truth: Vec<LevelTruth>,
    /// Patients simulated: in the trials and as references.
    pub simulations: u64,
}

/// Runs the reference patients and every trial; `progress` is called once per reference
/// simulation and once per trial.
pub fn execute(
    virtual_trial: &VirtualTrial,
    progress: Progress,
) -> Result<TrialResult, Diagnostic> {
    let truth = reference(virtual_trial, progress)?;
    let mut runs = Vec::with_capacity(virtual_trial.trials.min(1 << 20) as usize);
    let mut start = 0;
    while start < virtual_trial.trials {
        let end = (start + BLOCK).min(virtual_trial.trials);
        let block: Vec<TrialRun> = (start..end)
            .into_par_iter()
            .map(|trial| run_one(virtual_trial, trial, progress))
            .collect::<Result<_, _>>()?;
        crate::interrupt::check()?;
        runs.extend(block);
        start = end;
    }
    let trial_patients: u64 = runs.iter().map(|r| r.patients.len() as u64).sum();
    let levels = virtual_trial.levels().len() as u64;
    Ok(TrialResult {
        runs,
        truth,
        simulations: trial_patients + levels * virtual_trial.reference_patients,
    })
}

fn run_one(
    virtual_trial: &VirtualTrial,
    trial: u64,
    progress: Progress,
) -> Result<TrialRun, Diagnostic> {
    let mut patients = TrialPatients {
        virtual_trial,
        trial,
        records: Vec::new(),
    };
    let path = virtual_trial.design.run(&mut patients);
    progress();
    Ok(TrialRun {
        trial: path?,
        patients: patients.records,
    })
}

/// The reference patients, the same draws at every level.
fn reference(
    virtual_trial: &VirtualTrial,
    progress: Progress,
) -> Result<Vec<LevelTruth>, Diagnostic> {
    let levels = virtual_trial.levels().len();
    let empty = LevelTruth {
        n: 0,
        dlts: 0,
        responses: 0,
    };
    let mut truth = vec![empty; levels];
    let mut start = 0;
    let total = virtual_trial.reference_patients;
    while start < total {
        let end = (start + BLOCK).min(total);
        let outcomes: Vec<Vec<(bool, bool)>> = (start..end)
            .into_par_iter()
            .map(|k| reference_patient(virtual_trial, k + 1, progress))
            .collect::<Result<_, _>>()?;
        crate::interrupt::check()?;
        for patient in outcomes {
            for (level, (dlt, response)) in patient.into_iter().enumerate() {
                truth[level].n += 1;
                truth[level].dlts += u64::from(dlt);
                truth[level].responses += u64::from(response);
            }
        }
        start = end;
    }
    Ok(truth)
}

/// Reference patient `order` (from 1) at every level: (DLT, response) per level.
fn reference_patient(
    virtual_trial: &VirtualTrial,
    order: u64,
    progress: Progress,
) -> Result<Vec<(bool, bool)>, Diagnostic> {
    let population = &virtual_trial.study.population;
    let context = |message: String| format!("reference patient {order}: {message}");
    let subject = (population.patient(virtual_trial.seed, REFERENCE_TRIAL, order))
        .map_err(|message| sampling_failed(&context(message)))?;
    (0..virtual_trial.levels().len())
        .map(|level| {
            let treated = virtual_trial.treat(&subject, level).map_err(|mut d| {
                let name = &virtual_trial.levels()[level].scenario;
                d.message = context(format!("at level `{name}`: {}", d.message));
                d
            })?;
            progress();
            Ok((treated.outcome.dlt, treated.outcome.response))
        })
        .collect()
}
