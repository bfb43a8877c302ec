//! The search of a calibration: Nelder-Mead from several starts on the unconstrained scale, the
//! profile-likelihood 95% interval of every quantity, and the Monte Carlo error of the
//! objective at the optimum.

use super::nelder_mead::{Settings, minimize};
use super::objective::PatientValues;
use super::{Calibration, Evaluation};
use crate::diag::Diagnostic;
use crate::metrics::summary::PROFILE_RISE;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::Cell;

/// When a simplex search stops: values within 1e-6 of -2LL (far below its Monte Carlo error)
/// and vertices within 1e-4 on the unconstrained scale (0.01% of a value's log range).
const SEARCH: Settings = Settings {
    initial_step: 0.5,
    value_tolerance: 1e-6,
    point_tolerance: 1e-4,
    max_evaluations: 400,
};
/// Offsets of the extra starts on the unconstrained scale (the start itself is the first).
const START_OFFSETS: [f64; 2] = [-1.0, 1.0];
/// Bootstrap resamples of the patients for the objective's Monte Carlo error.
const BOOTSTRAP: usize = 200;
/// The unconstrained coordinate beyond which a profile has reached the bound.
const FAR: f64 = 12.0;

/// One quantity's profile: (value, -2LL) points and the 95% interval (a bound where the rise
/// is not reached inside it).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub points: Vec<(f64, f64)>,
    pub low: f64,
    pub high: f64,
}

/// A finished calibration.
#[derive(Debug, Clone)]
pub struct CalibrationResult {
    /// One per quantity, natural scale.
    pub estimates: Vec<f64>,
    pub optimum: Evaluation,
    pub profiles: Vec<Profile>,
    /// Bootstrap SD of -2LL at the optimum over resampled patients.
    pub objective_se: f64,
    pub converged: bool,
    pub reason: String,
    pub evaluations: u64,
}

/// -2LL as a function of the free coordinates, with some quantities held fixed.
struct Objective<'a> {
    calibration: &'a Calibration,
    fixed: Vec<Option<f64>>,
    evaluations: &'a Cell<u64>,
}

impl Objective<'_> {
    fn values(&self, free: &[f64]) -> Vec<f64> {
        let mut free = free.iter();
        (self.calibration.quantities.iter().zip(&self.fixed))
            .map(|(q, fixed)| q.value(fixed.unwrap_or_else(|| *free.next().unwrap_or(&0.0))))
            .collect()
    }
}

impl Objective<'_> {
    fn evaluate(&self, free: &[f64]) -> Result<f64, Diagnostic> {
        self.evaluations.set(self.evaluations.get() + 1);
        Ok(self.calibration.evaluate(&self.values(free))?.objective)
    }
}

/// The best of simplex searches from `starts` (free coordinates): (coordinates, -2LL,
/// converged).
fn best_of(
    objective: &Objective,
    starts: &[Vec<f64>],
) -> Result<(Vec<f64>, f64, bool), Diagnostic> {
    let mut best: Option<(Vec<f64>, f64, bool)> = None;
    for start in starts {
        let found = minimize(&mut |u| objective.evaluate(u), start, SEARCH)?;
        if best.as_ref().is_none_or(|b| found.value < b.1) {
            best = Some((found.point, found.value, found.converged));
        }
    }
    best.ok_or_else(|| Diagnostic::new("no start to search from"))
}

/// The calibration's optimum, profiles and Monte Carlo error.
pub fn search(calibration: &Calibration) -> Result<CalibrationResult, Diagnostic> {
    let evaluations = Cell::new(0);
    let count = calibration.quantities.len();
    let objective = Objective {
        calibration,
        fixed: vec![None; count],
        evaluations: &evaluations,
    };
    let start: Vec<f64> = (calibration.quantities.iter())
        .map(|q| q.coordinate(q.start))
        .collect();
    computable(
        calibration,
        &calibration.evaluate(&objective.values(&start))?,
    )?;
    let mut starts = vec![start.clone()];
    starts.extend(
        START_OFFSETS
            .iter()
            .map(|d| start.iter().map(|u| u + d).collect()),
    );
    let (optimum, minimum, converged) = best_of(&objective, &starts)?;
    let reason = match converged {
        true => "the simplex shrank below the tolerances".to_string(),
        false => format!(
            "{} evaluations without meeting the tolerances",
            SEARCH.max_evaluations
        ),
    };
    let estimates = objective.values(&optimum);
    let profiles = (0..count)
        .map(|k| profile(calibration, &evaluations, &optimum, minimum, k))
        .collect::<Result<Vec<_>, _>>()?;
    let patients = calibration.patient_values(&estimates)?;
    evaluations.set(evaluations.get() + 1);
    let optimum_evaluation = calibration.score(
        &patients,
        &(0..calibration.subjects as usize).collect::<Vec<_>>(),
    );
    Ok(CalibrationResult {
        objective_se: bootstrap(calibration, &patients),
        estimates,
        optimum: optimum_evaluation,
        profiles,
        converged,
        reason,
        evaluations: evaluations.get(),
    })
}

/// Refuses a start at which a target cannot be computed (every patient's simulation failed, or
/// the metric is undefined for all of them): nothing could be calibrated to it.
fn computable(calibration: &Calibration, evaluation: &Evaluation) -> Result<(), Diagnostic> {
    let targets = calibration.targets.iter().zip(&evaluation.targets);
    match targets.enumerate().find(|(_, (_, value))| value.simulated.is_nan()) {
        None => Ok(()),
        Some((k, (target, _))) => Err(Diagnostic::new(format!(
            "target {} (`{}` in scenario `{}`) cannot be computed at the start: {} of the patients' simulations failed and no patient has the metric",
            k + 1,
            target.metric,
            target.scenario,
            evaluation.failed
        ))
        .path(format!("targets.{k}"))
        .hint("run the run file with `cartsim run` and look at metrics.csv: the metric must be defined for some patients (e.g. time_to_relapse needs relapses)")),
    }
}

/// The profile of quantity `k`: -2LL minimized over the others with `k` held, walked out
/// from the optimum on each side until it rises by `PROFILE_RISE` (or reaches the bound).
fn profile(
    calibration: &Calibration,
    evaluations: &Cell<u64>,
    optimum: &[f64],
    minimum: f64,
    k: usize,
) -> Result<Profile, Diagnostic> {
    let quantity = &calibration.quantities[k];
    let others: Vec<f64> = (optimum.iter().enumerate())
        .filter(|(j, _)| *j != k)
        .map(|(_, u)| *u)
        .collect();
    let profile_at = |u: f64| -> Result<f64, Diagnostic> {
        let mut fixed = vec![None; optimum.len()];
        fixed[k] = Some(u);
        let objective = Objective {
            calibration,
            fixed,
            evaluations,
        };
        Ok(best_of(&objective, std::slice::from_ref(&others))?.1)
    };
    let points = std::cell::RefCell::new(vec![(quantity.value(optimum[k]), minimum)]);
    let at = |u: f64| -> Result<f64, Diagnostic> {
        let value = profile_at(u)?;
        points.borrow_mut().push((quantity.value(u), value));
        Ok(value)
    };
    let mut limits = [quantity.lower, quantity.upper];
    for (side, direction) in [-1.0, 1.0].into_iter().enumerate() {
        let (mut inside, mut inside_value, mut step) = (optimum[k], minimum, 0.25);
        loop {
            let u = inside + direction * step;
            if u.abs() > FAR {
                break;
            }
            let value = at(u)?;
            if value - minimum >= PROFILE_RISE {
                limits[side] =
                    quantity.value(crossing(&at, (inside, inside_value), (u, value), minimum)?);
                break;
            }
            (inside, inside_value) = (u, value);
            step *= 1.5;
        }
    }
    let mut points = points.into_inner();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(Profile {
        points,
        low: limits[0],
        high: limits[1],
    })
}

/// Where the profile crosses `minimum + PROFILE_RISE` between `below` (under it) and `above`
/// (over it), both (coordinate, -2LL): four steps of regula falsi (the profile is close to a
/// parabola there), each evaluating the profile once.
fn crossing(
    at: &dyn Fn(f64) -> Result<f64, Diagnostic>,
    mut below: (f64, f64),
    mut above: (f64, f64),
    minimum: f64,
) -> Result<f64, Diagnostic> {
    let level = minimum + PROFILE_RISE;
    let interpolate =
        |a: (f64, f64), b: (f64, f64)| a.0 + (level - a.1) * (b.0 - a.0) / (b.1 - a.1);
    for _ in 0..4 {
        let u = interpolate(below, above);
        let value = at(u)?;
        match value >= level {
            true => above = (u, value),
            false => below = (u, value),
        }
    }
    Ok(interpolate(below, above))
}

/// SD of -2LL over bootstrap resamples of the patients (fixed seed: reproducible).
fn bootstrap(calibration: &Calibration, patients: &PatientValues) -> f64 {
    let n = calibration.subjects as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(calibration.seed ^ 0x0b00_75e1);
    let values: Vec<f64> = (0..BOOTSTRAP)
        .map(|_| {
            let chosen: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            calibration.score(patients, &chosen).objective
        })
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}
