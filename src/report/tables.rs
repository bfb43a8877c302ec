//! The results part of a report: the figures with captions, and the tables read back from the
//! folder's CSV and JSON files (summary.csv per scenario, metrics.csv of a simulation,
//! estimates.csv and fit.json of a fit).

use crate::csv::{plain, split_quoted};
use crate::metrics::{Units, metric_unit};
use crate::record::fit::{FitRecord, SubjectOutcome};
use base64::Engine;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    pub figures: Vec<Figure>,
    /// One table per scenario: every row of summary.csv for it.
    pub scenarios: Vec<ScenarioTable>,
    /// Response, relapse and failure fractions, one row per scenario.
    pub fractions: Vec<Fractions>,
    /// Exposure metrics of a simulation, one table per output.
    pub exposures: Vec<ExposureTable>,
    /// Every row of estimates.csv.
    pub estimates: Vec<EstimateRow>,
    /// One row per ID of a fit.
    pub fits: Vec<FitRow>,
    /// The NPDE of a population fit.
    pub npde: Option<crate::record::fit::NpdeEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The file the Markdown report links, its path inside the output folder: the PNG, else
    /// the SVG.
    pub file: String,
    pub caption: String,
    /// Whether the folder has the figure as SVG only (the Markdown report says so).
    pub svg_only: bool,
    /// The file the HTML report shows (the SVG, else the PNG), and it as a `data:` URI.
    pub shown: String,
    pub shown_uri: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioTable {
    pub scenario: String,
    pub rows: Vec<MetricRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub metric: String,
    pub unit: Option<String>,
    pub n: String,
    /// p05, p25, p50, p75, p95 (NaN when undefined).
    pub quantiles: [f64; 5],
    pub fraction: Option<Interval>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Interval {
    pub estimate: f64,
    /// The 95% interval, when there is one.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fractions {
    pub scenario: String,
    pub n: String,
    pub response: Option<Interval>,
    pub relapse: Option<Interval>,
    pub failed: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposureTable {
    pub output: String,
    pub rows: Vec<(String, f64, Option<String>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EstimateRow {
    pub id: String,
    pub parameter: String,
    pub unit: Option<String>,
    pub estimate: f64,
    pub se: f64,
    pub rse_percent: f64,
    /// Each method's SE (`fit --population --covariance both`); `None` without the column.
    pub se_hessian: Option<f64>,
    pub se_sandwich: Option<f64>,
    pub low: f64,
    pub high: f64,
    pub at_bound: bool,
    pub converged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitRow {
    pub id: String,
    pub converged: Option<bool>,
    pub minus_2_log_likelihood: f64,
    pub aic: f64,
    pub observations: f64,
    /// The search's status, or why the ID could not be fitted.
    pub status: String,
}

/// The rows of a CSV file written by cartsim, as header -> cell maps.
pub fn records(text: &str) -> Vec<Record> {
    let mut lines = crate::csv::lines(text);
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let trimmed = |cells: Vec<String>| cells.into_iter().map(|c| c.trim().to_string());
    let names: Vec<String> = trimmed(split_quoted(header.text)).collect();
    lines
        .map(|line| {
            (names.iter().cloned())
                .zip(trimmed(split_quoted(line.text)))
                .collect()
        })
        .collect()
}

/// One row of a table: cell by column name.
pub type Record = HashMap<String, String>;

/// A cell of `record` (missing: None).
pub(super) fn text<'a>(record: &'a Record, key: &str) -> Option<&'a str> {
    record.get(key).map(String::as_str)
}

/// A number cell of `record` (missing or not a number: NaN).
pub(super) fn float(record: &Record, key: &str) -> f64 {
    (record.get(key))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn interval(record: &Record) -> Option<Interval> {
    let estimate = float(record, "fraction");
    let bound = |key: &str| Some(float(record, key)).filter(|v| v.is_finite());
    estimate.is_finite().then(|| Interval {
        estimate,
        low: bound("ci_low"),
        high: bound("ci_high"),
    })
}

/// summary.csv: one table per scenario in file order, and the fractions of each.
pub fn scenarios(summary_csv: &str, units: &Units) -> (Vec<ScenarioTable>, Vec<Fractions>) {
    let mut tables: Vec<ScenarioTable> = Vec::new();
    let mut fractions: Vec<Fractions> = Vec::new();
    for record in records(summary_csv) {
        let scenario = plain(text(&record, "scenario").unwrap_or("?")).to_string();
        let metric = text(&record, "metric").unwrap_or("?").to_string();
        let n = text(&record, "n").unwrap_or("").to_string();
        if tables.last().is_none_or(|t| t.scenario != scenario) {
            tables.push(ScenarioTable {
                scenario: scenario.clone(),
                rows: Vec::new(),
            });
            fractions.push(Fractions {
                scenario: scenario.clone(),
                n: n.clone(),
                response: None,
                relapse: None,
                failed: None,
            });
        }
        let row = fractions.last_mut().filter(|f| f.scenario == scenario);
        if let Some(row) = row {
            match metric.as_str() {
                "response" => row.response = interval(&record),
                "relapse" => row.relapse = interval(&record),
                "failed" => row.failed = Some(float(&record, "fraction")),
                _ => {}
            }
        }
        let quantiles = ["p05", "p25", "p50", "p75", "p95"].map(|q| float(&record, q));
        if let Some(table) = tables.last_mut() {
            table.rows.push(MetricRow {
                unit: metric_unit(&metric, units),
                metric,
                n,
                quantiles,
                fraction: interval(&record),
            });
        }
    }
    fractions.retain(|f| f.response.is_some() || f.relapse.is_some());
    (tables, fractions)
}

/// metrics.csv of a simulation: one table per output, a row per metric.
pub fn exposures(
    metrics_csv: &str,
    unit_of: &dyn Fn(&str) -> Option<String>,
    time: &str,
) -> Vec<ExposureTable> {
    let mut lines = crate::csv::lines(metrics_csv);
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names: Vec<&str> = header.text.split(',').map(str::trim).skip(1).collect();
    lines
        .map(|line| {
            let mut cells = line.text.split(',').map(str::trim);
            let output = cells.next().unwrap_or("?").to_string();
            let unit = unit_of(&output);
            let units = Units {
                exposure: unit.as_deref(),
                tumor: unit.as_deref(),
                time,
            };
            let rows = (names.iter().zip(cells))
                .map(|(name, value)| {
                    let value = value.parse().unwrap_or(f64::NAN);
                    (name.to_string(), value, metric_unit(name, &units))
                })
                .collect();
            ExposureTable { output, rows }
        })
        .collect()
}

/// estimates.csv, each row with its parameter's unit (`unit_of`).
pub fn estimates(
    estimates_csv: &str,
    unit_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<EstimateRow> {
    (records(estimates_csv).iter())
        .map(|r| {
            let parameter = text(r, "parameter").unwrap_or("?").to_string();
            EstimateRow {
                id: plain(text(r, "ID").unwrap_or("all")).to_string(),
                unit: unit_of(&parameter),
                parameter,
                estimate: float(r, "estimate"),
                se: float(r, "se"),
                rse_percent: float(r, "rse_percent"),
                se_hessian: r.contains_key("se_hessian").then(|| float(r, "se_hessian")),
                se_sandwich: r
                    .contains_key("se_sandwich")
                    .then(|| float(r, "se_sandwich")),
                low: float(r, "ci95_low"),
                high: float(r, "ci95_high"),
                at_bound: text(r, "at_bound") == Some("1"),
                converged: text(r, "converged") == Some("1"),
            }
        })
        .collect()
}

/// One row per ID of fit.json's `subjects`.
pub fn fits(record: &FitRecord) -> Vec<FitRow> {
    (record.subjects.iter())
        .map(|s| match &s.outcome {
            SubjectOutcome::Fit(fit) => FitRow {
                id: s.id.clone(),
                converged: Some(fit.converged),
                minus_2_log_likelihood: fit.minus_2_log_likelihood,
                aic: fit.aic,
                observations: fit.observations as f64,
                status: fit.status.clone(),
            },
            SubjectOutcome::Error(message) => FitRow {
                id: s.id.clone(),
                converged: None,
                minus_2_log_likelihood: f64::NAN,
                aic: f64::NAN,
                observations: f64::NAN,
                status: message.clone(),
            },
        })
        .collect()
}

/// Where a figure goes in a report: overviews first, then per-scenario detail, then
/// diagnostics; ties in natural order (fits_2 before fits_10).
pub fn figure_order(file: &str) -> (usize, String, u64) {
    const ORDER: [&str; 17] = [
        "target_",
        "profile_",
        "selection",
        "allocation",
        "paths",
        "trajectory",
        "response",
        "relapse_free",
        "medians_",
        "bands_",
        "cmax",
        "auc_0_28",
        "fits_",
        "observed_vs_predicted",
        "iwres_vs_time",
        "iwres_vs_prediction",
        "ID_",
    ];
    let stem = figure_stem(file);
    let rank = ORDER
        .iter()
        .position(|p| stem.starts_with(p))
        .unwrap_or(ORDER.len());
    let text = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    (
        rank,
        text.to_string(),
        stem[text.len()..].parse().unwrap_or(0),
    )
}

/// A figure file's name without its folder and its `.png` or `.svg` extension.
pub fn figure_stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    (name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg")))
    .unwrap_or(name)
}

/// An SVG document as a `data:` URI.
pub fn svg_uri(svg: &[u8]) -> String {
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

/// A PNG as a `data:` URI.
pub fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_go_overview_first_in_natural_order_with_captions() {
        let mut files = [
            "figures/iwres_vs_time.png",
            "figures/fits_10.png",
            "figures/fits_2.png",
            "figures/bands_split_EM.png",
            "figures/response.png",
        ];
        files.sort_by_key(|f| figure_order(f));
        assert_eq!(
            files,
            [
                "figures/response.png",
                "figures/bands_split_EM.png",
                "figures/fits_2.png",
                "figures/fits_10.png",
                "figures/iwres_vs_time.png",
            ]
        );
        let scenarios = ["split".to_string()];
        assert!(
            super::super::captions::caption(files[1], &scenarios)
                .ends_with(": EM in scenario split.")
        );
        assert!(super::super::captions::caption("figures/fits_2.png", &[]).contains("page 2"));
        assert_eq!(
            super::super::captions::caption("figures/other.png", &[]),
            "Figure other."
        );
    }
}
