//! Smoothed fractions of yes/no tumor metrics: each patient's margins to responding and to
//! relapsing, and the fraction that counts each patient as Phi of its margins over a
//! bandwidth that shrinks with the number of patients.
//!
//! Response (tumor below `below` by `by`): margin m_r = ln(tumor minimum at output times up to
//! `by`) - ln(`below`), a responder when m_r < 0. Relapse (after the response, the tumor above
//! `relapse_above`): margin m_l = ln(tumor maximum from the first output time below `below`, or
//! from the minimum up to `by` when there is none) - ln(`relapse_above`), a relapse when m_l > 0
//! and the patient responded. A patient counts Phi(-m_r / h_r) (times Phi(m_l / h_l) for
//! relapse), h = the margins' robust SD (IQR / 1.349) x n^(-1/3): as n grows the count tends
//! to the 0/1 flag on the output grid and the smoothing's bias vanishes (of order h^2 for a
//! response fraction; up to order h for relapse, whose two margins may move together).

use crate::metrics::response::ResponseCriteria;
use crate::metrics::summary::{normal_cdf, quantile};
use crate::trajectory::Trajectory;

/// ln(value / level), -infinity for a value at or below 0.
fn log_ratio(value: f64, level: f64) -> f64 {
    match value > 0.0 {
        true => value.ln() - level.ln(),
        false => f64::NEG_INFINITY,
    }
}

/// (response margin, relapse margin) of the tumor column `column` of a trajectory; the relapse
/// margin is NaN without `relapse_above`.
pub(super) fn margins(
    trajectory: &Trajectory,
    column: usize,
    criteria: &ResponseCriteria,
) -> [f64; 2] {
    let values: Vec<f64> = (0..trajectory.times.len())
        .map(|row| trajectory.row(row)[column])
        .collect();
    let until_by = trajectory
        .times
        .iter()
        .take_while(|t| **t <= criteria.by)
        .count();
    let lowest = (0..until_by).min_by(|&a, &b| values[a].total_cmp(&values[b]));
    let Some(lowest) = lowest else {
        return [f64::NAN, f64::NAN];
    };
    let response = log_ratio(values[lowest], criteria.below);
    let relapse = criteria.relapse_above.map_or(f64::NAN, |above| {
        let from = values
            .iter()
            .position(|v| *v < criteria.below)
            .unwrap_or(lowest);
        let highest = values[from..]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        log_ratio(highest, above)
    });
    [response, relapse]
}

/// The smoothing bandwidth of margins: robust SD x n^(-1/3) (0 when it cannot be computed).
fn bandwidth(margins: impl Iterator<Item = f64>, n: f64) -> f64 {
    let mut finite: Vec<f64> = margins.filter(|m| m.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let spread = (quantile(&finite, 0.75) - quantile(&finite, 0.25)) / 1.349;
    let h = spread * n.powf(-1.0 / 3.0);
    if h.is_finite() { h } else { 0.0 }
}

/// Phi(sign * m / h), or the 0/1 indicator of sign * m > 0 when h is 0.
fn smooth_count(margin: f64, h: f64, sign: f64) -> f64 {
    match h > 0.0 {
        true => normal_cdf(sign * margin / h),
        false => f64::from(u8::from(sign * margin > 0.0)),
    }
}

/// The smoothed fraction of responders (`relapse` false) or of relapses among all patients.
pub(super) fn fraction(margins: &[[f64; 2]], relapse: bool) -> f64 {
    let n = margins.len() as f64;
    let h_response = bandwidth(margins.iter().map(|m| m[0]), n);
    let h_relapse = bandwidth(margins.iter().map(|m| m[1]), n);
    let counts = margins.iter().map(|m| {
        let responded = smooth_count(m[0], h_response, -1.0);
        match relapse {
            true => responded * smooth_count(m[1], h_relapse, 1.0),
            false => responded,
        }
    });
    counts.sum::<f64>() / n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Margins spread evenly on [-1, 2]: the smoothed response fraction is the indicator's to
    /// O(1/n) (the smoothing is symmetric about 0 and the margins' density flat there); the
    /// relapse fraction, here with margins that are the same variable (the worst case: a
    /// product of two smoothings of one margin), is off by about 0.19 h (h ~ 1.11 n^(-1/3)),
    /// so within 0.25 n^(-1/3), shrinking with n.
    #[test]
    fn the_smoothed_fraction_tends_to_the_indicator_fraction() {
        for n in [100usize, 1000, 10000] {
            let margins: Vec<[f64; 2]> = (0..n)
                .map(|i| {
                    let m = -1.0 + 3.0 * (i as f64 + 0.5) / n as f64;
                    [m, -m]
                })
                .collect();
            let indicator = margins.iter().filter(|m| m[0] < 0.0).count() as f64 / n as f64;
            let smoothed = fraction(&margins, false);
            assert!(
                (smoothed - indicator).abs() < 2.0 / n as f64 + 1e-12,
                "n {n}: {smoothed} against {indicator}"
            );
            let both =
                margins.iter().filter(|m| m[0] < 0.0 && m[1] > 0.0).count() as f64 / n as f64;
            let relapse = fraction(&margins, true);
            let allowed = 0.25 * (n as f64).powf(-1.0 / 3.0);
            assert!(
                (relapse - both).abs() < allowed,
                "n {n}: {relapse} against {both}"
            );
        }
    }

    #[test]
    fn margins_read_the_minimum_by_the_deadline_and_the_maximum_after_the_response() {
        let trajectory = Trajectory {
            columns: vec!["T".to_string()].into(),
            times: vec![0.0, 1.0, 2.0, 3.0],
            values: vec![100.0, 5.0, 1.0, 50.0],
        };
        let criteria = ResponseCriteria {
            below: 10.0,
            by: 2.0,
            relapse_above: Some(20.0),
        };
        let [response, relapse] = margins(&trajectory, 0, &criteria);
        assert!((response - (1.0f64 / 10.0).ln()).abs() < 1e-15);
        assert!((relapse - (50.0f64 / 20.0).ln()).abs() < 1e-15);
    }
}
