//! Reading the dataset of `simulate --data` and `fit`: the options that say how it is written
//! and read (`--delimiter`, `--ignore`, `--accept`, `--dv`, `--covariates`), the file read as a
//! stream (its SHA-256 taken on the way), and what the output records about it.

use super::provenance as prov;
use super::{Failure, console};
use crate::csv::Delimiter;
use crate::data::{CovariateRules, Dataset, DvScale, Filter, ReadOptions, Test, read_dataset};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::output::HashingReader;
use crate::record::dataset::{DatasetFacts, RowFilter};
use crate::record::provenance::InputFile;
use crate::record::provenance::InputRole;
use crate::simulate::Interpolation;
use clap::{Args, ValueEnum};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// How the dataset is written (flattened into the commands that read one).
#[derive(Args, Clone, Default)]
pub struct DataArgs {
    /// How the dataset's cells are separated [default: from its header: a comma, else a tab,
    /// else blanks; `;` only when asked for].
    #[arg(long, value_enum, requires = "data")]
    delimiter: Option<DelimiterArg>,
    /// Leave out dataset rows where a test holds (NONMEM's IGNORE): `COLUMN OP VALUE` with OP
    /// one of == != < <= > >= (or .EQ. .NE. .LT. .LE. .GT. .GE.), e.g. "C == C" or "DV.LT.0";
    /// or one character: rows starting with it (`@`: with a letter or `@`). Repeatable or
    /// comma-separated; a row is left out when any test holds.
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "accept",
        requires = "data"
    )]
    ignore: Vec<Test>,
    /// Read only dataset rows where every test holds (NONMEM's ACCEPT); tests as for --ignore.
    #[arg(long, value_delimiter = ',', requires = "data")]
    accept: Vec<Test>,
    /// The scale of the DV column: `log` when it holds ln(value) (log-transformed data); DVs
    /// are then read as exp(DV), LLOQ stays as written.
    #[arg(long, value_enum, default_value = "natural", requires = "data")]
    dv: DvArg,
    /// How a covariate that changes within an ID is read between its records: `nocb` (the
    /// default, as NONMEM: a record's value holds over the interval that ends at it), `locf` (from
    /// its record on, as mrgsolve) or `linear` (between records; constant before the first and
    /// after the last). `COLUMN=RULE` for one column, e.g. `--covariates locf,CRP=linear`.
    /// Repeatable or comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "[COLUMN=]RULE",
        value_parser = covariate_rule,
        requires = "data"
    )]
    covariates: Vec<(Option<String>, Interpolation)>,
}

/// `RULE` or `COLUMN=RULE` of `--covariates`.
fn covariate_rule(text: &str) -> Result<(Option<String>, Interpolation), String> {
    let (column, rule) = match text.split_once('=') {
        Some((column, rule)) => (Some(column.trim()), rule.trim()),
        None => (None, text.trim()),
    };
    if column.is_some_and(str::is_empty) {
        return Err(format!(
            "`{text}` names no column: write COLUMN=RULE, e.g. WT=locf"
        ));
    }
    let interpolation = Interpolation::from_str(rule, true).map_err(|_| {
        format!("unknown interpolation `{rule}`: expected nocb, locf or linear (e.g. `--covariates WT=locf`)")
    })?;
    Ok((column.map(str::to_string), interpolation))
}

#[derive(Clone, Copy, ValueEnum)]
enum DelimiterArg {
    Comma,
    Tab,
    Semicolon,
    /// Runs of spaces and tabs (NONMEM .dat and $TABLE files).
    Whitespace,
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum DvArg {
    #[default]
    Natural,
    Log,
}

impl DataArgs {
    /// The reader's options; `positive_dv` when the error model takes the log of DV.
    pub fn options(&self, default_output: Option<usize>, positive_dv: bool) -> ReadOptions {
        let filter = if !self.ignore.is_empty() {
            Some(Filter::Ignore(self.ignore.clone()))
        } else if !self.accept.is_empty() {
            Some(Filter::Accept(self.accept.clone()))
        } else {
            None
        };
        ReadOptions {
            delimiter: match self.delimiter {
                None => Delimiter::Auto,
                Some(DelimiterArg::Comma) => Delimiter::Comma,
                Some(DelimiterArg::Tab) => Delimiter::Tab,
                Some(DelimiterArg::Semicolon) => Delimiter::Semicolon,
                Some(DelimiterArg::Whitespace) => Delimiter::Whitespace,
            },
            filter,
            dv: match self.dv {
                DvArg::Natural => DvScale::Natural,
                DvArg::Log => DvScale::Log,
            },
            positive_dv,
            default_output,
            covariates: self.covariate_rules(),
        }
    }

    /// `--covariates`: the last bare rule is the default; `COLUMN=RULE` choices in order.
    fn covariate_rules(&self) -> CovariateRules {
        let (named, bare): (Vec<_>, Vec<_>) = self
            .covariates
            .iter()
            .partition(|(column, _)| column.is_some());
        CovariateRules {
            default: bare.last().map(|(_, rule)| *rule).unwrap_or_default(),
            columns: (named.into_iter())
                .filter_map(|(column, rule)| Some((column.clone()?, *rule)))
                .collect(),
        }
    }
}

/// A dataset file as read: where it is, its SHA-256, and what the output records about it.
pub struct DataFile {
    pub file: String,
    pub path: PathBuf,
    pub sha256: String,
    dv_scale: DvScale,
    filter: Option<RowFilter>,
}

impl DataFile {
    /// Its entry in a typed record: the file, and how `dataset` was read from it.
    pub fn facts(&self, dataset: &Dataset) -> DatasetFacts {
        DatasetFacts {
            file: self.file.clone(),
            sha256: self.sha256.clone(),
            ids: dataset.subjects.len(),
            warnings: dataset.warnings.clone(),
            time_varying: dataset.time_varying.clone(),
            delimiter: dataset.delimiter.name().to_string(),
            dv_scale: self.dv_scale,
            filter: self.filter.clone(),
            rows_not_read: dataset.dropped,
        }
    }

    /// Its entry in provenance.json.
    pub fn input(&self) -> InputFile {
        prov::input_hashed(InputRole::Data, &self.path, &self.sha256)
    }
}

/// Reads the dataset at `path` (standard input for `-`) row by row (the file is never held
/// whole), prints a note when rows were left out, and returns it with its file facts.
pub fn read(
    path: &Path,
    model: &Model,
    options: &ReadOptions,
) -> Result<(Dataset, DataFile), Failure> {
    let file = super::shown(path);
    let opened: Box<dyn Read> = match super::is_standard_input(path) {
        true => Box::new(std::io::stdin().lock()),
        false => Box::new(std::fs::File::open(path).map_err(|error| {
            Diagnostic::new(format!("cannot read `{file}`: {error}"))
                .hint("check the path given to `--data`")
        })?),
    };
    let mut input = BufReader::with_capacity(1 << 16, HashingReader::new(opened));
    let dataset = read_dataset(&file, &mut input, model, options).map_err(Failure)?;
    let sha256 = input.into_inner().sha256_hex();
    if let Some(summary) = dataset.dropped.summary() {
        console::note(format_args!("{file}: {summary}"));
    }
    for note in &dataset.time_varying {
        console::note(format_args!("{file}: {note}"));
    }
    let written = |tests: &[Test]| tests.iter().map(Test::to_string).collect();
    let filter = match &options.filter {
        Some(Filter::Ignore(tests)) => Some(RowFilter::Ignore(written(tests))),
        Some(Filter::Accept(tests)) => Some(RowFilter::Accept(written(tests))),
        None => None,
    };
    let data_file = DataFile {
        file,
        path: path.to_path_buf(),
        sha256,
        dv_scale: options.dv,
        filter,
    };
    Ok((dataset, data_file))
}
