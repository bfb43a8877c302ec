//! Category names under a figure's x axis: each wrapped to its slot, in the largest font
//! size at which every name fits in a few lines, with an optional grey note below it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::{FONT, PlotError, drawing};

/// Font sizes tried from the largest down until every name fits in `MAX_LINES` lines; the
/// smallest is used regardless, with longer names cut short.
const LABEL_SIZES: [u32; 2] = [20, 18];
const MAX_LINES: usize = 4;

/// Category names laid out for their slots, with their notes.
pub(super) struct Labels<'a> {
    size: u32,
    lines: Vec<Vec<String>>,
    notes: &'a [String],
}

impl<'a> Labels<'a> {
    /// Lays out `names` for slots `slot` pixels wide, measuring text on `area`.
    pub fn new(
        area: &DrawingArea<SVGBackend<'_>, Shift>,
        names: &[String],
        notes: &'a [String],
        slot: u32,
    ) -> Labels<'a> {
        let (size, lines) = layout(area, names, slot);
        Labels { size, lines, notes }
    }

    /// The height of the x label area that holds the names, the notes and, when `described`,
    /// the axis description.
    pub fn area_height(&self, described: bool) -> u32 {
        let rows = self.lines.iter().map(Vec::len).max().unwrap_or(0) as u32;
        let note_rows = u32::from(self.notes.iter().any(|n| !n.is_empty()));
        16 + (rows + note_rows) * self.line_height() + if described { 34 } else { 4 }
    }

    /// Draws a tick and the name (and note) under each slot of `chart`'s x axis.
    pub fn draw<X, Y>(
        &self,
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        chart: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    ) -> Result<(), PlotError>
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let name_style =
            TextStyle::from((FONT, self.size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let note_style = name_style.color(&RGBColor(90, 90, 90));
        let bottom = chart.y_range().start;
        for (i, lines) in self.lines.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64, bottom));
            let tick = PathElement::new([(x, y), (x, y + 6)], BLACK);
            root.draw(&tick).map_err(drawing)?;
            let note = self.notes.get(i).filter(|n| !n.is_empty());
            for (row, text) in lines.iter().chain(note).enumerate() {
                let style = if row < lines.len() {
                    &name_style
                } else {
                    &note_style
                };
                let top = y + 12 + (row as u32 * self.line_height()) as i32;
                root.draw_text(text, style, (x, top)).map_err(drawing)?;
            }
        }
        Ok(())
    }

    fn line_height(&self) -> u32 {
        self.size * 5 / 4
    }
}

/// Wraps `text` into lines no wider than `max_width` as measured by `width_of`: at spaces;
/// a word too wide for a line of its own also after a '/', '-' or '_' inside it, and a
/// fragment still too wide between characters.
pub(in crate::plot) fn wrap(
    text: &str,
    max_width: u32,
    width_of: impl Fn(&str) -> u32,
) -> Vec<String> {
    let fits = |s: &str| width_of(s) <= max_width;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let gap = if current.is_empty() { "" } else { " " };
        if fits(&format!("{current}{gap}{word}")) {
            current = format!("{current}{gap}{word}");
            continue;
        }
        if fits(word) {
            lines.push(std::mem::replace(&mut current, word.to_string()));
            continue;
        }
        for (k, piece) in word.split_inclusive(['/', '-', '_']).enumerate() {
            let gap = if k == 0 && !current.is_empty() {
                " "
            } else {
                ""
            };
            if fits(&format!("{current}{gap}{piece}")) {
                current = format!("{current}{gap}{piece}");
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            for c in piece.chars() {
                current.push(c);
                if !fits(&current) && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::replace(&mut current, c.to_string()));
                }
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Names wrapped to `slot` pixels: the font size and each name's lines.
fn layout(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    labels: &[String],
    slot: u32,
) -> (u32, Vec<Vec<String>>) {
    let wrap_at = |size: u32| {
        let style = TextStyle::from((FONT, size).into_font());
        // A label that cannot be measured counts as too wide, so it ends up on its own lines.
        let width_of = |s: &str| area.estimate_text_size(s, &style).map_or(u32::MAX, |d| d.0);
        let max_width = slot.saturating_sub(8).max(1);
        (labels.iter())
            .map(|label| wrap(label, max_width, width_of))
            .collect::<Vec<_>>()
    };
    for size in LABEL_SIZES {
        let lines = wrap_at(size);
        if lines.iter().all(|l| l.len() <= MAX_LINES) {
            return (size, lines);
        }
    }
    let smallest = LABEL_SIZES[LABEL_SIZES.len() - 1];
    let mut lines = wrap_at(smallest);
    for label in &mut lines {
        if label.len() > MAX_LINES {
            label.truncate(MAX_LINES);
            label[MAX_LINES - 1].push('…');
        }
    }
    (smallest, lines)
}
