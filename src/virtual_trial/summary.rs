//! Operating characteristics of a design over its simulated trials: how often each level is
//! selected, the patients, DLTs and responses per trial at each level, beside the true
//! probabilities; and each trial's duration under a constant accrual rate.

use super::{TrialResult, TrialRun, VirtualTrial};

/// One level's row of the operating characteristics.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelCharacteristics {
    pub level: String,
    /// True P(DLT) and its standard error (reference patients).
    pub p_dlt: (f64, f64),
    /// True P(response) and its standard error; `None` without an efficacy readout.
    pub p_response: Option<(f64, f64)>,
    /// Percent of trials selecting the level.
    pub selected_percent: f64,
    /// Per trial, at this level.
    pub patients_mean: f64,
    pub dlts_mean: f64,
    /// NaN without an efficacy readout.
    pub responses_mean: f64,
}

/// The design's operating characteristics.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatingCharacteristics {
    pub levels: Vec<LevelCharacteristics>,
    /// Percent of trials selecting no dose.
    pub none_percent: f64,
    /// Per trial, over all levels.
    pub patients_mean: f64,
    pub dlts_mean: f64,
    pub responses_mean: f64,
    /// Mean trial duration in months, with accrual.
    pub duration_mean: Option<f64>,
    pub trials: u64,
}

/// Months in one unit of model time, for the units model files use; `None` for another.
pub fn months(unit: &str) -> Option<f64> {
    const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
    let days = match unit.trim().to_ascii_lowercase().as_str() {
        "min" | "minute" | "minutes" => 1.0 / 1440.0,
        "h" | "hr" | "hour" | "hours" => 1.0 / 24.0,
        "d" | "day" | "days" => 1.0,
        "wk" | "week" | "weeks" => 7.0,
        "month" | "months" => DAYS_PER_MONTH,
        "y" | "yr" | "year" | "years" => 365.25,
        _ => return None,
    };
    Some(days / DAYS_PER_MONTH)
}

impl VirtualTrial {
    /// A trial's duration in months with `accrual_per_month`: each cohort's patients arrive one
    /// every 1/rate months, and the next cohort starts when the last patient of this one has
    /// finished the DLT window (`toxicity.within`). `None` without accrual.
    pub fn duration_months(&self, run: &TrialRun) -> Option<f64> {
        let (rate, months) = (self.accrual_per_month?, self.months_per_time_unit?);
        let window = self.toxicity.window * months;
        let mut duration = 0.0;
        let mut cohort = 0;
        for patient in &run.trial.patients {
            if patient.cohort != cohort {
                if cohort != 0 {
                    duration += window;
                }
                cohort = patient.cohort;
            }
            duration += 1.0 / rate;
        }
        Some(duration + if cohort != 0 { window } else { 0.0 })
    }
}

/// The operating characteristics of `result`.
pub fn operating_characteristics(
    virtual_trial: &VirtualTrial,
    result: &TrialResult,
) -> OperatingCharacteristics {
    let levels = virtual_trial.levels().len();
    let trials = result.runs.len().max(1) as f64;
    let mut selected = vec![0u64; levels];
    let mut none = 0u64;
    let mut sums = vec![(0u64, 0u64, 0u64); levels];
    let mut duration = 0.0;
    for run in &result.runs {
        match run.trial.selected {
            Some(level) => selected[level] += 1,
            None => none += 1,
        }
        for patient in &run.trial.patients {
            let sum = &mut sums[patient.level];
            sum.0 += 1;
            sum.1 += u64::from(patient.dlt);
            sum.2 += u64::from(patient.response);
        }
        duration += virtual_trial.duration_months(run).unwrap_or(0.0);
    }
    let rows = (0..levels)
        .map(|level| LevelCharacteristics {
            level: virtual_trial.levels()[level].scenario.clone(),
            p_dlt: result.truth[level].p_dlt(),
            p_response: (virtual_trial.efficacy.is_some())
                .then(|| result.truth[level].p_response()),
            selected_percent: 100.0 * selected[level] as f64 / trials,
            patients_mean: sums[level].0 as f64 / trials,
            dlts_mean: sums[level].1 as f64 / trials,
            responses_mean: match virtual_trial.efficacy {
                Some(_) => sums[level].2 as f64 / trials,
                None => f64::NAN,
            },
        })
        .collect::<Vec<_>>();
    let total = |f: fn(&LevelCharacteristics) -> f64| rows.iter().map(f).sum::<f64>();
    OperatingCharacteristics {
        none_percent: 100.0 * none as f64 / trials,
        patients_mean: total(|r| r.patients_mean),
        dlts_mean: total(|r| r.dlts_mean),
        responses_mean: total(|r| r.responses_mean),
        duration_mean: (virtual_trial.accrual_per_month.is_some()).then(|| duration / trials),
        trials: result.runs.len() as u64,
        levels: rows,
    }
}
