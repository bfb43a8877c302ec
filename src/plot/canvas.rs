//! The renderer shared by the population and fit figures: a [`Plot`] (axes, legend, one or
//! more panels of marks in data coordinates) drawn with the parent module's font, palette, tick
//! labels and PNG encoding.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use self::layout::{Cell, Layout};
use self::panel::{PanelPlace, draw_panel};
use super::format::{FigureSettings, Rendered, finish};
use super::text;
use super::{FONT, PlotError, drawing, register_font};

pub(super) mod categories;
mod layout;
mod legend;
mod marks;
mod panel;
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
/// The least height of a stacked panel (see `Panel::y`), and the height beside the panels.
const STACKED_PANEL_HEIGHT: u32 = 150;
const STACKED_FIXED_HEIGHT: u32 = 200;
/// The least width of a panel, and the width beside the panels (tick labels, legend, margins).
const MIN_PANEL_WIDTH: u32 = 150;
const FIXED_WIDTH: u32 = 330;
/// The least height of a grid's panels together, in drawing units: room for a y description
/// of some 20 characters beside them. A figure whose title, legend under the chart and table
/// under the axis leave less (long legend labels at the `single` size) is drawn taller (see
/// `with_room`).
const MIN_PANELS_HEIGHT: u32 = 200;

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
    /// Whether the floor is a limit of quantification (labelled as one).
    pub lloq: bool,
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
    /// A dose's triangle, as `Mark::Dose`.
    Dose(RGBColor),
}

/// The marks drawn over one copy of the axes, with a label written in a strip above them.
pub(super) struct Panel {
    pub label: String,
    pub marks: Vec<Mark>,
    /// The panel's own y axis, described beside it (panels with their own stack in one column
    /// sharing the x axis); `None`: the plot's.
    pub y: Option<YAxis>,
}

impl Panel {
    /// The panels of a single-chart figure: one, without a label.
    pub fn single(marks: Vec<Mark>) -> Vec<Panel> {
        vec![Panel {
            label: String::new(),
            marks,
            y: None,
        }]
    }
}

/// A complete figure description: panels sharing one x and one y axis, laid out by [`grid`]
/// (or stacked, each on its own y axis: see [`Panel::y`]).
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

/// The canvas for `panels` stacked panels on `canvas`: as tall as the settings ask, and at
/// least `STACKED_PANEL_HEIGHT` drawing units per panel besides the title and the time axis.
fn stacked_size(panels: usize, (width, height): (u32, u32)) -> (u32, u32) {
    let least = STACKED_PANEL_HEIGHT * panels as u32 + STACKED_FIXED_HEIGHT;
    (width, height.max(least))
}

/// Draws `plot` in each format of `settings`, on a canvas of [`image_size`].
pub(super) fn render(plot: &Plot, settings: &FigureSettings) -> Result<Rendered, PlotError> {
    register_font()?;
    let canvas = settings.canvas();
    let canvas = match plot.panels.iter().any(|p| p.y.is_some()) {
        true => stacked_size(plot.panels.len(), canvas),
        false => with_room(plot, image_size(grid(plot.panels.len(), canvas.0), canvas))?,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, canvas).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        draw(&root, plot)?;
        root.present().map_err(drawing)?;
    }
    finish(&svg, canvas, settings)
}

/// `canvas` made taller when the title, the legend and the tick label areas (all as tall
/// whatever the canvas' height) leave `plot`'s panels less than `MIN_PANELS_HEIGHT`.
fn with_room(plot: &Plot, (width, height): (u32, u32)) -> Result<(u32, u32), PlotError> {
    let mut scratch = String::new();
    let root = SVGBackend::with_string(&mut scratch, (width, height)).into_drawing_area();
    let (chart_area, _) = place_legend(&root, text::titled(&root, &plot.title)?, &plot.legend);
    let empty = Panel::single(Vec::new());
    let panels = if plot.panels.is_empty() {
        &empty
    } else {
        &plot.panels
    };
    let layout = Layout::new(&root, plot, panels, chart_area.dim_in_pixel());
    // The panels get all of the added height, less a unit a row for rounding.
    let short = MIN_PANELS_HEIGHT.saturating_sub(layout.panels_size().1);
    let rounding = if short > 0 { layout.rows as u32 } else { 0 };
    Ok((width, height + short + rounding))
}

/// The rows and columns of `panels`: stacked in one column when some has a y axis of its own
/// (see [`Panel::y`]), else the [`grid`] for a canvas `width` units wide.
pub(super) fn plot_grid(panels: &[Panel], width: u32) -> (usize, usize) {
    if panels.iter().any(|p| p.y.is_some()) {
        (panels.len(), 1)
    } else {
        grid(panels.len(), width)
    }
}

/// The whole figure on `root`: the title, every panel, the axis descriptions and the legend.
fn draw(root: &DrawingArea<SVGBackend<'_>, Shift>, plot: &Plot) -> Result<(), PlotError> {
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
    let (x0, x1) = x_range(&plot.x);
    for (i, panel) in panels.iter().enumerate() {
        let y = panel.y.as_ref().unwrap_or(&plot.y);
        let place = PanelPlace {
            root,
            chart_area: &chart_area,
            layout: &layout,
            cell: layout.cell(i),
            framed: panels.len() > 1,
        };
        let what = (plot, panel, y);
        let (y0, y1) = y.range;
        match (is_log(&plot.x), y.log) {
            (false, false) => draw_panel(&place, what, x0..x1, y0..y1),
            (false, true) => draw_panel(&place, what, x0..x1, (y0..y1).log_scale()),
            (true, false) => draw_panel(&place, what, (x0..x1).log_scale(), y0..y1),
            (true, true) => draw_panel(&place, what, (x0..x1).log_scale(), (y0..y1).log_scale()),
        }?;
    }
    draw_axis_descriptions(&chart_area, &layout, &plot.y.label)?;
    if layout.stacked {
        for (i, panel) in panels.iter().enumerate() {
            let label = panel.y.as_ref().map_or(&plot.y.label, |y| &y.label);
            draw_y_description(&chart_area, &layout, &layout.cell(i), label)?;
        }
    }
    if let Some(table) = &plot.table {
        table::draw_table(&chart_area, &layout, table, (x0, x1))?;
    }
    draw_legend(&legend_area, &plot.legend)
}

/// The axis descriptions, centred on all the panels together (the x description on as many
/// lines as the layout wrapped it to; stacked panels' y descriptions are each beside its own).
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
    if layout.stacked {
        return Ok(());
    }
    let y = layout.y0 + (panels_height - layout.strip_height) / 2;
    (chart_area.draw_text(y_label, &y_description(), (MARGIN as i32, y as i32))).map_err(drawing)
}

/// A stacked panel's y description, left of its cell and centred on it, cut to its height.
fn draw_y_description(
    chart_area: &DrawingArea<SVGBackend<'_>, Shift>,
    layout: &Layout,
    cell: &Cell,
    label: &str,
) -> Result<(), PlotError> {
    let label = text::fitted_in(chart_area, label, layout.plot_height, DESCRIPTION_FONT);
    let y = cell.top + layout.plot_height / 2;
    (chart_area.draw_text(&label, &y_description(), (MARGIN as i32, y as i32))).map_err(drawing)
}

/// The style of a y description: written upwards, its top at the left margin.
fn y_description() -> TextStyle<'static> {
    let desc = TextStyle::from((FONT, DESCRIPTION_FONT).into_font());
    (desc.transform(FontTransform::Rotate270)).pos(Pos::new(HPos::Center, VPos::Top))
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
