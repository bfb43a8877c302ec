//! The renderer shared by the population and fit figures: a [`Plot`] (axes, legend, one or
//! more panels of marks in data coordinates) drawn with the parent module's font, palette, tick
//! labels and PNG encoding.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use self::layout::{Cell, Layout};
use self::marks::draw_mark;
use super::floor::{draw_band, draw_band_label};
use super::format::{FigureSettings, Rendered, finish};
use super::text::{self, tick_format};
use super::{FONT, PlotError, drawing, register_font};

pub(super) mod categories;
mod layout;
mod legend;
mod marks;
mod plots;
mod table;

pub(super) use legend::{draw_legend, place_legend};
pub(super) use marks::Mark;
pub(super) use table::{CellText, TickTable};

/// Margins around the panels, and the y label area left of the first column.
const MARGIN: u32 = 16;
const MARGIN_RIGHT: u32 = 24;
const Y_LABEL_AREA: u32 = 110;
/// The font of category names on a y axis, and the room beside them: the y description, its
/// gap and the space before the axis.
const NAME_FONT: u32 = 18;
const NAME_ROOM: u32 = DESCRIPTION_LINE + 30;
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
    /// Category names written at y = 0, 1, … instead of numeric ticks (empty: numeric).
    pub names: Vec<String>,
    /// On a log axis, the floor under which values are drawn in a labelled band.
    pub floor: Option<f64>,
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
    /// Text under the x axis' ticks (single-panel figures with a linear x axis only).
    pub table: Option<TickTable>,
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
    // The legend sits beside or under the panels, so it never hides data.
    let body = text::titled(root, &plot.title)?;
    let (chart_area, legend_area) = place_legend(root, body, &plot.legend);

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
        let y_names = !plot.y.names.is_empty();
        draw_grid(
            &mut chart,
            &layout,
            (&x_format, &y_format),
            (plot.y.log, y_names),
        )?;
        if y_names && cell.y_area > 0 {
            draw_y_names(&chart_area, &layout, &cell, &plot.y)?;
        }
        if panels.len() > 1 {
            // A frame keeps panels without tick labels apart from their neighbours.
            let (right, bottom) = (left + layout.plot_width, top + layout.plot_height);
            let corners = [(left as i32, top as i32), (right as i32, bottom as i32)];
            let frame = Rectangle::new(corners, FRAME.stroke_width(1));
            chart_area.draw(&frame).map_err(drawing)?;
        }
        if let Some(floor) = plot.y.floor {
            draw_band(chart.plotting_area(), (x_lo, x_hi), y_lo, floor)?;
        }
        for mark in &panel.marks {
            draw_mark(&mut chart, mark)?;
        }
        if let Some(floor) = plot.y.floor {
            draw_band_label(chart.plotting_area(), x_lo, y_lo, floor)?;
        }
        if let (Some(labels), true) = (&layout.labels, cell.x_area > 0) {
            labels.draw(root, &chart)?;
        }
        if layout.strip_height > 0 {
            draw_strip(&chart_area, &layout, &cell, &panel.label)?;
        }
    }
    draw_axis_descriptions(&chart_area, &layout, &plot.y.label)?;
    if let Some(table) = &plot.table {
        table::draw_table(&chart_area, &layout, table, (x_lo, x_hi))?;
    }
    draw_legend(&legend_area, &plot.legend)
}

/// Writes the value of a tick.
type TickFormat<'a> = &'a dyn Fn(&f64) -> String;

/// A panel's grid lines and tick labels (under category names: no x grid lines or ticks).
fn draw_grid<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    layout: &Layout,
    (x_format, y_format): (TickFormat, TickFormat),
    (y_log, y_names): (bool, bool),
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (plot_width, plot_height) = (layout.plot_width, layout.plot_height);
    let mut mesh = chart.configure_mesh();
    mesh.label_style((FONT, 18))
        .x_labels(x_label_count(plot_width))
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
    if y_names {
        mesh.disable_y_mesh().y_labels(0);
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
        MARGIN + panels_height + layout.x_label_area - layout.table_height,
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

/// The category names of `y` left of a panel, right-aligned, cut to the label area.
fn draw_y_names(
    chart_area: &DrawingArea<SVGBackend<'_>, Shift>,
    layout: &Layout,
    cell: &Cell,
    y: &YAxis,
) -> Result<(), PlotError> {
    let style =
        TextStyle::from((FONT, NAME_FONT).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let (lo, hi) = y.range;
    let room = layout.y_label_area.saturating_sub(NAME_ROOM);
    for (i, name) in y.names.iter().enumerate() {
        let fraction = (hi - i as f64) / (hi - lo);
        let at_y = cell.top as f64 + fraction * f64::from(layout.plot_height);
        let at = (cell.left as i32 - 10, at_y.round() as i32);
        let name = text::fitted_in(chart_area, name, room, NAME_FONT);
        chart_area.draw_text(&name, &style, at).map_err(drawing)?;
    }
    Ok(())
}

/// How many x tick labels a panel `plot_width` wide gets.
fn x_label_count(plot_width: u32) -> usize {
    (plot_width / 70).clamp(2, 10) as usize
}

/// The x ticks plotters draws on a linear axis over `range` under a panel `plot_width` wide.
fn x_ticks((x0, x1): (f64, f64), plot_width: u32) -> Vec<f64> {
    let axis = plotters::coord::types::RangedCoordf64::from(x0..x1);
    axis.key_points(x_label_count(plot_width))
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
