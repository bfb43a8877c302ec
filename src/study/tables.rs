//! The CSV tables of a population run (metrics, subjects, summary, percentiles, trajectories)
//! the shards' metrics and subjects read back for `merge`. Numbers are written in shortest
//! round-trip form, so reading and rewriting a table reproduces it byte for byte.

use super::Study;
use super::bands::BAND_PROBABILITIES;
use super::execute::{StudyResult, SubjectRecord};
use super::metrics::MetricRow;
use super::summary::{ArmSummary, SUMMARY_PROBABILITIES};
use crate::csv::number_cell;
use crate::csv::{inert, split_quoted as split, text_cell};
use crate::diag::{Diagnostic, Location};
use std::io::{self, Write};

fn grid_header(study: &Study) -> String {
    study.grid_names.iter().map(|n| format!(",{n}")).collect()
}

fn arm_cells(study: &Study, arm: usize) -> String {
    let arm = &study.arms[arm];
    let grid: String = arm.grid.iter().map(|v| format!(",{v}")).collect();
    format!("{}{grid}", text_cell(&arm.scenario))
}

/// The header of `metrics.csv`: `scenario,<grid>,ID,status,reason,<metrics>`, one row per arm
/// and subject (see `metrics_rows`).
pub fn metrics_header(study: &Study) -> String {
    let names: String = (study.metrics.columns().into_iter())
        .map(|c| format!(",{}", study.metrics.column_name(c)))
        .collect();
    format!("scenario{},ID,status,reason{names}\n", grid_header(study))
}

/// Rows of `metrics.csv` (under `metrics_header`); `status` is `ok` or `failed`, with why in
/// `reason` (empty when ok).
pub fn metrics_rows(study: &Study, rows: &[MetricRow], out: &mut dyn Write) -> io::Result<()> {
    let mut prefixes: Vec<Option<String>> = vec![None; study.arms.len()];
    for row in rows {
        let prefix =
            prefixes[row.arm as usize].get_or_insert_with(|| arm_cells(study, row.arm as usize));
        out.write_all(prefix.as_bytes())?;
        write!(out, ",{},", row.id)?;
        match &row.failure {
            None => out.write_all(b"ok,")?,
            Some(failure) => {
                let cell = text_cell(&failure.one_line());
                write!(out, "failed,{cell}")?
            }
        }
        write_cells(out, &row.values)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `,value` for each value (nothing after the comma for NaN).
fn write_cells(out: &mut dyn Write, values: &[f64]) -> io::Result<()> {
    for &value in values {
        if value.is_nan() {
            out.write_all(b",")?;
        } else {
            write!(out, ",{value}")?;
        }
    }
    Ok(())
}

/// The header of `subjects.csv`: `ID,<covariates>,eta_<parameter>...`, one row per subject
/// (see `subjects_rows`).
pub fn subjects_header(study: &Study) -> String {
    let covariates: String = (study.covariate_names().iter())
        .map(|n| format!(",{n}"))
        .collect();
    let etas: String = (study.population.effects.parameters.iter())
        .map(|p| format!(",eta_{}", p.1))
        .collect();
    format!("ID{covariates}{etas}\n")
}

/// Rows of `subjects.csv` (under `subjects_header`).
pub fn subjects_rows(subjects: &[SubjectRecord], out: &mut dyn Write) -> io::Result<()> {
    for subject in subjects {
        write!(out, "{}", subject.id)?;
        write_cells(out, &subject.covariates)?;
        write_cells(out, &subject.etas)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `summary.csv`: per arm and metric, n and percentiles (numbers) or the fraction with its
/// Wilson 95% interval (flags; events give both).
pub fn summary_csv(study: &Study, summaries: &[ArmSummary]) -> String {
    let percentiles: String = SUMMARY_PROBABILITIES
        .iter()
        .map(|p| format!(",p{:02}", (p * 100.0).round()))
        .collect();
    let mut text = format!(
        "scenario{},metric,n{percentiles},fraction,ci_low,ci_high\n",
        grid_header(study)
    );
    for (arm, summary) in summaries.iter().enumerate() {
        let prefix = arm_cells(study, arm);
        let failed = summary.failed as f64 / summary.subjects.max(1) as f64;
        text.push_str(&format!(
            "{prefix},failed,{}{},{},,\n",
            summary.subjects,
            ",".repeat(SUMMARY_PROBABILITIES.len()),
            number_cell(failed)
        ));
        for metric in &summary.metrics {
            let quantiles: String = metric
                .quantiles
                .iter()
                .map(|&q| format!(",{}", number_cell(q)))
                .collect();
            let (fraction, low, high) = metric.fraction.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
            text.push_str(&format!(
                "{prefix},{},{}{quantiles},{},{},{}\n",
                metric.name,
                metric.n,
                number_cell(fraction),
                number_cell(low),
                number_cell(high)
            ));
        }
    }
    text
}

/// `percentiles.csv`: per arm, output and time, the band percentiles and the typical subject.
pub fn percentiles_csv(study: &Study, result: &StudyResult) -> String {
    let columns: String = BAND_PROBABILITIES
        .iter()
        .map(|p| format!(",p{:02}", (p * 100.0).round()))
        .collect();
    let mut text = format!(
        "scenario{},output,time{columns},typical\n",
        grid_header(study)
    );
    let outputs = study.tracked.len();
    for arm in 0..study.arms.len() {
        for (output, (name, _)) in study.tracked.iter().enumerate() {
            let bands = result.bands.percentiles(arm, output);
            for (k, time) in result.times.iter().enumerate() {
                let values: String = bands
                    .iter()
                    .map(|b| format!(",{}", number_cell(b[k])))
                    .collect();
                let typical = match &result.typical[arm] {
                    Ok(values) => number_cell(values[k * outputs + output]),
                    Err(_) => String::new(),
                };
                text.push_str(&format!(
                    "{},{name},{time}{values},{typical}\n",
                    arm_cells(study, arm)
                ));
            }
        }
    }
    text
}

/// The header of `trajectories.csv` (rows come from the batch).
pub fn trajectories_header(study: &Study) -> String {
    let observation = if study.population.residual.is_some() {
        ",observation"
    } else {
        ""
    };
    format!(
        "scenario{},ID,time,output,value{observation}\n",
        grid_header(study)
    )
}

/// Which trajectory values trajectories.csv gets: these (name, trajectory column) at the output
/// times whose `rows` entry is true.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectorySelection {
    pub columns: Vec<(String, usize)>,
    pub rows: Vec<bool>,
}

impl TrajectorySelection {
    /// `outputs` (states or outputs, each once however often named; empty: the run's tracked
    /// outputs) at `times` (each one of the run's output times, to within the run's time
    /// tolerance, so never an infinite time; empty: all). `flags` names
    /// the command-line options, for messages.
    pub fn new(
        study: &Study,
        outputs: &[String],
        times: &[f64],
        flags: [&str; 2],
    ) -> Result<TrajectorySelection, Diagnostic> {
        let mut columns = Vec::new();
        for name in outputs {
            let Some(column) = Study::column(&study.model, name) else {
                let known = Study::column_names(&study.model);
                return Err(Diagnostic::new(format!(
                    "`{} {name}`: the model has no output or state `{name}`",
                    flags[0]
                ))
                .suggest(name, known.iter().copied())
                .note(format!("outputs and states: {}", known.join(", "))));
            };
            if !columns.iter().any(|(known, _)| known == name) {
                columns.push((name.clone(), column));
            }
        }
        if columns.is_empty() {
            columns = study.tracked.clone();
        }
        let grid = study.output_times();
        let clock = crate::simulate::Clock::new(study.template.step);
        let mut rows = vec![times.is_empty(); grid.len()];
        for &time in times {
            match (grid.iter()).position(|&t| time.is_finite() && clock.same(t, time)) {
                Some(row) => rows[row] = true,
                None => {
                    let nearest = (grid.iter().copied())
                        .min_by(|a, b| (a - time).abs().total_cmp(&(b - time).abs()));
                    return Err(Diagnostic::new(format!(
                        "`{} {time}`: not one of the run's output times",
                        flags[1]
                    ))
                    .hint(match nearest {
                        Some(t) => format!("the nearest output time is {}; the run's `simulation:` sets the grid (`step`, `times`)", crate::diag::number(t)),
                        None => "the run has no output times".to_string(),
                    }));
                }
            }
        }
        Ok(TrajectorySelection { columns, rows })
    }
}

fn row_error(file: &str, text: &str, line: usize, message: String) -> Diagnostic {
    Diagnostic::new(format!("row {}: {message}", line + 1))
        .at(Some(Location {
            file: file.to_string(),
            line: line + 1,
            column: 1,
            length: text.lines().nth(line).map_or(1, |l| l.len().max(1)),
            source_line: text.lines().nth(line).map(str::to_string),
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

/// Reads a shard's `metrics.csv` back into rows.
pub fn parse_metrics_csv(
    study: &Study,
    file: &str,
    text: &str,
) -> Result<Vec<MetricRow>, Diagnostic> {
    let expected = metrics_header(study);
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| format!("{h}\n"))
        .unwrap_or_default();
    if header != expected {
        return Err(row_error(
            file,
            text,
            0,
            "the header differs from what this run file writes (a shard of another cartsim build?)"
                .into(),
        ));
    }
    let grid = study.grid_names.len();
    let metrics = study.metrics.columns().len();
    let mut rows = Vec::new();
    for (line, content) in lines {
        let cells = split(content);
        let bad = |what: &str| row_error(file, text, line, what.to_string());
        if cells.len() != 4 + grid + metrics {
            return Err(bad(&format!(
                "{} cells, expected {}",
                cells.len(),
                4 + grid + metrics
            )));
        }
        let grid_values: Option<Vec<f64>> =
            cells[1..=grid].iter().map(|c| c.parse().ok()).collect();
        let arm = grid_values.and_then(|g| {
            study
                .arms
                .iter()
                .position(|a| inert(&a.scenario) == cells[0] && a.grid == g)
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
        rows.push(MetricRow {
            arm: arm as u32,
            index: 0,
            id,
            failure,
            values: values.into_boxed_slice(),
        });
    }
    Ok(rows)
}

/// Reads a shard's `subjects.csv` back.
pub fn parse_subjects_csv(
    study: &Study,
    file: &str,
    text: &str,
) -> Result<Vec<SubjectRecord>, Diagnostic> {
    let covariates = study.covariate_names().len();
    let etas = study.population.effects.parameters.len();
    let mut subjects = Vec::new();
    for (line, content) in text.lines().enumerate().skip(1) {
        let cells = split(content);
        let values: Option<Vec<f64>> = cells.iter().skip(1).map(|c| number(c)).collect();
        let (Ok(id), Some(values)) = (cells[0].parse::<u64>(), values) else {
            return Err(row_error(file, text, line, "not a subject row".into()));
        };
        if values.len() != covariates + etas {
            return Err(row_error(
                file,
                text,
                line,
                format!("{} values, expected {}", values.len(), covariates + etas),
            ));
        }
        subjects.push(SubjectRecord {
            index: 0,
            id,
            covariates: values[..covariates].to_vec(),
            etas: values[covariates..].to_vec(),
        });
    }
    Ok(subjects)
}
