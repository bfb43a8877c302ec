//! Where a figure's panels go: the grid, the size of each plotting area, the tick label areas
//! and label strips, in pixels of the chart area (the image less the title and the legend).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::FONT;
use super::categories::{Labels, wrap};
use super::{
    DESCRIPTION_FONT, DESCRIPTION_LINE, GAP, MARGIN, MARGIN_RIGHT, NAME_FONT, NAME_ROOM, Panel,
    Plot, STRIP, XAxis, Y_LABEL_AREA, plot_grid,
};

/// The panels' places in the chart area, and the category names under the x axis if any.
pub(super) struct Layout<'a> {
    pub rows: usize,
    pub columns: usize,
    /// Panels drawn (at least one).
    pub count: usize,
    /// Whether the panels are stacked each on its own y axis (see `Panel::y`).
    pub stacked: bool,
    /// The size of every panel's plotting area.
    pub plot_width: u32,
    pub plot_height: u32,
    /// The height of the strip above each panel holding its label; 0 when none has a label.
    pub strip_height: u32,
    /// The height of the tick label area under the last panel of each column (the table under
    /// the axis included).
    pub x_label_area: u32,
    /// The height of the table under the axis description (0 without one).
    pub table_height: u32,
    /// The width of the tick label area left of the first column (with the y description).
    pub y_label_area: u32,
    /// The top left corner of the first panel's plotting area.
    pub x0: u32,
    pub y0: u32,
    /// The description written under the x axis, wrapped to the width of the panels, and its
    /// category names if it has them.
    pub x_desc_lines: Vec<String>,
    pub labels: Option<Labels<'a>>,
}

/// One panel's place: the top left corner of its plotting area, and the heights and widths of
/// the tick label areas under and left of it (0 where it has none).
pub(super) struct Cell {
    pub left: u32,
    pub top: u32,
    pub x_area: u32,
    pub y_area: u32,
}

impl<'a> Layout<'a> {
    /// Lays out `panels` of `plot` in a chart area of `size` pixels, measuring category names
    /// on `root`.
    pub fn new(
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        plot: &'a Plot,
        panels: &[Panel],
        (area_width, area_height): (u32, u32),
    ) -> Self {
        let (rows, columns) = plot_grid(panels, root.dim_in_pixel().0);
        let y_label_area = y_label_area(root, &plot.y.names);
        let fixed_width = MARGIN + MARGIN_RIGHT + y_label_area + gaps(columns);
        let plot_width = area_width.saturating_sub(fixed_width) / columns as u32;

        let (x_desc, labels) = match &plot.x {
            XAxis::Numeric { label, .. } => (label, None),
            XAxis::Categories {
                labels,
                notes,
                description,
            } => {
                let slot = plot_width / labels.len().max(1) as u32;
                (description, Some(Labels::new(root, labels, notes, slot)))
            }
        };
        let style = TextStyle::from((FONT, DESCRIPTION_FONT).into_font());
        let width_of = |s: &str| root.estimate_text_size(s, &style).map_or(u32::MAX, |d| d.0);
        let room = columns as u32 * plot_width + gaps(columns);
        let x_desc_lines = wrap(x_desc, room.max(1), width_of);
        let extra = x_desc_lines.len().saturating_sub(1) as u32 * DESCRIPTION_LINE;
        let table_height = plot.table.as_ref().map_or(0, |t| t.height());
        let x_label_area = extra
            + table_height
            + (labels.as_ref()).map_or(70, |l| l.area_height(!x_desc.is_empty()));
        let strip_height = if panels.iter().any(|p| !p.label.is_empty()) {
            STRIP
        } else {
            0
        };
        let fixed_height = 2 * MARGIN + x_label_area + gaps(rows) + rows as u32 * strip_height;
        let plot_height = area_height.saturating_sub(fixed_height) / rows as u32;
        Layout {
            rows,
            columns,
            count: panels.len(),
            stacked: panels.iter().any(|p| p.y.is_some()),
            plot_width,
            plot_height,
            strip_height,
            x_label_area,
            table_height,
            y_label_area,
            x0: MARGIN + y_label_area,
            y0: MARGIN + strip_height,
            x_desc_lines,
            labels,
        }
    }

    /// The place of panel `i`: tick labels go left of the first column and under the last
    /// panel of each column.
    pub fn cell(&self, i: usize) -> Cell {
        let (row, column) = ((i / self.columns) as u32, (i % self.columns) as u32);
        let y_area = if column == 0 { self.y_label_area } else { 0 };
        let x_area = if i + self.columns >= self.count {
            self.x_label_area
        } else {
            0
        };
        Cell {
            left: self.x0 + column * (self.plot_width + GAP),
            top: self.y0 + row * (self.strip_height + self.plot_height + GAP),
            x_area,
            y_area,
        }
    }

    /// The width and height of all the panels with the gaps between them (strips included,
    /// tick label areas not).
    pub fn panels_size(&self) -> (u32, u32) {
        (
            self.columns as u32 * self.plot_width + gaps(self.columns),
            self.rows as u32 * (self.strip_height + self.plot_height) + gaps(self.rows),
        )
    }
}

/// The y label area: `Y_LABEL_AREA`, or wide enough for the longest category name beside
/// the y description, up to 40% of the canvas (longer names are cut).
fn y_label_area(root: &DrawingArea<SVGBackend<'_>, Shift>, names: &[String]) -> u32 {
    let style = TextStyle::from((FONT, NAME_FONT).into_font());
    let widest = (names.iter())
        .map(|n| root.estimate_text_size(n, &style).map_or(0, |d| d.0))
        .max();
    let most = root.dim_in_pixel().0 * 2 / 5;
    widest.map_or(Y_LABEL_AREA, |w| {
        (w + NAME_ROOM).clamp(Y_LABEL_AREA, most.max(Y_LABEL_AREA))
    })
}

/// The space between `n` panels side by side (or one above the other).
fn gaps(n: usize) -> u32 {
    (n as u32 - 1) * GAP
}
