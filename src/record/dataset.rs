//! What a record says about the dataset a command read (`simulate --data`, `fit`): the file
//! and its SHA-256, how many IDs, how it was read, and the rows left out.

use crate::data::{Dropped, DvScale};
use serde::{Deserialize, Serialize};

/// The dataset as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetFacts {
    /// The path as given on the command line.
    pub file: String,
    pub sha256: String,
    /// IDs read.
    pub ids: usize,
    /// Warnings of the reader (ignored columns, cancelled doses).
    pub warnings: Vec<String>,
    /// Covariates that vary within IDs, and how they were read ("WT varies within 3 IDs
    /// (nocb)"); absent when none does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_varying: Vec<String>,
    /// The delimiter the file was read with (`comma`, `tab`, ...).
    pub delimiter: String,
    pub dv_scale: DvScale,
    /// `--ignore` or `--accept` tests, as written.
    pub filter: Option<RowFilter>,
    pub rows_not_read: Dropped,
}

/// The rows a command was told to leave out (NONMEM's IGNORE) or to keep (ACCEPT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowFilter {
    Ignore(Vec<String>),
    Accept(Vec<String>),
}
