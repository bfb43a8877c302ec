//! Typed records: one serde struct per command's JSON record, written by the command that ran
//! and read back through the same type by `report` and `merge`. Each record names its file and
//! carries a `format_version`; a record of another version is refused with a message, never
//! read with silent defaults.

pub mod calibration;
pub mod dataset;
pub mod fit;
pub mod provenance;
pub mod run;
pub mod sensitivity;
pub mod simulate;
pub mod trial;

use crate::diag::Diagnostic;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A command's record in its output folder.
pub trait Record: Serialize + DeserializeOwned {
    /// The file name in an output folder.
    const FILE: &'static str;
    /// The layout this cartsim writes and reads.
    const FORMAT_VERSION: u32;
}

/// A record as written: pretty JSON with a final newline.
pub fn to_json<R: Record>(record: &R) -> String {
    serde_json::to_string_pretty(record).unwrap_or_default() + "\n"
}

/// Reads a record from the text of the file at `path`; refuses one of another
/// `format_version` (or none: written before records were typed) and one that does not match
/// the type, saying where.
pub fn from_json<R: Record>(text: &str, path: &str) -> Result<R, Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Diagnostic::new(format!("{path}:{}:{}: not JSON: {e}", e.line(), e.column())).hint(format!(
            "{} is written by cartsim; rerun the command that wrote the folder",
            R::FILE
        ))
    })?;
    match value.get("format_version").and_then(|v| v.as_u64()) {
        Some(version) if version == u64::from(R::FORMAT_VERSION) => {}
        found => {
            let found = found.map_or(
                "no format_version (written by a cartsim before records were versioned)"
                    .to_string(),
                |v| format!("format_version {v}"),
            );
            return Err(Diagnostic::new(format!(
                "{path}: the record has {found}; this cartsim {} reads version {}",
                env!("CARGO_PKG_VERSION"),
                R::FORMAT_VERSION
            ))
            .hint("rerun the command that wrote the folder with this cartsim (or read it with the version that wrote it)"));
        }
    }
    serde_json::from_str(text).map_err(|e| {
        Diagnostic::new(format!("{path}:{}:{}: {e}", e.line(), e.column())).hint(format!(
            "{} is written by cartsim; rerun the command that wrote the folder",
            R::FILE
        ))
    })
}

/// The model file a run read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub name: String,
    pub title: String,
    /// The path as given on the command line.
    pub file: String,
    pub sha256: String,
}

/// The time span and output interval, in the model's time unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSpan {
    pub start: f64,
    pub end: f64,
    pub step: f64,
    pub unit: String,
}

/// A dose given: the state it goes into, when, how much, and over how long (a bolus: none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseRecord {
    pub state: String,
    pub time: f64,
    pub amount: f64,
    pub duration: Option<f64>,
}
