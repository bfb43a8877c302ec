//! Reports: a run's output folder (provenance.json, the tables, the figures and the model file
//! it names) turned into one document, self-contained HTML or Markdown, through the templates
//! in templates/. Pure: the CLI reads the folder and writes the document.

mod calibration;
mod captions;
pub mod check;
pub mod format;
mod gather;
mod model;
mod tables;
mod trial;

pub use calibration::TARGETS;
pub use gather::{CommandRecord, FigureFiles, Folder, gather};
pub use tables::figure_order;
pub use trial::OPERATING_CHARACTERISTICS;

use minijinja::{Environment, Value};
use serde::Serialize;

/// The document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
}

impl Format {
    /// The default file name in the output folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Md => "report.md",
        }
    }
}

/// Everything a report shows, in the order it shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub title: String,
    pub date: String,
    /// `simulate`, `run`, `fit`, `fit --population`, `trial` or `calibrate`.
    pub kind: &'static str,
    /// The model file as it is now: `None` when it could not be read or parsed.
    pub model: Option<model::ModelSection>,
    /// Doses per scenario (per run for `simulate`; empty for fits, whose doses are the data's).
    pub doses: Vec<model::DoseGroup>,
    pub variability: Option<model::Variability>,
    /// Which covariance gave a population fit's standard errors.
    pub standard_errors: Option<&'static str>,
    /// Which 95% intervals an individual fit's estimates have.
    pub intervals: Option<&'static str>,
    pub results: tables::Results,
    /// The design, readouts and operating characteristics of a `trial`.
    pub trial: Option<trial::TrialSection>,
    /// `FOCE-I` or `SAEM` for a `fit --population`.
    pub population_method: Option<&'static str>,
    /// What SAEM did and its likelihoods, in a sentence.
    pub saem: Option<String>,
    /// The estimates and targets of a `calibrate`.
    pub calibration: Option<calibration::CalibrationSection>,
    pub provenance: ProvenanceSection,
    /// Problems with the inputs the reader must know about (changed or missing files).
    pub notices: Vec<String>,
}

/// The provenance as shown: the record, and each input file's check against its SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct ProvenanceSection {
    pub record: crate::record::provenance::Provenance,
    pub command_line: String,
    pub inputs: Vec<InputCheck>,
    pub solver: Vec<(String, String)>,
    pub statistics: Vec<(String, String)>,
}

/// An input file and whether its contents still match the recorded SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct InputCheck {
    pub role: String,
    pub path: String,
    /// The file name alone.
    pub name: String,
    pub sha256: String,
    /// `matches`, `changed since the run` or `not found`.
    pub status: &'static str,
}

/// Renders a report.
pub fn render(data: &ReportData, format: Format) -> Result<String, String> {
    let mut environment = Environment::new();
    environment.add_filter("num", |value: Value| format::number(as_number(&value)));
    environment.add_filter("qty", |value: Value, unit: Option<String>| {
        format::quantity(as_number(&value), unit.as_deref())
    });
    environment.add_filter("pct", |value: Value| format::percent(as_number(&value)));
    if format == Format::Md {
        // Markdown passes raw HTML through: text from the model, the run file and the data
        // (titles, units, descriptions, scenario names) is escaped as the HTML report does.
        // Expressions may compare with `<` but hold no backticks (the parser checked them):
        // the template marks them `safe` and keeps them inside code, where `<` is shown.
        environment.set_formatter(|out, state, value| match value.as_str() {
            Some(text) if !value.is_safe() => out
                .write_str(&escape_html(text))
                .map_err(minijinja::Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        });
    }
    let (name, source) = match format {
        Format::Html => (
            "report.html.j2",
            include_str!("../../templates/report.html.j2"),
        ),
        Format::Md => ("report.md.j2", include_str!("../../templates/report.md.j2")),
    };
    environment
        .add_template(name, source)
        .and_then(|()| environment.get_template(name))
        .and_then(|template| template.render(minijinja::value::Serde(data)))
        .map_err(|error| format!("cannot render {name}: {error:#}"))
}

/// `&`, `<` and `>` as HTML entities, which Markdown viewers show as the characters.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A template value as a number (missing values and text are NaN, shown as `–`).
fn as_number(value: &Value) -> f64 {
    f64::try_from(value.clone()).unwrap_or(f64::NAN)
}
