//! One virtual patient treated at one level: the simulation, its toxicity and efficacy
//! readouts, and the patient source a design enrols from.

use super::{Readout, Side, VirtualTrial};
use crate::diag::Diagnostic;
use crate::population::Subject;
use crate::simulate::{SimError, Simulation, locate_peaks, simulate};
use crate::trial::{Outcome, Patients};

/// What one treated patient showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Treated {
    pub outcome: Outcome,
    /// The toxicity output's maximum in its window.
    pub toxicity_max: f64,
}

/// A patient of a trial's path: the draw and what treating it showed.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub subject: Subject,
    pub treated: Treated,
}

impl VirtualTrial {
    /// Simulates `subject` at dose level `level` (0-based) and reads its outcome.
    pub fn treat(&self, subject: &Subject, level: usize) -> Result<Treated, Diagnostic> {
        let study = &self.study;
        let arm = &self.levels()[level];
        let parameters = study
            .population
            .individual_parameters(&arm.parameters, subject);
        let doses = arm.regimen.events(&parameters)?;
        let first = doses.first().map_or(study.template.start, |d| d.time);
        let mut plan = study.template.plan_with(parameters, doses);
        plan.end = first.max(plan.start) + self.horizon();
        let failed = |e: SimError| e.diagnostic();
        let simulation = simulate(&study.model, &plan).map_err(failed)?;
        let peak = locate_peaks(&study.model, &plan, &simulation, &[self.toxicity.column])
            .map_err(failed)?
            .pop()
            .flatten();
        let toxicity = &self.toxicity;
        let mut toxicity_max = extreme(&simulation, toxicity, first, Side::Above);
        if let Some(peak) = peak.filter(|p| in_window(p.tmax, first, toxicity.window)) {
            toxicity_max = toxicity_max.max(peak.cmax);
        }
        let dlt = toxicity_max > toxicity.threshold;
        let response = self.efficacy.as_ref().is_some_and(|efficacy| {
            let value = extreme(&simulation, efficacy, first, efficacy.side);
            match efficacy.side {
                Side::Above => value > efficacy.threshold,
                Side::Below => value < efficacy.threshold,
            }
        });
        Ok(Treated {
            outcome: Outcome { dlt, response },
            toxicity_max,
        })
    }
}

/// Whether `time` lies in [first, first + window] (to a relative 1e-12 of the window's end).
fn in_window(time: f64, first: f64, window: f64) -> bool {
    let slack = 1e-12 * (first.abs() + window);
    time >= first - slack && time <= first + window + slack
}

/// The largest (`Above`) or smallest (`Below`) finite value of the readout's column at the
/// output times in its window; NaN when there is none.
fn extreme(simulation: &Simulation, readout: &Readout, first: f64, side: Side) -> f64 {
    let trajectory = &simulation.trajectory;
    let values = (trajectory.times.iter().enumerate())
        .filter(|(_, t)| in_window(**t, first, readout.window))
        .map(|(row, _)| trajectory.row(row)[readout.column])
        .filter(|v| v.is_finite());
    match side {
        Side::Above => values.fold(f64::NAN, f64::max),
        Side::Below => values.fold(f64::NAN, f64::min),
    }
}

/// The patients of one trial: patient k (from 1) is drawn from stream (seed, trial, k).
pub(super) struct TrialPatients<'a> {
    pub virtual_trial: &'a VirtualTrial,
    pub trial: u64,
    pub records: Vec<PatientRecord>,
}

impl Patients for TrialPatients<'_> {
    type Error = Diagnostic;

    fn enrol(&mut self, level: usize) -> Result<Outcome, Diagnostic> {
        let vt = self.virtual_trial;
        let order = self.records.len() as u64 + 1;
        let name = vt.levels()[level].scenario.as_str();
        let context = |message: String| {
            format!(
                "trial {}, patient {order} at level `{name}`: {message}",
                self.trial + 1
            )
        };
        let subject = (vt.study.population.patient(vt.seed, self.trial, order))
            .map_err(|message| crate::population::sampling_failed(&context(message)))?;
        let treated = vt.treat(&subject, level).map_err(|mut diagnostic| {
            diagnostic.message = context(diagnostic.message);
            diagnostic
        })?;
        let outcome = treated.outcome;
        self.records.push(PatientRecord { subject, treated });
        Ok(outcome)
    }
}
