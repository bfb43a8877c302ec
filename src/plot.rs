//! Figures (curves, bands, boxes, bars, trial paths) drawn once as SVG by `plotters` (text
//! measured by `ab_glyph` from DejaVu Sans compiled into the binary) and written as PNG, SVG
//! and PDF by the `format` module (no system fonts, fontconfig or freetype).

use std::fmt;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use self::canvas::{Key, YAxis, draw_legend, place_legend};
use self::floor::{LogAxis, draw_band, log_axis, log_axis_at};
use self::style::{draw_line, draw_marker, marker_indices, palette, shade, tint};
use self::text::tick_format;

mod canvas;
mod fit;
mod floor;
mod format;
mod observed;
mod population;
mod sensitivity;
mod style;
mod survival;
mod text;
mod trajectory;
mod trial;
pub use fit::{
    ObservedPoint, PANELS_PER_PAGE, Reference, ScatterPoint, SubjectPanel, fits_figure,
    scatter_figure,
};
pub use format::{FigureFormat, FigureSettings, FigureSize, Rendered};
pub use observed::{ObservedSeries, observed_figure};
pub use population::{Bands, BoxSummary, Interval, bands_figure, boxes_figure, intervals_figure};
pub use sensitivity::{
    IndexBar, MorrisPoint, TornadoBar, indices_figure, morris_figure, tornado_figure,
};
pub use style::{Marker, PALETTE, SeriesStyle, series_style};
pub use survival::{StepCurve, steps_figure};
pub use trajectory::{TrajectoryFigure, UnitPanel, trajectory_figure};
pub use trial::{BarGroup, TrialPath, grouped_bars_figure, paths_figure};

/// Magnitudes beyond this are clamped so axis arithmetic stays finite.
const LIMIT: f64 = 1e300;
const MAX_DECADES: f64 = 12.0;
const FONT: &str = "sans-serif";
/// How the y axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YScale {
    /// Log10 when the positive finite values span more than two decades and none is negative,
    /// else linear (so values of both signs are all drawn).
    Auto,
    /// Linear axis from `min(0, min)` to the maximum, with 5% headroom.
    Linear,
    /// Log10 axis; values at or below its floor (`FLOOR_FRACTION` of the largest, zeros and
    /// negatives included) are drawn in a labelled band under it.
    Log,
}

/// One named line: `values[i]` is plotted at `Figure::times[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (an empty name gets no legend entry).
    pub name: String,
    /// Y values, one per entry of `Figure::times`.
    pub values: Vec<f64>,
}

/// A line chart: shared x values (`times`) and any number of series.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Chart title, drawn above the plot.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// X values shared by all series.
    pub times: Vec<f64>,
    /// The lines to draw, coloured in order from a 10-colour palette.
    pub series: Vec<Series>,
    /// Y axis scaling.
    pub scale: YScale,
}

/// Why a figure could not be rendered.
#[derive(Debug)]
pub struct PlotError(pub String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plot error: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

/// Draws `figure` in each format of `settings`.
///
/// Fails only when a series length differs from `times`, the PNG would exceed 10000 pixels
/// on a side, or drawing/encoding fails. A figure without drawable data renders as an empty
/// chart with its title.
pub fn render_figure(figure: &Figure, settings: &FigureSettings) -> Result<Rendered, PlotError> {
    if let Some(s) = figure
        .series
        .iter()
        .find(|s| s.values.len() != figure.times.len())
    {
        let (name, n, times) = (&s.name, s.values.len(), figure.times.len());
        let message = format!("series '{name}' has {n} values but the figure has {times} times");
        return Err(PlotError(message));
    }
    register_font()?;
    let canvas = settings.canvas();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, canvas).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        if uses_log_scale(figure) {
            let axis = log_axis(all_values(figure));
            let (lo, hi) = axis.range;
            draw(&root, figure, (lo..hi).log_scale(), (lo, hi), Some(axis))?;
        } else {
            let (lo, hi) = linear_range(figure);
            draw(&root, figure, lo..hi, (lo, hi), None)?;
        }
        root.present().map_err(drawing)?;
    }
    format::finish(&svg, canvas, settings)
}

/// Whether `figure` gets a log10 y axis; for `YScale::Auto` this is true when the
/// positive finite values across all series satisfy `max / min_positive > 100` and no finite
/// value is negative.
pub fn uses_log_scale(figure: &Figure) -> bool {
    auto_log(figure.scale, all_values(figure))
}

/// Whether `scale` makes a log axis for `values` (see `YScale`).
fn auto_log(scale: YScale, values: impl Iterator<Item = f64> + Clone) -> bool {
    match scale {
        YScale::Linear => false,
        YScale::Log => true,
        YScale::Auto => {
            let negative = values.clone().any(|v| v.is_finite() && v < 0.0);
            let positive = extent(values, |v| v.is_finite() && v > 0.0);
            !negative && positive.is_some_and(|(lo, hi)| hi / lo > 100.0)
        }
    }
}

fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    ok.then_some(())
        .ok_or_else(|| PlotError("embedded DejaVu Sans font could not be loaded".into()))
}

fn drawing(e: impl fmt::Display) -> PlotError {
    PlotError(format!("drawing failed: {e}"))
}

/// Smallest and largest of the values that pass `keep`, clamped to `±LIMIT`.
fn extent(values: impl Iterator<Item = f64>, keep: fn(f64) -> bool) -> Option<(f64, f64)> {
    let kept: Vec<f64> = values
        .filter(|&v| keep(v))
        .map(|v| v.clamp(-LIMIT, LIMIT))
        .collect();
    let lo = kept.iter().copied().fold(f64::INFINITY, f64::min);
    (!kept.is_empty()).then(|| (lo, kept.iter().copied().fold(lo, f64::max)))
}

fn all_values(figure: &Figure) -> impl Iterator<Item = f64> + Clone + '_ {
    figure.series.iter().flat_map(|s| s.values.iter().copied())
}

fn x_range(times: &[f64]) -> (f64, f64) {
    let (lo, hi) = extent(times.iter().copied(), f64::is_finite).unwrap_or((0.0, 1.0));
    let magnitude = lo.abs().max(hi.abs());
    // Widen ranges too narrow for float precision (a single time, repeated times).
    if hi - lo > 1e-9 * magnitude && hi - lo > 1e-200 {
        (lo, hi)
    } else {
        let pad = (0.5 * magnitude).max(0.5);
        (lo - pad, hi + pad)
    }
}

fn linear_range(figure: &Figure) -> (f64, f64) {
    padded_linear(extent(all_values(figure), f64::is_finite))
}

/// A linear axis from `min(0, lo)` to `max(0, hi)` of the finite extent, with 5% headroom.
fn padded_linear(finite_extent: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = finite_extent.unwrap_or((0.0, 0.0));
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    if hi - lo < 1e-200 {
        return (0.0, 1.0); // all zero, or too small for tick arithmetic
    }
    let headroom = 0.05 * (hi - lo);
    (if lo < 0.0 { lo - headroom } else { lo }, hi + headroom)
}

/// Whole decades around a positive extent, at most `MAX_DECADES` below the top.
fn decades_around(positive_extent: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = positive_extent.unwrap_or((1.0, 10.0));
    // The slack keeps values a rounding error past a power of ten from adding a decade.
    let top = (hi.log10() - 1e-6).ceil().clamp(-290.0, 300.0);
    let bottom = (lo.log10() + 1e-6)
        .floor()
        .clamp(top - MAX_DECADES, top - 1.0);
    // Nudged outwards so rounding cannot drop the end decades' ticks.
    let (lo, hi) = (10f64.powf(bottom), 10f64.powf(top));
    (lo * (1.0 - 1e-9), hi * (1.0 + 1e-9))
}

type Run = Vec<(f64, f64)>;

/// The y axis for `values` under `scale` (see `YScale`), and the function that places a
/// value on it (clamped into its range; on a log axis, values at or below its floor in the
/// band under it).
fn y_axis(
    label: &str,
    values: impl Iterator<Item = f64> + Clone,
    scale: YScale,
) -> (YAxis, impl Fn(f64) -> f64) {
    placed(scaled_axis(label, values, scale, None))
}

/// A y axis and the function that places a value on it (see `y_axis`).
fn placed((y, log): (YAxis, Option<LogAxis>)) -> (YAxis, impl Fn(f64) -> f64) {
    let axis = log.unwrap_or(LogAxis {
        range: y.range,
        floor: None,
    });
    (y, move |v: f64| axis.place(v))
}

/// The y axis for `values` under `scale` (see `YScale`), with its floor when log: at `lloq`
/// when one is given (and lies below the largest value), else a fraction of the largest.
fn scaled_axis(
    label: &str,
    values: impl Iterator<Item = f64> + Clone,
    scale: YScale,
    lloq: Option<f64>,
) -> (YAxis, Option<LogAxis>) {
    let log = auto_log(scale, values.clone());
    let axis = if log {
        log_axis_at(values, lloq)
    } else {
        let range = padded_linear(extent(values, f64::is_finite));
        LogAxis { range, floor: None }
    };
    let y = YAxis {
        floor: axis.floor,
        lloq: axis.floor.is_some() && axis.floor == lloq,
        ..YAxis::new(label, axis.range, log)
    };
    (y, log.then_some(axis))
}

/// Drawable runs of a series; points that can't be drawn split the line. On a log axis with a
/// floor band, values at or below the floor are drawn in the band; without one, points below
/// the axis split the line too (drawing them on the bottom edge would suggest a plateau).
/// Values are clamped into the y range so every coordinate stays on the canvas.
fn segments(times: &[f64], values: &[f64], log: Option<LogAxis>, (lo, hi): (f64, f64)) -> Vec<Run> {
    let points: Run = times.iter().copied().zip(values.iter().copied()).collect();
    let banded = log.is_some_and(|axis| axis.floor.is_some());
    let drawable = |&(t, v): &(f64, f64)| {
        t.is_finite() && !v.is_nan() && (banded || v.is_finite() && (log.is_none() || v >= lo))
    };
    let place = |v: f64| log.map_or(v, |axis| axis.place(v)).clamp(lo, hi);
    let clamp = |&(t, v): &(f64, f64)| (t.clamp(-LIMIT, LIMIT), place(v));
    (points.split(|p| !drawable(p)))
        .filter(|run| !run.is_empty())
        .map(|run| run.iter().map(clamp).collect())
        .collect()
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    figure: &Figure,
    y_axis: Y,
    y_range: (f64, f64),
    log: Option<LogAxis>,
) -> Result<(), PlotError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    // The legend sits beside or under the chart, so it never hides data.
    let legend: Vec<(Key, String)> = (figure.series.iter().enumerate())
        .filter(|(_, s)| !s.name.is_empty() && s.values.iter().any(|v| v.is_finite()))
        .map(|(i, s)| (Key::Series(i), s.name.clone()))
        .collect();
    let body = text::titled(root, &figure.title)?;
    let (chart_area, legend_area) = place_legend(root, body, &legend);
    let (x0, x1) = x_range(&figure.times);
    let plot_width = chart_area.dim_in_pixel().0.saturating_sub(150);
    let mut chart = ChartBuilder::on(&chart_area)
        .margin(16)
        .margin_right(24)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d(x0..x1, y_axis)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .x_desc(&figure.x_label)
        .y_desc(&figure.y_label)
        .axis_desc_style((FONT, 22))
        .label_style((FONT, 18))
        .x_labels((plot_width / 90).clamp(3, 10) as usize)
        .y_labels(if log.is_some() { 13 } else { 10 })
        .x_label_formatter(&tick_format(x0, x1, false))
        .y_label_formatter(&tick_format(y_range.0, y_range.1, log.is_some()))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .max_light_lines(4)
        .draw()
        .map_err(drawing)?;
    let area = chart.plotting_area();
    if let Some(LogAxis {
        floor: Some(floor), ..
    }) = log
    {
        draw_band(area, (x0, x1), y_range.0, floor)?;
    }
    let count = figure.series.len();
    for (i, s) in figure.series.iter().enumerate() {
        let style = series_style(i);
        for run in segments(&figure.times, &s.values, log, y_range) {
            let marked = marker_indices(run.len(), i, count);
            if run.len() > 1 {
                draw_line(area, run.clone(), &style, 2)?;
            }
            for k in marked {
                draw_marker(area, run[k], style.marker, style.color, 5)?;
            }
        }
    }
    draw_legend(&legend_area, &legend)
}

fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let failed = |e: png::EncodingError| PlotError(format!("PNG encoding failed: {e}"));
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Flat-colour charts compress as well with "Up" as with adaptive filtering, at a third of the cost.
    encoder.set_filter(png::Filter::Up);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(rgb).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
