//! Kaplan–Meier figures: right-continuous step curves with their censored subjects marked
//! and the number at risk under the time axis.

use super::canvas::{CellText, Key, Mark, Plot, TickTable, XAxis, YAxis, render};
use super::format::{FigureSettings, Rendered};
use super::{PlotError, series_style, x_range};
use crate::metrics::summary::number_at_risk;

/// A step curve (Kaplan–Meier): `(time, fraction)` where the fraction changes, starting at
/// `(t0, 1.0)`, and the subjects behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepCurve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Each subject's (time, event): event false means censored at that time. Empty: the
    /// curve gets no censoring marks and no row in the number-at-risk table.
    pub observations: Vec<(f64, bool)>,
}

/// Right-continuous step curves extended to `end` (when it lies beyond a curve's last point),
/// on a y axis from 0 to 1, a short vertical stroke on the curve at each time a subject was
/// censored, and (when any curve has observations) the number at risk at every time tick
/// under the axis. Points are taken in time order; NaN points are skipped.
pub fn steps_figure(
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[StepCurve],
    end: f64,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let range = (0.0, 1.03);
    let mut paths = Vec::new();
    let mut legend = Vec::new();
    let mut times = vec![end];
    for (i, curve) in curves.iter().enumerate() {
        let mut points: Vec<(f64, f64)> = (curve.points.iter())
            .filter(|(t, s)| t.is_finite() && !s.is_nan())
            .map(|&(t, s)| (t, s.clamp(range.0, range.1)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Some(&(last_t, last_s)) = points.last() else {
            continue;
        };
        let mut path = Vec::with_capacity(2 * points.len() + 1);
        for (k, &(t, s)) in points.iter().enumerate() {
            if k > 0 {
                path.push((t, points[k - 1].1));
            }
            path.push((t, s));
        }
        if end.is_finite() && end > last_t {
            path.push((end, last_s));
        }
        times.extend(points.iter().map(|p| p.0));
        paths.push((i, path, points));
        if !curve.label.is_empty() {
            legend.push((Key::Series(i), curve.label.clone()));
        }
    }
    let (lo, hi) = x_range(&times);
    let mut marks = Vec::new();
    for (i, path, points) in paths {
        let path = path.into_iter().map(|(t, s)| (t.clamp(lo, hi), s));
        marks.push(Mark::Series(path.collect(), i, Some(curves.len())));
        marks.extend(censoring_marks(
            &curves[i].observations,
            &points,
            (lo, hi),
            i,
        ));
    }
    let axes = (
        XAxis::linear(x_label, (lo, hi)),
        YAxis::linear(y_label, range),
    );
    let plot = Plot::single(title, axes, marks, legend);
    let rows: Vec<(usize, CellText)> = (curves.iter().enumerate())
        .filter(|(_, c)| !c.observations.is_empty())
        .map(|(i, c)| {
            let observations = c.observations.clone();
            let count = move |t: f64| number_at_risk(&observations, t).to_string();
            (i, Box::new(count) as CellText)
        })
        .collect();
    if rows.is_empty() {
        return render(&plot, settings);
    }
    let heading = "number at risk".to_string();
    render(&plot.with_table(TickTable { heading, rows }), settings)
}

/// A stroke on curve `i` (its sorted `points`) at each distinct finite time in `x` at which
/// a subject was censored.
fn censoring_marks(
    observations: &[(f64, bool)],
    points: &[(f64, f64)],
    (lo, hi): (f64, f64),
    i: usize,
) -> Vec<Mark> {
    let mut censored: Vec<f64> = (observations.iter())
        .filter(|(t, event)| !event && t.is_finite() && (lo..=hi).contains(t))
        .map(|&(t, _)| t)
        .collect();
    censored.sort_by(f64::total_cmp);
    censored.dedup();
    let colour = series_style(i).color;
    (censored.into_iter())
        .filter_map(|t| {
            // The curve's value at t: that of its last step at or before t.
            let at = points.iter().rev().find(|p| p.0 <= t)?;
            Some(Mark::Tick((t, at.1), colour))
        })
        .collect()
}

#[cfg(test)]
mod tests;
