//! Text that must fit its figure: the title (the largest size that fits the width, wrapped
//! at the smallest), legend labels (cut to their strip) and tick labels (powers of ten with
//! superscript exponents).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::categories::wrap;
use super::{FONT, PlotError, drawing};

/// Title sizes tried from the largest down; at the smallest the title wraps onto more lines.
const TITLE_SIZES: [u32; 4] = [28, 25, 22, 20];
/// Space above the title and between it and the chart, in drawing units.
const TITLE_TOP: u32 = 10;
const TITLE_GAP: u32 = 8;
/// The legend strip's least and largest share of the figure's width, and its label size.
const LEGEND_MIN: u32 = 120;
const LEGEND_SHARE: f64 = 0.3;
pub(super) const LEGEND_FONT: u32 = 18;

/// The width of `text` in `size` on `area` (too wide when it cannot be measured).
fn width_of<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: u32) -> u32 {
    let style = TextStyle::from((FONT, size).into_font());
    area.estimate_text_size(text, &style)
        .map_or(u32::MAX, |d| d.0)
}

/// Writes `title` centred at the top of `root` within its margins and returns the area below.
pub(super) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (width, _) = root.dim_in_pixel();
    let room = width.saturating_sub(2 * TITLE_TOP).max(1);
    let size = (TITLE_SIZES.into_iter())
        .find(|&size| width_of(root, title, size) <= room)
        .unwrap_or(TITLE_SIZES[TITLE_SIZES.len() - 1]);
    let lines = wrap(title, room, |s| width_of(root, s, size));
    let style = TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in lines.iter().enumerate() {
        let y = TITLE_TOP + k as u32 * size;
        root.draw_text(line, &style, ((width / 2) as i32, y as i32))
            .map_err(drawing)?;
    }
    let height = TITLE_TOP + lines.len() as u32 * size + TITLE_GAP;
    Ok(root.split_vertically(height).1)
}

/// The width of the legend strip right of a chart `width` wide for `labels`: room for the
/// key and the longest label, at most `LEGEND_SHARE` of the width (longer labels are cut).
pub(super) fn legend_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl Iterator<Item = impl AsRef<str>>,
) -> u32 {
    let (width, _) = root.dim_in_pixel();
    let longest = labels
        .map(|l| width_of(root, l.as_ref(), LEGEND_FONT))
        .max();
    let most = ((f64::from(width) * LEGEND_SHARE) as u32).max(LEGEND_MIN);
    longest.map_or(0, |w| (w.saturating_add(84)).clamp(LEGEND_MIN, most))
}

/// The width a legend entry needs for the longest of `labels` (key and label), `None`
/// without labels.
pub(super) fn legend_entry_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl Iterator<Item = impl AsRef<str>>,
) -> Option<u32> {
    let longest = labels
        .map(|l| width_of(root, l.as_ref(), LEGEND_FONT))
        .max();
    longest.map(|w| w.saturating_add(84))
}

/// `label` cut with an ellipsis to fit `room` in the legend's font.
pub(super) fn fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    room: u32,
) -> String {
    fitted_in(area, label, room, LEGEND_FONT)
}

/// `label` cut with an ellipsis to fit `room` in a font of `size`.
pub(super) fn fitted_in<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    room: u32,
    size: u32,
) -> String {
    if width_of(area, label, size) <= room {
        return label.to_string();
    }
    let mut cut: String = label.to_string();
    while cut.chars().count() > 1 {
        cut.pop();
        let candidate = format!("{}…", cut.trim_end());
        if width_of(area, &candidate, size) <= room {
            return candidate;
        }
    }
    "…".into()
}

/// `n` written with superscript digits and sign (`-3` as `⁻³`).
fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let magnitude = n.unsigned_abs().to_string();
    let digits = (magnitude.chars()).map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    (n < 0).then_some('⁻').into_iter().chain(digits).collect()
}

/// Tick labels for an axis over `lo..hi`: plain decimals, or powers of ten throughout when the
/// axis reaches 1e4 or lies below 1e-3 (its bottom on log axes, all of it on linear ones):
/// `10⁴`, and `2.5×10⁴` between powers.
pub(super) fn tick_format(lo: f64, hi: f64, log: bool) -> impl Fn(&f64) -> String {
    let magnitude = lo.abs().max(hi.abs());
    let scientific = magnitude >= 1e4 || (if log { lo } else { magnitude }) < 1e-3;
    // Both formats print a '.', so trimming zeros never eats integer digits.
    let trim = |s: &str| s.trim_end_matches('0').trim_end_matches('.').to_string();
    move |&v| {
        if !log && v.abs() < 1e-9 * magnitude {
            "0".into()
        } else if scientific {
            let s = format!("{v:.3e}");
            let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
            let power = format!("10{}", superscript(exponent.parse().unwrap_or(0)));
            match trim(mantissa).as_str() {
                "1" => power,
                "-1" => format!("-{power}"),
                m => format!("{m}×{power}"),
            }
        } else {
            trim(&format!("{v:.6}"))
        }
    }
}
