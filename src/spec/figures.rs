//! The `figures:` block of run, trial and calibration files, as written: the formats, size
//! and PNG resolution of the figures a command draws (the command line overrides it).

use serde::Deserialize;

/// `figures:` as written; names and numbers are checked when the command resolves them.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresSpec {
    /// Any of `png`, `svg`, `pdf`.
    pub formats: Option<Vec<String>>,
    /// A preset: `single`, `double` or `slide`.
    pub size: Option<String>,
    /// An explicit size in millimetres (both, instead of `size`).
    pub width_mm: Option<f64>,
    pub height_mm: Option<f64>,
    /// PNG pixels per inch.
    pub dpi: Option<f64>,
}
