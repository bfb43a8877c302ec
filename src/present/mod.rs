//! Presentation: a command's results and resolved settings turned into named files (tables,
//! figures, records) without touching the disk. One module per command; the command line
//! (`cli`) resolves arguments into settings, runs the pipeline, calls `present` and commits
//! the files into the output folder. Tables too large to hold are written through a
//! `std::io::Write` the caller provides.

pub mod calibration;
pub mod fit;
pub mod run;
pub mod sensitivity;
pub mod simulate;
pub mod trial;

use crate::diag::{Diagnostic, Severity};
use crate::plot::Rendered;

/// A file of an output folder, not yet written: its name relative to the folder, and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl NamedFile {
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> NamedFile {
        NamedFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// A figure's files: `stem` (its name without extension) with each format's extension.
    pub fn figure(stem: &str, rendered: Rendered) -> Vec<NamedFile> {
        (rendered.files.into_iter())
            .map(|(format, bytes)| NamedFile::new(format!("{stem}.{}", format.extension()), bytes))
            .collect()
    }
}

/// Failed simulations of a batch as one console diagnostic: how many of `total` and what
/// became of them (`consequence`), then the first (`which`: subject, scenario, point) with its
/// time, the states it left and what to try. An error when every simulation failed, else a
/// warning.
pub fn failed_simulations(
    count: usize,
    total: usize,
    consequence: &str,
    which: &str,
    first: &Diagnostic,
) -> Diagnostic {
    let (severity, share) = match count == total {
        true => (Severity::Error, "every simulation failed".to_string()),
        false => (
            Severity::Warning,
            format!("{count} of {total} simulations failed ({consequence})"),
        ),
    };
    Diagnostic {
        severity,
        message: format!("{share}; the first: {which}{}", first.message),
        ..first.clone()
    }
}
