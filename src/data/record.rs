//! One row of a dataset read into a typed record: numbers checked cell by cell, then what the
//! row means (observation, dose, output time, reset) checked against the model.

mod dose;
mod observation;

use super::columns::{Columns, Item};
use super::{Observation, ReadOptions};
use crate::csv::Row as Line;
use crate::diag::Diagnostic;
use crate::model::{MAX_REPEATS, Model};
use dose::{DoseCells, dose_row};
use observation::observation;

/// A dose row: `repeats` additional doses (ADDL) follow every `interval` (II).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DoseRow {
    pub state: usize,
    pub amount: f64,
    pub duration: Option<f64>,
    pub repeats: u32,
    pub interval: f64,
}

/// What a row means.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Event {
    Observation(Observation),
    Dose(DoseRow),
    /// EVID 2, or an observation row with MDV = 1.
    Output,
    Reset,
    ResetDose(DoseRow),
}

#[derive(Debug, Clone)]
pub(super) struct Record {
    /// The row (line of the file) it comes from.
    pub row: usize,
    pub id: String,
    pub time: f64,
    pub event: Event,
    /// (parameter index, value) of the row's non-missing covariate cells, with their columns.
    pub covariates: Vec<(usize, f64)>,
}

/// What reading a row needs.
pub(super) struct Context<'a> {
    pub file: &'a str,
    pub columns: &'a Columns,
    pub model: &'a Model,
    pub options: &'a ReadOptions,
    /// The delimiter the file is read with.
    pub delimiter: crate::csv::Delimiter,
}

/// A row being read: its cells and the problems found so far.
struct Row<'a> {
    context: &'a Context<'a>,
    line: &'a Line,
    problems: Vec<Diagnostic>,
}

impl<'a> Row<'a> {
    /// A problem with the cell in `column`.
    fn cell_problem(&self, column: usize, what: &str) -> Diagnostic {
        Diagnostic::new(format!(
            "row {}, column `{}`: {what}",
            self.line.number, self.context.columns.names[column]
        ))
        .at(self
            .line
            .locate(self.context.file, &self.line.cells[column]))
    }

    /// A problem with the row as a whole.
    fn row_problem(&self, what: &str) -> Diagnostic {
        Diagnostic::new(format!("row {}: {what}", self.line.number))
            .at(self.line.locate_all(self.context.file))
    }

    /// The text of `item`'s cell; `None` when the column is absent or the cell missing.
    fn text(&self, item: Item) -> Option<(usize, &'a str)> {
        let column = self.context.columns.get(item)?;
        let text = self.line.cells[column].text.as_str();
        (!crate::csv::is_missing(text)).then_some((column, text))
    }

    fn number_in(&mut self, column: usize) -> Option<f64> {
        let text = &self.line.cells[column].text;
        crate::csv::number(text).unwrap_or_else(|crate::csv::NotANumber| {
            let problem = self
                .cell_problem(column, &format!("`{text}` is not a number"))
                .hint(crate::csv::number_hint(text));
            self.problems.push(problem);
            None
        })
    }

    /// The ID as written, except that a whole number in decimal or E notation (`1.0`,
    /// `1.0000E+00`, as NONMEM tables write it) is that number (`1`). One with a comma, quote
    /// or line break is refused (IDs are written unquoted into output tables).
    fn id(&mut self) -> Option<String> {
        let (column, id) = self.text(Item::Id)?;
        let number = id
            .parse::<f64>()
            .ok()
            .filter(|x| whole(*x) && x.abs() < 1e15);
        if let (Some(number), true) = (number, id.contains(['.', 'e', 'E'])) {
            return Some(format!("{number}"));
        }
        if !id.contains([',', '"', '\n', '\r']) {
            return Some(id.to_string());
        }
        let problem = self
            .cell_problem(column, &format!("the ID `{id}` holds a comma, quote or line break"))
            .hint("write IDs without commas, quotes or line breaks (they are written unquoted into the output tables)");
        self.problems.push(problem);
        None
    }

    /// TIME: a number; a clock time or date (`08:30`, `2024-01-05`) is refused as one, with
    /// how to write it as elapsed time.
    fn time(&mut self) -> Option<f64> {
        let column = self.context.columns.get(Item::Time)?;
        let text = &self.line.cells[column].text;
        if crate::csv::number(text).is_ok() || !is_clock_or_date(text) {
            return self.number_in(column);
        }
        let unit = match self.context.model.time_unit.as_str() {
            "time" => String::new(),
            unit => format!(" ({unit})"),
        };
        let problem = self
            .cell_problem(
                column,
                &format!(
                    "`{text}` is a clock time or date; TIME must be the elapsed time as a number, in the model's time unit{unit}"
                ),
            )
            .hint("clock times and dates are not read: write the time elapsed since a reference, such as the ID's first dose (in a spreadsheet, the difference of two date-times is in days: multiply it by 24 for hours)");
        self.problems.push(problem);
        None
    }

    /// The number in `item`'s cell (`None` when absent, missing or not a number).
    fn number(&mut self, item: Item) -> Option<f64> {
        let column = self.context.columns.get(item)?;
        self.number_in(column)
    }

    /// A number that must satisfy `ok`, else `rule` is reported.
    fn checked(&mut self, item: Item, ok: impl Fn(f64) -> bool, rule: &str) -> Option<f64> {
        let value = self.number(item)?;
        if ok(value) {
            return Some(value);
        }
        let column = self.context.columns.get(item)?;
        let problem = self.cell_problem(column, &format!("{} {rule}", crate::diag::number(value)));
        self.problems.push(problem);
        None
    }

    /// A state (CMT) or output (DVID) by name or 1-based number among `names`.
    fn target(&mut self, item: Item, kind: &str, names: &[&str]) -> Option<usize> {
        let (column, text) = self.text(item)?;
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let problem = match text.parse::<f64>() {
            Ok(number) if whole(number) && number >= 1.0 && number <= names.len() as f64 => {
                return Some(number as usize - 1);
            }
            Ok(_) => {
                let numbered: Vec<String> = (names.iter().enumerate())
                    .map(|(k, n)| format!("{} = {n}", k + 1))
                    .collect();
                self.cell_problem(
                    column,
                    &format!(
                        "{text} is not {article} {kind} number; {}",
                        listing(kind, &numbered)
                    ),
                )
            }
            Err(_) => match names.iter().position(|n| *n == text) {
                Some(index) => return Some(index),
                None => self
                    .cell_problem(
                        column,
                        &format!("`{text}` is not {article} {kind}; {}", listing(kind, names)),
                    )
                    .suggest(text, names.iter().copied()),
            },
        };
        self.problems
            .push(problem.hint(format!("write {article} {kind} name or its number from 1")));
        None
    }
}

/// "states: E, M, T", or "the model has no states".
fn listing(kind: &str, names: &[impl AsRef<str>]) -> String {
    if names.is_empty() {
        format!("the model has no {kind}s")
    } else {
        let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        format!("{kind}s: {}", names.join(", "))
    }
}

impl Context<'_> {
    /// Whether the row's `C` column holds `C` (a NONMEM comment row, not read).
    pub fn is_c_row(&self, line: &Line) -> bool {
        let column = self.columns.get(Item::Comment);
        column
            .and_then(|c| line.cells.get(c))
            .is_some_and(|c| c.text == "C")
    }

    /// Reads one row; `None` when it has a problem (pushed to `diagnostics`).
    pub fn read(&self, line: &Line, diagnostics: &mut Vec<Diagnostic>) -> Option<Record> {
        let mut row = Row {
            context: self,
            line,
            problems: Vec::new(),
        };
        if line.cells.len() != self.columns.names.len() {
            let problem = row
                .row_problem(&format!(
                    "{} cells; the header has {}",
                    line.cells.len(),
                    self.columns.names.len()
                ))
                .hint(format!(
                    "every row needs one value per header column, separated by the header's delimiter ({})",
                    self.delimiter.name()
                ));
            diagnostics.push(problem);
            return None;
        }
        let record = read_row(&mut row);
        diagnostics.append(&mut row.problems);
        record
    }
}

/// Whether a cell that is not a number reads as a clock time or a date: it starts with a digit
/// and holds `:`, `/` or an inner `-` among digits, blanks, `.`, `T`, `Z` and AM/PM; or it is
/// a date with a month's name (`05-Jan-2024`, `Jan 5, 2024 08:30`).
fn is_clock_or_date(text: &str) -> bool {
    let text = text.trim();
    let separated =
        (text.char_indices()).any(|(k, c)| matches!(c, ':' | '/') || (c == '-' && k > 0));
    let numeric = separated
        && text.starts_with(|c: char| c.is_ascii_digit())
        && (text.chars()).all(|c| c.is_ascii_digit() || " :/-.TZAPMapm".contains(c));
    numeric || is_named_month_date(text)
}

/// Words of numbers, one month's name (or its first three letters or more) and AM/PM, with at
/// least one number.
fn is_named_month_date(text: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let words: Vec<String> = (text.split([' ', '-', '/', ',', '.', ':']))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let month = |w: &str| w.len() >= 3 && MONTHS.iter().any(|m| m.starts_with(w));
    let number = |w: &str| w.bytes().all(|b| b.is_ascii_digit());
    words.iter().filter(|w| month(w)).count() == 1
        && words.iter().any(|w| number(w))
        && (words.iter()).all(|w| number(w) || month(w) || w == "am" || w == "pm")
}

fn whole(x: f64) -> bool {
    x.fract() == 0.0
}

/// The numbers of a row's cells, each `None` when absent, missing or reported.
struct Cells {
    id: Option<String>,
    time: Option<f64>,
    evid: Option<f64>,
    dv: Option<f64>,
    mdv: Option<f64>,
    censored: Option<f64>,
    lloq: Option<f64>,
    dose: DoseCells,
    covariates: Vec<(usize, f64)>,
}

/// Every cell of the row checked, then its meaning.
fn read_row(row: &mut Row) -> Option<Record> {
    let Cells {
        id,
        time,
        evid,
        dv,
        mdv,
        censored,
        lloq,
        dose,
        covariates,
    } = read_cells(row);
    check_required(row);
    if !row.problems.is_empty() {
        return None;
    }
    let (Some(id), Some(time), Some(evid)) = (id, time, evid) else {
        return None;
    };
    let event = match evid as u8 {
        0 if mdv == Some(1.0) => Event::Output,
        0 => Event::Observation(observation(row, time, dv, censored == Some(1.0), lloq)?),
        1 => Event::Dose(dose_row(row, dose)?),
        2 => Event::Output,
        3 => Event::Reset,
        _ => Event::ResetDose(dose_row(row, dose)?),
    };
    Some(Record {
        row: row.line.number,
        id,
        time,
        event,
        covariates,
    })
}

/// Every cell read and checked on its own (SS only checked, not kept).
fn read_cells(row: &mut Row) -> Cells {
    let id = row.id();
    let time = row.time();
    let evid = row.checked(
        Item::Evid,
        |x| whole(x) && (0.0..=4.0).contains(&x),
        "is not an EVID: 0 observation, 1 dose, 2 output time, 3 reset, 4 reset and dose",
    );
    let dv = row.dv();
    let amount = row.checked(Item::Amt, |x| x >= 0.0, "is negative; AMT is at least 0");
    let mdv = row.checked(Item::Mdv, |x| x == 0.0 || x == 1.0, "is not an MDV: 0 or 1");
    let rate = row.checked(
        Item::Rate,
        |x| x >= 0.0,
        "is not a supported RATE: give the amount per time (> 0), or 0 for a bolus (RATE -1 and -2, a modelled rate or duration, are not supported)",
    );
    let interval = row.checked(Item::Ii, |x| x >= 0.0, "is negative; II is at least 0");
    let repeats = row.checked(
        Item::Addl,
        |x| whole(x) && (0.0..=f64::from(MAX_REPEATS)).contains(&x),
        &format!("is not an ADDL: a whole number from 0 to {MAX_REPEATS}"),
    );
    row.checked(
        Item::Ss,
        |x| x == 0.0,
        "is not supported: steady-state doses (SS other than 0) are not computed; set SS to 0 and expand the doses explicitly from the first one (ADDL and II)",
    );
    let censored = row.checked(
        Item::Censored,
        |x| x == 0.0 || x == 1.0,
        "is not supported: 1 marks an observation below the LLOQ, 0 or `.` one above it (-1, above an upper limit, is not supported)",
    );
    let lloq = row.checked(Item::Lloq, |x| x > 0.0, "is not an LLOQ: it must be > 0");
    let covariates: Vec<(usize, f64)> = (row.context.columns.covariates.iter())
        .filter_map(|&(column, parameter, _)| row.number_in(column).map(|v| (parameter, v)))
        .collect();
    Cells {
        id,
        time,
        evid,
        dv,
        mdv,
        censored,
        lloq,
        dose: DoseCells {
            amount,
            rate,
            interval,
            repeats,
        },
        covariates,
    }
}

/// The ID, TIME and EVID every row needs, each reported when missing.
fn check_required(row: &mut Row) {
    for (item, what) in [
        (Item::Id, "the ID"),
        (Item::Time, "TIME"),
        (Item::Evid, "EVID"),
    ] {
        if row.text(item).is_none() {
            let column = row.context.columns.get(item).unwrap_or(0);
            let problem = row.cell_problem(column, &format!("{what} is missing"));
            row.problems
                .push(problem.hint(format!("every row needs {what}")));
        }
    }
}
