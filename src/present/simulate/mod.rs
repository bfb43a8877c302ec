//! Presentation of `cartsim simulate`: one simulation's trajectory.csv, trajectory.png,
//! events.csv, metrics.csv and run.json (`simulation`); with `--data`, one simulation per ID of
//! a dataset (see `data`).

mod data;

pub use data::dataset_runs;

use super::NamedFile;
use crate::diag::Diagnostic;
use crate::model::{ColumnKind, Model, units_label};
use crate::plot::{FigureSettings, Series, TrajectoryFigure, UnitPanel, YScale, trajectory_figure};
use crate::record::provenance::{FILE as PROVENANCE, InputRole, Provenance};
use crate::record::simulate::{EventRecord, SimulateRecord, SimulationSetup};
use crate::record::{DoseRecord, ModelFile, TimeSpan};
use crate::record::{Record, to_json};
use crate::simulate::{RunPlan, RunTemplate, SimError, Simulation};
use crate::trajectory::Peak;

/// What the command line said about presenting a simulation.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--params`: the named parameter set used, if any.
    pub parameter_set: Option<String>,
    /// A linear y axis (else log when the values span more than two decades).
    pub linear: bool,
    /// With `--data`: the output observations without a DVID belong to (`--output`).
    pub default_output: Option<String>,
    /// With `--data`: figures are drawn for at most this many IDs (the first ones).
    pub max_figures: usize,
    /// The formats and size figures are drawn in.
    pub figures: FigureSettings,
}

impl Settings {
    pub(super) fn scale(&self) -> YScale {
        if self.linear {
            YScale::Linear
        } else {
            YScale::Auto
        }
    }
}

/// The trajectory columns metrics.csv reports: the model's outputs, or its states when it
/// names no outputs.
pub fn metric_columns(model: &Model) -> Vec<usize> {
    let columns = model.columns();
    let kind = if model.outputs.is_empty() {
        ColumnKind::State
    } else {
        ColumnKind::Output
    };
    (0..columns.len())
        .filter(|&k| columns[k].kind == kind)
        .collect()
}

/// One simulation's files, in the order written: trajectory.csv, the trajectory figure (one
/// file per format), run.json,
/// events.csv, metrics.csv. `peaks` are the Cmax and Tmax of `metric_columns`; `provenance`
/// is the run's (its list of files is filled in here), embedded in run.json.
pub fn simulation(
    model: &Model,
    settings: &Settings,
    plan: &RunPlan,
    simulation: &Simulation,
    peaks: &[Option<Peak>],
    mut provenance: Provenance,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let drawn = trajectory_figure(
        &figure(model, plan, simulation, settings.scale()),
        &settings.figures,
    )
    .map_err(|e| Diagnostic::new(format!("cannot draw the figure: {e}")))?;
    let trajectory = &simulation.trajectory;
    let names = metric_columns(model)
        .into_iter()
        .map(|k| trajectory.columns[k].as_str());
    let mut files = vec![NamedFile::new("trajectory.csv", trajectory.to_csv())];
    files.extend(NamedFile::figure("trajectory", drawn));
    let record_at = files.len();
    files.extend([
        NamedFile::new("events.csv", events_csv(simulation)),
        NamedFile::new(
            "metrics.csv",
            crate::metrics::table(trajectory, names.zip(peaks.iter().copied())),
        ),
    ]);
    provenance.files = Some(file_list(&files, record_at));
    let record = SimulateRecord {
        format_version: SimulateRecord::FORMAT_VERSION,
        setup: setup(model, settings, &plan.template(), &provenance),
        doses: doses(model, &plan.doses),
        solver_statistics: simulation.stats,
        events: (simulation.events.iter())
            .map(|(event, time)| EventRecord {
                event: event.clone(),
                time: *time,
            })
            .collect(),
        stopped_at: simulation.stopped,
        method_switch: simulation.method_switch.clone(),
        warnings: provenance.warnings.clone(),
        wall_time_seconds: provenance.wall_time_seconds,
        provenance,
    };
    files.insert(
        record_at,
        NamedFile::new(SimulateRecord::FILE, to_json(&record)),
    );
    Ok(files)
}

/// The names of a folder's files as written: `files` with the run record inserted at
/// `record_at`, then the provenance.
pub(super) fn file_list(files: &[NamedFile], record_at: usize) -> Vec<String> {
    let mut names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    names.insert(record_at, SimulateRecord::FILE.to_string());
    names.push(PROVENANCE.to_string());
    names
}

/// What the run used, as run.json records it.
pub(super) fn setup(
    model: &Model,
    settings: &Settings,
    plan: &RunTemplate,
    provenance: &Provenance,
) -> SimulationSetup {
    let model_input = provenance.input(InputRole::Model);
    let tolerances = model.absolute_tolerances(plan.solver.atol, &plan.parameters);
    SimulationSetup {
        cartsim_version: provenance.cartsim_version.clone(),
        cartsim_commit: provenance.cartsim_commit.clone(),
        command: provenance.command.clone(),
        model: ModelFile {
            name: model.name.clone(),
            title: model.title.clone(),
            file: model_input.map(|i| i.path.clone()).unwrap_or_default(),
            sha256: model_input.map(|i| i.sha256.clone()).unwrap_or_default(),
        },
        parameter_set: settings.parameter_set.clone(),
        parameters: (model.parameters.iter().zip(&plan.parameters))
            .map(|(p, value)| (p.name.clone(), *value))
            .collect(),
        time: TimeSpan {
            start: plan.start,
            end: plan.end,
            step: plan.step,
            unit: model.time_unit.clone(),
        },
        solver: plan.solver,
        absolute_tolerances: (model.states.iter().zip(tolerances))
            .map(|(s, atol)| (s.name.clone(), atol))
            .collect(),
    }
}

/// Doses with their states named.
pub(super) fn doses(model: &Model, doses: &[crate::model::DoseEvent]) -> Vec<DoseRecord> {
    (doses.iter())
        .map(|d| DoseRecord {
            state: model.states[d.state].name.clone(),
            time: d.time,
            amount: d.amount,
            duration: d.duration,
        })
        .collect()
}

/// The trajectory figure: every state and output against time, one panel per unit (in the
/// order each unit first appears; columns without a unit together), the doses of `plan` and
/// the recorded events marked.
fn figure(
    model: &Model,
    plan: &RunPlan,
    simulation: &Simulation,
    scale: YScale,
) -> TrajectoryFigure {
    let trajectory = &simulation.trajectory;
    let mut panels: Vec<UnitPanel> = Vec::new();
    for (column, name) in model.columns().iter().zip(trajectory.columns.iter()) {
        let unit = units_label([column.unit]);
        let series = Series {
            name: name.clone(),
            values: trajectory.column(name).unwrap_or_default(),
        };
        match panels.iter_mut().find(|p| p.unit == unit) {
            Some(panel) => panel.series.push(series),
            None => panels.push(UnitPanel {
                unit,
                series: vec![series],
            }),
        }
    }
    TrajectoryFigure {
        title: model.title.clone(),
        x_label: model.time_label(),
        times: trajectory.times.clone(),
        panels,
        doses: plan.doses.iter().map(|d| d.time).collect(),
        events: simulation.events.clone(),
        scale,
    }
}

/// A failed simulation as the console shows it: when, why, the last states, and what to try.
pub fn failure(model: &Model, error: SimError) -> Diagnostic {
    let diagnostic = error.diagnostic();
    Diagnostic {
        message: format!(
            "simulation of `{}` failed {}",
            model.name, diagnostic.message
        ),
        ..diagnostic
    }
}

/// Recorded event times, one row per firing: `event,time`.
fn events_csv(simulation: &Simulation) -> String {
    let mut text = String::from("event,time\n");
    for (name, time) in &simulation.events {
        text.push_str(&format!("{name},{time}\n"));
    }
    text
}
