//! The style cycle every figure draws its series with: the Okabe-Ito colour-blind safe
//! palette (Okabe & Ito 2008; Wong, Nature Methods 8:441, 2011), with a dash pattern and a
//! marker cycling beside it so series stay apart in grey print and for any colour vision.

use plotters::coord::CoordTranslate;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{PlotError, drawing};

/// Okabe-Ito as `0xRRGGBB`: blue, orange, bluish green, vermillion, reddish purple, sky blue,
/// yellow, black (blue, orange, green and red first, as figures name them by index).
pub const PALETTE: [u32; 8] = [
    0x0072b2, 0xe69f00, 0x009e73, 0xd55e00, 0xcc79a7, 0x56b4e9, 0xf0e442, 0x000000,
];
/// Neutral grey for reference lines and marks that are not a series.
pub(super) const GREY: RGBColor = RGBColor(127, 127, 127);
/// Dash patterns (dash, gap) in drawing units; `None` is solid. Three patterns and four
/// markers beside eight colours repeat together only after 24 series, and the colours closest
/// under deuteranopia (orange and yellow, orange and vermillion, green and reddish purple:
/// CIE76 Delta-E 17 to 18.3) differ in both dash and marker.
const DASHES: [Option<(u32, u32)>; 3] = [None, Some((14, 7)), Some((4, 5))];
const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];
/// Markers drawn along each line.
const MARKS_PER_LINE: usize = 7;

/// A point marker's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// How series `i` is drawn: its colour, dash pattern and marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub dash: Option<(u32, u32)>,
    pub marker: Marker,
}

/// The style of series `i` (from 0).
pub fn series_style(i: usize) -> SeriesStyle {
    SeriesStyle {
        color: palette(i),
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// Colour `index` of the palette, cycling.
pub(super) fn palette(index: usize) -> RGBColor {
    let hex = PALETTE[index % PALETTE.len()];
    RGBColor((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

/// Mixes `color` with white: `amount` 0 gives white, 1 the colour itself.
pub(super) fn tint(color: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - amount * (255.0 - f64::from(c))).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Mixes `color` with black: `amount` 0 gives the colour, 1 black.
pub(super) fn shade(color: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * (1.0 - amount)).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// A polyline in `style`'s colour and dash pattern, `width` wide.
pub(super) fn draw_line<DB, CT>(
    area: &DrawingArea<DB, CT>,
    points: Vec<CT::From>,
    style: &SeriesStyle,
    width: u32,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
    CT::From: Clone,
{
    let stroke = style.color.stroke_width(width);
    match style.dash {
        None => area.draw(&PathElement::new(points, stroke)),
        Some((dash, gap)) => area.draw(&DashedPathElement::new(points, dash, gap, stroke)),
    }
    .map_err(drawing)
}

/// `marker` centred on `at`, reaching `size` drawing units from it, filled in `color`.
pub(super) fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    color: RGBColor,
    size: i32,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
{
    let fill = color.filled();
    let s = size;
    let polygon = |corners: Vec<(i32, i32)>| Polygon::new(corners, fill);
    match marker {
        Marker::Circle => area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), s, fill))),
        Marker::Square => {
            let h = s * 4 / 5;
            area.draw(&(EmptyElement::at(at) + Rectangle::new([(-h, -h), (h, h)], fill)))
        }
        Marker::Triangle => {
            let corners = vec![(0, -s), (s, s * 3 / 4), (-s, s * 3 / 4)];
            area.draw(&(EmptyElement::at(at) + polygon(corners)))
        }
        Marker::Diamond => {
            let corners = vec![(0, -s), (s, 0), (0, s), (-s, 0)];
            area.draw(&(EmptyElement::at(at) + polygon(corners)))
        }
    }
    .map_err(drawing)
}

/// Which of `count` points of series `i` (of `series`) get a marker: about `MARKS_PER_LINE`
/// evenly spaced, shifted per series so markers of overlapping lines do not hide each other.
pub(super) fn marker_indices(count: usize, i: usize, series: usize) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    let step = (count / MARKS_PER_LINE).max(1);
    let offset = step * (i % series.max(1)) / series.max(1) + step / 2;
    (0..count)
        .skip(offset.min(count - 1))
        .step_by(step)
        .collect()
}
