//! Summaries over the subjects of a virtual population: quantiles of a metric, Wilson score
//! intervals for the proportion of subjects with an outcome (response, relapse), and
//! Kaplan–Meier curves of times to an event with censoring; and the normal quantiles and the
//! chi-square rise that intervals use.

/// The 0.975 quantile of the standard normal distribution, for two-sided 95% intervals.
pub const NORMAL_QUANTILE_975: f64 = 1.959963984540054;
/// The rise of -2LL that bounds a 95% profile-likelihood interval: the 95th percentile of
/// chi-square with 1 degree of freedom (the square of [`NORMAL_QUANTILE_975`]).
pub const PROFILE_RISE: f64 = 3.841_458_820_694_124;

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// The standard normal quantile (probit), Phi^-1(`probability`): Acklam's rational
/// approximation (relative error below 1.2e-9) refined by one Halley step on [`normal_cdf`],
/// which brings it to about machine precision. -inf at 0, +inf at 1, NaN outside [0, 1].
pub fn normal_quantile(probability: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const LOW: f64 = 0.02425;
    let p = probability;
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 || p == 1.0 {
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let polynomial = |coefficients: &[f64], x: f64| coefficients.iter().fold(0.0, |a, c| a * x + c);
    let tail = |q: f64| {
        let r = (-2.0 * q.ln()).sqrt();
        polynomial(&C, r) / (polynomial(&D, r) * r + 1.0)
    };
    let x = if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        polynomial(&A, r) * q / (polynomial(&B, r) * r + 1.0)
    };
    let error = normal_cdf(x) - p;
    let u = error * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    x - u / (1.0 + 0.5 * x * u)
}

/// Quantile of sorted data by linear interpolation between order statistics (Hyndman–Fan
/// type 7, R's default and numpy's "linear"): with n values x₀ <= … <= xₙ₋₁ and
/// h = (n - 1) · `probability`, the quantile is x⌊h⌋ + (h - ⌊h⌋)(x⌊h⌋₊₁ - x⌊h⌋). NaN for empty
/// input or a probability outside [0, 1]. `sorted` must be in ascending order.
pub fn quantile(sorted: &[f64], probability: f64) -> f64 {
    quantile_of(sorted.len() as u64, probability, |rank| {
        sorted[rank as usize]
    })
}

/// The order statistics (0-based ranks) the type-7 quantile at `probability` of `n` values
/// needs: one, or two to interpolate between; none when it is NaN.
pub fn quantile_ranks(n: u64, probability: f64) -> Vec<u64> {
    if n == 0 || !(0.0..=1.0).contains(&probability) {
        return Vec::new();
    }
    let position = probability * (n - 1) as f64;
    let lower = position.floor() as u64;
    match position - lower as f64 == 0.0 {
        true => vec![lower],
        false => vec![lower, lower + 1],
    }
}

/// The type-7 quantile (see `quantile`) of `n` values given their order statistics:
/// `order(rank)` is the value at `rank` (0-based, ascending), asked only for `quantile_ranks`.
pub fn quantile_of(n: u64, probability: f64, order: impl Fn(u64) -> f64) -> f64 {
    if n == 0 || !(0.0..=1.0).contains(&probability) {
        return f64::NAN;
    }
    let position = probability * (n - 1) as f64;
    let lower = position.floor() as u64;
    let fraction = position - lower as f64;
    if fraction == 0.0 {
        order(lower)
    } else {
        order(lower) + fraction * (order(lower + 1) - order(lower))
    }
}

/// Wilson score interval for a binomial proportion at 95% (z = [`NORMAL_QUANTILE_975`]):
/// with p = successes / trials and n = trials, the limits are
/// (p + z²/2n ± z √(p(1 - p)/n + z²/4n²)) / (1 + z²/n), clamped to [0, 1] against rounding
/// (they lie in it exactly). n = 0, or more successes than trials, gives (NaN, NaN).
pub fn wilson_interval(successes: usize, trials: usize) -> (f64, f64) {
    if trials == 0 || successes > trials {
        return (f64::NAN, f64::NAN);
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = NORMAL_QUANTILE_975;
    let z_squared = z * z;
    let denominator = 1.0 + z_squared / n;
    let center = (p + z_squared / (2.0 * n)) / denominator;
    let half_width = z * (p * (1.0 - p) / n + z_squared / (4.0 * n * n)).sqrt() / denominator;
    (
        (center - half_width).max(0.0),
        (center + half_width).min(1.0),
    )
}

/// Kaplan–Meier survival curve from (time, event) pairs, event = false meaning censored at that
/// time; returns the (time, survival) points where survival drops, starting with (start, 1.0).
///
/// At each distinct time t with d > 0 events, survival is multiplied by 1 - d / n, n being the
/// number of observations with time >= t. Ties: events come before censorings at the same time,
/// so a subject censored at t is still at risk at t. Observations with a NaN time are ignored;
/// `start` only labels the first point (observations are not checked against it).
pub fn kaplan_meier(start: f64, observations: &[(f64, bool)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, bool)> = observations
        .iter()
        .copied()
        .filter(|(time, _)| !time.is_nan())
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut curve = vec![(start, 1.0)];
    let mut survival = 1.0;
    let mut first = 0;
    while first < sorted.len() {
        let time = sorted[first].0;
        let at_risk = sorted.len() - first;
        let tied = sorted[first..]
            .iter()
            .take_while(|(other, _)| *other == time)
            .count();
        let events = sorted[first..first + tied]
            .iter()
            .filter(|(_, event)| *event)
            .count();
        if events > 0 {
            survival *= 1.0 - events as f64 / at_risk as f64;
            curve.push((time, survival));
        }
        first += tied;
    }
    curve
}

/// The number at risk at `time` among (time, event) observations: those whose time is at or
/// after it (as `kaplan_meier` counts them; NaN times are not counted).
pub fn number_at_risk(observations: &[(f64, bool)], time: f64) -> usize {
    observations.iter().filter(|(t, _)| *t >= time).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_at_risk_counts_subjects_not_yet_out() {
        let observations = [
            (2.0, true),
            (5.0, false),
            (5.0, true),
            (f64::NAN, true),
            (9.0, false),
        ];
        // By hand: at 0 all four with a time; at 5 the two at 5 and the one at 9; after 9 none.
        let counts: Vec<usize> = [0.0, 2.0, 2.5, 5.0, 9.0, 9.5]
            .map(|t| number_at_risk(&observations, t))
            .to_vec();
        assert_eq!(counts, [4, 4, 3, 3, 1, 0]);
    }

    /// Reference quantiles: Python's statistics.NormalDist().inv_cdf (Wichura's AS241, 16 digits).
    #[test]
    fn normal_quantile_matches_published_values_and_inverts_the_cdf() {
        let reference = [
            (0.975, 1.9599639845400536),
            (0.5, 0.0),
            (0.1, -1.2815515655446008),
            (0.01, -2.3263478740408408),
            (0.9999, 3.7190164854557084),
            (1e-10, -6.361340902404056),
            (0.025, -1.959963984540054),
        ];
        for (p, z) in reference {
            let x = normal_quantile(p);
            assert!((x - z).abs() < 1e-12 * z.abs().max(1.0), "{p}: {x} vs {z}");
        }
        for k in 1..1000 {
            let p = k as f64 / 1000.0;
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-15);
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan() && normal_quantile(f64::NAN).is_nan());
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        // Hand values, h = 3p on [1, 2, 3, 4]; numpy 2.4.6 np.quantile gives the same
        // [1, 1.75, 2.5, 3.7, 4]. Each is at most one rounded multiply-add from exact:
        // 1e-15 absolute allows it.
        let data = [1.0, 2.0, 3.0, 4.0];
        for (probability, expected) in
            [(0.0, 1.0), (0.25, 1.75), (0.5, 2.5), (0.9, 3.7), (1.0, 4.0)]
        {
            let actual = quantile(&data, probability);
            assert!((actual - expected).abs() < 1e-15, "{probability}: {actual}");
        }
        assert_eq!(quantile(&[5.0], 0.3), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
        assert!(quantile(&data, 1.5).is_nan());
        assert!(quantile(&data, f64::NAN).is_nan());
    }

    #[test]
    fn wilson_interval_matches_published_and_independent_values() {
        // 81/263 is one of the examples in Newcombe (1998), Statistics in Medicine 17:857-872,
        // whose score interval reads 0.2553 to 0.3662. The full digits below are from the
        // formula, and scipy 1.17.1's binomtest(81, 263).proportion_ci(method="wilson")
        // returns them exactly. Rounding in a different order of operations moves a limit by
        // a few ulps; 1e-12 absolute allows that and is far below the published 1e-4.
        let (lower, upper) = wilson_interval(81, 263);
        assert!((lower - 0.2552885198782742).abs() < 1e-12, "{lower}");
        assert!((upper - 0.36620957698280004).abs() < 1e-12, "{upper}");
        assert_eq!(
            ((lower * 1e4).round(), (upper * 1e4).round()),
            (2553.0, 3662.0)
        );
        // R's prop.test(correct = FALSE) for 0/32 and 32/32, as recorded to 7 digits in the
        // insightsengineering/cards test snapshot tests/testthat/_snaps/proportion_ci.md:
        // [0, 0.1071792] and [0.8928208, 1]; 5e-8 is half a unit of the 7th digit.
        let (lower, upper) = wilson_interval(0, 32);
        assert_eq!(lower, 0.0);
        assert!((upper - 0.1071792).abs() < 5e-8, "{upper}");
        let (lower, upper) = wilson_interval(32, 32);
        assert!((lower - 0.8928208).abs() < 5e-8, "{lower}");
        assert_eq!(upper, 1.0);
    }

    #[test]
    fn wilson_interval_of_nothing_is_not_a_number() {
        let (lower, upper) = wilson_interval(0, 0);
        assert!(lower.is_nan() && upper.is_nan());
        let (lower, upper) = wilson_interval(3, 2);
        assert!(lower.is_nan() && upper.is_nan());
    }

    #[test]
    fn kaplan_meier_counts_censored_ties_at_risk() {
        // Events at 1, 2, 3, 3, 5; censored at 2, 4, 5 (given out of order). By hand:
        // t = 1: 8 at risk, 1 event: 7/8 = 0.875
        // t = 2: 7 at risk (the one censored at 2 included), 1 event: 0.875 · 6/7 = 0.75
        // t = 3: 5 at risk, 2 events: 0.75 · 3/5 = 0.45
        // t = 4: censoring only, no point
        // t = 5: 2 at risk, 1 event: 0.45 · 1/2 = 0.225
        // (scipy 1.17.1's ecdf on CensoredData gives the same). Censorings first at 2 would
        // give 0.875 · 5/6 = 0.729 instead. Four rounded products: 1e-15 absolute allows them.
        let observations = [
            (5.0, false),
            (3.0, true),
            (2.0, false),
            (1.0, true),
            (4.0, false),
            (2.0, true),
            (5.0, true),
            (3.0, true),
        ];
        let curve = kaplan_meier(0.0, &observations);
        let expected = [
            (0.0, 1.0),
            (1.0, 0.875),
            (2.0, 0.75),
            (3.0, 0.45),
            (5.0, 0.225),
        ];
        assert_eq!(curve.len(), expected.len(), "{curve:?}");
        for (&(time, survival), &(expected_time, expected_survival)) in curve.iter().zip(&expected)
        {
            assert_eq!(time, expected_time);
            assert!((survival - expected_survival).abs() < 1e-15, "{curve:?}");
        }
    }

    #[test]
    fn kaplan_meier_edge_cases() {
        assert_eq!(kaplan_meier(0.0, &[]), vec![(0.0, 1.0)]);
        let censored = [(1.0, false), (2.0, false)];
        assert_eq!(kaplan_meier(0.0, &censored), vec![(0.0, 1.0)]);
        let everyone = [(1.0, true), (1.0, true)];
        assert_eq!(kaplan_meier(0.0, &everyone), vec![(0.0, 1.0), (1.0, 0.0)]);
        let with_nan = [
            (f64::NAN, true),
            (2.0, true),
            (f64::NAN, false),
            (4.0, false),
        ];
        assert_eq!(kaplan_meier(0.0, &with_nan), vec![(0.0, 1.0), (2.0, 0.5)]);
    }
}
