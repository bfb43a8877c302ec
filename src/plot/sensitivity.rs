//! Sensitivity figures: the tornado chart of local changes, Sobol' indices as bars with their
//! intervals, and the Morris (mu*, sigma) scatter. Curves over time use `render_png`.

use plotters::style::Color;

use super::canvas::{Key, Mark, Plot, XAxis, YAxis, render};
use super::format::{FigureSettings, Rendered};
use super::population::{categories, significant};
use super::style::GREY;
use super::{PlotError, extent, padded_linear, palette, shade, tint};

/// One parameter's bar pair in a tornado chart: the metric's relative change (a fraction) when
/// the parameter is lowered and raised.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// One parameter's Sobol' indices: (estimate, interval low, interval high) of S1 and ST.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexBar {
    pub label: String,
    pub first: (f64, f64, f64),
    pub total: (f64, f64, f64),
}

/// One parameter in the Morris plane.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisPoint {
    pub label: String,
    pub mu_star: f64,
    pub sigma: f64,
}

/// A finite value, or 0 (an undefined change draws no bar).
fn or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// Tornado chart: one row per parameter, ordered by its largest change (largest at the top),
/// with a horizontal bar from 0 to the percent change of the metric for the lowered (first
/// colour, upper bar) and the raised (second colour, lower bar) parameter. `change` is the
/// fraction X of the +-X% moves.
pub fn tornado_figure(
    title: &str,
    metric: &str,
    change: f64,
    bars: &[TornadoBar],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let mut sorted = bars.to_vec();
    let swing = |b: &TornadoBar| or_zero(b.low).abs().max(or_zero(b.high).abs());
    sorted.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
    let percent = |v: f64| 100.0 * or_zero(v);
    let range = padded_linear(extent(
        sorted
            .iter()
            .flat_map(|b| [percent(b.low), percent(b.high)]),
        f64::is_finite,
    ));
    let fit = |v: f64| v.clamp(range.0, range.1);
    let colours = [palette(0), palette(1)];
    let rows = sorted.len();
    let mut marks = Vec::new();
    for (i, bar) in sorted.iter().enumerate() {
        // Row i from the top sits at y = rows - 1 - i.
        let y = (rows - 1 - i) as f64;
        for (side, (value, colour)) in [(bar.low, colours[0]), (bar.high, colours[1])]
            .into_iter()
            .enumerate()
        {
            let centre = y + if side == 0 { 0.2 } else { -0.2 };
            let corners = [
                (fit(0.0), centre - 0.18),
                (fit(percent(value)), centre + 0.18),
            ];
            marks.push(Mark::Rect(corners, tint(colour, 0.55).filled()));
            marks.push(Mark::Rect(corners, colour.stroke_width(2)));
        }
    }
    let zero = vec![(fit(0.0), -0.5), (fit(0.0), rows.max(1) as f64 - 0.5)];
    marks.push(Mark::Line(zero, GREY, 1));
    let change = significant(100.0 * change);
    let names = sorted.iter().rev().map(|b| b.label.clone()).collect();
    let axes = (
        XAxis::linear(&format!("change in {metric} (%)"), range),
        YAxis::categories("parameter", names),
    );
    let legend = vec![
        (Key::Fill(colours[0]), format!("parameter -{change}%")),
        (Key::Fill(colours[1]), format!("parameter +{change}%")),
    ];
    render(&Plot::single(title, axes, marks, legend), settings)
}

/// Sobol' indices: per parameter a bar for S1 (first colour) and ST (second colour) with its
/// bootstrap interval as an error bar; the y axis covers 0 to 1 and any interval beyond.
pub fn indices_figure(
    title: &str,
    bars: &[IndexBar],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let values = bars.iter().flat_map(|b| {
        [
            b.first.0, b.first.1, b.first.2, b.total.0, b.total.1, b.total.2,
        ]
    });
    let (low, high) = extent(values, f64::is_finite).unwrap_or((0.0, 1.0));
    let range = (low.min(0.0) - 0.02, high.max(1.0) + 0.05);
    let fit = |v: f64| v.clamp(range.0, range.1);
    let colours = [palette(0), palette(1)];
    let mut marks = Vec::new();
    for (i, bar) in bars.iter().enumerate() {
        for (side, ((value, low, high), colour)) in
            [(bar.first, colours[0]), (bar.total, colours[1])]
                .into_iter()
                .enumerate()
        {
            let x = i as f64 + if side == 0 { -0.2 } else { 0.2 };
            if value.is_finite() {
                let corners = [(x - 0.16, fit(0.0)), (x + 0.16, fit(value))];
                marks.push(Mark::Rect(corners, tint(colour, 0.55).filled()));
                marks.push(Mark::Rect(corners, colour.stroke_width(2)));
            }
            if low.is_finite() && high.is_finite() {
                let (low, high) = (fit(low), fit(high));
                let ink = shade(colour, 0.4);
                marks.push(Mark::Line(vec![(x, low), (x, high)], ink, 2));
                for end in [low, high] {
                    marks.push(Mark::Line(vec![(x - 0.07, end), (x + 0.07, end)], ink, 2));
                }
            }
        }
    }
    render(
        &Plot::single(
            title,
            (
                categories(
                    bars.iter().map(|b| b.label.clone()),
                    Vec::new(),
                    "parameter · error bars: 95% bootstrap intervals",
                ),
                YAxis::linear("Sobol' index", range),
            ),
            marks,
            vec![
                (Key::Fill(colours[0]), "first order S1".into()),
                (Key::Fill(colours[1]), "total ST".into()),
            ],
        ),
        settings,
    )
}

/// Morris plane: sigma against mu* with each parameter labelled; both axes from 0.
pub fn morris_figure(
    title: &str,
    unit: &str,
    points: &[MorrisPoint],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let top = |values: &mut dyn Iterator<Item = f64>| {
        let (_, high) = extent(values, f64::is_finite).unwrap_or((0.0, 1.0));
        if high > 0.0 { 1.15 * high } else { 1.0 }
    };
    let x_top = top(&mut points.iter().map(|p| p.mu_star));
    let y_top = top(&mut points.iter().map(|p| p.sigma));
    let mut marks = vec![Mark::Dashed(
        vec![(0.0, 0.0), (x_top.min(y_top), x_top.min(y_top))],
        GREY,
        1,
    )];
    for (i, point) in points.iter().enumerate() {
        if point.mu_star.is_finite() && point.sigma.is_finite() {
            let at = (point.mu_star.min(x_top), point.sigma.min(y_top));
            marks.push(Mark::Dot(at, palette(i), 7));
            marks.push(Mark::Note(at, point.label.clone(), true));
        }
    }
    render(
        &Plot::single(
            title,
            (
                XAxis::linear(
                    &format!("mu* (mean |elementary effect|, {unit})"),
                    (0.0, x_top),
                ),
                YAxis::linear(&format!("sigma ({unit})"), (0.0, y_top)),
            ),
            marks,
            vec![(Key::Dashed(GREY), "sigma = mu*".into())],
        ),
        settings,
    )
}

#[cfg(test)]
mod tests;
