//! Numbers and dates for people: three significant digits, thousands separators, powers of ten
//! for very large and very small values, a unit beside every quantity, UTC timestamps.

/// Below this magnitude (and from `LARGE` up) numbers are written as `m × 10ⁿ`.
const SMALL: f64 = 1e-3;
const LARGE: f64 = 1e6;

/// `value` to three significant digits: `24,000`, `0.163`, `8.55 × 10⁸`; `–` when missing.
pub fn number(value: f64) -> String {
    significant(value, 3)
}

/// `value` to `digits` significant digits (at least 1), as `number` writes three: `4,949`,
/// `0.1571` and `1.59` for four.
pub fn significant(value: f64, digits: u32) -> String {
    let digits = digits.max(1) as i32;
    if !value.is_finite() {
        return "–".to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs();
    let exponent = magnitude.log10().floor() as i32;
    let rounded = round_significant(value, exponent, digits);
    // Rounding may carry into the next decade (999.7 -> 1,000).
    let exponent = rounded.abs().log10().floor() as i32;
    if magnitude < SMALL || rounded.abs() >= LARGE {
        let mantissa = rounded / 10f64.powi(exponent);
        let decimals = (digits - 1) as usize;
        return format!(
            "{} × 10{}",
            trim(&format!("{mantissa:.decimals$}")),
            superscript(exponent)
        );
    }
    let decimals = (digits - 1 - exponent).max(0) as usize;
    let text = format!("{rounded:.decimals$}");
    let text = if decimals > 0 { trim(&text) } else { text };
    group_thousands(&text)
}

/// A count, exact, with thousands separators: `1,932`.
pub fn count(value: u64) -> String {
    group_thousands(&value.to_string())
}

/// `value` with its unit: `24,000 copies/ug`; the number alone when there is no unit.
pub fn quantity(value: f64, unit: Option<&str>) -> String {
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(unit) if value.is_finite() => format!("{} {unit}", number(value)),
        _ => number(value),
    }
}

/// A fraction as a percentage to three significant digits: `68%`, `0.5%`; below 0.001% (such
/// as an interval's rounding residue around 0) it is `0%`.
pub fn percent(fraction: f64) -> String {
    match 100.0 * fraction {
        value if !value.is_finite() => number(value),
        value if value.abs() < 1e-3 => "0%".to_string(),
        value => format!("{}%", number(value)),
    }
}

fn round_significant(value: f64, exponent: i32, digits: i32) -> f64 {
    let scale = 10f64.powi(digits - 1 - exponent);
    if scale.is_finite() && scale > 0.0 {
        (value * scale).round() / scale
    } else {
        value
    }
}

/// Drops trailing zeros after a decimal point (and the point itself).
fn trim(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

fn superscript(exponent: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits = exponent.unsigned_abs().to_string();
    let sign = if exponent < 0 { "⁻" } else { "" };
    sign.to_string()
        + &digits
            .bytes()
            .map(|b| DIGITS[usize::from(b - b'0')])
            .collect::<String>()
}

/// Commas between groups of three digits of the integer part.
fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (integer, fraction) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (k, digit) in integer.chars().enumerate() {
        if k > 0 && (integer.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Seconds since 1970-01-01 UTC as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc_timestamp(unix_seconds: u64) -> String {
    let (days, seconds) = (unix_seconds / 86_400, unix_seconds % 86_400);
    let (year, month, day) = civil_date(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's days-to-civil method).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_with_separators_and_powers_of_ten() {
        assert_eq!(number(24_000.0), "24,000");
        assert_eq!(number(1360.3848), "1,360");
        assert_eq!(number(999_700.0), "1 × 10⁶");
        assert_eq!(number(855_457_047.0), "8.55 × 10⁸");
        assert_eq!(number(0.162_886), "0.163");
        assert_eq!(number(0.009_493_5), "0.00949");
        assert_eq!(number(0.000_32), "3.2 × 10⁻⁴");
        assert_eq!(number(-12_345.0), "-12,300");
        assert_eq!(number(9.3), "9.3");
        assert_eq!(number(60.0), "60");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "–");
        assert_eq!(number(f64::INFINITY), "–");
    }

    /// A population fit's console estimates (theophylline's, see tests/data/theoph).
    #[test]
    fn four_significant_digits_for_estimates() {
        assert_eq!(significant(31.8089, 4), "31.81");
        assert_eq!(significant(1.59025, 4), "1.59");
        assert_eq!(significant(4948.56, 4), "4,949");
        assert_eq!(significant(0.008_334_75, 4), "0.008335");
        assert_eq!(significant(9_999.6, 4), "10,000");
        assert_eq!(significant(2.5e-5, 4), "2.5 × 10⁻⁵");
        assert_eq!(significant(1.23456, 0), "1");
    }

    #[test]
    fn quantities_carry_their_unit_and_fractions_become_percentages() {
        assert_eq!(quantity(24_000.0, Some("copies/ug")), "24,000 copies/ug");
        assert_eq!(quantity(3900.0, None), "3,900");
        assert_eq!(quantity(f64::NAN, Some("day")), "–");
        assert_eq!(count(1_932), "1,932");
        assert_eq!(count(12), "12");
        assert_eq!(percent(0.68), "68%");
        assert_eq!(percent(0.484_102), "48.4%");
        assert_eq!(percent(1.4e-17), "0%");
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_timestamp(1_767_225_599), "2025-12-31 23:59:59 UTC");
    }
}
