//! Tumor response metrics of a tumor-burden curve: nadir, response (falling below a threshold by
//! a deadline), relapse (rising above a threshold after a response), and the time spent above
//! that threshold.
//!
//! Times are those of the output grid, on its own clock: with the first dose at time 0 they are
//! times since the first dose. Threshold crossings are interpolated between the two grid points
//! that bracket them: log-linearly when both values are positive (exact for exponential growth
//! or decline between them), linearly otherwise.

use serde::Serialize;

/// Thresholds that define response and relapse, in the units of the tumor output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResponseCriteria {
    /// Response threshold: the tumor responds when it falls strictly below this value...
    pub below: f64,
    /// ...at a time no later than this one.
    pub by: f64,
    /// Relapse threshold, if relapse is assessed: after a response, the tumor relapses when it
    /// rises strictly above this value.
    pub relapse_above: Option<f64>,
}

/// Response metrics of one tumor curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TumorMetrics {
    /// Smallest value of the tumor on the grid (the first one when several are equal).
    pub nadir: f64,
    /// Grid time of that first minimum.
    pub time_to_nadir: f64,
    /// Whether the tumor responded: `time_to_response` exists and is <= `by`.
    pub response: bool,
    /// First time the tumor falls below `below`: the first grid time if the first value is
    /// already below; otherwise the interpolated time at which the tumor reaches `below`
    /// between the last grid point at or above it and the first grid point below it. `None`
    /// if no value is below `below`. Reported even when later than `by` (no response).
    pub time_to_response: Option<f64>,
    /// Whether the tumor relapsed: `time_to_relapse` exists.
    pub relapse: bool,
    /// Only after a response (`response` true) and with `relapse_above` set: the interpolated
    /// time of the first crossing after `time_to_response` from at or below `relapse_above` to
    /// above it, between consecutive grid points; `None` otherwise.
    pub time_to_relapse: Option<f64>,
    /// Total time over the whole simulated span (first to last grid time) during which the
    /// tumor is strictly above `relapse_above`, crossings interpolated; independent of response.
    /// `None` when `relapse_above` is `None`.
    pub time_above_relapse: Option<f64>,
}

/// Time at which the tumor reaches `level` between grid points (t0, v0) and (t1, v1), with
/// `level` between v0 and v1 and v0 != v1. When v0 and v1 are both positive the interpolation
/// is log-linear, t = t0 + (t1 - t0) · ln(level / v0) / ln(v1 / v0), exact when the tumor grows
/// or shrinks exponentially between them; otherwise it is linear,
/// t = t0 + (t1 - t0) · (level - v0) / (v1 - v0).
fn crossing_time(t0: f64, v0: f64, t1: f64, v1: f64, level: f64) -> f64 {
    let fraction = if v0 > 0.0 && v1 > 0.0 {
        (level / v0).ln() / (v1 / v0).ln()
    } else {
        (level - v0) / (v1 - v0)
    };
    t0 + fraction * (t1 - t0)
}

/// Time within grid interval [t0, t1] during which the tumor is strictly above `level`.
fn time_above_in_interval(t0: f64, v0: f64, t1: f64, v1: f64, level: f64) -> f64 {
    match (v0 > level, v1 > level) {
        (true, true) => t1 - t0,
        (false, false) => 0.0,
        (true, false) => crossing_time(t0, v0, t1, v1, level) - t0,
        (false, true) => t1 - crossing_time(t0, v0, t1, v1, level),
    }
}

/// The response metrics of the tumor curve `values` over ascending `times`; `None` for an empty
/// curve, a non-finite time or value, or times and values of different lengths.
pub fn tumor_metrics(
    times: &[f64],
    values: &[f64],
    criteria: &ResponseCriteria,
) -> Option<TumorMetrics> {
    let finite = times.iter().chain(values).all(|x| x.is_finite());
    if times.is_empty() || times.len() != values.len() || !finite {
        return None;
    }
    let interval = |k: usize| (times[k - 1], values[k - 1], times[k], values[k]);
    let nadir_index = (1..values.len()).fold(0, |first_minimum, k| {
        if values[k] < values[first_minimum] {
            k
        } else {
            first_minimum
        }
    });

    let first_below = values.iter().position(|&v| v < criteria.below);
    let time_to_response = first_below.map(|k| {
        if k == 0 {
            times[0]
        } else {
            let (t0, v0, t1, v1) = interval(k);
            crossing_time(t0, v0, t1, v1, criteria.below)
        }
    });
    let response = time_to_response.is_some_and(|t| t <= criteria.by);

    let time_to_relapse = match (response, first_below, criteria.relapse_above) {
        (true, Some(first_below), Some(level)) => (first_below + 1..values.len())
            .find(|&k| values[k - 1] <= level && values[k] > level)
            .map(|k| {
                let (t0, v0, t1, v1) = interval(k);
                crossing_time(t0, v0, t1, v1, level)
            }),
        _ => None,
    };

    let time_above_relapse = criteria.relapse_above.map(|level| {
        (1..values.len())
            .map(|k| {
                let (t0, v0, t1, v1) = interval(k);
                time_above_in_interval(t0, v0, t1, v1, level)
            })
            .sum::<f64>()
    });

    Some(TumorMetrics {
        nadir: values[nadir_index],
        time_to_nadir: times[nadir_index],
        response,
        time_to_response,
        relapse: time_to_relapse.is_some(),
        time_to_relapse,
        time_above_relapse,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tumor 1e9 e^{-0.2 t} until the nadir at 30, then regrowth at 0.1 per unit time, on a
    /// grid of step 0.5 up to 80 that contains the nadir.
    const START: f64 = 1e9;
    const DECLINE: f64 = 0.2;
    const NADIR_TIME: f64 = 30.0;
    const REGROWTH: f64 = 0.1;
    const END: f64 = 80.0;

    fn tumor(t: f64) -> f64 {
        START * (-DECLINE * t.min(NADIR_TIME) + REGROWTH * (t - NADIR_TIME).max(0.0)).exp()
    }

    fn grid() -> (Vec<f64>, Vec<f64>) {
        let times: Vec<f64> = (0..=160).map(|k| k as f64 * 0.5).collect();
        let values = times.iter().map(|&t| tumor(t)).collect();
        (times, values)
    }

    /// Every interval between grid points lies on one exponential (the nadir is a grid point),
    /// on which log-linear interpolation is exact, so the crossings differ from the closed form
    /// only by rounding: values off by a few ulps shift a crossing by about ulp / rate ~ 1e-15
    /// in time. 1e-12 relative leaves a wide margin while still failing for linear
    /// interpolation, which is off by ~1e-3 here.
    const CROSSING_TOLERANCE: f64 = 1e-12;

    fn assert_close(actual: f64, exact: f64) {
        assert!(
            (actual - exact).abs() <= CROSSING_TOLERANCE * exact.abs(),
            "{actual} vs {exact}"
        );
    }

    #[test]
    fn decline_then_regrowth_gives_exact_crossings() {
        let (times, values) = grid();
        let criteria = ResponseCriteria {
            below: 1e7,
            by: 28.0,
            relapse_above: Some(1e8),
        };
        let metrics = tumor_metrics(&times, &values, &criteria).unwrap();
        assert_eq!(metrics.time_to_nadir, NADIR_TIME);
        assert_eq!(metrics.nadir, tumor(NADIR_TIME));

        // 1e9 e^{-0.2 t} = 1e7 at t = ln(100) / 0.2 = 23.03, before the deadline 28.
        let response_time = (START / 1e7).ln() / DECLINE;
        assert!(metrics.response);
        assert_close(metrics.time_to_response.unwrap(), response_time);

        // Regrowth from 1e9 e^{-6} reaches 1e8 at 30 + (6 - ln 10) / 0.1 = 66.97.
        let nadir_value = START * (-DECLINE * NADIR_TIME).exp();
        let relapse_time = NADIR_TIME + (1e8 / nadir_value).ln() / REGROWTH;
        assert!(metrics.relapse);
        assert_close(metrics.time_to_relapse.unwrap(), relapse_time);

        // Above 1e8 on [0, ln(10) / 0.2] and on [66.97, 80].
        let falls_below_relapse = (START / 1e8).ln() / DECLINE;
        let above = falls_below_relapse + (END - relapse_time);
        assert_close(metrics.time_above_relapse.unwrap(), above);

        // Linear interpolation would miss the crossing by ~1e-3: the tolerance discriminates.
        let k = values.iter().position(|&v| v < 1e7).unwrap();
        let linear = times[k - 1]
            + (times[k] - times[k - 1]) * (1e7 - values[k - 1]) / (values[k] - values[k - 1]);
        assert!((linear - response_time).abs() > 1e3 * CROSSING_TOLERANCE * response_time);
    }

    #[test]
    fn response_after_the_deadline_is_no_response_and_allows_no_relapse() {
        let (times, values) = grid();
        let criteria = ResponseCriteria {
            below: 1e7,
            by: 20.0,
            relapse_above: Some(1e8),
        };
        let metrics = tumor_metrics(&times, &values, &criteria).unwrap();
        assert!(!metrics.response);
        assert_close(
            metrics.time_to_response.unwrap(),
            (START / 1e7).ln() / DECLINE,
        );
        assert!(!metrics.relapse);
        assert_eq!(metrics.time_to_relapse, None);
        // Time above the relapse threshold does not depend on response.
        assert!(metrics.time_above_relapse.unwrap() > 20.0);

        // A deadline exactly at the crossing counts: response means time_to_response <= by.
        let by = metrics.time_to_response.unwrap();
        let at_deadline = tumor_metrics(&times, &values, &ResponseCriteria { by, ..criteria });
        assert!(at_deadline.unwrap().response);

        // Never below: no response time at all.
        let never = ResponseCriteria {
            below: 1e6,
            ..criteria
        };
        let metrics = tumor_metrics(&times, &values, &never).unwrap();
        assert_eq!((metrics.response, metrics.time_to_response), (false, None));
        assert_eq!((metrics.relapse, metrics.time_to_relapse), (false, None));
    }

    #[test]
    fn starting_below_the_thresholds() {
        // 1e7 e^{-0.2 t} then regrowth: below 1e8 and 5e7 from the start, back above 1e8 at
        // 30 + (6 + ln 10) / 0.1 = 113.03, the curve running to 150.
        let times: Vec<f64> = (0..=300).map(|k| k as f64 * 0.5).collect();
        let values: Vec<f64> = times.iter().map(|&t| tumor(t) * 1e-2).collect();
        let criteria = ResponseCriteria {
            below: 5e7,
            by: 0.0,
            relapse_above: Some(1e8),
        };
        let metrics = tumor_metrics(&times, &values, &criteria).unwrap();
        assert_eq!(metrics.time_to_response, Some(0.0));
        assert!(
            metrics.response,
            "a response at the first time meets a deadline at it"
        );
        let relapse_time =
            NADIR_TIME + (1e8 / (1e7 * (-DECLINE * NADIR_TIME).exp())).ln() / REGROWTH;
        assert_close(metrics.time_to_relapse.unwrap(), relapse_time);
        assert_close(metrics.time_above_relapse.unwrap(), 150.0 - relapse_time);
    }

    #[test]
    fn linear_interpolation_when_a_value_is_not_positive() {
        // 4 -> 0 crosses 1 at 0.75 and 2 at 0.5; 0 -> 8 crosses 2 at 2.25 (linear, exact here).
        let times = [0.0, 1.0, 2.0, 3.0];
        let values = [4.0, 0.0, 0.0, 8.0];
        let criteria = ResponseCriteria {
            below: 1.0,
            by: 1.0,
            relapse_above: Some(2.0),
        };
        let metrics = tumor_metrics(&times, &values, &criteria).unwrap();
        assert_eq!(
            (metrics.nadir, metrics.time_to_nadir),
            (0.0, 1.0),
            "first minimum"
        );
        assert_eq!(metrics.time_to_response, Some(0.75));
        assert_eq!(metrics.time_to_relapse, Some(2.25));
        assert_eq!(metrics.time_above_relapse, Some(0.5 + 0.75));
        let no_relapse_threshold = ResponseCriteria {
            relapse_above: None,
            ..criteria
        };
        let metrics = tumor_metrics(&times, &values, &no_relapse_threshold).unwrap();
        assert_eq!((metrics.relapse, metrics.time_to_relapse), (false, None));
        assert_eq!(metrics.time_above_relapse, None);
    }

    #[test]
    fn degenerate_curves_do_not_panic() {
        let criteria = ResponseCriteria {
            below: 1.0,
            by: 1.0,
            relapse_above: Some(2.0),
        };
        assert_eq!(tumor_metrics(&[], &[], &criteria), None);
        assert_eq!(
            tumor_metrics(&[0.0, 1.0], &[1.0, f64::NAN], &criteria),
            None
        );
        assert_eq!(
            tumor_metrics(&[f64::NAN, 1.0], &[1.0, 1.0], &criteria),
            None
        );
        assert_eq!(tumor_metrics(&[0.0, 1.0], &[1.0], &criteria), None);
        let single = tumor_metrics(&[2.0], &[0.5], &criteria).unwrap();
        assert_eq!((single.nadir, single.time_to_nadir), (0.5, 2.0));
        assert_eq!(single.time_to_response, Some(2.0));
        assert!(!single.response, "the first time 2 is after the deadline 1");
        assert_eq!(single.time_above_relapse, Some(0.0));
        let not_a_number = ResponseCriteria {
            below: f64::NAN,
            by: f64::NAN,
            relapse_above: Some(f64::NAN),
        };
        let metrics = tumor_metrics(&[0.0, 1.0], &[1.0, 3.0], &not_a_number).unwrap();
        assert_eq!((metrics.response, metrics.time_to_response), (false, None));
        assert_eq!(metrics.time_above_relapse, Some(0.0));
    }
}
