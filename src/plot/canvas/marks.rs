//! The marks a figure is made of, in data coordinates, and how each is drawn.

use plotters::coord::CoordTranslate;
use plotters::element::{ComposedElement, DashedPathElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::style::{draw_line, draw_marker, marker_indices, series_style};
use super::super::{FONT, PlotError, drawing};

/// Something drawn in data coordinates; coordinates must already lie within the axes' ranges.
pub(in crate::plot) enum Mark {
    /// Series i in the style cycle: a line in its colour and dash pattern, with its marker
    /// along it when the figure's series count is given (to space the markers of each apart).
    Series(Vec<(f64, f64)>, usize, Option<usize>),
    /// Series i's marker at a point (an observation of it).
    Symbol((f64, f64), usize),
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
    /// An open triangle pointing down, centred on a point and reaching `size` pixels from it:
    /// a value known only to lie below the point (an observation below the LLOQ, drawn at it).
    Below((f64, f64), RGBColor, u32),
    /// A short text centred above (`true`) or below (`false`) a point.
    Note((f64, f64), String, bool),
    /// A short vertical stroke of the given colour through a point (a censored subject on a
    /// Kaplan–Meier curve).
    Tick((f64, f64), RGBColor),
    /// A small filled triangle pointing up, its base centred on a point on the bottom of the
    /// axes (a dose time on the time axis).
    Dose((f64, f64), RGBColor),
    /// A label written under a point at the top of the axes, beside a vertical line through
    /// it: right of the line, or left when `leftward`; `row` lines down, so that labels of
    /// lines close together do not overlap.
    Flag {
        at: (f64, f64),
        text: String,
        leftward: bool,
        row: u32,
    },
}

/// A dose's triangle pointing up, its base centred on `at`.
pub(super) fn dose<C, DB: DrawingBackend>(at: C, color: RGBColor) -> Triangle<C, DB> {
    let corners = vec![(-7, 0), (7, 0), (0, -13), (-7, 0)];
    EmptyElement::at(at)
        + Polygon::new(corners.clone(), color.filled())
        + PathElement::new(corners, color.stroke_width(1))
}
type Triangle<C, DB> = ComposedElement<C, DB, Polygon<(i32, i32)>, PathElement<(i32, i32)>>;

/// An open triangle pointing down at `at`, reaching `size` pixels from it, filled white so a
/// line behind it does not show through.
pub(super) fn below<C, DB: DrawingBackend>(at: C, color: RGBColor, size: i32) -> Triangle<C, DB> {
    let (half, up) = (size * 7 / 8, size / 2);
    let corners = vec![(-half, -up), (half, -up), (0, size), (-half, -up)];
    EmptyElement::at(at)
        + Polygon::new(corners.clone(), WHITE.filled())
        + PathElement::new(corners, color.stroke_width(2))
}

pub(super) fn draw_mark<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    mark: &Mark,
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area();
    match mark {
        Mark::Series(points, i, markers) => return draw_series(area, points, *i, *markers),
        Mark::Symbol(at, i) => {
            let style = series_style(*i);
            return draw_marker(area, *at, style.marker, style.color, 6);
        }
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
        Mark::Below(at, color, size) => area.draw(&below(*at, *color, *size as i32)),
        Mark::Note(at, text, above) => {
            let (v, dy) = if *above {
                (VPos::Bottom, -8)
            } else {
                (VPos::Top, 8)
            };
            let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Center, v));
            area.draw(&(EmptyElement::at(*at) + Text::new(text.clone(), (0, dy), style)))
        }
        Mark::Tick(at, color) => {
            let stroke = PathElement::new([(0, -9), (0, 9)], color.stroke_width(3));
            area.draw(&(EmptyElement::at(*at) + stroke))
        }
        Mark::Dose(at, color) => area.draw(&dose(*at, *color)),
        Mark::Flag {
            at,
            text,
            leftward,
            row,
        } => {
            let (h, dx) = if *leftward {
                (HPos::Right, -6)
            } else {
                (HPos::Left, 6)
            };
            let style = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(h, VPos::Top));
            let dy = 6 + 22 * *row as i32;
            area.draw(&(EmptyElement::at(*at) + Text::new(text.clone(), (dx, dy), style)))
        }
        Mark::Fill(..) => Ok(()),
    }
    .map_err(drawing)
}

/// Series `i` along `points` in its style, with markers spaced for `markers` series (a lone
/// point gets one either way).
fn draw_series<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    points: &[(f64, f64)],
    i: usize,
    markers: Option<usize>,
) -> Result<(), PlotError> {
    let style = series_style(i);
    if points.len() > 1 {
        draw_line(area, points.to_vec(), &style, 2)?;
    }
    let marked = match (markers, points.len()) {
        (Some(n), _) => marker_indices(points.len(), i, n),
        (None, 1) => vec![0],
        (None, _) => Vec::new(),
    };
    for k in marked {
        draw_marker(area, points[k], style.marker, style.color, 5)?;
    }
    Ok(())
}
