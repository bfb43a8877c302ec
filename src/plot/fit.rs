//! Goodness-of-fit figures: observed and fitted curves per subject as small multiples, and
//! scatter plots against a reference line (observed versus predicted, residuals versus time or
//! prediction), with observations below the LLOQ marked at the LLOQ by an open triangle.
//!
//! Each function is pure: it validates its input, describes the figure as marks in data
//! coordinates (see the `canvas` module) and renders it to PNG bytes with the parent module's
//! embedded font, palette and tick labels. NaN and infinite values are skipped. On log axes,
//! values that cannot be placed (zero, negative, or more than 12 decades below the largest
//! value) are left out: a fitted curve is split there and such an observation is not drawn.

use plotters::style::RGBColor;

use super::canvas::{Key, Mark, Panel, Plot, XAxis, YAxis, render};
use super::floor::LogAxis;
use super::format::{FigureSettings, Rendered};
use super::style::GREY;
use super::{PlotError, decades_around, extent, padded_linear, palette, segments, shade, x_range};

/// The most subjects [`fits_figure`] draws in one image (a 4x4 grid). Split more subjects into
/// pages with `panels.chunks(PANELS_PER_PAGE)`, one image each; more panels are an error.
pub const PANELS_PER_PAGE: usize = 16;

/// Where the dashed lines of a residual plot lie: the central 95% of a standard normal.
const Z_975: f64 = crate::metrics::summary::NORMAL_QUANTILE_975;
/// Radius of an observation's dot and reach of a BLQ triangle, in pixels.
const DOT: u32 = 5;
const TRIANGLE: u32 = 8;

/// One observation as drawn: censored (below LLOQ) points are drawn at their LLOQ (`value`)
/// with an open triangle pointing down instead of a dot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservedPoint {
    pub time: f64,
    pub value: f64,
    pub censored: bool,
}

/// One subject's panel: the fitted (individual prediction) curve on a dense time grid, and the
/// observations.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectPanel {
    pub label: String,
    pub times: Vec<f64>,
    /// Predictions, one per entry of `times`.
    pub fitted: Vec<f64>,
    pub observed: Vec<ObservedPoint>,
}

/// One point of a scatter plot; censored points get the BLQ marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScatterPoint {
    pub x: f64,
    pub y: f64,
    pub censored: bool,
}

/// The reference line of a scatter plot, which also decides its axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// y = x, for observed versus predicted: both axes share one range, log10 when `log`
    /// (whole decades around the positive values), else linear from zero.
    Identity { log: bool },
    /// y = 0 with dashed lines at ±1.96, for standardized residuals versus time or prediction:
    /// y linear and symmetric around zero (at least ±2.5), x log10 when `log_x`.
    Zero { log_x: bool },
}

/// The colours of the fitted line (also the scatter reference), observations and BLQ markers.
pub(super) fn fit_colours() -> [RGBColor; 3] {
    [palette(0), shade(GREY, 0.3), palette(3)]
}

/// Small multiples, one panel per subject in the order given, laid out in a grid of up to 4x4
/// (see `canvas::grid`): the fitted curve as a line and the observations as dots, on a log10 y
/// axis shared by all panels (whole decades around every positive fitted and observed value)
/// and a shared linear x axis. Each panel carries its label; the legend (fitted line,
/// observed, BLQ) is drawn once, with entries only for what is drawn.
///
/// Fails when a panel's `fitted` and `times` differ in length, or when there are more than
/// [`PANELS_PER_PAGE`] panels. No panels draws an empty chart with the title.
pub fn fits_figure(
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[SubjectPanel],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    if panels.len() > PANELS_PER_PAGE {
        return Err(PlotError(format!(
            "fits: {} panels, but at most {PANELS_PER_PAGE} fit in one image; split the subjects \
             into pages of {PANELS_PER_PAGE}",
            panels.len()
        )));
    }
    if let Some(p) = panels.iter().find(|p| p.fitted.len() != p.times.len()) {
        return Err(PlotError(format!(
            "fits: panel '{}' has {} fitted values but {} times",
            p.label,
            p.fitted.len(),
            p.times.len()
        )));
    }
    let values = (panels.iter())
        .flat_map(|p| (p.fitted.iter().copied()).chain(p.observed.iter().map(|o| o.value)));
    let positive = extent(values, |v| v.is_finite() && v > 0.0);
    let y = YAxis::new(y_label, decades_around(positive), true);
    let no_floor = LogAxis {
        range: y.range,
        floor: None,
    };
    let times: Vec<f64> = panels
        .iter()
        .flat_map(|p| p.times.iter().copied())
        .collect();
    let observed: Vec<ObservedPoint> = panels.iter().flat_map(|p| p.observed.clone()).collect();
    let x_range = time_range(&times, &observed);
    let [fitted, ..] = fit_colours();
    let panels: Vec<Panel> = (panels.iter())
        .map(|p| {
            let runs = segments(&p.times, &p.fitted, Some(no_floor), y.range);
            let mut marks: Vec<Mark> = (runs.into_iter())
                .map(|run| Mark::Line(run, fitted, 2))
                .collect();
            marks.extend(observation_marks(&p.observed, x_range, &y));
            Panel {
                label: p.label.clone(),
                marks,
                y: None,
            }
        })
        .collect();
    let marks = || panels.iter().flat_map(|p| &p.marks);
    let mut legend = Vec::new();
    if marks().any(|m| matches!(m, Mark::Line(..))) {
        legend.push((Key::Line(fitted), "individual fit".to_string()));
    }
    legend.extend(point_legend(marks(), "BLQ, at LLOQ"));
    render(
        &Plot::new(title, (XAxis::linear(x_label, x_range), y), panels, legend),
        settings,
    )
}

/// A scatter plot of `points` (dots; censored points as BLQ triangles) over a reference line:
/// see [`Reference`] for the line and the axes it implies. No points draws the reference line
/// on default axes.
pub fn scatter_figure(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[ScatterPoint],
    reference: Reference,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let xs = || points.iter().map(|p| p.x);
    let ys = || points.iter().map(|p| p.y);
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let (x, y) = match reference {
        Reference::Identity { log } => {
            let range = match log {
                true => decades_around(extent(xs().chain(ys()), positive)),
                false => padded_linear(extent(xs().chain(ys()), f64::is_finite)),
            };
            ((range, log), (range, log))
        }
        Reference::Zero { log_x } => {
            let x = match log_x {
                true => decades_around(extent(xs(), positive)),
                false => padded(x_range(&xs().collect::<Vec<_>>())),
            };
            let largest = extent(ys(), f64::is_finite).map_or(0.0, |(lo, hi)| hi.max(-lo));
            let top = 1.05 * largest.max(2.5);
            ((x, log_x), ((-top, top), false))
        }
    };
    let [line, ..] = fit_colours();
    let ((x0, x1), (y0, y1)) = (x.0, y.0);
    let (mut marks, mut legend) = match reference {
        Reference::Identity { .. } => {
            let identity = Mark::Line(vec![(x0, y0), (x1, y1)], line, 2);
            (vec![identity], vec![(Key::Line(line), "y = x".to_string())])
        }
        Reference::Zero { .. } => {
            let at = |v: f64| vec![(x0, v), (x1, v)];
            let marks = vec![
                Mark::Line(at(0.0), line, 2),
                Mark::Dashed(at(Z_975), line, 2),
                Mark::Dashed(at(-Z_975), line, 2),
            ];
            let legend = vec![
                (Key::Line(line), "zero".to_string()),
                (Key::Dashed(line), "±1.96".to_string()),
            ];
            (marks, legend)
        }
    };
    marks.extend(point_marks(
        points.iter().map(|p| (p.x, p.y, p.censored)),
        x,
        y,
    ));
    let blq = match reference {
        Reference::Identity { .. } => "BLQ, at LLOQ",
        Reference::Zero { .. } => "BLQ",
    };
    legend.extend(point_legend(marks.iter(), blq));
    render(
        &Plot::single(
            title,
            (
                XAxis::Numeric {
                    label: x_label.to_string(),
                    range: x.0,
                    log: x.1,
                },
                YAxis::new(y_label, y.0, y.1),
            ),
            marks,
            legend,
        ),
        settings,
    )
}

/// Observations on a linear time axis over `x` and the y axis `y`: dots, and open triangles
/// for censored ones, drawn after the dots so they stay visible.
pub(super) fn observation_marks(observed: &[ObservedPoint], x: (f64, f64), y: &YAxis) -> Vec<Mark> {
    let points = observed.iter().map(|o| (o.time, o.value, o.censored));
    point_marks(points, (x, false), (y.range, y.log))
}

/// Legend entries for the observation marks among `marks`: "observed" for dots and `blq` for
/// triangles, each only when present.
pub(super) fn point_legend<'a>(
    marks: impl Iterator<Item = &'a Mark> + Clone,
    blq: &str,
) -> Vec<(Key, String)> {
    let [_, observed, triangle] = fit_colours();
    let mut legend = Vec::new();
    if marks.clone().any(|m| matches!(m, Mark::Dot(..))) {
        legend.push((Key::Dot(observed), "observed".to_string()));
    }
    if marks.clone().any(|m| matches!(m, Mark::Below(..))) {
        legend.push((Key::Below(triangle), blq.to_string()));
    }
    legend
}

/// An axis as its range and whether it is log10.
type Scale = ((f64, f64), bool);

/// Dots for `(x, y, censored)` points, then triangles for the censored ones; points that
/// cannot be placed on the axes (see the module docs) are left out.
fn point_marks(points: impl Iterator<Item = (f64, f64, bool)>, x: Scale, y: Scale) -> Vec<Mark> {
    let [_, observed, blq] = fit_colours();
    let place = |v: f64, ((lo, hi), log): Scale| {
        (v.is_finite() && (!log || v >= lo)).then(|| v.clamp(lo, hi))
    };
    let (mut dots, mut triangles) = (Vec::new(), Vec::new());
    for (px, py, censored) in points {
        if let (Some(px), Some(py)) = (place(px, x), place(py, y)) {
            match censored {
                true => triangles.push(Mark::Below((px, py), blq, TRIANGLE)),
                false => dots.push(Mark::Dot((px, py), observed, DOT)),
            }
        }
    }
    dots.extend(triangles);
    dots
}

/// The time axis over `times` and the observations' times; with observations, 2% wider at
/// each end so markers there are drawn whole.
pub(super) fn time_range(times: &[f64], observed: &[ObservedPoint]) -> (f64, f64) {
    let all: Vec<f64> = (times.iter().copied())
        .chain(observed.iter().map(|o| o.time))
        .collect();
    match observed.is_empty() {
        true => x_range(&all),
        false => padded(x_range(&all)),
    }
}

/// A linear range widened by 2% each side, so markers at its ends are drawn whole.
fn padded((lo, hi): (f64, f64)) -> (f64, f64) {
    let pad = 0.02 * (hi - lo);
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests;
