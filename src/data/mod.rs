//! Observed data: NONMEM-style datasets read against a model into subjects (doses, covariates,
//! observations, output times, resets), and each subject simulated over its records.
//!
//! The reader takes text and does no I/O. Rules (the README's "Datasets" section says the same):
//! - The header names the columns, in any order and any case: `ID, TIME, DV, AMT, EVID, CMT`
//!   are required; `MDV, RATE, II, ADDL, SS, BLQ` (or `CENS`), `LLOQ`, `DVID` are optional. A
//!   column named after a model parameter (exactly, or ignoring case when that is unambiguous)
//!   is a covariate; any other column is ignored with a warning.
//! - Rows are numbered as lines of the file: the header is row 1, blank lines count.
//! - `.` or an empty cell is a missing value.
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
//! - A covariate takes the subject's first non-missing value; a later different value gives a
//!   warning and is not used (time-varying covariates are not supported).
//! - Each ID's rows are contiguous and its TIME never decreases.

mod columns;
mod record;
mod simulate;
mod subject;

pub use simulate::{plan_subject, simulate_subject};

use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model};

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
}

/// One ID of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSubject {
    /// The ID as written.
    pub id: String,
    /// The row of its first record.
    pub row: usize,
    /// (parameter index, value) from covariate columns.
    pub covariates: Vec<(usize, f64)>,
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

/// A dataset read against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Subjects in file order.
    pub subjects: Vec<DataSubject>,
    /// Things worth knowing that are not errors (ignored columns, time-varying covariates,
    /// cancelled doses).
    pub warnings: Vec<String>,
}

/// Reads a NONMEM-style dataset. `file` names it in messages; `default_output` (an index into
/// the model's outputs) is where observations without DVID belong. Every problem is reported;
/// nothing is returned from a file with any.
pub fn read_dataset(
    file: &str,
    text: &str,
    model: &Model,
    default_output: Option<usize>,
) -> Result<Dataset, Vec<Diagnostic>> {
    let mut lines = crate::csv::lines(text);
    let Some(header) = lines.next() else {
        return Err(vec![
            Diagnostic::new(format!("the dataset `{file}` is empty"))
                .hint("write a header row (`ID,TIME,DV,AMT,EVID,CMT`) and one row per record"),
        ]);
    };
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    let Some(columns) = columns::read_header(file, &header, model, &mut diagnostics, &mut warnings)
    else {
        return Err(diagnostics);
    };
    let context = record::Context {
        file,
        columns: &columns,
        model,
        default_output,
    };
    let records: Vec<record::Record> = lines
        .filter_map(|line| context.read(line, &mut diagnostics))
        .collect();
    if records.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::new(format!("the dataset `{file}` has no data rows"))
                .at(header.locate_all(file))
                .hint("add one row per record under the header"),
        );
    }
    let subjects = subject::assemble(
        file,
        records,
        &columns,
        model,
        &mut diagnostics,
        &mut warnings,
    );
    if diagnostics.is_empty() {
        return Ok(Dataset { subjects, warnings });
    }
    if diagnostics.len() > MAX_REPORTED {
        let more = diagnostics.len() - MAX_REPORTED;
        diagnostics.truncate(MAX_REPORTED);
        diagnostics.push(
            Diagnostic::new(format!("{more} more problems in `{file}` are not shown"))
                .hint("fix the ones above (often one cause) and read the file again"),
        );
    }
    Err(diagnostics)
}
