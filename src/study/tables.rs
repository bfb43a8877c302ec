//! The CSV tables of a population run (metrics, subjects, summary, percentiles, trajectories)
//! as `cartsim run` writes them. Numbers are written in shortest
//! round-trip form, so reading and rewriting a table reproduces it byte for byte.

use super::Study;
use super::bands::BAND_PROBABILITIES;
use super::metrics::MetricRow;
use super::summary::StudyResult;
use super::summary::{ArmSummary, SUMMARY_PROBABILITIES};
use crate::csv::number_cell;
use crate::csv::text_cell;
use crate::diag::Diagnostic;
use std::io::{self, Write};

/// One subject's sampled values, for `subjects.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRecord {
    pub index: u64,
    pub id: u64,
    /// Covariate values (table columns, then sampled covariates), as `Study::covariate_names`.
    pub covariates: Vec<f64>,
    /// Random effects, in the order of `RandomEffects::parameters`.
    pub etas: Vec<f64>,
}

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
