//! Records grouped into subjects: contiguous IDs, non-decreasing TIME, ADDL repeats expanded,
//! resets cancelling what they undo, and each covariate's values: one, or a schedule of
//! (time, value) when it varies within the ID.

use super::DataSubject;
use super::columns::Columns;
use super::record::{DoseRow, Event, Record};
use crate::csv::Row;
use crate::diag::Diagnostic;
use crate::model::{DoseEvent, Model};
use crate::simulate::ParameterSchedule;
use std::collections::HashMap;

/// A subject being assembled from its records.
struct Builder<'a> {
    model: &'a Model,
    /// `file: ID id: `, starting each warning.
    prefix: String,
    subject: DataSubject,
    /// The row and time of the last record read, for the TIME order check.
    last: (usize, f64),
    /// The time of the last dose or reset row read.
    dosed: Option<f64>,
    /// (parameter, its (time, value) records) of each covariate, in the order of their first
    /// values.
    covariates: Vec<(usize, Vec<(f64, f64)>)>,
}

impl<'a> Builder<'a> {
    fn new(file: &str, model: &'a Model, record: &Record) -> Self {
        Builder {
            model,
            prefix: format!("{file}: ID {}: ", record.id),
            subject: DataSubject {
                id: record.id.clone(),
                row: record.row,
                covariates: Vec::new(),
                schedules: Vec::new(),
                doses: Vec::new(),
                observations: Vec::new(),
                output_times: Vec::new(),
                resets: Vec::new(),
            },
            last: (record.row, record.time),
            dosed: None,
            covariates: Vec::new(),
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

    /// At the first dose or reset row at `time`: the observations read just before it at that
    /// time observe the state before the doses.
    fn mark_before_doses(&mut self, time: f64) {
        if self.dosed != Some(time) {
            (self.subject.observations.iter_mut().rev())
                .take_while(|o| o.time == time)
                .for_each(|o| o.before_doses = true);
        }
        self.dosed = Some(time);
    }

    fn add(&mut self, record: Record, warnings: &mut Vec<String>) {
        let (row, time) = (record.row, record.time);
        for &(parameter, value) in &record.covariates {
            match self.covariates.iter_mut().find(|c| c.0 == parameter) {
                None => self.covariates.push((parameter, vec![(time, value)])),
                Some((_, records)) => records.push((time, value)),
            }
        }
        if !matches!(record.event, Event::Observation(_) | Event::Output) {
            self.mark_before_doses(time);
        }
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
        self.last = (row, time);
    }

    fn finish(mut self, columns: &Columns, warnings: &mut Vec<String>) -> DataSubject {
        for &(_, parameter, _) in &columns.covariates {
            if !self.covariates.iter().any(|c| c.0 == parameter) {
                let p = &self.model.parameters[parameter];
                warnings.push(format!(
                    "{}no value of the covariate `{}`; the model's value {} is used",
                    self.prefix, p.name, p.value
                ));
            }
        }
        for (parameter, records) in std::mem::take(&mut self.covariates) {
            let first = records[0].1;
            self.subject.covariates.push((parameter, first));
            if records.iter().any(|r| r.1 != first) {
                let interpolation = (columns.covariates.iter())
                    .find(|c| c.1 == parameter)
                    .map(|c| c.2)
                    .unwrap_or_default();
                self.subject.schedules.push(ParameterSchedule {
                    parameter,
                    records,
                    interpolation,
                });
            }
        }
        self.subject.doses.sort_by(|a, b| a.time.total_cmp(&b.time));
        // Large datasets: no spare capacity kept per subject.
        self.subject.observations.shrink_to_fit();
        self.subject.output_times.shrink_to_fit();
        self.subject
    }
}

/// Most doses one dataset may give, ADDL repeats included (about 40 MB once expanded; each
/// row may repeat a dose 100,000 times, so a few kilobytes of rows could ask for gigabytes).
const MAX_DOSES: u64 = 1_000_000;

/// Groups records, in file order, into subjects; reports IDs whose rows are not together and
/// TIME that decreases within an ID, and stops at the row by which the doses exceed
/// `MAX_DOSES`.
pub(super) struct Assembler<'a> {
    /// Doses so far, ADDL repeats included.
    doses: u64,
    file: &'a str,
    columns: &'a Columns,
    model: &'a Model,
    subjects: Vec<DataSubject>,
    /// The last row of each finished ID.
    finished: HashMap<String, usize>,
    current: Option<Builder<'a>>,
    /// An ID whose rows reappear after other IDs: reported once, its block skipped.
    skipping: Option<String>,
}

impl<'a> Assembler<'a> {
    pub fn new(file: &'a str, columns: &'a Columns, model: &'a Model) -> Self {
        Assembler {
            doses: 0,
            file,
            columns,
            model,
            subjects: Vec::new(),
            finished: HashMap::new(),
            current: None,
            skipping: None,
        }
    }

    /// Adds the record read from `line`.
    pub fn push(
        &mut self,
        record: Record,
        line: &Row,
        diagnostics: &mut Vec<Diagnostic>,
        warnings: &mut Vec<String>,
    ) {
        let (file, row) = (self.file, record.row);
        if self.doses > MAX_DOSES {
            return;
        }
        if let Event::Dose(dose) | Event::ResetDose(dose) = &record.event {
            self.doses += u64::from(dose.repeats) + 1;
            if self.doses > MAX_DOSES {
                diagnostics.push(
                    Diagnostic::new(format!(
                        "row {row}: the dataset gives more than {MAX_DOSES} doses by this row (ADDL repeats included)"
                    ))
                    .at(line.locate_all(file))
                    .hint("check the ADDL column; split a very long regimen into several datasets"),
                );
                return;
            }
        }
        if self.skipping.as_ref().is_some_and(|id| *id == record.id) {
            return;
        }
        self.skipping = None;
        if let Some(builder) = self.current.as_mut().filter(|b| b.subject.id == record.id) {
            let (last_row, last_time) = builder.last;
            if record.time < last_time {
                diagnostics.push(
                    Diagnostic::new(format!(
                        "row {row}: TIME decreases within ID {} (from {last_time} in row {last_row} to {})",
                        record.id, record.time
                    ))
                    .at(line.locate_all(file))
                    .hint(
                        "sort each ID's rows by TIME, keeping the order of rows at the same time",
                    ),
                );
            }
            builder.add(record, warnings);
            return;
        }
        if let Some(builder) = self.current.take() {
            self.finished
                .insert(builder.subject.id.clone(), builder.last.0);
            self.subjects.push(builder.finish(self.columns, warnings));
        }
        if let Some(last) = self.finished.get(&record.id) {
            diagnostics.push(
                Diagnostic::new(format!(
                    "row {row}: ID {} appears again after other IDs (its rows so far end at row {last})",
                    record.id
                ))
                .at(line.locate_all(file))
                .hint("keep each ID's rows together: sort the file by ID, then TIME"),
            );
            self.skipping = Some(record.id);
            return;
        }
        let mut builder = Builder::new(file, self.model, &record);
        builder.add(record, warnings);
        self.current = Some(builder);
    }

    /// The subjects, in file order.
    pub fn finish(mut self, warnings: &mut Vec<String>) -> Vec<DataSubject> {
        if let Some(builder) = self.current.take() {
            self.subjects.push(builder.finish(self.columns, warnings));
        }
        self.subjects
    }
}
