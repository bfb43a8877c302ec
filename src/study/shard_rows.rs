//! A shard's metrics.csv and subjects.csv read back row by row, from any reader the caller
//! opens (merge never holds a table): lines with their row numbers, and each row parsed and
//! checked against the run file, with the file, row and text in every error.

use super::Study;
use super::metrics::MetricRow;
use super::tables::{SubjectRecord, metrics_header};
use crate::csv::{inert, split_quoted as split};
use crate::diag::{Diagnostic, Location};
use std::io::BufRead;

/// A shard's table: its file name (for messages), and how to read it from its start (the
/// merger reads a table more than once: to count its rows, then from each arm's first row).
pub struct TableSource {
    pub file: String,
    pub open: Box<dyn Fn() -> std::io::Result<Box<dyn BufRead>>>,
}

/// A table's rows in order, each without its line break; a last row without one is refused.
pub struct Lines<'a> {
    source: &'a TableSource,
    reader: Box<dyn BufRead>,
    /// Rows read so far.
    read: usize,
    text: String,
}

impl<'a> Lines<'a> {
    pub fn open(source: &'a TableSource) -> Result<Lines<'a>, Diagnostic> {
        let reader = (source.open)().map_err(|e| unreadable(source, e))?;
        Ok(Lines {
            source,
            reader,
            read: 0,
            text: String::new(),
        })
    }

    /// The next row and its index (from 0, the header being row 0); `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<(usize, &str)>, Diagnostic> {
        self.text.clear();
        let length =
            (self.reader.read_line(&mut self.text)).map_err(|e| unreadable(self.source, e))?;
        if length == 0 {
            return Ok(None);
        }
        self.read += 1;
        let Some(row) = self.text.strip_suffix('\n') else {
            return Err(cut_short(&self.source.file, self.read));
        };
        Ok(Some((self.read - 1, row.strip_suffix('\r').unwrap_or(row))))
    }

    /// Reads past `rows` rows (fewer at the end of the table).
    pub fn skip(&mut self, rows: usize) -> Result<(), Diagnostic> {
        for _ in 0..rows {
            if self.next_row()?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The rows of the table, header included.
    pub fn count(mut self) -> Result<usize, Diagnostic> {
        while self.next_row()?.is_some() {}
        Ok(self.read)
    }
}

/// The error for a shard's table `file` whose row `row` (from 1, the header included) has no
/// final line break.
pub fn cut_short(file: &str, row: usize) -> Diagnostic {
    Diagnostic::new(format!(
        "`{file}`: row {row} is cut short (the file does not end with a line break)"
    ))
    .hint("the shard's table was cut short: run the shard again")
}

fn unreadable(source: &TableSource, error: std::io::Error) -> Diagnostic {
    Diagnostic::new(format!("cannot read `{}`: {error}", source.file))
        .hint("the shard's folder must hold the tables `cartsim run --shard` wrote")
}

/// An error in row `line` (from 0) of a shard's table `file`, whose text is `content`.
pub fn row_error(file: &str, line: usize, content: &str, message: String) -> Diagnostic {
    Diagnostic::new(format!("row {}: {message}", line + 1))
        .at(Some(Location {
            file: file.to_string(),
            line: line + 1,
            column: 1,
            length: content.len().max(1),
            source_line: Some(content.to_string()),
        }))
        .hint("merge reads the files `cartsim run --shard` wrote; do not edit them")
}

fn number(text: &str) -> Option<f64> {
    if text.is_empty() {
        Some(f64::NAN)
    } else {
        text.parse().ok()
    }
}

/// Refuses a metrics.csv header other than the one this run file writes.
pub fn check_metrics_header(study: &Study, file: &str, header: &str) -> Result<(), Diagnostic> {
    match format!("{header}\n") == metrics_header(study) {
        true => Ok(()),
        false => Err(row_error(
            file,
            0,
            header,
            "the header differs from what this run file writes (a shard of another cartsim build?)"
                .into(),
        )),
    }
}

/// Row `line` of a shard's metrics.csv read back (its `index` is left 0).
pub fn parse_metrics_row(
    study: &Study,
    file: &str,
    (line, content): (usize, &str),
) -> Result<MetricRow, Diagnostic> {
    let grid = study.grid_names.len();
    let metrics = study.metrics.columns().len();
    let cells = split(content);
    let bad = |what: &str| row_error(file, line, content, what.to_string());
    if cells.len() != 4 + grid + metrics {
        return Err(bad(&format!(
            "{} cells, expected {}",
            cells.len(),
            4 + grid + metrics
        )));
    }
    let grid_values: Option<Vec<f64>> = cells[1..=grid].iter().map(|c| c.parse().ok()).collect();
    let arm = grid_values.and_then(|g| {
        (study.arms.iter()).position(|a| inert(&a.scenario) == cells[0] && a.grid == g)
    });
    let arm =
        arm.ok_or_else(|| bad("the scenario and grid values match no arm of the run file"))?;
    let id: u64 = cells[grid + 1]
        .parse()
        .map_err(|_| bad("the subject is not a whole number"))?;
    let (status, reason) = (&cells[grid + 2], &cells[grid + 3]);
    let failure = match (status.as_str(), reason.is_empty()) {
        ("failed", false) => Some(Box::new(Diagnostic::new(reason.as_str()))),
        ("ok", true) => None,
        _ => {
            return Err(bad(&format!(
                "status `{status}` with reason `{reason}`: expected `ok` with no reason, or `failed` with one"
            )));
        }
    };
    let values: Option<Vec<f64>> = cells[grid + 4..].iter().map(|c| number(c)).collect();
    let values = values.ok_or_else(|| bad("a metric is not a number"))?;
    Ok(MetricRow {
        arm: arm as u32,
        index: 0,
        id,
        failure,
        values: values.into_boxed_slice(),
    })
}

/// Row `line` of a shard's subjects.csv read back (its `index` is left 0), with `widths` the
/// run's (covariates, random effects).
pub fn parse_subject_row(
    file: &str,
    (line, content): (usize, &str),
    (covariates, etas): (usize, usize),
) -> Result<SubjectRecord, Diagnostic> {
    let cells = split(content);
    let values: Option<Vec<f64>> = cells.iter().skip(1).map(|c| number(c)).collect();
    let (Ok(id), Some(values)) = (cells[0].parse::<u64>(), values) else {
        return Err(row_error(file, line, content, "not a subject row".into()));
    };
    if values.len() != covariates + etas {
        return Err(row_error(
            file,
            line,
            content,
            format!("{} values, expected {}", values.len(), covariates + etas),
        ));
    }
    Ok(SubjectRecord {
        index: 0,
        id,
        covariates: values[..covariates].to_vec(),
        etas: values[covariates..].to_vec(),
    })
}
