//! Non-compartmental exposure metrics of a concentration-time curve, as pharmacologists report
//! them: Cmax, Tmax, AUC by the linear-up/log-down trapezoidal rule, Clast/Tlast above a limit
//! of quantification, and the terminal half-life from a log-linear fit. The submodules build on
//! these: CAR T kinetic phases (`phases`), tumor response and relapse (`response`), and
//! summaries over the subjects of a virtual population (`summary`).

pub mod phases;
pub mod response;
pub mod selection;
pub mod summary;

use crate::trajectory::{Peak, Trajectory};
use serde::Serialize;

/// Exposure metrics of one curve. Fields are `None` when the curve does not define them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nca {
    pub cmax: f64,
    pub tmax: f64,
    /// AUC from the first time to the last quantifiable time (`tlast`).
    pub auc_0_last: f64,
    /// AUC over the first 28 time units, when the curve reaches that far.
    pub auc_0_28: Option<f64>,
    /// Last value above the limit of quantification, and its time.
    pub clast: Option<f64>,
    pub tlast: Option<f64>,
    /// ln 2 over the slope of a log-linear fit to the last `TERMINAL_POINTS` quantifiable points
    /// after Tmax; `None` if they do not decline.
    pub t_half_terminal: Option<f64>,
}

impl Nca {
    /// These metrics with Cmax and Tmax of the solver's solution (`simulate::locate_peaks`)
    /// instead of the grid's, when known.
    pub fn with_peak(self, peak: Option<Peak>) -> Nca {
        match peak {
            Some(Peak { cmax, tmax }) => Nca { cmax, tmax, ..self },
            None => self,
        }
    }
}

/// Points used for the terminal half-life fit.
pub const TERMINAL_POINTS: usize = 3;

/// Area of one interval: linear when the value rises or stays, logarithmic when it falls
/// between two positive values (exact for exponential decline).
fn interval_auc(t0: f64, c0: f64, t1: f64, c1: f64) -> f64 {
    let width = t1 - t0;
    if c1 < c0 && c1 > 0.0 && c0 > 0.0 {
        (c0 - c1) * width / (c0 / c1).ln()
    } else {
        0.5 * (c0 + c1) * width
    }
}

/// AUC from the first time up to `until` (interpolating the last interval on the same rule).
pub fn auc_until(times: &[f64], values: &[f64], until: f64) -> f64 {
    let mut area = 0.0;
    for k in 1..times.len() {
        let (t0, t1, c0, c1) = (times[k - 1], times[k], values[k - 1], values[k]);
        if t0 >= until {
            break;
        }
        if t1 <= until {
            area += interval_auc(t0, c0, t1, c1);
        } else {
            let fraction = (until - t0) / (t1 - t0);
            let c_until = if c1 < c0 && c1 > 0.0 && c0 > 0.0 {
                c0 * (c1 / c0).powf(fraction)
            } else {
                c0 + (c1 - c0) * fraction
            };
            area += interval_auc(t0, c0, until, c_until);
        }
    }
    area
}

/// The metrics of one curve; `lloq` is the limit of quantification (values at or below it do
/// not count for Clast/Tlast and the terminal fit; default 0).
pub fn nca(times: &[f64], values: &[f64], lloq: f64) -> Option<Nca> {
    let finite = times.len() == values.len() && values.iter().all(|v| v.is_finite());
    let (peak, &cmax) = values
        .iter()
        .enumerate()
        .rev()
        .max_by(|a, b| a.1.total_cmp(b.1))?; // `rev`: the first of tied maxima is Tmax
    if !finite {
        return None;
    }
    let last = values.iter().rposition(|&v| v > lloq);
    let tlast = last.map(|k| times[k]);
    let auc_0_last = auc_until(times, values, tlast.unwrap_or(times[0]));
    let span = times.last()? - times[0];
    let auc_0_28 = (span >= 28.0).then(|| auc_until(times, values, times[0] + 28.0));
    let t_half_terminal = last.and_then(|last| {
        let first = (last + 1).checked_sub(TERMINAL_POINTS)?;
        if first <= peak {
            return None;
        }
        let points: Vec<(f64, f64)> = (first..=last).map(|k| (times[k], values[k])).collect();
        half_life_of_log_linear_fit(&points)
    });
    Some(Nca {
        cmax,
        tmax: times[peak],
        auc_0_last,
        auc_0_28,
        clast: last.map(|k| values[k]),
        tlast,
        t_half_terminal,
    })
}

/// Half-life of a log-linear fit to `(time, value)` points: ln 2 over minus the slope of the
/// least-squares line of ln(value) on time; `None` unless that slope is negative.
fn half_life_of_log_linear_fit(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (mean_t, mean_y) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (t, c)| (a + t / n, b + c.ln() / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (t, c)| {
        (
            a + (t - mean_t) * (c.ln() - mean_y),
            b + (t - mean_t).powi(2),
        )
    });
    let slope = sxy / sxx;
    (slope < 0.0).then(|| std::f64::consts::LN_2 / -slope)
}

/// `metrics.csv`: one row per named column of the trajectory with its peak on the solver's
/// solution, the other metrics computed on the output grid; empty cells where a metric is not
/// defined.
pub fn table<'a>(
    trajectory: &Trajectory,
    columns: impl IntoIterator<Item = (&'a str, Option<Peak>)>,
) -> String {
    let mut text =
        String::from("column,cmax,tmax,auc_0_last,auc_0_28,clast,tlast,t_half_terminal\n");
    let cell = |value: Option<f64>| value.map_or(String::new(), |v| format!("{v}"));
    for (name, peak) in columns {
        let values = trajectory.column(name).unwrap_or_default();
        if let Some(metrics) = nca(&trajectory.times, &values, 0.0).map(|m| m.with_peak(peak)) {
            text.push_str(&format!(
                "{name},{},{},{},{},{},{},{}\n",
                metrics.cmax,
                metrics.tmax,
                metrics.auc_0_last,
                cell(metrics.auc_0_28),
                cell(metrics.clast),
                cell(metrics.tlast),
                cell(metrics.t_half_terminal)
            ));
        }
    }
    text
}

/// Units of the quantities metrics are computed on.
pub struct Units<'a> {
    pub exposure: Option<&'a str>,
    pub tumor: Option<&'a str>,
    pub time: &'a str,
}

/// The unit of a metric by its name; `None` for fractions, counts and ratios.
pub fn metric_unit(metric: &str, units: &Units) -> Option<String> {
    let time = Some(units.time.to_string());
    match metric {
        "cmax" | "clast" => units.exposure.map(String::from),
        m if m.starts_with("auc") => units.exposure.map(|u| format!("{u} × {}", units.time)),
        "nadir" => units.tumor.map(String::from),
        "expansion_fold" => Some("fold".to_string()),
        "response" | "relapse" | "failed" => None,
        m if m.starts_with('t') => time,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_rise_and_exponential_fall_are_integrated_exactly() {
        // Rises linearly from 0 to 10 over [0, 2], then falls as 10 e^{-0.5 (t - 2)}: the
        // linear-up/log-down rule is exact on both parts.
        let times: Vec<f64> = (0..=40).map(|k| k as f64 * 0.5).collect();
        let curve = |t: f64| {
            if t <= 2.0 {
                5.0 * t
            } else {
                10.0 * (-0.5 * (t - 2.0)).exp()
            }
        };
        let values: Vec<f64> = times.iter().map(|&t| curve(t)).collect();
        let metrics = nca(&times, &values, 0.0).unwrap();
        assert_eq!((metrics.cmax, metrics.tmax), (10.0, 2.0));
        let exact = 10.0 + 20.0 * (1.0 - (-0.5_f64 * 18.0).exp());
        assert!(
            (metrics.auc_0_last - exact).abs() < 1e-12 * exact,
            "{}",
            metrics.auc_0_last
        );
        assert!((metrics.t_half_terminal.unwrap() - 2f64.ln() / 0.5).abs() < 1e-12);
        assert_eq!(metrics.tlast, Some(20.0));
        assert_eq!(metrics.auc_0_28, None, "the curve stops at 20");
        let quantified = nca(&times, &values, 0.1).unwrap();
        let tlast = quantified.tlast.unwrap();
        assert!(curve(tlast) > 0.1 && curve(tlast + 0.5) <= 0.1);
    }

    #[test]
    fn auc_until_interpolates_inside_an_interval() {
        let times = [0.0, 1.0, 2.0];
        let values = [0.0, 2.0, 2.0];
        assert!((auc_until(&times, &values, 1.5) - (1.0 + 1.0)).abs() < 1e-15);
    }

    #[test]
    fn tmax_is_the_first_of_tied_maxima() {
        let metrics = nca(&[0.0, 1.0, 2.0, 3.0], &[1.0, 5.0, 5.0, 2.0], 0.0).unwrap();
        assert_eq!((metrics.cmax, metrics.tmax), (5.0, 1.0));
    }

    #[test]
    fn degenerate_curves_do_not_panic() {
        assert_eq!(nca(&[], &[], 0.0), None);
        assert_eq!(nca(&[0.0, 1.0], &[f64::NAN, 1.0], 0.0), None);
        let flat = nca(&[0.0, 1.0, 2.0], &[0.0, 0.0, 0.0], 0.0).unwrap();
        assert_eq!(
            (flat.clast, flat.t_half_terminal, flat.auc_0_last),
            (None, None, 0.0)
        );
    }
}
