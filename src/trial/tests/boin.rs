//! BOIN boundaries against the published ones, and trials on fixed outcome sequences traced by
//! hand.

use super::*;

#[test]
fn boundaries_equal_the_published_ones_to_three_decimals() {
    // Liu & Yuan (2015) and the BOIN package (get.boundary) for targets 0.2, 0.25, 0.3. The
    // formulas give 0.157242/0.238462, 0.196801/0.298392 and 0.236491/0.358519: the published
    // 0.358 is 0.358519 cut (not rounded) to 3 decimals, so each published value must be the
    // computed one rounded or truncated to 3 decimals (within 0.001 either way).
    let published = [
        (0.2, 0.157, 0.238),
        (0.25, 0.197, 0.298),
        (0.3, 0.236, 0.358),
    ];
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let truncate = |x: f64| (x * 1000.0).floor() / 1000.0;
    let matches = |computed: f64, published: f64| {
        round(computed) == published || truncate(computed) == published
    };
    for (target, escalate, deescalate) in published {
        let b = boundaries(target).unwrap();
        assert!(
            matches(b.escalate, escalate),
            "target {target}: lambda_e {}",
            b.escalate
        );
        assert!(
            matches(b.deescalate, deescalate),
            "target {target}: lambda_d {}",
            b.deescalate
        );
    }
    let b = boundaries(0.3).unwrap();
    assert!(
        (b.escalate - 0.236491).abs() < 1e-6 && (b.deescalate - 0.358519).abs() < 1e-6,
        "{b:?}"
    );
}

#[test]
fn a_trial_on_a_fixed_sequence_follows_the_hand_traced_path() {
    // Target 0.3 (lambda_e = 0.236, lambda_d = 0.358), cohorts of 3, max_n 18, 4 levels from 0.
    // Cohort 1, level 0: NNN, 0/3 = 0 <= 0.236: escalate to level 1.
    // Cohort 2, level 1: TNN, 1/3 = 0.333, between: stay.
    // Cohort 3, level 1: NNN, 1/6 = 0.167 <= 0.236: escalate to level 2.
    // Cohort 4, level 2: TTT, 3/3: P(p > 0.3 | Beta(4, 1)) = 1 - 0.3^4 = 0.992 > 0.95, so levels
    //   2 and 3 are eliminated; de-escalate to level 1, the highest left.
    // Cohort 5, level 1: NTN, 2/9 = 0.222 <= 0.236, but level 2 is eliminated: stay.
    // Cohort 6, level 1: TTN, 4/12 = 0.333, between: stay. 18 patients: stop.
    // Selection: level 0 (0/3) -> 0.05/3.1 = 0.016, level 1 (4/12) -> 4.05/12.1 = 0.335, already
    // increasing; level 1 is closest to 0.3.
    let design = Boin::new(0.3, 3, 18, 4, 0).unwrap();
    let mut patients = Sequence::new("NNN TNN NNN TTT NTN TTN");
    let trial = design
        .run(&mut patients)
        .unwrap_or_else(|never| match never {});
    let levels = [0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1];
    assert_eq!(patients.levels, levels);
    let cohorts: Vec<usize> = trial.patients.iter().map(|p| p.cohort).collect();
    assert_eq!(
        cohorts,
        [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]
    );
    assert_eq!(trial.selected, Some(1));
    assert_eq!(trial.stop, Stop::MaxSampleSize);
    let counts = trial.counts(4);
    assert_eq!(counts[1], LevelCounts { n: 12, dlts: 4 });
    assert_eq!(counts[3], LevelCounts::default());
}

#[test]
fn a_toxic_start_eliminates_the_lowest_level_and_stops_without_a_dose() {
    // Level 0: TTN, 2/3 = 0.667 >= 0.358 but it is the lowest: stay (P(p > 0.3 | Beta(3, 2)) =
    // 0.916, not eliminated). Level 0 again: TTN, 4/6: P(p > 0.3 | Beta(5, 3)) = 0.971: the lowest
    // level is eliminated and the trial stops after 6 patients.
    let design = Boin::new(0.3, 3, 30, 3, 0).unwrap();
    let mut patients = Sequence::new("TTN TTN");
    let trial = design
        .run(&mut patients)
        .unwrap_or_else(|never| match never {});
    assert_eq!(patients.levels, [0; 6]);
    assert_eq!(trial.selected, None);
    assert_eq!(trial.stop, Stop::LowestLevelEliminated);
    assert_eq!(trial.stop.to_string(), "lowest level eliminated");
}

#[test]
fn a_high_rate_de_escalates_and_a_short_last_cohort_fills_max_n() {
    // Target 0.25 (lambda_e = 0.197, lambda_d = 0.298), cohorts of 2, max_n 7, start at level 2.
    // Level 2: TN, 1/2 = 0.5 >= 0.298: de-escalate. Level 1: NN, 0/2: escalate.
    // Level 2: NN, 1/4 = 0.25, between: stay. Level 2: N (the last cohort has 1 patient), 1/5.
    let design = Boin::new(0.25, 2, 7, 3, 2).unwrap();
    let mut patients = Sequence::new("TN NN NN N");
    let trial = design
        .run(&mut patients)
        .unwrap_or_else(|never| match never {});
    assert_eq!(patients.levels, [2, 2, 1, 1, 2, 2, 2]);
    assert_eq!(trial.patients.last().map(|p| p.cohort), Some(4));
    // Level 1 (0/2) -> 0.05/2.1 = 0.024, level 2 (1/5) -> 1.05/5.1 = 0.206: level 2 is closer.
    assert_eq!(trial.selected, Some(2));
}
