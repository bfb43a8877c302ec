//! PAVA on hand-made cases and BOIN's final selection.

use super::*;

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn pava_leaves_a_monotone_sequence_alone() {
    let values = [0.0, 0.1, 0.1, 0.4, 0.9];
    assert!(close(&pava(&values, &[1.0, 2.0, 3.0, 4.0, 5.0]), &values));
}

#[test]
fn pava_pools_one_violation_into_its_weighted_mean() {
    // 0.5 (weight 3) then 0.2 (weight 1) pool to (1.5 + 0.2)/4 = 0.425.
    let fitted = pava(&[0.1, 0.5, 0.2, 0.6], &[1.0, 3.0, 1.0, 1.0]);
    assert!(close(&fitted, &[0.1, 0.425, 0.425, 0.6]), "{fitted:?}");
    // A violation that spreads backwards: 0.3, 0.4, 0.1 pool to 0.8/3.
    let fitted = pava(&[0.3, 0.4, 0.1], &[1.0, 1.0, 1.0]);
    assert!(close(&fitted, &[0.8 / 3.0; 3]), "{fitted:?}");
}

#[test]
fn pava_keeps_equal_values_and_survives_odd_weights() {
    assert!(close(&pava(&[0.2; 4], &[1.0, 5.0, 2.0, 1.0]), &[0.2; 4]));
    // Missing, zero or infinite weights count as 1.
    let fitted = pava(&[0.6, 0.2, 0.1], &[0.0, f64::INFINITY]);
    assert!(close(&fitted, &[0.3; 3]), "{fitted:?}");
    assert!(pava(&[], &[]).is_empty());
}

#[test]
fn selection_follows_the_boin_package_example() {
    // select.mtd's own example: n = 3, 3, 15, 9, 0; DLTs = 0, 0, 4, 4, 0; target 0.3 -> dose 3.
    let counts = [(3, 0), (3, 0), (15, 4), (9, 4), (0, 0)].map(|(n, dlts)| LevelCounts { n, dlts });
    assert_eq!(select_dose(0.3, &counts), Some(2));
}

#[test]
fn selection_breaks_ties_by_the_side_of_the_target() {
    let counts = |pairs: &[(usize, usize)]| {
        pairs
            .iter()
            .map(|&(n, dlts)| LevelCounts { n, dlts })
            .collect::<Vec<_>>()
    };
    // 2/6 then 1/6 violate monotonicity: (2.05/6.1 = 0.336, 1.05/6.1 = 0.172) pool, with
    // inverse-variance weights 31.8 and 49.8, to about 0.236 at both levels.
    let above = counts(&[(6, 2), (6, 1)]);
    // Pooled estimate above a target of 0.2: the lowest tied level.
    assert_eq!(select_dose(0.2, &above), Some(0));
    // The same pooled pair below a target of 0.4: the highest tied level.
    assert_eq!(select_dose(0.4, &above), Some(1));
}

#[test]
fn selection_gives_no_dose_when_the_lowest_level_is_eliminated_or_none_was_tried() {
    let counts = [LevelCounts { n: 3, dlts: 3 }, LevelCounts { n: 3, dlts: 0 }];
    assert_eq!(select_dose(0.3, &counts), None);
    assert_eq!(select_dose(0.3, &[LevelCounts::default(); 3]), None);
    assert_eq!(select_dose(0.3, &[]), None);
    // An eliminated level and those above it are out even when tried.
    let counts = [
        LevelCounts { n: 6, dlts: 1 },
        LevelCounts { n: 3, dlts: 3 },
        LevelCounts { n: 3, dlts: 0 },
    ];
    assert_eq!(select_dose(0.3, &counts), Some(0));
    // Nonsense counts (more DLTs than patients) do not panic.
    assert_eq!(select_dose(0.3, &[LevelCounts { n: 1, dlts: 5 }]), Some(0));
}
