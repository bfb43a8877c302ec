//! The renderer shared by the population and fit figures: a [`Plot`] (axes, legend, marks in
//! data coordinates) drawn with the parent module's font, palette, tick labels and PNG encoding.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use self::categories::Labels;
use super::{
    FONT, MIN_HEIGHT, MIN_WIDTH, PlotError, drawing, encode, legend_width, register_font,
    tick_format,
};

pub(super) mod categories;

/// Left and right chart margins and the y label area, as passed to `ChartBuilder`.
const MARGIN_LEFT: u32 = 16;
const MARGIN_RIGHT: u32 = 24;
const Y_LABEL_AREA: u32 = 110;

/// The x axis of a figure.
pub(super) enum XAxis {
    /// Numeric axis over `range`, described by `label`.
    Numeric { label: String, range: (f64, f64) },
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
    Fill(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
}

/// Something drawn in data coordinates; coordinates must already lie within the axes' ranges.
pub(super) enum Mark {
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
    /// A short text centred above (`true`) or below (`false`) a point.
    Note((f64, f64), String, bool),
}

/// A complete figure description.
pub(super) struct Plot {
    pub title: String,
    pub x: XAxis,
    pub y: YAxis,
    pub marks: Vec<Mark>,
    pub legend: Vec<(Key, String)>,
}

/// Renders `plot` at the minimum figure size to PNG bytes.
pub(super) fn render(plot: &Plot) -> Result<Vec<u8>, PlotError> {
    register_font()?;
    let (width, height) = (MIN_WIDTH, MIN_HEIGHT);
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (lo, hi) = plot.y.range;
        if plot.y.log {
            draw(&root, plot, (lo..hi).log_scale())?;
        } else {
            draw(&root, plot, lo..hi)?;
        }
        root.present().map_err(drawing)?;
    }
    encode(&rgb, width, height)
}

fn draw<Y>(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    plot: &Plot,
    y_axis: Y,
) -> Result<(), PlotError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    // The legend sits in its own strip right of the chart, so it never hides data.
    let longest = (plot.legend.iter())
        .map(|(_, name)| name.chars().count())
        .max()
        .unwrap_or(0);
    let strip = legend_width(plot.legend.len(), longest);
    let (width, _) = root.dim_in_pixel();
    let body = root.titled(&plot.title, (FONT, 32)).map_err(drawing)?;
    let (chart_area, legend_area) = body.split_horizontally(width.saturating_sub(strip));

    let (x0, x1, x_desc, labels) = match &plot.x {
        XAxis::Numeric { label, range } => (range.0, range.1, label, None),
        XAxis::Categories {
            labels,
            notes,
            description,
        } => {
            let n = labels.len().max(1);
            let plot_width = (chart_area.dim_in_pixel().0)
                .saturating_sub(MARGIN_LEFT + MARGIN_RIGHT + Y_LABEL_AREA);
            let slot = plot_width / n as u32;
            let labels = Labels::new(root, labels, notes, slot);
            (-0.5, n as f64 - 0.5, description, Some(labels))
        }
    };
    let x_label_area = (labels.as_ref()).map_or(70, |l| l.area_height(!x_desc.is_empty()));

    let (y0, y1) = plot.y.range;
    let mut chart = ChartBuilder::on(&chart_area)
        .margin(16)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(x_label_area)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x0..x1, y_axis)
        .map_err(drawing)?;
    let x_format = tick_format(x0, x1, false);
    let y_format = tick_format(y0, y1, plot.y.log);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(&plot.y.label)
        .axis_desc_style((FONT, 22))
        .label_style((FONT, 18))
        .x_labels(10)
        .y_labels(if plot.y.log { 13 } else { 10 })
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .max_light_lines(4);
    if labels.is_some() {
        // Category names are written below, one per slot, instead of numeric ticks.
        mesh.disable_x_mesh().x_labels(0);
    }
    mesh.draw().map_err(drawing)?;

    for mark in &plot.marks {
        draw_mark(&mut chart, mark)?;
    }

    if let Some(labels) = &labels {
        labels.draw(root, &chart)?;
    }

    for (row, (key, name)) in plot.legend.iter().enumerate() {
        let y = 30 + 30 * row as i32;
        match *key {
            Key::Fill(color) => {
                legend_area.draw(&Rectangle::new([(8, y - 9), (40, y + 9)], color.filled()))
            }
            Key::Line(color) => {
                legend_area.draw(&PathElement::new([(8, y), (40, y)], color.stroke_width(3)))
            }
            Key::Dashed(color) => legend_area.draw(&DashedPathElement::new(
                [(8, y), (40, y)],
                8,
                5,
                color.stroke_width(3),
            )),
        }
        .map_err(drawing)?;
        legend_area
            .draw(&Text::new(name.to_string(), (50, y - 10), (FONT, 18)))
            .map_err(drawing)?;
    }
    Ok(())
}

fn draw_mark<'a, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    mark: &Mark,
) -> Result<(), PlotError>
where
    Y: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area();
    match mark {
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
        Mark::Note(at, text, above) => {
            let (v, dy) = if *above {
                (VPos::Bottom, -8)
            } else {
                (VPos::Top, 8)
            };
            let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Center, v));
            area.draw(&(EmptyElement::at(*at) + Text::new(text.clone(), (0, dy), style)))
        }
        Mark::Fill(..) => Ok(()),
    }
    .map_err(drawing)
}
