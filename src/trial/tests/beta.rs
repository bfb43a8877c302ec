//! The Beta tail behind BOIN's elimination, against closed forms and binomial sums.

use super::*;

/// P(p > phi) for p ~ Beta(a, b) with integer a, b: P(Binomial(a + b - 1, phi) <= a - 1).
fn beta_upper_tail_by_binomial(a: u64, b: u64, phi: f64) -> f64 {
    (0..a).map(|k| binomial(a + b - 1, k, phi)).sum()
}

#[test]
fn incomplete_beta_matches_closed_forms() {
    for x in [0.001f64, 0.1, 0.3, 0.5, 0.77, 0.999] {
        // I_x(1/2, 1/2) = (2/pi) asin(sqrt(x)); I_x(a, 1) = x^a; I_x(1, b) = 1 - (1-x)^b.
        let arcsine = 2.0 / std::f64::consts::PI * x.sqrt().asin();
        assert!(
            (regularized_incomplete_beta(x, 0.5, 0.5) - arcsine).abs() < 1e-12,
            "x = {x}"
        );
        assert!(
            (regularized_incomplete_beta(x, 2.5, 1.0) - x.powf(2.5)).abs() < 1e-12,
            "x = {x}"
        );
        let expected = 1.0 - (1.0 - x).powf(7.0);
        assert!(
            (regularized_incomplete_beta(x, 1.0, 7.0) - expected).abs() < 1e-12,
            "x = {x}"
        );
    }
    assert_eq!(regularized_incomplete_beta(0.0, 2.0, 3.0), 0.0);
    assert_eq!(regularized_incomplete_beta(1.0, 2.0, 3.0), 1.0);
    assert!(regularized_incomplete_beta(0.5, 0.0, 3.0).is_nan());
    assert!(regularized_incomplete_beta(f64::NAN, 2.0, 3.0).is_nan());
}

#[test]
fn incomplete_beta_matches_binomial_sums_for_integer_parameters() {
    for (a, b) in [(1, 1), (2, 5), (5, 2), (7, 13), (30, 45), (120, 80)] {
        for &x in &[0.05, 0.2, 0.3, 0.5, 0.6, 0.9] {
            let tail = beta_upper_tail_by_binomial(a, b, x);
            let computed = 1.0 - regularized_incomplete_beta(x, a as f64, b as f64);
            assert!(
                (computed - tail).abs() < 1e-12,
                "Beta({a}, {b}) at {x}: {computed} vs {tail}"
            );
        }
    }
}

#[test]
fn the_overdose_probability_is_the_beta_posterior_tail() {
    // Posterior Beta(1 + dlts, 1 + n - dlts): P(p > phi) = P(Binomial(n + 1, phi) <= dlts).
    for phi in [0.2, 0.25, 0.3] {
        for (n, dlts) in [
            (0, 0),
            (1, 1),
            (3, 0),
            (3, 2),
            (3, 3),
            (6, 2),
            (9, 5),
            (12, 6),
            (30, 9),
        ] {
            let tail = beta_upper_tail_by_binomial(1 + dlts, 1 + n - dlts, phi);
            let computed = overdose_probability(n as usize, dlts as usize, phi);
            assert!(
                (computed - tail).abs() < 1e-12,
                "{dlts}/{n} at {phi}: {computed} vs {tail}"
            );
        }
    }
}

#[test]
fn the_elimination_tables_follow_from_the_beta_tail() {
    // The smallest number of DLTs of n = 3..12 that eliminates a level. The list given with the
    // task for a target of 0.3 (3, 3, 3, 4, 4, 4, 5, 5, 6, 6) is, by this computation, the table
    // for a target of 0.25; for 0.3 the posterior rule (the one in the package's get.boundary,
    // 1 - pbeta(target, dlts + 1, n - dlts + 1) > 0.95) gives 3, 3, 4, 4, 5, 5, 5, 6, 6, 7:
    // e.g. 3/5 gives P(p > 0.3) = P(Binomial(6, 0.3) <= 3) = 0.9295, not above 0.95.
    let tables = [
        (0.25, [3, 3, 3, 4, 4, 4, 5, 5, 6, 6]),
        (0.3, [3, 3, 4, 4, 5, 5, 5, 6, 6, 7]),
    ];
    for (target, table) in tables {
        for (n, &expected) in (3u64..=12).zip(&table) {
            // From the binomial-sum tail, independent of the implementation.
            let by_sum =
                (0..=n).find(|&y| beta_upper_tail_by_binomial(1 + y, 1 + n - y, target) > 0.95);
            // From the implementation.
            let by_rule = (0..=n as usize).find(|&y| eliminates(n as usize, y, target));
            assert_eq!(by_sum, Some(expected), "target {target}, n = {n}");
            assert_eq!(by_rule, Some(expected as usize), "target {target}, n = {n}");
        }
    }
    // Fewer than 3 patients never eliminate a level.
    assert!(!eliminates(2, 2, 0.3));
}
