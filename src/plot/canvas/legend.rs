//! A figure's legend: one entry a row, the key drawn as the marks it stands for, the label
//! cut to the strip.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::style::{draw_line, draw_marker, series_style};
use super::super::text::{self, LEGEND_FONT};
use super::super::{FONT, PlotError, drawing};
use super::Key;
use super::marks::below;

/// The legend, one entry a row from the top of its strip: the key, then its label (cut to
/// fit the strip).
pub(in crate::plot) fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    legend: &[(Key, String)],
) -> Result<(), PlotError> {
    let room = area.dim_in_pixel().0.saturating_sub(56);
    for (row, (key, name)) in legend.iter().enumerate() {
        let y = 30 + 30 * row as i32;
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
        }
        .map_err(drawing)?;
        let style = TextStyle::from((FONT, LEGEND_FONT).into_font())
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(&text::fitted(area, name, room), &style, (52, y))
            .map_err(drawing)?;
    }
    Ok(())
}
