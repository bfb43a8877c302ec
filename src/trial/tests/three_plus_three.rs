//! 3+3 selection probabilities against an exact enumeration of the design's outcomes, and
//! trials on fixed outcome sequences.

use super::*;

/// True DLT probabilities of the four levels; the trial starts at the lowest.
const P_DLT: [f64; 4] = [0.05, 0.15, 0.30, 0.50];
/// Simulated trials per setting.
const TRIALS: usize = 20_000;

/// Per level with P(DLT) = p, the probabilities of the ways the design leaves it:
/// (clear with 0/3, clear with 1/3 then 0/3, stop with 2 or more DLTs, and, for a level
/// cleared with 0/3, at most 1 DLT in 3 more when it is expanded to 6).
fn level_outcomes(p: f64) -> (f64, f64, f64, f64) {
    let clear_3 = binomial(3, 0, p);
    let clear_6 = binomial(3, 1, p) * binomial(3, 0, p);
    let stop = 1.0 - clear_3 - clear_6;
    let expansion_holds = binomial(3, 0, p) + binomial(3, 1, p);
    (clear_3, clear_6, stop, expansion_holds)
}

/// Exact selection probabilities: index j for level j, the last index for no dose.
fn exact_selection(p_dlt: &[f64], deescalate: bool) -> Vec<f64> {
    let k = p_dlt.len();
    let outcomes: Vec<_> = p_dlt.iter().map(|&p| level_outcomes(p)).collect();
    let mut probability = vec![0.0; k + 1];
    // Every level cleared: the top level.
    probability[k - 1] += outcomes.iter().map(|o| o.0 + o.1).product::<f64>();
    for stop_at in 0..k {
        let stop = outcomes[stop_at].2;
        if !deescalate {
            let reach: f64 = outcomes[..stop_at].iter().map(|o| o.0 + o.1).product();
            let selected = stop_at.checked_sub(1).unwrap_or(k);
            probability[selected] += reach * stop;
            continue;
        }
        // Walking down from stop_at - 1, level j is selected when the levels j + 1 .. stop_at - 1
        // were cleared with 0/3 and then failed their expansion (2 or more DLTs in 3 more), and
        // level j was cleared with 1/6 or cleared with 0/3 and held on expansion.
        for j in 0..stop_at {
            let below: f64 = outcomes[..j].iter().map(|o| o.0 + o.1).product();
            let (clear_3, clear_6, _, holds) = outcomes[j];
            let failed: f64 = outcomes[j + 1..stop_at]
                .iter()
                .map(|o| o.0 * (1.0 - o.3))
                .product();
            probability[j] += below * (clear_6 + clear_3 * holds) * failed * stop;
        }
        let all_failed: f64 = outcomes[..stop_at]
            .iter()
            .map(|o| o.0 * (1.0 - o.3))
            .product();
        probability[k] += all_failed * stop;
    }
    probability
}

/// Simulated selection frequencies, in the same layout as [`exact_selection`].
fn simulated_selection(deescalate: bool, seed: u64) -> Vec<f64> {
    let design = ThreePlusThree::new(P_DLT.len(), 0, deescalate).unwrap();
    let mut patients = Bernoulli::new(&P_DLT, seed);
    let mut count = vec![0usize; P_DLT.len() + 1];
    for _ in 0..TRIALS {
        let trial = design
            .run(&mut patients)
            .unwrap_or_else(|never| match never {});
        count[trial.selected.unwrap_or(P_DLT.len())] += 1;
    }
    count.iter().map(|&c| c as f64 / TRIALS as f64).collect()
}

/// Exact and simulated selection agree within 3 Monte Carlo standard errors per outcome.
fn check_selection(deescalate: bool, seed: u64) {
    let exact = exact_selection(&P_DLT, deescalate);
    assert!((exact.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{exact:?}");
    let simulated = simulated_selection(deescalate, seed);
    println!("3+3 deescalate = {deescalate}, {TRIALS} trials (seed {seed}):");
    for (i, (e, s)) in exact.iter().zip(&simulated).enumerate() {
        let se = (e * (1.0 - e) / TRIALS as f64).sqrt();
        let label = if i < P_DLT.len() {
            format!("level {i}")
        } else {
            "none".to_string()
        };
        println!(
            "  {label:8} exact {e:.4}  simulated {s:.4}  z {:+.2}",
            (s - e) / se
        );
        assert!(
            (s - e).abs() <= 3.0 * se,
            "{label}: exact {e}, simulated {s}, SE {se}"
        );
    }
}

#[test]
fn selection_without_de_escalation_matches_the_exact_probabilities() {
    check_selection(false, 20_240_601);
}

#[test]
fn selection_with_de_escalation_matches_the_exact_probabilities() {
    check_selection(true, 20_240_602);
}

fn run(design: &ThreePlusThree, outcomes: &str) -> (Trial, Vec<usize>) {
    let mut patients = Sequence::new(outcomes);
    let trial = design
        .run(&mut patients)
        .unwrap_or_else(|never| match never {});
    (trial, patients.levels)
}

#[test]
fn without_de_escalation_the_level_below_the_toxic_one_is_selected() {
    // Level 0: 0/3, escalate. Level 1: 1/3, 3 more with 0: 1/6, escalate. Level 2: 2/3, stop.
    let design = ThreePlusThree::new(4, 0, false).unwrap();
    let (trial, levels) = run(&design, "NNN TNN NNN TTN");
    assert_eq!(levels, [0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
    assert_eq!(trial.selected, Some(1));
    assert_eq!(trial.stop, Stop::TooManyDlts { level: 2 });
    let cohorts: Vec<usize> = trial.patients.iter().map(|p| p.cohort).collect();
    assert_eq!(cohorts, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    // 1/3 then 1 more of 3: 2/6 at the first level, no dose.
    let (trial, _) = run(&design, "TNN NTN");
    assert_eq!(
        (trial.selected, trial.stop.to_string()),
        (None, "two or more DLTs at the first level".into())
    );
    // Started above the first level: the level below is selected untried.
    let design = ThreePlusThree::new(4, 1, false).unwrap();
    let (trial, levels) = run(&design, "TTN");
    assert_eq!((trial.selected, levels), (Some(0), vec![1, 1, 1]));
}

#[test]
fn clearing_the_top_level_selects_it() {
    let design = ThreePlusThree::new(2, 0, true).unwrap();
    let (trial, levels) = run(&design, "NNN NNN");
    assert_eq!(levels, [0, 0, 0, 1, 1, 1]);
    assert_eq!(
        (trial.selected, trial.stop),
        (Some(1), Stop::TopLevelCleared)
    );
}

#[test]
fn with_de_escalation_levels_below_are_expanded_to_six() {
    let design = ThreePlusThree::new(4, 0, true).unwrap();
    // Level 2 toxic (2/3); level 1 (0/3) gets 3 more with 1 DLT: 1/6, selected.
    let (trial, levels) = run(&design, "NNN NNN TTN TNN");
    assert_eq!(levels, [0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 1, 1]);
    assert_eq!(
        (trial.selected, trial.stop),
        (Some(1), Stop::TooManyDlts { level: 2 })
    );
    // Level 1 fails its expansion (2/6); level 0 holds (0/6) and is selected.
    let (trial, levels) = run(&design, "NNN NNN TTN TTN NNN");
    assert_eq!(levels, [0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 1, 1, 0, 0, 0]);
    assert_eq!(
        (trial.selected, trial.stop),
        (Some(0), Stop::TooManyDlts { level: 1 })
    );
    // A level already at 1/6 is selected without more patients.
    let (trial, levels) = run(&design, "NNN TNN NNN TTT");
    assert_eq!(levels.len(), 12);
    assert_eq!(trial.selected, Some(1));
    // Every level below fails: no dose, and the first level is named.
    let (trial, _) = run(&design, "NNN TTN TTN");
    assert_eq!(
        (trial.selected, trial.stop.to_string()),
        (None, "two or more DLTs at the first level".into())
    );
}

#[test]
fn with_de_escalation_an_untried_level_below_the_start_is_expanded_in_cohorts() {
    // Start at level 2: 2/3, toxic. Level 1 untried: its first cohort has 2 DLTs, so it is
    // toxic without a second. Level 0 untried: two cohorts, 0/6, selected.
    let design = ThreePlusThree::new(4, 2, true).unwrap();
    let (trial, levels) = run(&design, "TTN TTN NNN NNN");
    assert_eq!(levels, [2, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        (trial.selected, trial.stop),
        (Some(0), Stop::TooManyDlts { level: 1 })
    );
}
