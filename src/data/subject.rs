//! Records grouped into subjects: contiguous IDs, non-decreasing TIME, ADDL repeats expanded,
//! resets cancelling what they undo, and one value per covariate.

use super::DataSubject;
use super::columns::Columns;
use super::record::{DoseRow, Event, Record};
use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model};
use std::collections::HashMap;

/// A subject being assembled from its records.
struct Builder<'a> {
    model: &'a Model,
    /// `file: ID id: `, starting each warning.
    prefix: String,
    subject: DataSubject,
    /// The last record read, for the TIME order check.
    last: Record<'a>,
    /// (parameter, value, row) of each covariate's first value.
    covariates: Vec<(usize, f64, usize)>,
    /// Covariates already warned about as time-varying.
    varying: Vec<usize>,
}

impl<'a> Builder<'a> {
    fn new(file: &str, model: &'a Model, record: &Record<'a>) -> Self {
        Builder {
            model,
            prefix: format!("{file}: ID {}: ", record.id),
            subject: DataSubject {
                id: record.id.clone(),
                row: record.line.number,
                covariates: Vec::new(),
                doses: Vec::new(),
                observations: Vec::new(),
                output_times: Vec::new(),
                resets: Vec::new(),
            },
            last: record.clone(),
            covariates: Vec::new(),
            varying: Vec::new(),
        }
    }

    fn dose(&mut self, time: f64, dose: &DoseRow) {
        self.subject
            .doses
            .extend((0..=dose.repeats).map(|k| DoseEvent {
                state: dose.state,
                time: time + f64::from(k) * dose.interval,
                amount: dose.amount,
                duration: dose.duration,
            }));
    }

    /// States back to their initial values: doses scheduled at or after `time` by earlier rows
    /// are cancelled and infusions running at `time` stop.
    fn reset(&mut self, time: f64, row: usize, warnings: &mut Vec<String>) {
        let prefix = &self.prefix;
        let doses = &mut self.subject.doses;
        let before = doses.len();
        doses.retain(|d| d.time < time);
        let cancelled = before - doses.len();
        if cancelled > 0 {
            warnings.push(format!(
                "{prefix}row {row}: the reset at time {time} cancels {cancelled} dose(s) given at or after it by earlier rows (ADDL repeats or doses at the same time)"
            ));
        }
        let stopped = doses
            .iter()
            .filter(|d| d.duration.is_some_and(|l| d.time + l > time))
            .count();
        if stopped > 0 {
            warnings.push(format!(
                "{prefix}row {row}: the reset at time {time} stops {stopped} running infusion(s)"
            ));
        }
        self.subject.resets.push(time);
    }

    fn add(&mut self, record: Record<'a>, warnings: &mut Vec<String>) {
        let row = record.line.number;
        for &(parameter, value) in &record.covariates {
            match self.covariates.iter().find(|c| c.0 == parameter) {
                None => self.covariates.push((parameter, value, row)),
                Some(&(_, first, first_row))
                    if first != value && !self.varying.contains(&parameter) =>
                {
                    self.varying.push(parameter);
                    warnings.push(format!(
                        "{}row {row}: the covariate `{}` changes from {first} (row {first_row}) to {value}; the first value is used for the whole subject (time-varying covariates are not supported)",
                        self.prefix, self.model.parameters[parameter].name
                    ));
                }
                Some(_) => {}
            }
        }
        let time = record.time;
        match &record.event {
            Event::Observation(observation) => {
                self.subject.observations.push(observation.clone());
            }
            Event::Dose(dose) => self.dose(time, dose),
            Event::Output => self.subject.output_times.push(time),
            Event::Reset => self.reset(time, row, warnings),
            Event::ResetDose(dose) => {
                self.reset(time, row, warnings);
                self.dose(time, dose);
            }
        }
        self.last = record;
    }

    fn finish(mut self, columns: &Columns, warnings: &mut Vec<String>) -> DataSubject {
        for &(_, parameter) in &columns.covariates {
            if !self.covariates.iter().any(|c| c.0 == parameter) {
                let p = &self.model.parameters[parameter];
                warnings.push(format!(
                    "{}no value of the covariate `{}`; the model's value {} is used",
                    self.prefix, p.name, p.value
                ));
            }
        }
        self.subject.covariates = self.covariates.iter().map(|&(p, v, _)| (p, v)).collect();
        self.subject.doses.sort_by(|a, b| a.time.total_cmp(&b.time));
        self.subject
    }
}

/// Most doses one dataset may give, ADDL repeats included (about 40 MB once expanded; each
/// row may repeat a dose 100,000 times, so a few kilobytes of rows could ask for gigabytes).
const MAX_DOSES: u64 = 1_000_000;

/// The first record by which the dataset's doses, ADDL repeats included, exceed `MAX_DOSES`.
fn past_dose_limit<'r, 'a>(records: &'r [Record<'a>]) -> Option<&'r Record<'a>> {
    let mut total = 0;
    records.iter().find(|record| {
        if let Event::Dose(dose) | Event::ResetDose(dose) = &record.event {
            total += u64::from(dose.repeats) + 1;
        }
        total > MAX_DOSES
    })
}

/// Groups `records` (in file order) into subjects, reporting IDs whose rows are not together
/// and TIME that decreases within an ID.
pub(super) fn assemble<'a>(
    file: &str,
    records: Vec<Record<'a>>,
    columns: &Columns,
    model: &'a Model,
    diagnostics: &mut Vec<Diagnostic>,
    warnings: &mut Vec<String>,
) -> Vec<DataSubject> {
    if let Some(record) = past_dose_limit(&records) {
        diagnostics.push(
            Diagnostic::new(format!(
                "row {}: the dataset gives more than {MAX_DOSES} doses by this row (ADDL repeats included)",
                record.line.number
            ))
            .at(record.line.locate_all(file))
            .hint("check the ADDL column; split a very long regimen into several datasets"),
        );
        return Vec::new();
    }
    let mut subjects = Vec::new();
    // The last row of each finished ID.
    let mut finished: HashMap<String, usize> = HashMap::new();
    let mut current: Option<Builder> = None;
    // An ID whose rows reappear after other IDs: reported once, its block skipped.
    let mut skipping: Option<String> = None;
    for record in records {
        let row = record.line.number;
        if skipping.as_ref().is_some_and(|id| *id == record.id) {
            continue;
        }
        skipping = None;
        if let Some(builder) = current.as_mut().filter(|b| b.subject.id == record.id) {
            let last = &builder.last;
            if record.time < last.time {
                diagnostics.push(
                    Diagnostic::new(format!(
                        "row {row}: TIME decreases within ID {} (from {} in row {} to {})",
                        record.id, last.time, last.line.number, record.time
                    ))
                    .at(record.line.locate_all(file))
                    .hint(
                        "sort each ID's rows by TIME, keeping the order of rows at the same time",
                    ),
                );
            }
            builder.add(record, warnings);
            continue;
        }
        if let Some(builder) = current.take() {
            finished.insert(builder.subject.id.clone(), builder.last.line.number);
            subjects.push(builder.finish(columns, warnings));
        }
        if let Some(last) = finished.get(&record.id) {
            diagnostics.push(
                Diagnostic::new(format!(
                    "row {row}: ID {} appears again after other IDs (its rows so far end at row {last})",
                    record.id
                ))
                .at(record.line.locate_all(file))
                .hint("keep each ID's rows together: sort the file by ID, then TIME"),
            );
            skipping = Some(record.id);
            continue;
        }
        let mut builder = Builder::new(file, model, &record);
        builder.add(record, warnings);
        current = Some(builder);
    }
    if let Some(builder) = current {
        subjects.push(builder.finish(columns, warnings));
    }
    subjects
}
