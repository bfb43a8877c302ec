//! The BOIN design (Liu & Yuan 2015, with the BOIN R package's defaults): its interval
//! boundaries, the elimination of overly toxic levels, and a trial run cohort by cohort.

use super::{
    DesignError, LevelCounts, Patients, Recorder, Stop, Trial, check_levels, invalid,
    regularized_incomplete_beta, select_dose,
};

/// A level is eliminated when P(DLT rate > target | data) exceeds this (package `cutoff.eli`).
pub const ELIMINATION_CUTOFF: f64 = 0.95;
/// Patients needed at a level before it can be eliminated.
pub const ELIMINATION_MIN_PATIENTS: usize = 3;
/// The largest maximum sample size accepted.
pub const MAX_PATIENTS: usize = 10_000;

/// BOIN's escalation and de-escalation boundaries on the observed DLT rate at a level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundaries {
    /// lambda_e: escalate when dlts/n <= this.
    pub escalate: f64,
    /// lambda_d: de-escalate when dlts/n >= this.
    pub deescalate: f64,
}

/// The boundaries for target DLT rate `target` with phi_1 = 0.6 target and phi_2 = 1.4 target
/// (Liu & Yuan 2015; BOIN package defaults). The target must lie in (0, 1/1.4) so that phi_2 < 1.
pub fn boundaries(target: f64) -> Result<Boundaries, DesignError> {
    let upper = 1.0 / 1.4;
    if !(target > 0.0 && target < upper) {
        let message = format!(
            "the target DLT rate must be above 0 and below {upper:.4} (so that 1.4 x target, the rate deemed too toxic, is below 1), got {target}"
        );
        return Err(invalid("target", message));
    }
    let phi = target;
    let (phi1, phi2) = (0.6 * phi, 1.4 * phi);
    let escalate =
        ((1.0 - phi1) / (1.0 - phi)).ln() / (phi * (1.0 - phi1) / (phi1 * (1.0 - phi))).ln();
    let deescalate =
        ((1.0 - phi) / (1.0 - phi2)).ln() / (phi2 * (1.0 - phi) / (phi * (1.0 - phi2))).ln();
    Ok(Boundaries {
        escalate,
        deescalate,
    })
}

/// P(p > target | `dlts` DLTs in `n` patients) under a Beta(1, 1) prior, i.e. the upper tail of
/// Beta(1 + dlts, 1 + n - dlts) at `target` (computed as I_{1-target}(1 + n - dlts, 1 + dlts)).
/// DLTs beyond `n` count as `n`.
pub fn overdose_probability(n: usize, dlts: usize, target: f64) -> f64 {
    let dlts = dlts.min(n);
    regularized_incomplete_beta(1.0 - target, (1 + n - dlts) as f64, (1 + dlts) as f64)
}

/// Whether `dlts` of `n` patients eliminate a level: n >= 3 and P(p > target | data) > 0.95.
pub fn eliminates(n: usize, dlts: usize, target: f64) -> bool {
    n >= ELIMINATION_MIN_PATIENTS && overdose_probability(n, dlts, target) > ELIMINATION_CUTOFF
}

/// A BOIN design: target DLT rate, cohort size, maximum sample size, levels and start level.
#[derive(Debug, Clone, PartialEq)]
pub struct Boin {
    target: f64,
    cohort: usize,
    max_n: usize,
    levels: usize,
    start: usize,
    boundaries: Boundaries,
}

impl Boin {
    /// Checks the parameters: target in (0, 1/1.4), cohort >= 1, cohort <= max_n <= 10,000,
    /// 1 to 100 levels, start < levels (0-based).
    pub fn new(
        target: f64,
        cohort: usize,
        max_n: usize,
        levels: usize,
        start: usize,
    ) -> Result<Self, DesignError> {
        let boundaries = boundaries(target)?;
        if cohort == 0 {
            return Err(invalid(
                "cohort",
                "the cohort size must be at least 1".to_string(),
            ));
        }
        if max_n < cohort || max_n > MAX_PATIENTS {
            let message = format!(
                "the maximum sample size must be at least the cohort size ({cohort}) and at most {MAX_PATIENTS}, got {max_n}"
            );
            return Err(invalid("max_n", message));
        }
        check_levels(levels, start)?;
        Ok(Boin {
            target,
            cohort,
            max_n,
            levels,
            start,
            boundaries,
        })
    }

    pub fn target(&self) -> f64 {
        self.target
    }

    pub fn cohort(&self) -> usize {
        self.cohort
    }

    pub fn max_n(&self) -> usize {
        self.max_n
    }

    pub fn levels(&self) -> usize {
        self.levels
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn boundaries(&self) -> Boundaries {
        self.boundaries
    }

    /// Runs one trial: cohorts until max_n patients or the lowest level is eliminated, then
    /// the selection of [`select_dose`].
    pub fn run<P: Patients + ?Sized>(&self, patients: &mut P) -> Result<Trial, P::Error> {
        let mut trial = Recorder::new(patients, self.levels);
        let mut level = self.start;
        // The highest level not eliminated; elimination only ever lowers it.
        let mut highest_allowed = self.levels - 1;
        while trial.path.len() < self.max_n {
            let size = self.cohort.min(self.max_n - trial.path.len());
            trial.cohort(level, size)?;
            let LevelCounts { n, dlts } = trial.at(level);
            if eliminates(n, dlts, self.target) {
                match level.checked_sub(1) {
                    None => return trial.finish(None, Stop::LowestLevelEliminated),
                    Some(below) => {
                        highest_allowed = below;
                        level = below;
                    }
                }
                continue;
            }
            let rate = dlts as f64 / n.max(1) as f64;
            if rate <= self.boundaries.escalate {
                if level < highest_allowed {
                    level += 1;
                }
            } else if rate >= self.boundaries.deescalate && level > 0 {
                level -= 1;
            }
        }
        let selected = select_dose(self.target, &trial.counts);
        trial.finish(selected, Stop::MaxSampleSize)
    }
}
