//! Parameter ranges: how a coordinate u in [0, 1] of the unit cube becomes a parameter value,
//! from explicit bounds (uniform on a linear or log scale) or from the run file's variability
//! (uniform on the random effect's scale between its 5th and 95th percentiles).

use crate::population::Transform;

/// The standard normal quantile of 0.95: variability ranges run from the 5th to the 95th
/// percentile of the parameter's distribution, typical value +-1.6449 omega on its scale.
pub const VARIABILITY_COVERAGE: f64 = 1.644_853_626_951_472_2;

/// How u in [0, 1] maps to a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeKind {
    /// min + (max - min) u.
    Linear { min: f64, max: f64 },
    /// min (max / min)^u: uniform in log p, for ranges over orders of magnitude.
    Log { min: f64, max: f64 },
    /// The random effect eta = omega z (2u - 1), z = `VARIABILITY_COVERAGE`, applied to the
    /// typical value on the effect's scale (log-normal: log-uniform between the percentiles).
    Variability {
        typical: f64,
        omega: f64,
        transform: Transform,
    },
}

/// One parameter analysed: its index in the model, name and range.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRange {
    pub index: usize,
    pub name: String,
    pub kind: RangeKind,
}

impl ParameterRange {
    /// The parameter value at u in [0, 1].
    pub fn value(&self, u: f64) -> f64 {
        match self.kind {
            RangeKind::Linear { min, max } => min + (max - min) * u,
            RangeKind::Log { min, max } => min * (max / min).powf(u),
            RangeKind::Variability {
                typical,
                omega,
                transform,
            } => transform.apply(typical, omega * VARIABILITY_COVERAGE * (2.0 * u - 1.0)),
        }
    }

    /// The scale values are uniform on, for tables: `linear`, `log` or the effect's.
    pub fn scale(&self) -> &'static str {
        match self.kind {
            RangeKind::Linear { .. } => "linear",
            RangeKind::Log { .. } => "log",
            RangeKind::Variability { transform, .. } => match transform {
                Transform::LogNormal => "log",
                Transform::Normal => "linear",
                Transform::Logit => "logit",
            },
        }
    }

    /// Where the range comes from, for tables.
    pub fn source(&self) -> &'static str {
        match self.kind {
            RangeKind::Linear { .. } | RangeKind::Log { .. } => "bounds",
            RangeKind::Variability { .. } => "variability 5th-95th percentile",
        }
    }
}
