//! The floor of a log axis: the limit of quantification when one is known, else a stated
//! fraction of the largest value (`FLOOR_FRACTION`); values at or below it (zeros and negatives
//! included) are drawn in a grey band under it, labelled, instead of being dropped or drawn as a
//! line on the axis' edge.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::population::significant;
use super::text::tick_format;
use super::{FONT, PlotError, decades_around, drawing};

/// The floor of a log axis as a fraction of its largest value.
pub(super) const FLOOR_FRACTION: f64 = 1e-6;
/// The band's height as a fraction of the decades above it.
const BAND_SHARE: f64 = 0.12;
const BAND_FILL: RGBColor = RGBColor(228, 228, 228);
const BAND_INK: RGBColor = RGBColor(90, 90, 90);

/// A log axis' range and its floor, when some value lies at or below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct LogAxis {
    pub range: (f64, f64),
    pub floor: Option<f64>,
}

/// The log axis for `values`: whole decades around the positive values when none lies at or
/// below `FLOOR_FRACTION` of the largest; else from the band under that floor up to the
/// decade above the largest.
pub(super) fn log_axis(values: impl Iterator<Item = f64>) -> LogAxis {
    log_axis_at(values, None)
}

/// The log axis for `values` as `log_axis` makes it, but with its floor at `lloq` when one is
/// given, positive and below the largest value.
pub(super) fn log_axis_at(values: impl Iterator<Item = f64>, lloq: Option<f64>) -> LogAxis {
    let finite: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    let positive = super::extent(finite.iter().copied(), |v| v > 0.0);
    let Some((_, hi)) = positive else {
        return LogAxis {
            range: decades_around(None),
            floor: None,
        };
    };
    let lloq = lloq.filter(|&l| l.is_finite() && l > 0.0 && l < hi);
    let floor = lloq.unwrap_or(hi * FLOOR_FRACTION);
    if !finite.iter().any(|&v| v <= floor) {
        return LogAxis {
            range: decades_around(positive),
            floor: None,
        };
    }
    let (_, top) = decades_around(Some((floor, hi)));
    let decades = (top / floor).log10();
    let bottom = floor / 10f64.powf((BAND_SHARE * decades).max(0.3));
    LogAxis {
        range: (bottom, top),
        floor: Some(floor),
    }
}

impl LogAxis {
    /// Where a value is drawn: a quarter of the way up the band (its label is above) when at
    /// or below the floor, else
    /// clamped into the range (NaN stays NaN).
    pub fn place(&self, v: f64) -> f64 {
        match self.floor {
            Some(floor) if v <= floor => self.range.0 * (floor / self.range.0).powf(0.25),
            _ if v.is_nan() => v,
            _ => v.clamp(self.range.0, self.range.1),
        }
    }
}

/// The band under `floor` across `x`, filled grey (drawn before the data).
pub(super) fn draw_band<DB, CT>(
    area: &DrawingArea<DB, CT>,
    (x0, x1): (f64, f64),
    bottom: f64,
    floor: f64,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let band = Rectangle::new([(x0, bottom), (x1, floor)], BAND_FILL.filled());
    area.draw(&band).map_err(drawing)?;
    let edge = PathElement::new([(x0, floor), (x1, floor)], BAND_INK.stroke_width(1));
    area.draw(&edge).map_err(drawing)
}

/// The band's label, drawn after the data so that bands and lines inside it do not hide it.
pub(super) fn draw_band_label<DB, CT>(
    area: &DrawingArea<DB, CT>,
    x0: f64,
    bottom: f64,
    (floor, lloq): (f64, bool),
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = TextStyle::from((FONT, 18).into_font())
        .color(&BAND_INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let at = (x0, bottom * (floor / bottom).powf(0.7));
    let text = match lloq {
        true => format!("≤ LLOQ ({})", significant(floor)),
        false => band_label(floor),
    };
    let label = Text::new(text, (8, 0), style);
    area.draw(&(EmptyElement::at(at) + label)).map_err(drawing)
}

/// "≤ 10⁻⁶ × max (0.25)".
pub(super) fn band_label(floor: f64) -> String {
    let fraction = tick_format(FLOOR_FRACTION, FLOOR_FRACTION, true);
    let floor = significant(floor);
    format!("≤ {} × max ({floor})", fraction(&FLOOR_FRACTION))
}
