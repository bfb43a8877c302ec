//! One panel of a figure: its grid and tick labels, the log floor band, its marks, the
//! category names left of it and the strip holding its label.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::floor::{draw_band, draw_band_label};
use super::super::text::{self, tick_format};
use super::super::{FONT, PlotError, drawing};
use super::layout::{Cell, Layout};
use super::marks::draw_mark;
use super::{FRAME, NAME_FONT, NAME_ROOM, Panel, Plot, STRIP, STRIP_FILL, YAxis};
use super::{is_log, x_label_count, x_range};

/// Where a panel goes: the image, the chart area (the image less title and legend), the
/// layout, the panel's cell, and whether it is framed (figures of several panels).
pub(super) struct PanelPlace<'a, 'b> {
    pub root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    pub chart_area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    pub layout: &'a Layout<'a>,
    pub cell: Cell,
    pub framed: bool,
}

/// Draws `panel` of `plot` on its y axis `y` at `place`, the coordinates `x_axis` and `y_axis`.
pub(super) fn draw_panel<X, Y>(
    place: &PanelPlace<'_, '_>,
    (plot, panel, y): (&Plot, &Panel, &YAxis),
    x_axis: X,
    y_axis: Y,
) -> Result<(), PlotError>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let (layout, cell, chart_area) = (place.layout, &place.cell, place.chart_area);
    let ((x_lo, x_hi), (y_lo, y_hi)) = (x_range(&plot.x), y.range);
    let x_format = tick_format(x_lo, x_hi, is_log(&plot.x));
    let y_format = tick_format(y_lo, y_hi, y.log);
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
        .build_cartesian_2d(x_axis, y_axis)
        .map_err(drawing)?;
    let y_names = !y.names.is_empty();
    draw_grid(&mut chart, layout, (&x_format, &y_format), (y.log, y_names))?;
    if y_names && cell.y_area > 0 {
        draw_y_names(chart_area, layout, cell, y)?;
    }
    if place.framed {
        // A frame keeps panels without tick labels apart from their neighbours.
        let (right, bottom) = (left + layout.plot_width, top + layout.plot_height);
        let corners = [(left as i32, top as i32), (right as i32, bottom as i32)];
        let frame = Rectangle::new(corners, FRAME.stroke_width(1));
        chart_area.draw(&frame).map_err(drawing)?;
    }
    if let Some(floor) = y.floor {
        draw_band(chart.plotting_area(), (x_lo, x_hi), y_lo, floor)?;
    }
    for mark in &panel.marks {
        draw_mark(&mut chart, mark)?;
    }
    if let Some(floor) = y.floor {
        draw_band_label(chart.plotting_area(), x_lo, y_lo, (floor, y.lloq))?;
    }
    if let (Some(labels), true) = (&layout.labels, cell.x_area > 0) {
        labels.draw(place.root, &chart)?;
    }
    if layout.strip_height > 0 {
        draw_strip(chart_area, layout, cell, &panel.label)?;
    }
    Ok(())
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
