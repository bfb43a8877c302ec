//! CAR T kinetic phases of an exposure curve: the expansion fold from the first dose to Cmax, and
//! the half-lives of the contraction and persistence phases that follow the peak.
//!
//! Cmax, Tmax and Tlast are those of [`nca`] on the same curve and limit of quantification, so
//! Cmax and Tmax are the ones `metrics.csv` reports.

use super::{Nca, half_life_of_log_linear_fit, nca};
use serde::Serialize;

/// Windows for the phase half-lives, in time units after Tmax.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PhaseWindows {
    /// The contraction half-life is fitted over [Tmax, Tmax + `contraction`] (default 14).
    pub contraction: f64,
    /// The persistence half-life is fitted over [Tmax + `persistence_from`, Tlast] (default 60).
    pub persistence_from: f64,
}

impl Default for PhaseWindows {
    fn default() -> Self {
        PhaseWindows {
            contraction: 14.0,
            persistence_from: 60.0,
        }
    }
}

/// Kinetic phases of one curve. Every field is `None` when the curve does not define it, and
/// all are `None` for an empty curve, one with a non-finite time or value, or times and values
/// of different lengths.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Phases {
    /// Cmax over the first post-dose value, the value at the first time at or after the first
    /// dose time; `None` when that value is <= 0 or no time reaches the first dose time.
    pub expansion_fold: Option<f64>,
    /// ln 2 / -(slope) of a least-squares fit of ln(value) on time over the contraction window
    /// [Tmax, Tmax + `contraction`] (both ends included), using only the points whose value is
    /// above lloq (and above 0); `None` with fewer than [`PHASE_FIT_MIN_POINTS`] points or a
    /// slope >= 0.
    pub t_half_contraction: Option<f64>,
    /// The same fit over the persistence window [Tmax + `persistence_from`, Tlast], Tlast being
    /// the last time with value > lloq; `None` also when no value exceeds lloq.
    pub t_half_persistence: Option<f64>,
}

/// Fewest points a phase half-life is fitted to.
pub const PHASE_FIT_MIN_POINTS: usize = 3;

/// The kinetic phases of the curve `values` over ascending `times` (an output grid), for a first
/// dose at `first_dose_time` and a limit of quantification `lloq`.
pub fn phases(
    times: &[f64],
    values: &[f64],
    first_dose_time: f64,
    lloq: f64,
    windows: &PhaseWindows,
) -> Phases {
    let finite = times.iter().chain(values).all(|x| x.is_finite());
    match nca(times, values, lloq).filter(|_| finite) {
        Some(exposure) => phases_of(&exposure, times, values, first_dose_time, lloq, windows),
        None => Phases::default(),
    }
}

/// `phases` for a curve whose exposure metrics `exposure` (from `nca` with the same `lloq`)
/// are already known and whose values are all finite.
pub fn phases_of(
    exposure: &Nca,
    times: &[f64],
    values: &[f64],
    first_dose_time: f64,
    lloq: f64,
    windows: &PhaseWindows,
) -> Phases {
    let expansion_fold = times
        .iter()
        .position(|&t| t >= first_dose_time)
        .map(|k| values[k])
        .filter(|&first_post_dose| first_post_dose > 0.0)
        .map(|first_post_dose| exposure.cmax / first_post_dose);
    let half_life_over = |from: f64, to: f64| {
        let points: Vec<(f64, f64)> = times
            .iter()
            .zip(values)
            .filter(|&(&t, &c)| from <= t && t <= to && c > lloq && c > 0.0)
            .map(|(&t, &c)| (t, c))
            .collect();
        if points.len() < PHASE_FIT_MIN_POINTS {
            return None;
        }
        half_life_of_log_linear_fit(&points)
    };
    let tmax = exposure.tmax;
    Phases {
        expansion_fold,
        t_half_contraction: half_life_over(tmax, tmax + windows.contraction),
        t_half_persistence: exposure
            .tlast
            .and_then(|tlast| half_life_over(tmax + windows.persistence_from, tlast)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::auc_until;

    /// Rise rate, peak time, and the biexponential fall A e^{-a s} + B e^{-b s}, s = t - Tmax,
    /// with B / A = `RATIO` and A + B = e^{k Tmax} (continuous at the peak).
    const K: f64 = 1.0;
    const TMAX: f64 = 7.0;
    const A_RATE: f64 = 0.5;
    const B_RATE: f64 = 0.01;
    const RATIO: f64 = 1e-7;
    const STEP: f64 = 0.25;
    const END: f64 = 250.0;

    fn curve(t: f64) -> f64 {
        if t <= TMAX {
            (K * t).exp()
        } else {
            let a = (K * TMAX).exp() / (1.0 + RATIO);
            let s = t - TMAX;
            a * (-A_RATE * s).exp() + RATIO * a * (-B_RATE * s).exp()
        }
    }

    fn grid() -> (Vec<f64>, Vec<f64>) {
        // Multiples of 0.25 are exact in binary, so TMAX and the window ends are grid points.
        let times: Vec<f64> = (0..=(END / STEP) as usize)
            .map(|k| k as f64 * STEP)
            .collect();
        let values = times.iter().map(|&t| curve(t)).collect();
        (times, values)
    }

    /// Bound on the slope error of a least-squares line through (t, y + δ(t)) when δ stays in
    /// [0, spread]: the error is Σ(t - t̄)δ / Σ(t - t̄)² = Σ(t - t̄)(δ - spread/2) / Σ(t - t̄)²,
    /// at most spread · Σ|t - t̄| / (2 Σ(t - t̄)²) in magnitude.
    fn slope_error_bound(times: &[f64], spread: f64) -> f64 {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let absolute: f64 = times.iter().map(|t| (t - mean).abs()).sum();
        let squares: f64 = times.iter().map(|t| (t - mean).powi(2)).sum();
        spread * absolute / (2.0 * squares)
    }

    /// Relative error bound of ln 2 / (rate - ε) against ln 2 / rate when |ε| <= bound.
    fn half_life_relative_bound(rate: f64, slope_bound: f64) -> f64 {
        slope_bound / (rate - slope_bound)
    }

    #[test]
    fn exponential_rise_and_biexponential_fall_give_each_phase_half_life() {
        let (times, values) = grid();
        let windows = PhaseWindows::default();
        let result = phases(&times, &values, 0.0, 0.0, &windows);

        // Cmax is the grid value at Tmax, e^{k Tmax}, and the first post-dose value is e^0 = 1,
        // so the fold is e^{k Tmax} to the last bit.
        assert_eq!(result.expansion_fold, Some((K * TMAX).exp()));
        let exposure = nca(&times, &values, 0.0).unwrap();
        assert_eq!((exposure.cmax, exposure.tmax), ((K * TMAX).exp(), TMAX));
        // Linear-up is exact for the trapezoid sum it computes: on a geometric sequence
        // c_i = q^i (q = e^{k h}) that sum is h/2 (1 + q)(q^n - 1)/(q - 1). Agreement to 1e-12
        // relative covers rounding over 28 intervals.
        let q = (K * STEP).exp();
        let n = (TMAX / STEP) as i32;
        let trapezoid = STEP / 2.0 * (1.0 + q) * (q.powi(n) - 1.0) / (q - 1.0);
        let auc_rise = auc_until(&times, &values, TMAX);
        assert!(
            (auc_rise - trapezoid).abs() < 1e-12 * trapezoid,
            "{auc_rise}"
        );

        // Contraction over s in [0, 14]: ln C = ln A - a s + δ(s), δ(s) = ln(1 + r e^{(a-b)s})
        // in [0, r e^{(a-b)14}] = [0, 9.5e-5]. The slope error bound gives the tolerance
        // (about 2.0e-5 relative here); 1e-12 more covers rounding.
        let window: Vec<f64> = times
            .iter()
            .copied()
            .filter(|&t| (TMAX..=TMAX + windows.contraction).contains(&t))
            .collect();
        let spread = RATIO * ((A_RATE - B_RATE) * windows.contraction).exp();
        let tolerance =
            half_life_relative_bound(A_RATE, slope_error_bound(&window, spread)) + 1e-12;
        assert!(tolerance < 3e-5, "the test should be sharp: {tolerance}");
        let exact = std::f64::consts::LN_2 / A_RATE;
        let fitted = result.t_half_contraction.unwrap();
        assert!(
            (fitted / exact - 1.0).abs() <= tolerance,
            "{fitted} vs {exact}"
        );

        // Persistence over s in [60, 243]: ln C = ln B - b s + δ(s), δ(s) = ln(1 + e^{-(a-b)s}/r)
        // in [0, e^{-(a-b)60}/r] = [0, 1.7e-6]; the bound is about 1.4e-6 relative.
        let window: Vec<f64> = times
            .iter()
            .copied()
            .filter(|&t| t >= TMAX + windows.persistence_from)
            .collect();
        let spread = (-(A_RATE - B_RATE) * windows.persistence_from).exp() / RATIO;
        let tolerance =
            half_life_relative_bound(B_RATE, slope_error_bound(&window, spread)) + 1e-12;
        assert!(tolerance < 2e-6, "the test should be sharp: {tolerance}");
        let exact = std::f64::consts::LN_2 / B_RATE;
        let fitted = result.t_half_persistence.unwrap();
        assert!(
            (fitted / exact - 1.0).abs() <= tolerance,
            "{fitted} vs {exact}"
        );
    }

    #[test]
    fn expansion_fold_divides_by_the_first_value_at_or_after_the_dose() {
        let (times, values) = grid();
        let windows = PhaseWindows::default();
        // A dose at 0.1 falls between grid points: the first post-dose value is C(0.25).
        let fold = phases(&times, &values, 0.1, 0.0, &windows).expansion_fold;
        let exact = (K * (TMAX - 0.25)).exp();
        // One division of two correctly rounded exponentials: a few ulps.
        assert!((fold.unwrap() / exact - 1.0).abs() < 1e-14, "{fold:?}");
        assert_eq!(
            phases(&times, &values, END + 1.0, 0.0, &windows).expansion_fold,
            None
        );
        let mut from_zero = values.clone();
        from_zero[0] = 0.0;
        assert_eq!(
            phases(&times, &from_zero, 0.0, 0.0, &windows).expansion_fold,
            None
        );
    }

    #[test]
    fn the_limit_of_quantification_removes_points_and_moves_tlast() {
        let (times, values) = grid();
        let windows = PhaseWindows::default();
        // C(67) ~ 6.0e-5 and C(80) ~ 5.3e-5: with lloq 5.5e-5 Tlast is 76 (C(76) ~ 5.51e-5),
        // the persistence window shrinks to [67, 76], and the same bound as above (about
        // 2.8e-5 relative on this shorter window) still holds.
        let lloq = 5.5e-5;
        let result = phases(&times, &values, 0.0, lloq, &windows);
        let exposure = nca(&times, &values, lloq).unwrap();
        assert_eq!(exposure.tlast, Some(76.0));
        let window: Vec<f64> = times
            .iter()
            .copied()
            .filter(|&t| (TMAX + windows.persistence_from..=76.0).contains(&t))
            .collect();
        let spread = (-(A_RATE - B_RATE) * windows.persistence_from).exp() / RATIO;
        let tolerance =
            half_life_relative_bound(B_RATE, slope_error_bound(&window, spread)) + 1e-12;
        assert!(tolerance < 5e-5, "the test should be sharp: {tolerance}");
        let t_half = result.t_half_persistence.unwrap();
        let exact = std::f64::consts::LN_2 / B_RATE;
        assert!(
            (t_half / exact - 1.0).abs() <= tolerance,
            "{t_half} vs {exact}"
        );
        // Above every persistence value, only contraction points count.
        let result = phases(&times, &values, 0.0, 1e-3, &windows);
        assert!(result.t_half_contraction.is_some());
        assert_eq!(result.t_half_persistence, None);
    }

    #[test]
    fn too_few_points_or_a_non_negative_slope_give_none() {
        let windows = PhaseWindows::default();
        // Peak at 1, then a dip and a rebound: ln(value) on time over [1, 5] has slope > 0.
        let times = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let values = [1.0, 10.0, 2.0, 5.0, 9.0, 9.5];
        let result = phases(&times, &values, 0.0, 0.0, &windows);
        assert_eq!(result.expansion_fold, Some(10.0));
        assert_eq!(result.t_half_contraction, None);
        // Two points after the peak: too few.
        let result = phases(&[0.0, 1.0, 2.0], &[1.0, 4.0, 2.0], 0.0, 0.0, &windows);
        assert_eq!(result.t_half_contraction, None);
        // Three halvings a unit apart: a half-life of 1, up to the rounding of three logarithms
        // and a division (a few ulps; 1e-14 allows for it).
        let result = phases(
            &[0.0, 1.0, 2.0, 3.0],
            &[1.0, 4.0, 2.0, 1.0],
            0.0,
            0.0,
            &windows,
        );
        assert!((result.t_half_contraction.unwrap() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn degenerate_curves_do_not_panic() {
        let windows = PhaseWindows::default();
        let none = Phases::default();
        assert_eq!(phases(&[], &[], 0.0, 0.0, &windows), none);
        assert_eq!(
            phases(&[0.0, 1.0], &[f64::NAN, 1.0], 0.0, 0.0, &windows),
            none
        );
        assert_eq!(
            phases(&[0.0, f64::INFINITY], &[1.0, 2.0], 0.0, 0.0, &windows),
            none
        );
        assert_eq!(phases(&[0.0, 1.0], &[1.0], 0.0, 0.0, &windows), none);
        assert_eq!(phases(&[0.0], &[1.0, 2.0], 0.0, 0.0, &windows), none);
        let single = phases(&[0.0], &[3.0], 0.0, 0.0, &windows);
        assert_eq!(single.expansion_fold, Some(1.0));
        assert_eq!(
            (single.t_half_contraction, single.t_half_persistence),
            (None, None)
        );
        let flat = phases(&[0.0, 1.0, 2.0], &[0.0, 0.0, 0.0], 0.0, 0.0, &windows);
        assert_eq!(flat, none);
        let windows = PhaseWindows {
            contraction: f64::NAN,
            persistence_from: f64::NAN,
        };
        let (times, values) = grid();
        let result = phases(&times, &values, f64::NAN, 0.0, &windows);
        assert_eq!(result, none);
    }
}
