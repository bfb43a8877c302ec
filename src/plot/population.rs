//! Population figures: percentile bands over time, and interval estimates and box plots per
//! category.
//!
//! Each function is pure: it validates its input, describes the figure as marks in data
//! coordinates (see the `canvas` module) and renders it to PNG bytes at 1200x800 with the
//! parent module's embedded font, palette, tick labels and y scale rules. NaN values are
//! skipped, infinities and values outside the axes are clamped onto them, and on log axes
//! non-positive values are drawn at the axis floor.

use plotters::style::Color;

use super::canvas::{Key, Mark, Plot, XAxis, YAxis, render};
use super::fit::{ObservedPoint, observation_marks, point_legend, time_range};
use super::format::{FigureSettings, Rendered};
use super::{
    PlotError, YScale, extent, padded_linear, palette, placed, scaled_axis, shade, tint, y_axis,
};

/// Percentile bands of one output over time for one scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bands {
    pub times: Vec<f64>,
    pub p05: Vec<f64>,
    pub p25: Vec<f64>,
    pub p50: Vec<f64>,
    pub p75: Vec<f64>,
    pub p95: Vec<f64>,
    /// The typical subject's curve (no random effects); may be empty to omit.
    pub typical: Vec<f64>,
    /// Observations drawn over the bands, as in a visual predictive check; may be empty.
    pub observed: Vec<ObservedPoint>,
    /// The observations' 5th, 50th and 95th percentiles at `times` (NaN where unknown), drawn
    /// as lines over the bands; empty to omit.
    pub observed_percentiles: [Vec<f64>; 3],
    /// The output's limit of quantification: the floor of a log axis (values below it drawn in
    /// the band under it); `None` puts the floor at a fraction of the largest value.
    pub lloq: Option<f64>,
}

/// An interval estimate for one category, e.g. a response fraction with its 95% CI.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub label: String,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// The distribution of a quantity in one category, summarised by percentiles over `n` subjects.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSummary {
    pub label: String,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub n: usize,
}

/// The band colours, lightest first: 5–95%, 25–75%, median line, typical subject line.
pub(super) fn band_colours() -> [plotters::style::RGBColor; 4] {
    let base = palette(0);
    [
        tint(base, 0.22),
        tint(base, 0.45),
        shade(base, 0.35),
        palette(1),
    ]
}

/// Shaded 5–95% band (light), 25–75% band (darker), median line, the typical subject as a
/// dashed line in a second colour, and any observations on top as in `fits_figure`. The y axis
/// is log10 when the positive finite values, observations included, span more than two
/// decades (the `YScale::Auto` rule), linear from zero otherwise.
///
/// Fails when a percentile (or a non-empty `typical`) has a different length from `times`.
pub fn bands_figure(
    title: &str,
    x_label: &str,
    y_label: &str,
    bands: &Bands,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let n = bands.times.len();
    let columns = [
        ("p05", &bands.p05),
        ("p25", &bands.p25),
        ("p50", &bands.p50),
        ("p75", &bands.p75),
        ("p95", &bands.p95),
        ("typical", &bands.typical),
        ("observed p05", &bands.observed_percentiles[0]),
        ("observed p50", &bands.observed_percentiles[1]),
        ("observed p95", &bands.observed_percentiles[2]),
    ];
    for (name, values) in columns {
        let optional = (name == "typical" || name.starts_with("observed")) && values.is_empty();
        if values.len() != n && !optional {
            let message = format!(
                "bands: {name} has {} values but there are {n} times",
                values.len()
            );
            return Err(PlotError(message));
        }
    }
    let values = (columns.iter().flat_map(|(_, v)| v.iter().copied()))
        .chain(bands.observed.iter().map(|o| o.value));
    let (y, fit) = placed(scaled_axis(y_label, values, YScale::Auto, bands.lloq));
    let (x0, x1) = time_range(&bands.times, &bands.observed);
    let points = |values: &[f64]| -> Vec<(f64, f64)> {
        (bands.times.iter().zip(values))
            .filter(|(t, v)| t.is_finite() && !v.is_nan())
            .map(|(&t, &v)| (t.clamp(x0, x1), fit(v)))
            .collect()
    };
    // Upper edge forwards, lower edge backwards, over the times where both are known.
    let band = |low: &[f64], high: &[f64]| -> Vec<(f64, f64)> {
        let known =
            (0..n).filter(|&i| bands.times[i].is_finite() && !low[i].is_nan() && !high[i].is_nan());
        let at = |i: usize, v: f64| (bands.times[i].clamp(x0, x1), fit(v));
        let upper = known.clone().map(|i| at(i, high[i]));
        upper.chain(known.rev().map(|i| at(i, low[i]))).collect()
    };
    let [outer, inner, median, typical] = band_colours();
    let mut marks = vec![
        Mark::Fill(band(&bands.p05, &bands.p95), outer),
        Mark::Fill(band(&bands.p25, &bands.p75), inner),
        Mark::Line(points(&bands.p50), median, 3),
    ];
    let mut legend = vec![
        (Key::Fill(outer), "5–95%".to_string()),
        (Key::Fill(inner), "25–75%".to_string()),
        (Key::Line(median), "median".to_string()),
    ];
    if !bands.typical.is_empty() {
        marks.push(Mark::Dashed(points(&bands.typical), typical, 3));
        legend.push((Key::Dashed(typical), "typical subject".to_string()));
    }
    marks.extend(observation_marks(&bands.observed, (x0, x1), &y));
    if let [low, middle, high] = &bands.observed_percentiles
        && !middle.is_empty()
    {
        let colour = palette(5);
        marks.push(Mark::Line(points(middle), colour, 3));
        marks.extend([low, high].map(|p| Mark::Dashed(points(p), colour, 2)));
        legend.push((Key::Line(colour), "observed median".to_string()));
        legend.push((Key::Dashed(colour), "observed 5th, 95th".to_string()));
    }
    legend.extend(point_legend(marks.iter(), "BLQ, at LLOQ"));
    render(
        &Plot::single(title, (XAxis::linear(x_label, (x0, x1)), y), marks, legend),
        settings,
    )
}

/// Points with vertical error bars (low to high), one category per slot, labelled with the
/// category names (wrapped to fit) and the estimate written beside each point. The y axis runs
/// from 0 to 1 when `unit_interval` is true, else linearly from zero over the finite values.
pub fn intervals_figure(
    title: &str,
    y_label: &str,
    intervals: &[Interval],
    unit_interval: bool,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let range = if unit_interval {
        (0.0, 1.03)
    } else {
        let values = intervals.iter().flat_map(|i| [i.estimate, i.low, i.high]);
        padded_linear(extent(values, f64::is_finite))
    };
    let fit = |v: f64| v.clamp(range.0, range.1);
    let half = cap_width(intervals.len()) / 2.0;
    let annotate = intervals.len() <= 8;
    let mut marks = Vec::new();
    for (i, interval) in intervals.iter().enumerate() {
        let (x, color) = (i as f64, palette(i));
        let (low, high) = (interval.low, interval.high);
        let estimate = (!interval.estimate.is_nan()).then(|| fit(interval.estimate));
        // The note goes above the bar, or below it when the bar reaches the top of the axis.
        let (mut top, mut bottom) = (estimate, estimate);
        if !low.is_nan() && !high.is_nan() {
            let (low, high) = (fit(low.min(high)), fit(low.max(high)));
            marks.push(Mark::Line(vec![(x, low), (x, high)], color, 3));
            for end in [low, high] {
                marks.push(Mark::Line(vec![(x - half, end), (x + half, end)], color, 3));
            }
            (top, bottom) = (
                Some(top.map_or(high, |e| e.max(high))),
                Some(bottom.map_or(low, |e| e.min(low))),
            );
        }
        if let Some(estimate) = estimate {
            marks.push(Mark::Dot((x, estimate), color, 8));
        }
        if let (true, Some(top), Some(bottom)) = (annotate, top, bottom) {
            let above = (range.1 - top) > 0.08 * (range.1 - range.0);
            let at = (x, if above { top } else { bottom });
            marks.push(Mark::Note(at, describe(interval), above));
        }
    }
    render(
        &Plot::single(
            title,
            (
                categories(intervals.iter().map(|i| i.label.clone()), Vec::new(), ""),
                YAxis::linear(y_label, range),
            ),
            marks,
            Vec::new(),
        ),
        settings,
    )
}

/// Box plots per category: box from the 25th to the 75th percentile, a line at the median and
/// whiskers to the 5th and 95th percentiles (as the x axis note says), with `n` under each
/// label. Log y when every finite value is positive and they span more than two decades
/// (quantities such as random effects, which take both signs, stay linear).
pub fn boxes_figure(
    title: &str,
    y_label: &str,
    boxes: &[BoxSummary],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let values = || {
        boxes
            .iter()
            .flat_map(|b| [b.p05, b.p25, b.p50, b.p75, b.p95])
    };
    let signed = values().any(|v| v.is_finite() && v <= 0.0);
    let scale = if signed { YScale::Linear } else { YScale::Auto };
    let (y, fit) = y_axis(y_label, values(), scale);
    let half = cap_width(boxes.len());
    let mut marks = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        let (x, color) = (i as f64, palette(i));
        let known = |v: f64| (!v.is_nan()).then(|| fit(v));
        let (p05, p25, p50, p75, p95) = (
            known(b.p05),
            known(b.p25),
            known(b.p50),
            known(b.p75),
            known(b.p95),
        );
        for (end, edge) in [(p05, p25), (p95, p75)] {
            if let Some(end) = end {
                marks.push(Mark::Line(
                    vec![(x - half / 2.0, end), (x + half / 2.0, end)],
                    color,
                    2,
                ));
                if let Some(edge) = edge.or(p50) {
                    marks.push(Mark::Line(vec![(x, end), (x, edge)], color, 2));
                }
            }
        }
        if let (Some(p25), Some(p75)) = (p25, p75) {
            let corners = [(x - half, p25), (x + half, p75)];
            marks.push(Mark::Rect(corners, tint(color, 0.35).filled()));
            marks.push(Mark::Rect(corners, color.stroke_width(2)));
        }
        if let Some(p50) = p50 {
            marks.push(Mark::Line(
                vec![(x - half, p50), (x + half, p50)],
                shade(color, 0.45),
                4,
            ));
        }
    }
    let notes = boxes.iter().map(|b| format!("n = {}", b.n)).collect();
    let description =
        "box: 25th–75th percentile · line: median · whiskers: 5th and 95th percentiles";
    render(
        &Plot::single(
            title,
            (
                categories(boxes.iter().map(|b| b.label.clone()), notes, description),
                y,
            ),
            marks,
            Vec::new(),
        ),
        settings,
    )
}

pub(super) fn categories(
    labels: impl Iterator<Item = String>,
    notes: Vec<String>,
    description: &str,
) -> XAxis {
    XAxis::Categories {
        labels: labels.collect(),
        notes,
        description: description.to_string(),
    }
}

/// Half the width of a box (whisker caps are half that), in slots: narrower when there are
/// fewer than three categories, so a lone box is not a wide slab.
fn cap_width(categories: usize) -> f64 {
    0.25 * (categories as f64 / 3.0).min(1.0)
}

/// "0.62 [0.55, 0.69]": the estimate and its interval to three significant digits (numbers
/// from 100 to 10000 to the unit), trailing zeros dropped.
fn describe(interval: &Interval) -> String {
    let (e, l, h) = (interval.estimate, interval.low, interval.high);
    let bounds = format!("[{}, {}]", significant(l.min(h)), significant(l.max(h)));
    match (e.is_nan(), l.is_nan() || h.is_nan()) {
        (false, false) => format!("{} {bounds}", significant(e)),
        (false, true) => significant(e),
        (true, _) => bounds,
    }
}

pub(super) fn significant(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-3..1e4).contains(&magnitude) {
        let decimals = (2 - magnitude.log10().floor() as i32).max(0) as usize;
        let fixed = format!("{v:.decimals$}");
        match fixed.contains('.') {
            true => fixed
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            false => fixed,
        }
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests;
