//! The 3+3 design: cohorts of 3, escalation on 0/3 or at most 1/6, stop at 2 or more DLTs, with
//! or without expanding the levels below to 6 patients before selecting one.

use super::{DesignError, Patients, Recorder, Stop, Trial, check_levels};

/// Patients per cohort.
pub const COHORT: usize = 3;
/// Patients a level needs, with de-escalation, before it is selected after a toxicity stop.
const EXPANDED: usize = 6;

/// A 3+3 design over `levels` dose levels from level `start` (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreePlusThree {
    levels: usize,
    start: usize,
    deescalate: bool,
}

impl ThreePlusThree {
    /// Checks the parameters: 1 to 100 levels, start < levels.
    pub fn new(levels: usize, start: usize, deescalate: bool) -> Result<Self, DesignError> {
        check_levels(levels, start)?;
        Ok(ThreePlusThree {
            levels,
            start,
            deescalate,
        })
    }

    pub fn levels(&self) -> usize {
        self.levels
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn deescalate(&self) -> bool {
        self.deescalate
    }

    /// Runs one trial (the rules are in the module documentation of [`crate::trial`]).
    pub fn run<P: Patients + ?Sized>(&self, patients: &mut P) -> Result<Trial, P::Error> {
        let mut trial = Recorder::new(patients, self.levels);
        let mut level = self.start;
        // Escalation: each level is new when reached, so its counts are this level's cohorts.
        let toxic = loop {
            trial.cohort(level, COHORT)?;
            if trial.at(level).dlts == 1 {
                trial.cohort(level, COHORT)?;
            }
            if trial.at(level).dlts >= 2 {
                break level;
            }
            if level + 1 >= self.levels {
                return trial.finish(Some(level), Stop::TopLevelCleared);
            }
            level += 1;
        };
        if !self.deescalate {
            return trial.finish(toxic.checked_sub(1), Stop::TooManyDlts { level: toxic });
        }
        let (selected, lowest_toxic) = expand_below(&mut trial, toxic)?;
        trial.finish(
            selected,
            Stop::TooManyDlts {
                level: lowest_toxic,
            },
        )
    }
}

/// De-escalation after 2 or more DLTs at `toxic`: the level below is expanded to 6 patients
/// (cohorts of 3, stopping once it has 2 DLTs) and selected with at most 1 DLT; otherwise it is
/// toxic in turn. Returns the selected level and the lowest level found toxic.
fn expand_below<P: Patients + ?Sized>(
    trial: &mut Recorder<'_, P>,
    toxic: usize,
) -> Result<(Option<usize>, usize), P::Error> {
    let mut toxic = toxic;
    while let Some(below) = toxic.checked_sub(1) {
        while trial.at(below).n < EXPANDED && trial.at(below).dlts < 2 {
            let size = COHORT.min(EXPANDED - trial.at(below).n);
            trial.cohort(below, size)?;
        }
        if trial.at(below).dlts < 2 {
            return Ok((Some(below), toxic));
        }
        toxic = below;
    }
    Ok((None, toxic))
}
