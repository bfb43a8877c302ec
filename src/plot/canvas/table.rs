//! A table of text under a chart's x axis, one entry under each tick per row (the number at
//! risk under a Kaplan–Meier plot), each row keyed by its series' line and marker.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::style::{draw_line, draw_marker, series_style, shade};
use super::super::{FONT, PlotError, drawing};
use super::layout::Layout;
use super::{MARGIN, x_ticks};

/// The height of the table's heading and of each of its rows.
pub(super) const TABLE_LINE: u32 = 24;

/// Rows of text under the x axis: each row's series (its key, the style cycle's `i`) and its
/// text at an x value, written under every x tick.
/// A row's text at an x value.
pub(in crate::plot) type CellText = Box<dyn Fn(f64) -> String>;

pub(in crate::plot) struct TickTable {
    pub heading: String,
    pub rows: Vec<(usize, CellText)>,
}

impl TickTable {
    /// The height the table takes under the axis description.
    pub fn height(&self) -> u32 {
        (self.rows.len() as u32 + 1) * TABLE_LINE + 8
    }
}

/// Draws `table` at the bottom of the x label area of a single-panel chart whose x axis runs
/// over `(x0, x1)`.
pub(super) fn draw_table(
    chart_area: &DrawingArea<SVGBackend<'_>, Shift>,
    layout: &Layout,
    table: &TickTable,
    (x0, x1): (f64, f64),
) -> Result<(), PlotError> {
    let (_, panels_height) = layout.panels_size();
    let top = (MARGIN + panels_height + layout.x_label_area - table.height() + 8) as i32;
    let font = TextStyle::from((FONT, 18).into_font());
    let heading = font.pos(Pos::new(HPos::Left, VPos::Center));
    let line = TABLE_LINE as i32;
    let left = MARGIN as i32;
    (chart_area.draw_text(&table.heading, &heading, (left, top + line / 2))).map_err(drawing)?;
    let width = f64::from(layout.plot_width);
    let ticks = x_ticks((x0, x1), layout.plot_width);
    for (row, (series, text)) in table.rows.iter().enumerate() {
        let y = top + line * (row as i32 + 1) + line / 2;
        let style = series_style(*series);
        draw_line(chart_area, vec![(left + 4, y), (left + 44, y)], &style, 2)?;
        draw_marker(chart_area, (left + 24, y), style.marker, style.color, 5)?;
        let ink = shade(style.color, 0.3);
        let cell = font.color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
        for &t in &ticks {
            let x = f64::from(layout.x0) + (t - x0) / (x1 - x0) * width;
            (chart_area.draw_text(&text(t), &cell, (x.round() as i32, y))).map_err(drawing)?;
        }
    }
    Ok(())
}
