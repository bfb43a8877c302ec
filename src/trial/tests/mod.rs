//! Tests of the dose-escalation designs against independent computations: published BOIN
//! boundaries and elimination table, binomial sums for the Beta tail, exact 3+3 selection
//! probabilities, hand-traced paths, BOIN operating characteristics from an independent Python
//! simulator (`tests/data/reference/make_boin_oc.py`).

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod beta;
mod boin;
mod boin_oc;
mod select;
mod three_plus_three;

/// Patients whose DLT (and, with probability one half, response) is a Bernoulli draw with the
/// level's true DLT probability.
struct Bernoulli {
    p_dlt: Vec<f64>,
    rng: ChaCha8Rng,
}

impl Bernoulli {
    fn new(p_dlt: &[f64], seed: u64) -> Self {
        Bernoulli {
            p_dlt: p_dlt.to_vec(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl Patients for Bernoulli {
    type Error = std::convert::Infallible;

    fn enrol(&mut self, level: usize) -> Result<Outcome, Self::Error> {
        let p = self.p_dlt.get(level).copied().unwrap_or(1.0);
        let dlt = self.rng.random::<f64>() < p;
        let response = self.rng.random::<f64>() < 0.5;
        Ok(Outcome { dlt, response })
    }
}

/// Patients whose DLTs are a fixed sequence (no DLT once it runs out), remembering the level
/// each was enrolled at.
struct Sequence {
    dlts: Vec<bool>,
    levels: Vec<usize>,
}

impl Sequence {
    /// From a string of `T` (DLT) and `N` (no DLT); other characters are ignored.
    fn new(outcomes: &str) -> Self {
        let dlts = outcomes
            .chars()
            .filter(|c| matches!(c, 'T' | 'N'))
            .map(|c| c == 'T')
            .collect();
        Sequence {
            dlts,
            levels: Vec::new(),
        }
    }
}

impl Patients for Sequence {
    type Error = std::convert::Infallible;

    fn enrol(&mut self, level: usize) -> Result<Outcome, Self::Error> {
        let dlt = self.dlts.get(self.levels.len()).copied().unwrap_or(false);
        self.levels.push(level);
        Ok(Outcome {
            dlt,
            response: !dlt,
        })
    }
}

/// n choose k as a float.
fn choose(n: u64, k: u64) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// P(Binomial(n, p) = k).
fn binomial(n: u64, k: u64, p: f64) -> f64 {
    choose(n, k) * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}

#[test]
fn stop_reasons_read_as_protocols_write_them() {
    assert_eq!(
        Stop::TooManyDlts { level: 0 }.to_string(),
        "two or more DLTs at the first level"
    );
    assert_eq!(
        Stop::TooManyDlts { level: 2 }.to_string(),
        "two or more DLTs at dose level 3"
    );
    assert_eq!(Stop::TopLevelCleared.to_string(), "top level cleared");
    assert_eq!(
        Stop::LowestLevelEliminated.to_string(),
        "lowest level eliminated"
    );
    assert_eq!(
        Stop::MaxSampleSize.to_string(),
        "maximum sample size reached"
    );
}

#[test]
fn parameters_out_of_range_are_refused_with_the_parameter_named() {
    let refused = |result: Result<Design, DesignError>| result.err().map(|e| e.parameter);
    let boin = |t, c, m, l, s| Boin::new(t, c, m, l, s).map(Design::Boin);
    assert_eq!(refused(boin(0.0, 3, 30, 5, 0)), Some("target"));
    assert_eq!(refused(boin(1.0, 3, 30, 5, 0)), Some("target"));
    assert_eq!(refused(boin(0.75, 3, 30, 5, 0)), Some("target"));
    assert_eq!(refused(boin(f64::NAN, 3, 30, 5, 0)), Some("target"));
    assert_eq!(refused(boin(0.3, 0, 30, 5, 0)), Some("cohort"));
    assert_eq!(refused(boin(0.3, 3, 2, 5, 0)), Some("max_n"));
    assert_eq!(refused(boin(0.3, 3, usize::MAX, 5, 0)), Some("max_n"));
    assert_eq!(refused(boin(0.3, 3, 30, 0, 0)), Some("levels"));
    assert_eq!(refused(boin(0.3, 3, 30, 5, 5)), Some("start"));
    assert_eq!(refused(boin(0.3, 1, 1, 1, 0)), None);
    let three = |l, s| ThreePlusThree::new(l, s, false).map(Design::ThreePlusThree);
    assert_eq!(refused(three(0, 0)), Some("levels"));
    assert_eq!(refused(three(4, 4)), Some("start"));
    assert_eq!(refused(three(1, 0)), None);
    let message = Boin::new(0.3, 3, 30, 5, 7).unwrap_err().to_string();
    assert!(message.starts_with("start: "), "{message}");
}

#[test]
fn the_same_seed_gives_the_same_trial_paths() {
    let p = [0.05, 0.15, 0.30, 0.50];
    let designs = [
        Design::ThreePlusThree(ThreePlusThree::new(4, 0, false).unwrap()),
        Design::ThreePlusThree(ThreePlusThree::new(4, 1, true).unwrap()),
        Design::Boin(Boin::new(0.3, 3, 30, 4, 0).unwrap()),
    ];
    for design in &designs {
        let run = |seed| {
            let mut patients = Bernoulli::new(&p, seed);
            (0..200)
                .map(|_| design.run(&mut patients))
                .collect::<Vec<_>>()
        };
        let (first, again, other) = (run(11), run(11), run(12));
        assert_eq!(first, again);
        assert_ne!(first, other);
    }
}

#[test]
fn a_path_numbers_patients_and_cohorts_from_one() {
    let design = Boin::new(0.3, 3, 8, 3, 0).unwrap();
    let trial =
        (design.run(&mut Sequence::new("NNN NNN NN"))).unwrap_or_else(|never| match never {});
    let numbers: Vec<(usize, usize, usize)> = trial
        .patients
        .iter()
        .map(|p| (p.order, p.cohort, p.level))
        .collect();
    let expected = [
        (1, 1, 0),
        (2, 1, 0),
        (3, 1, 0),
        (4, 2, 1),
        (5, 2, 1),
        (6, 2, 1),
        (7, 3, 2),
        (8, 3, 2),
    ];
    assert_eq!(numbers, expected);
    assert_eq!(trial.stop, Stop::MaxSampleSize);
    assert_eq!(trial.counts(3)[2], LevelCounts { n: 2, dlts: 0 });
}
