//! Observed data: NONMEM-style datasets read against a model into subjects (doses, covariates,
//! observations, output times, resets), and each subject simulated over its records.
//!
//! The reader takes a stream of bytes (the caller opens the file) and reads it row by row, so a
//! file is never held whole. Rules (the README's "Datasets" section says the same):
//! - Cells are separated as `ReadOptions::delimiter` says (see `crate::csv`); comment rows
//!   (first character `#` or `@`), rows whose `C` column holds `C`, and rows the `--ignore` or
//!   `--accept` filter drops are not read, and counted.
//! - The header names the columns, in any order and any case: `ID, TIME, DV, AMT, EVID, CMT`
//!   are required; `MDV, RATE, II, ADDL, SS, BLQ` (or `CENS`), `LLOQ`, `DVID` are optional. A
//!   column named after a model parameter (exactly, or ignoring case when that is unambiguous)
//!   is a covariate; any other column is ignored with a warning.
//! - Rows are numbered as lines of the file: the header is row 1, blank lines count.
//! - `.`, `NA` or an empty cell is a missing value. An unnamed first column is R's row names.
//! - With `DvScale::Log`, DV holds ln(value) and is read as exp(DV); LLOQ stays as written.
//! - With `ReadOptions::positive_dv` (error models on the log scale), an observed DV, or the DV
//!   standing for a missing LLOQ, must be above 0.
//! - EVID 0 observation (not one when MDV = 1: then only an output time), 1 dose, 2 output time,
//!   3 reset (every state back to its initial value; running infusions stop and doses scheduled
//!   at or after it by earlier rows are cancelled), 4 reset then dose.
//! - A dose goes into `CMT`, a state name or 1-based state index. `RATE` > 0 makes it a
//!   zero-order infusion over AMT/RATE; `ADDL` repeats it every `II`. `SS` other than 0 is
//!   refused (steady state is not computed: expand the doses explicitly).
//! - An observation belongs to the output its `DVID` names (an output name or 1-based output
//!   index); without DVID to the default output (`--output`); without that to the state its
//!   `CMT` names; without that to the model's only output.
//! - `BLQ`/`CENS` = 1 marks an observation below the limit of quantification. Its limit is the
//!   row's `LLOQ`, or, without one, its DV (the NONMEM convention M3 uses).
//! - A covariate takes the subject's non-missing values: one value when they are all the same,
//!   else a schedule of (TIME, value) the parameter follows during the run, read between records
//!   as `ReadOptions::covariates` says (`nocb` by default, as NONMEM does; see
//!   `simulate::Interpolation`).
//! - Each ID's rows are contiguous and its TIME never decreases.

mod columns;
mod filter;
pub mod nonmem;
mod record;
mod simulate;
mod subject;

pub use filter::{Filter, Op, Test};
pub use simulate::{plan_subject, simulate_subject};

use crate::csv::{Delimiter, Table};
use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model};
use crate::simulate::{Interpolation, ParameterSchedule};
use std::io::BufRead;

/// Most problems reported for one file; the rest are counted in a last message.
const MAX_REPORTED: usize = 50;

/// One observation of a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub time: f64,
    /// The trajectory column observed: a state index, or the number of states plus an output
    /// index (trajectories hold the states, then the outputs).
    pub column: usize,
    /// DV; for a censored observation without DV, its LLOQ.
    pub value: f64,
    /// Below the limit of quantification (BLQ/CENS = 1).
    pub censored: bool,
    /// The row's LLOQ (always set for a censored observation).
    pub lloq: Option<f64>,
    /// The row of the file it comes from.
    pub row: usize,
    /// Listed before the dose or reset rows at its time (a pre-dose sample or a trough): it
    /// observes the state before them, as NONMEM, which reads rows in file order, does.
    /// Otherwise it observes the state after every dose at its time.
    pub before_doses: bool,
}

impl DataSubject {
    /// The times of the observations listed before the doses at their time (ascending, once
    /// each): the run's `before_doses`.
    pub fn before_doses(&self) -> Vec<f64> {
        let mut times: Vec<f64> = (self.observations.iter())
            .filter(|o| o.before_doses)
            .map(|o| o.time)
            .collect();
        times.dedup();
        times
    }
}

/// One ID of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSubject {
    /// The ID as written.
    pub id: String,
    /// The row of its first record.
    pub row: usize,
    /// (parameter index, first value) from covariate columns.
    pub covariates: Vec<(usize, f64)>,
    /// The covariates whose value changes within the ID, as schedules of (TIME, value).
    pub schedules: Vec<ParameterSchedule>,
    /// Doses, ADDL repeats expanded, sorted by time.
    pub doses: Vec<DoseEvent>,
    pub observations: Vec<Observation>,
    /// Times of EVID 2 rows and MDV = 1 observation rows.
    pub output_times: Vec<f64>,
    /// Times of EVID 3 and 4 rows.
    pub resets: Vec<f64>,
}

impl DataSubject {
    /// Earliest and latest time of its records (infusion ends included).
    pub fn span(&self) -> Option<(f64, f64)> {
        let times = self
            .doses
            .iter()
            .flat_map(|d| [d.time, d.time + d.duration.unwrap_or(0.0)])
            .chain(self.observations.iter().map(|o| o.time))
            .chain(self.output_times.iter().copied())
            .chain(self.resets.iter().copied());
        times.fold(None, |span, t| match span {
            None => Some((t, t)),
            Some((lo, hi)) => Some((f64::min(lo, t), f64::max(hi, t))),
        })
    }
}

/// The scale of the DV column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DvScale {
    #[default]
    Natural,
    /// DV holds the natural logarithm of the observed value.
    Log,
}

/// How covariates that vary within an ID are read between their records: a default, and the
/// columns read otherwise.
#[derive(Debug, Clone, Default)]
pub struct CovariateRules {
    pub default: Interpolation,
    /// (column, rule): the column named as in the header or after its parameter, in any case.
    pub columns: Vec<(String, Interpolation)>,
}

/// How to read a dataset.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub delimiter: Delimiter,
    /// Rows to leave out (NONMEM's IGNORE and ACCEPT).
    pub filter: Option<Filter>,
    pub dv: DvScale,
    /// Refuse observed values (after `dv`) at or below 0: the error model takes their log.
    pub positive_dv: bool,
    /// The output (an index into the model's outputs) observations without DVID belong to.
    pub default_output: Option<usize>,
    /// How covariates that vary within an ID are read.
    pub covariates: CovariateRules,
}

/// Rows of a file that were not read, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Dropped {
    /// Lines whose first character is `#` or `@`.
    pub comments: usize,
    /// Rows whose `C` column holds `C`.
    pub c_column: usize,
    /// Rows dropped by `--ignore` or not kept by `--accept`.
    pub filtered: usize,
}

impl Dropped {
    pub fn total(&self) -> usize {
        self.comments + self.c_column + self.filtered
    }

    /// "12 row(s) not read: 2 comment row(s), 10 by --ignore/--accept", or `None` when every
    /// row was read.
    pub fn summary(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.comments, "comment row(s)"),
            (self.c_column, "with `C` in column C"),
            (self.filtered, "by --ignore/--accept"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        (!parts.is_empty())
            .then(|| format!("{} row(s) not read: {}", self.total(), parts.join(", ")))
    }
}

/// A dataset read against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Subjects in file order.
    pub subjects: Vec<DataSubject>,
    /// Things worth knowing that are not errors (ignored columns, cancelled doses).
    pub warnings: Vec<String>,
    /// Covariates that vary within IDs, and how they are read: "WT varies within 3 IDs (nocb)".
    pub time_varying: Vec<String>,
    /// Rows left out.
    pub dropped: Dropped,
    /// The delimiter the file was read with.
    pub delimiter: Delimiter,
}

/// Problems of one file: the first `MAX_REPORTED`, and a count of the rest.
#[derive(Default)]
struct Problems {
    shown: Vec<Diagnostic>,
    more: usize,
}

impl Problems {
    fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        for diagnostic in diagnostics {
            if self.shown.len() < MAX_REPORTED {
                self.shown.push(diagnostic);
            } else {
                self.more += 1;
            }
        }
    }

    fn into_result(mut self, file: &str) -> Vec<Diagnostic> {
        if self.more > 0 {
            self.shown.push(
                Diagnostic::new(format!(
                    "{} more problems in `{file}` are not shown",
                    self.more
                ))
                .hint("fix the ones above (often one cause) and read the file again"),
            );
        }
        self.shown
    }
}

/// Reads a NONMEM-style dataset from `input`, row by row. `file` names it in messages. Every
/// problem is reported; nothing is returned from a file with any.
pub fn read_dataset(
    file: &str,
    input: impl BufRead,
    model: &Model,
    options: &ReadOptions,
) -> Result<Dataset, Vec<Diagnostic>> {
    let (mut table, header) = Table::open(file, input, options.delimiter).map_err(|d| vec![d])?;
    let mut problems = Problems::default();
    let mut warnings = Vec::new();
    let mut diagnostics = Vec::new();
    let columns = columns::read_header(
        (file, &header),
        model,
        &options.covariates,
        &mut diagnostics,
        &mut warnings,
    );
    let mut filter = None;
    if let Some(wanted) = &options.filter {
        match wanted.resolve(&header_names(&header)) {
            Ok(resolved) => filter = Some(resolved),
            Err(more) => diagnostics.extend(more),
        }
    }
    let Some(columns) = columns.filter(|_| diagnostics.is_empty()) else {
        return Err(diagnostics);
    };
    let context = record::Context {
        file,
        columns: &columns,
        model,
        options,
        delimiter: table.delimiter(),
    };
    let mut assembler = subject::Assembler::new(file, &columns, model);
    let mut dropped = Dropped::default();
    let mut read = 0;
    for row in &mut table {
        let row = match row {
            Ok(row) => row,
            Err(problem) => {
                diagnostics.push(problem);
                break;
            }
        };
        if context.is_c_row(&row) {
            dropped.c_column += 1;
        } else if filter.as_ref().is_some_and(|f| f.drops(&row)) {
            dropped.filtered += 1;
        } else {
            read += 1;
            if let Some(record) = context.read(&row, &mut diagnostics) {
                assembler.push(record, &row, &mut diagnostics, &mut warnings);
            }
        }
        problems.extend(diagnostics.drain(..));
    }
    dropped.comments = table.comments();
    problems.extend(diagnostics);
    if read == 0 && problems.shown.is_empty() {
        let why = dropped
            .summary()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        problems.extend([
            Diagnostic::new(format!("the dataset `{file}` has no data rows{why}"))
                .at(header.locate_all(file))
                .hint("add one row per record under the header, or loosen --ignore/--accept"),
        ]);
    }
    let subjects = assembler.finish(&mut warnings);
    if problems.shown.is_empty() {
        return Ok(Dataset {
            time_varying: varying_covariates(&columns, &subjects),
            subjects,
            warnings,
            dropped,
            delimiter: table.delimiter(),
        });
    }
    Err(problems.into_result(file))
}

/// "WT varies within 3 IDs (nocb)" for each covariate column that varies within an ID.
fn varying_covariates(columns: &columns::Columns, subjects: &[DataSubject]) -> Vec<String> {
    (columns.covariates.iter())
        .filter_map(|&(column, parameter, interpolation)| {
            let ids = (subjects.iter())
                .filter(|s| s.schedules.iter().any(|c| c.parameter == parameter))
                .count();
            (ids > 0).then(|| {
                format!(
                    "{} varies within {ids} ID{} ({})",
                    columns.names[column],
                    if ids == 1 { "" } else { "s" },
                    interpolation.name()
                )
            })
        })
        .collect()
}

fn header_names(header: &crate::csv::Row) -> Vec<String> {
    header.cells.iter().map(|c| c.text.clone()).collect()
}
