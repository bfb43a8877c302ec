//! The files of `cartsim fit`, individual (`individual`) and population (`population`, with
//! its visual predictive check in `vpc` and its NPDE in `npde`): tables, figures (`figures`) and records, from the
//! fit results and the settings the command line resolved, without touching the disk.

mod figures;
mod individual;
mod npde;
mod population;
mod population_tables;
mod saem;
mod vpc;

pub use individual::{individual, individual_summary};
pub use npde::npde_warning;
pub use population::{PopulationFiles, population, population_summary};

use super::NamedFile;
use crate::diag::Diagnostic;
use crate::fit::Scale;
use crate::model::Model;
use crate::plot::FigureSettings;
use crate::record::ModelFile;
use crate::record::dataset::DatasetFacts;
use crate::record::fit::EstimatedParameter;
use crate::record::provenance::{FILE as PROVENANCE, Provenance};

/// How a fit was asked for, as its records describe it: resolved from the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The model file's path as given, and the SHA-256 of its text.
    pub model_file: String,
    pub model_sha256: String,
    pub data: DatasetFacts,
    /// The model's named parameter set, if one was asked for.
    pub parameter_set: Option<String>,
    /// The error model and BLQ method as the command line names them.
    pub error_model: String,
    pub blq: String,
    /// Whether the forward sensitivity equations differentiate the predictions, and why they
    /// were refused when they were asked for but cannot be used.
    pub sensitivity: bool,
    pub gradient_fallback: Option<String>,
    /// The formats and size figures are drawn in.
    pub figures: FigureSettings,
}

impl Settings {
    fn model_entry(&self, model: &Model) -> ModelFile {
        ModelFile {
            name: model.name.clone(),
            title: model.title.clone(),
            file: self.model_file.clone(),
            sha256: self.model_sha256.clone(),
        }
    }

    /// How predictions were differentiated, for the records.
    fn gradient(&self) -> String {
        match (self.sensitivity, &self.gradient_fallback) {
            (true, _) => "forward sensitivity equations".to_string(),
            (false, Some(reason)) => format!("central finite differences ({reason})"),
            (false, None) => "central finite differences".to_string(),
        }
    }

    /// The dataset's warnings and the refused sensitivity equations, for provenance.json.
    fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        (self.data.warnings.iter().cloned()).chain(
            (self.gradient_fallback.iter()).map(|r| format!("finite-difference gradients: {r}")),
        )
    }
}

/// What a fit command writes: the files in order, and its provenance (also embedded in the
/// record), to be written last as provenance.json.
#[derive(Debug, Clone, PartialEq)]
pub struct Presented {
    pub files: Vec<NamedFile>,
    pub provenance: Provenance,
}

/// The name of a parameter's estimation scale, as records and summaries write it.
pub fn scale_name(scale: Scale) -> &'static str {
    match scale {
        Scale::Log => "log",
        Scale::Bounded { .. } => "logit within bounds",
    }
}

/// The estimated parameters (model indices `estimated`, on `scales`) with their starts.
fn estimated_parameters(
    model: &Model,
    estimated: &[usize],
    scales: &[Scale],
    starts: &[f64],
) -> Vec<EstimatedParameter> {
    (estimated.iter().zip(scales))
        .map(|(&i, &scale)| {
            let p = &model.parameters[i];
            EstimatedParameter {
                name: p.name.clone(),
                unit: p.unit.clone(),
                start: starts[i],
                scale: scale_name(scale).to_string(),
                bounds: p.bounds,
            }
        })
        .collect()
}

/// The names of the trajectory columns: states, then outputs.
fn column_names(model: &Model) -> Vec<&str> {
    (model.states.iter().map(|s| s.name.as_str()))
        .chain(model.outputs.iter().map(|o| o.name.as_str()))
        .collect()
}

/// The counters of a fit's search, for provenance.json's solver statistics.
/// An estimate on the console: four significant digits (`31.81`, `4,949`).
fn console_number(value: f64) -> String {
    crate::report::format::significant(value, 4)
}

/// A relative standard error on the console: `13.5%`, or `n/a` without a standard error.
fn console_rse(percent: f64) -> String {
    match percent.is_finite() {
        true => format!("{percent:.1}%"),
        false => "n/a".into(),
    }
}

fn search_work(iterations: u64, evaluations: u64) -> serde_json::Map<String, serde_json::Value> {
    let mut work = serde_json::Map::new();
    work.insert("iterations".into(), iterations.into());
    work.insert("objective_evaluations".into(), evaluations.into());
    work
}

/// Puts the record (serialized by `record` from the provenance listing every file) between the
/// files `before` and `after` it: the order they are written in.
fn assemble(
    before: Vec<NamedFile>,
    record_name: &str,
    after: Vec<NamedFile>,
    mut provenance: Provenance,
    record: impl FnOnce(&Provenance) -> String,
) -> Presented {
    let names = (before.iter().map(|f| f.name.as_str()))
        .chain([record_name])
        .chain(after.iter().map(|f| f.name.as_str()))
        .chain([PROVENANCE]);
    provenance.files = Some(names.map(String::from).collect());
    let record = NamedFile::new(record_name, record(&provenance));
    let files = before.into_iter().chain([record]).chain(after).collect();
    Presented { files, provenance }
}

/// A figure that could not be drawn.
fn draw_error(what: &str) -> impl Fn(crate::plot::PlotError) -> Diagnostic + '_ {
    move |e| Diagnostic::new(format!("cannot draw {what}: {e}"))
}
