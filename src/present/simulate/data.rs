//! Presentation of `cartsim simulate --data`: trajectory.csv (long: an `ID` column, then time,
//! states and outputs), observations.csv (each observation beside the simulated value at its
//! time), events.csv (`ID,event,time`), run.json, and figures/ID_<id>.png (the observed curves
//! with the observations over them) for the first IDs.

use super::{Settings, doses, file_list, setup};
use crate::csv::text_cell;
use crate::data::{DataSubject, Dataset};
use crate::diag::Diagnostic;
use crate::model::{Model, units_label};
use crate::plot::{ObservedSeries, Rendered, observed_figure};
use crate::present::NamedFile;
use crate::record::dataset::DatasetFacts;
use crate::record::provenance::Provenance;
use crate::record::simulate::{SimulateDataRecord, SimulatedDataset, SubjectRun};
use crate::record::{Record, to_json};
use crate::simulate::{RunTemplate, Simulation};
use rayon::prelude::*;
use std::collections::HashSet;
use std::fmt::Write;

/// The files of one simulation per ID (`simulations[k]` is `dataset.subjects[k]`'s), in the
/// order written: trajectory.csv, observations.csv, events.csv, run.json, then the figures.
/// `base` is the plan every ID's starts from; `provenance` the run's (its list of files is
/// filled in here), embedded in run.json. Every figure that cannot be drawn is reported.
pub fn dataset_runs(
    model: &Model,
    settings: &Settings,
    base: &RunTemplate,
    dataset: &Dataset,
    facts: DatasetFacts,
    simulations: &[Simulation],
    mut provenance: Provenance,
) -> Result<Vec<NamedFile>, Vec<Diagnostic>> {
    let runs: Vec<(&DataSubject, &Simulation)> = dataset.subjects.iter().zip(simulations).collect();
    let columns = drawn_columns(dataset, model.columns().len());
    let drawn = runs.len().min(settings.max_figures);
    let figures: Vec<Result<Rendered, Diagnostic>> = (runs[..drawn].par_iter())
        .map(|&(subject, simulation)| figure(model, subject, simulation, &columns, settings))
        .collect();
    let problems: Vec<Diagnostic> = (figures.iter())
        .filter_map(|f| f.as_ref().err().cloned())
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut files = vec![
        NamedFile::new("trajectory.csv", trajectory_csv(&runs)),
        NamedFile::new("observations.csv", observations_csv(&runs)),
        NamedFile::new("events.csv", events_csv(&runs)),
    ];
    let names = figure_names(&dataset.subjects);
    files.extend(
        (names.into_iter().zip(figures))
            .flat_map(|(name, drawn)| drawn.map_or(Vec::new(), |f| NamedFile::figure(&name, f))),
    );
    provenance.files = Some(file_list(&files, 3));
    let record = SimulateDataRecord {
        format_version: SimulateDataRecord::FORMAT_VERSION,
        setup: setup(model, settings, base, &provenance),
        data: SimulatedDataset {
            facts,
            default_output: settings.default_output.clone(),
            figures: drawn,
            subjects: (runs.iter())
                .map(|&(subject, simulation)| subject_run(model, subject, simulation))
                .collect(),
        },
        warnings: provenance.warnings.clone(),
        wall_time_seconds: provenance.wall_time_seconds,
        provenance,
    };
    files.insert(
        3,
        NamedFile::new(SimulateDataRecord::FILE, to_json(&record)),
    );
    Ok(files)
}

/// The trajectory columns the figures draw: those observed anywhere in the dataset, else all.
fn drawn_columns(dataset: &Dataset, width: usize) -> Vec<usize> {
    let mut columns: Vec<usize> = (dataset.subjects.iter())
        .flat_map(|s| s.observations.iter().map(|o| o.column))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    if columns.is_empty() {
        (0..width).collect()
    } else {
        columns
    }
}

/// One subject's figure: the drawn columns with its observations (BLQ ones at their LLOQ).
fn figure(
    model: &Model,
    subject: &DataSubject,
    simulation: &Simulation,
    columns: &[usize],
    settings: &Settings,
) -> Result<Rendered, Diagnostic> {
    let trajectory = &simulation.trajectory;
    let series: Vec<ObservedSeries> = (columns.iter())
        .map(|&column| ObservedSeries {
            name: trajectory.columns[column].clone(),
            values: (0..trajectory.times.len())
                .map(|row| trajectory.row(row)[column])
                .collect(),
            observations: (subject.observations.iter())
                .filter(|o| o.column == column)
                .map(|o| match (o.censored, o.lloq) {
                    (true, Some(lloq)) => (o.time, lloq, true),
                    _ => (o.time, o.value, o.censored),
                })
                .collect(),
            lloq: (subject.observations.iter())
                .filter(|o| o.column == column)
                .filter_map(|o| o.lloq)
                .reduce(f64::min),
        })
        .collect();
    let title = format!("{}: ID {}", model.title, subject.id);
    let y_label = units_label(columns.iter().map(|&c| model.column_unit(c)));
    observed_figure(
        (&title, &model.time_label(), &y_label),
        &trajectory.times,
        &series,
        settings.scale(),
        &settings.figures,
    )
    .map_err(|e| Diagnostic::new(format!("ID {}: cannot draw the figure: {e}", subject.id)))
}

/// figures/ID_<id> per subject (without extension): characters other than letters, digits, `-`, `_` and `.`
/// become `_`; a name taken already gets a number appended (from the subject's position).
fn figure_names(subjects: &[DataSubject]) -> Vec<String> {
    let mut taken = HashSet::new();
    (subjects.iter().enumerate())
        .map(|(k, subject)| {
            let safe: String = (subject.id.chars())
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
                    _ => '_',
                })
                .collect();
            let mut name = format!("figures/ID_{safe}");
            let mut suffix = k + 1;
            while !taken.insert(name.clone()) {
                name = format!("figures/ID_{safe}_{suffix}");
                suffix += 1;
            }
            name
        })
        .collect()
}

fn trajectory_csv(runs: &[(&DataSubject, &Simulation)]) -> String {
    let mut text = String::from("ID,time");
    if let Some((_, first)) = runs.first() {
        for column in first.trajectory.columns.iter() {
            let _ = write!(text, ",{column}");
        }
    }
    text.push('\n');
    for (subject, simulation) in runs {
        let trajectory = &simulation.trajectory;
        for (row, time) in trajectory.times.iter().enumerate() {
            let _ = write!(text, "{},{time}", text_cell(&subject.id));
            for value in trajectory.row(row) {
                let _ = write!(text, ",{value}");
            }
            text.push('\n');
        }
    }
    text
}

fn observations_csv(runs: &[(&DataSubject, &Simulation)]) -> String {
    let mut text = String::from("ID,row,time,output,DV,BLQ,LLOQ,PRED\n");
    for (subject, simulation) in runs {
        for o in &subject.observations {
            let name = &simulation.trajectory.columns[o.column];
            let lloq = o.lloq.map(|l| l.to_string()).unwrap_or_default();
            let trajectory = &simulation.trajectory;
            let pred = (trajectory.row_at(o.time, o.before_doses))
                .map(|row| trajectory.row(row)[o.column].to_string())
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "{},{},{},{name},{},{},{lloq},{pred}",
                text_cell(&subject.id),
                o.row,
                o.time,
                o.value,
                u8::from(o.censored)
            );
        }
    }
    text
}

fn events_csv(runs: &[(&DataSubject, &Simulation)]) -> String {
    let mut text = String::from("ID,event,time\n");
    for (subject, simulation) in runs {
        for (name, time) in &simulation.events {
            let _ = writeln!(text, "{},{name},{time}", text_cell(&subject.id));
        }
    }
    text
}

/// A subject's entry in run.json.
fn subject_run(model: &Model, subject: &DataSubject, simulation: &Simulation) -> SubjectRun {
    let times = &simulation.trajectory.times;
    SubjectRun {
        id: subject.id.clone(),
        first_row: subject.row,
        covariates: (subject.covariates.iter())
            .map(|&(p, value)| (model.parameters[p].name.clone(), value))
            .collect(),
        doses: doses(model, &subject.doses),
        observations: subject.observations.len(),
        output_times: subject.output_times.clone(),
        resets: subject.resets.clone(),
        span: [times.first().copied(), times.last().copied()],
        solver_statistics: simulation.stats,
        stopped_at: simulation.stopped,
        method_switch: simulation.method_switch.clone(),
    }
}
