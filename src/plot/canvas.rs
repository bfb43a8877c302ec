//! The renderer shared by the population and fit figures: a [`Plot`] (axes, legend, one or
//! more panels of marks in data coordinates) drawn with the parent module's font, palette, tick
//! labels and PNG encoding.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::{ComposedElement, DashedPathElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use self::layout::{Cell, Layout};
use super::format::{FigureSettings, Rendered, finish};
use super::style::{draw_line, draw_marker, marker_indices, series_style};
use super::text::{self, tick_format};
use super::{FONT, PlotError, drawing, register_font};

pub(super) mod categories;
mod layout;
mod legend;

pub(super) use legend::draw_legend;

/// Margins around the panels, and the y label area left of the first column.
const MARGIN: u32 = 16;
const MARGIN_RIGHT: u32 = 24;
const Y_LABEL_AREA: u32 = 110;
/// Space between panels, and the height of the strip above each holding its label (a grey
/// bar and 4 pixels under it).
const GAP: u32 = 18;
const STRIP: u32 = 30;
/// The axis descriptions' font size and line height.
pub(super) const DESCRIPTION_FONT: u32 = 22;
pub(super) const DESCRIPTION_LINE: u32 = 26;
const STRIP_FILL: RGBColor = RGBColor(232, 232, 232);
const FRAME: RGBColor = RGBColor(190, 190, 190);
/// The least height of a row of panels, in drawing units (see `image_size`).
const PANEL_HEIGHT: u32 = 220;
/// The least width of a panel, and the width beside the panels (tick labels, legend, margins).
const MIN_PANEL_WIDTH: u32 = 150;
const FIXED_WIDTH: u32 = 330;

/// The x axis of a figure.
pub(super) enum XAxis {
    /// Numeric axis over `range`, log10 when `log`, described by `label`.
    Numeric {
        label: String,
        range: (f64, f64),
        log: bool,
    },
    /// One slot per category, centred on x = 0, 1, …: `labels[i]` is written (wrapped) under
    /// slot i, `notes[i]` (if any) in grey below it, and `description` under the whole axis.
    Categories {
        labels: Vec<String>,
        notes: Vec<String>,
        description: String,
    },
}

/// The y axis: its description, its range and whether it is log10.
pub(super) struct YAxis {
    pub label: String,
    pub range: (f64, f64),
    pub log: bool,
}

/// How a legend entry is drawn next to its label.
#[derive(Clone, Copy)]
pub(super) enum Key {
    /// Series i of the style cycle: its colour, dash pattern and marker.
    Series(usize),
    /// Series i's marker alone, as `Mark::Symbol` draws it.
    Marker(usize),
    Fill(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    /// A filled dot, as `Mark::Dot`.
    Dot(RGBColor),
    /// An open triangle pointing down, as `Mark::Below`.
    Below(RGBColor),
}

/// Something drawn in data coordinates; coordinates must already lie within the axes' ranges.
pub(super) enum Mark {
    /// Series i in the style cycle: a line in its colour and dash pattern, with its marker
    /// along it when the figure's series count is given (to space the markers of each apart).
    Series(Vec<(f64, f64)>, usize, Option<usize>),
    /// Series i's marker at a point (an observation of it).
    Symbol((f64, f64), usize),
    /// A filled polygon (fewer than three points: nothing).
    Fill(Vec<(f64, f64)>, RGBColor),
    /// A polyline of the given colour and width (a single point: a dot).
    Line(Vec<(f64, f64)>, RGBColor, u32),
    /// A dashed polyline of the given colour and width.
    Dashed(Vec<(f64, f64)>, RGBColor, u32),
    /// A rectangle between two corners.
    Rect([(f64, f64); 2], ShapeStyle),
    /// A filled dot of the given radius in pixels.
    Dot((f64, f64), RGBColor, u32),
    /// An open triangle pointing down, centred on a point and reaching `size` pixels from it:
    /// a value known only to lie below the point (an observation below the LLOQ, drawn at it).
    Below((f64, f64), RGBColor, u32),
    /// A short text centred above (`true`) or below (`false`) a point.
    Note((f64, f64), String, bool),
}

/// The marks drawn over one copy of the axes, with a label written in a strip above them.
pub(super) struct Panel {
    pub label: String,
    pub marks: Vec<Mark>,
}

impl Panel {
    /// The panels of a single-chart figure: one, without a label.
    pub fn single(marks: Vec<Mark>) -> Vec<Panel> {
        vec![Panel {
            label: String::new(),
            marks,
        }]
    }
}

/// A complete figure description: panels sharing one x and one y axis, laid out by [`grid`].
/// No panels draws the axes once, empty.
pub(super) struct Plot {
    pub title: String,
    pub x: XAxis,
    pub y: YAxis,
    pub panels: Vec<Panel>,
    pub legend: Vec<(Key, String)>,
}

/// Rows and columns for `panels` panels on a canvas `width` units wide: the fewest columns `c`
/// with `c * c >= panels`, but no more than leave each panel `MIN_PANEL_WIDTH` units, filled
/// row by row (so 16 panels make 4x4, 5 make 2 rows of 3, and 0 or 1 a single chart).
pub(super) fn grid(panels: usize, width: u32) -> (usize, usize) {
    let most = (width.saturating_sub(FIXED_WIDTH) / MIN_PANEL_WIDTH).max(1) as usize;
    let columns = (1..).find(|c| c * c >= panels).unwrap_or(1).min(most);
    (panels.div_ceil(columns).max(1), columns)
}

/// The canvas for a grid of `rows` on `canvas`: as tall as the settings ask, and at least 220
/// drawing units per row (so a 4x4 grid is at least 880 units tall).
pub(super) fn image_size((rows, _): (usize, usize), (width, height): (u32, u32)) -> (u32, u32) {
    (width, height.max(PANEL_HEIGHT * rows as u32))
}

/// Draws `plot` in each format of `settings`, on a canvas of [`image_size`].
pub(super) fn render(plot: &Plot, settings: &FigureSettings) -> Result<Rendered, PlotError> {
    register_font()?;
    let canvas = settings.canvas();
    let canvas = image_size(grid(plot.panels.len(), canvas.0), canvas);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, canvas).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let ((x0, x1), (y0, y1)) = (x_range(&plot.x), plot.y.range);
        match (is_log(&plot.x), plot.y.log) {
            (false, false) => draw(&root, plot, x0..x1, y0..y1),
            (false, true) => draw(&root, plot, x0..x1, (y0..y1).log_scale()),
            (true, false) => draw(&root, plot, (x0..x1).log_scale(), y0..y1),
            (true, true) => draw(&root, plot, (x0..x1).log_scale(), (y0..y1).log_scale()),
        }?;
        root.present().map_err(drawing)?;
    }
    finish(&svg, canvas, settings)
}

/// The whole figure on `root`: the title, every panel, the axis descriptions and the legend.
fn draw<X, Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    plot: &Plot,
    x_axis: X,
    y_axis: Y,
) -> Result<(), PlotError>
where
    X: AsRangedCoord<Value = f64> + Clone,
    X::CoordDescType: ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64> + Clone,
    Y::CoordDescType: ValueFormatter<f64>,
{
    // The legend sits in its own strip right of the panels, so it never hides data.
    let strip = text::legend_width(root, plot.legend.iter().map(|(_, name)| name));
    let (width, _) = root.dim_in_pixel();
    let body = text::titled(root, &plot.title)?;
    let (chart_area, legend_area) = body.split_horizontally(width.saturating_sub(strip));

    let empty = Panel::single(Vec::new());
    let panels = if plot.panels.is_empty() {
        &empty
    } else {
        &plot.panels
    };
    let layout = Layout::new(root, plot, panels, chart_area.dim_in_pixel());
    let ((x_lo, x_hi), (y_lo, y_hi)) = (x_range(&plot.x), plot.y.range);
    let x_format = tick_format(x_lo, x_hi, is_log(&plot.x));
    let y_format = tick_format(y_lo, y_hi, plot.y.log);
    for (i, panel) in panels.iter().enumerate() {
        let cell = layout.cell(i);
        let (left, top) = (cell.left, cell.top);
        let area = chart_area.clone().shrink(
            (left - cell.y_area, top),
            (
                cell.y_area + layout.plot_width,
                layout.plot_height + cell.x_area,
            ),
        );
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(cell.x_area)
            .y_label_area_size(cell.y_area)
            .build_cartesian_2d(x_axis.clone(), y_axis.clone())
            .map_err(drawing)?;
        draw_grid(&mut chart, &layout, (&x_format, &y_format), plot.y.log)?;
        if panels.len() > 1 {
            // A frame keeps panels without tick labels apart from their neighbours.
            let (right, bottom) = (left + layout.plot_width, top + layout.plot_height);
            let corners = [(left as i32, top as i32), (right as i32, bottom as i32)];
            let frame = Rectangle::new(corners, FRAME.stroke_width(1));
            chart_area.draw(&frame).map_err(drawing)?;
        }
        for mark in &panel.marks {
            draw_mark(&mut chart, mark)?;
        }
        if let (Some(labels), true) = (&layout.labels, cell.x_area > 0) {
            labels.draw(root, &chart)?;
        }
        if layout.strip_height > 0 {
            draw_strip(&chart_area, &layout, &cell, &panel.label)?;
        }
    }
    draw_axis_descriptions(&chart_area, &layout, &plot.y.label)?;
    draw_legend(&legend_area, &plot.legend)
}

/// Writes the value of a tick.
type TickFormat<'a> = &'a dyn Fn(&f64) -> String;

/// A panel's grid lines and tick labels (under category names: no x grid lines or ticks).
fn draw_grid<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    layout: &Layout,
    (x_format, y_format): (TickFormat, TickFormat),
    y_log: bool,
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (plot_width, plot_height) = (layout.plot_width, layout.plot_height);
    let mut mesh = chart.configure_mesh();
    mesh.label_style((FONT, 18))
        .x_labels((plot_width / 70).clamp(2, 10) as usize)
        .y_labels((plot_height / 28).clamp(3, if y_log { 13 } else { 10 }) as usize)
        .x_label_formatter(x_format)
        .y_label_formatter(y_format)
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .max_light_lines(4);
    if layout.labels.is_some() {
        // Category names are written below, one per slot, instead of numeric ticks.
        mesh.disable_x_mesh().x_labels(0);
    }
    mesh.draw().map_err(drawing)
}

/// The grey strip above a panel, with its label.
fn draw_strip(
    chart_area: &DrawingArea<SVGBackend<'_>, Shift>,
    layout: &Layout,
    cell: &Cell,
    label: &str,
) -> Result<(), PlotError> {
    let (left, top) = (cell.left as i32, (cell.top - layout.strip_height) as i32);
    let right = left + layout.plot_width as i32;
    let bar = Rectangle::new(
        [(left, top), (right, top + STRIP as i32 - 4)],
        STRIP_FILL.filled(),
    );
    chart_area.draw(&bar).map_err(drawing)?;
    let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let at = (left + 8, top + (STRIP as i32 - 4) / 2);
    chart_area.draw_text(label, &style, at).map_err(drawing)
}

/// The axis descriptions, centred on all the panels together (the x description on as many
/// lines as the layout wrapped it to).
fn draw_axis_descriptions(
    chart_area: &DrawingArea<SVGBackend<'_>, Shift>,
    layout: &Layout,
    y_label: &str,
) -> Result<(), PlotError> {
    let (panels_width, panels_height) = layout.panels_size();
    let desc = TextStyle::from((FONT, DESCRIPTION_FONT).into_font());
    let bottom = desc.pos(Pos::new(HPos::Center, VPos::Bottom));
    let (x, last) = (
        layout.x0 + panels_width / 2,
        MARGIN + panels_height + layout.x_label_area,
    );
    let lines = layout.x_desc_lines.len() as u32;
    for (k, line) in layout.x_desc_lines.iter().enumerate() {
        let y = last - (lines - 1 - k as u32) * DESCRIPTION_LINE;
        (chart_area.draw_text(line, &bottom, (x as i32, y as i32))).map_err(drawing)?;
    }
    let left = (desc.transform(FontTransform::Rotate270)).pos(Pos::new(HPos::Center, VPos::Top));
    let y = layout.y0 + (panels_height - layout.strip_height) / 2;
    (chart_area.draw_text(y_label, &left, (MARGIN as i32, y as i32))).map_err(drawing)
}

/// The data range of an x axis (categories sit at 0, 1, … with half a slot either side).
fn x_range(x: &XAxis) -> (f64, f64) {
    match x {
        XAxis::Numeric { range, .. } => *range,
        XAxis::Categories { labels, .. } => (-0.5, labels.len().max(1) as f64 - 0.5),
    }
}

fn is_log(x: &XAxis) -> bool {
    matches!(x, XAxis::Numeric { log: true, .. })
}

type Triangle<C, DB> = ComposedElement<C, DB, Polygon<(i32, i32)>, PathElement<(i32, i32)>>;

/// An open triangle pointing down at `at`, reaching `size` pixels from it, filled white so a
/// line behind it does not show through.
fn below<C, DB: DrawingBackend>(at: C, color: RGBColor, size: i32) -> Triangle<C, DB> {
    let (half, up) = (size * 7 / 8, size / 2);
    let corners = vec![(-half, -up), (half, -up), (0, size), (-half, -up)];
    EmptyElement::at(at)
        + Polygon::new(corners.clone(), WHITE.filled())
        + PathElement::new(corners, color.stroke_width(2))
}

fn draw_mark<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    mark: &Mark,
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area();
    match mark {
        Mark::Series(points, i, markers) => return draw_series(area, points, *i, *markers),
        Mark::Symbol(at, i) => {
            let style = series_style(*i);
            return draw_marker(area, *at, style.marker, style.color, 6);
        }
        Mark::Fill(points, color) if points.len() >= 3 => {
            area.draw(&Polygon::new(points.clone(), color.filled()))
        }
        Mark::Line(points, color, width) if points.len() == 1 => {
            area.draw(&Circle::new(points[0], width + 2, color.filled()))
        }
        Mark::Line(points, color, width) => area.draw(&PathElement::new(
            points.clone(),
            color.stroke_width(*width),
        )),
        Mark::Dashed(points, color, width) => area.draw(&DashedPathElement::new(
            points.iter().copied(),
            12,
            7,
            color.stroke_width(*width),
        )),
        Mark::Rect(corners, style) => area.draw(&Rectangle::new(*corners, *style)),
        Mark::Dot(at, color, radius) => area.draw(&Circle::new(*at, *radius, color.filled())),
        Mark::Below(at, color, size) => area.draw(&below(*at, *color, *size as i32)),
        Mark::Note(at, text, above) => {
            let (v, dy) = if *above {
                (VPos::Bottom, -8)
            } else {
                (VPos::Top, 8)
            };
            let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Center, v));
            area.draw(&(EmptyElement::at(*at) + Text::new(text.clone(), (0, dy), style)))
        }
        Mark::Fill(..) => Ok(()),
    }
    .map_err(drawing)
}

/// Series `i` along `points` in its style, with markers spaced for `markers` series (a lone
/// point gets one either way).
fn draw_series<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    points: &[(f64, f64)],
    i: usize,
    markers: Option<usize>,
) -> Result<(), PlotError> {
    let style = series_style(i);
    if points.len() > 1 {
        draw_line(area, points.to_vec(), &style, 2)?;
    }
    let marked = match (markers, points.len()) {
        (Some(n), _) => marker_indices(points.len(), i, n),
        (None, 1) => vec![0],
        (None, _) => Vec::new(),
    };
    for k in marked {
        draw_marker(area, points[k], style.marker, style.color, 5)?;
    }
    Ok(())
}
