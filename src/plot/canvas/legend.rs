//! A figure's legend: in a strip right of the chart, one entry a row, when every label fits
//! there; else in rows under the chart, as many entries a row as fit. The key is drawn as the
//! marks it stands for, a label too long even for the whole width is cut.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::style::{draw_line, draw_marker, series_style};
use super::super::text::{self, LEGEND_FONT};
use super::super::{FONT, PlotError, drawing};
use super::Key;
use super::marks::{below, dose};

/// Where the legend goes: its area and how many entries a row it holds.
pub(in crate::plot) struct LegendArea<'a> {
    pub area: DrawingArea<SVGBackend<'a>, Shift>,
    pub columns: usize,
}

/// Splits `body` (the figure under its title, on `root`) into the chart's area and the
/// legend's: a strip on the right when the longest label fits one (see
/// `text::legend_width`), else rows under the chart.
pub(in crate::plot) fn place_legend<'a>(
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    body: DrawingArea<SVGBackend<'a>, Shift>,
    legend: &[(Key, String)],
) -> (DrawingArea<SVGBackend<'a>, Shift>, LegendArea<'a>) {
    let labels = || legend.iter().map(|(_, name)| name);
    let (width, height) = body.dim_in_pixel();
    match text::legend_entry_width(root, labels()) {
        Some(entry) if entry > text::legend_width(root, labels()) => {
            let columns = (width.saturating_sub(2 * MARGIN) / entry).max(1) as usize;
            let rows = legend.len().div_ceil(columns) as u32;
            let (chart, area) = body.split_vertically(height.saturating_sub(rows * ROW + 16));
            (chart, LegendArea { area, columns })
        }
        _ => {
            let strip = text::legend_width(root, labels());
            let (chart, area) = body.split_horizontally(width.saturating_sub(strip));
            (chart, LegendArea { area, columns: 1 })
        }
    }
}

/// The legend's height per row, and the margin left of entries under a chart.
const ROW: u32 = 30;
const MARGIN: u32 = 16;

/// The legend, `columns` entries a row from the top of its area: the key, then its label
/// (cut to fit its column).
pub(in crate::plot) fn draw_legend(
    place: &LegendArea<'_>,
    legend: &[(Key, String)],
) -> Result<(), PlotError> {
    let columns = place.columns.max(1);
    let column_width = match columns {
        1 => place.area.dim_in_pixel().0,
        _ => (place.area.dim_in_pixel().0 - 2 * MARGIN) / columns as u32,
    };
    let room = column_width.saturating_sub(56);
    for (k, (key, name)) in legend.iter().enumerate() {
        let (row, column) = (k / columns, k % columns);
        let left = if columns > 1 {
            MARGIN + column as u32 * column_width
        } else {
            0
        };
        let area = place
            .area
            .clone()
            .shrink((left, 0), (column_width, place.area.dim_in_pixel().1));
        let area = &area;
        let y = if columns > 1 {
            8 + ROW as i32 * row as i32 + ROW as i32 / 2
        } else {
            30 + 30 * row as i32
        };
        match *key {
            Key::Series(i) => {
                let style = series_style(i);
                draw_line(area, vec![(4, y), (44, y)], &style, 3)?;
                draw_marker(area, (24, y), style.marker, style.color, 5).map(Ok)?
            }
            Key::Marker(i) => {
                let style = series_style(i);
                draw_marker(area, (24, y), style.marker, style.color, 6).map(Ok)?
            }
            Key::Fill(color) => {
                area.draw(&Rectangle::new([(8, y - 9), (40, y + 9)], color.filled()))
            }
            Key::Line(color) => {
                area.draw(&PathElement::new([(8, y), (40, y)], color.stroke_width(3)))
            }
            Key::Dashed(color) => area.draw(&DashedPathElement::new(
                [(8, y), (40, y)],
                8,
                5,
                color.stroke_width(3),
            )),
            Key::Dot(color) => area.draw(&Circle::new((24, y), 6, color.filled())),
            Key::Below(color) => area.draw(&below((24, y), color, 8)),
            Key::Dose(color) => area.draw(&dose((24, y + 6), color)),
        }
        .map_err(drawing)?;
        let style = TextStyle::from((FONT, LEGEND_FONT).into_font())
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&text::fitted(area, name, room), &style, (52, y))
            .map_err(drawing)?;
    }
    Ok(())
}
