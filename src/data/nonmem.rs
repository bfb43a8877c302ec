//! Simulated observations written as a NONMEM dataset, in the layout `read_dataset` reads back:
//! `ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ[,LLOQ][,DVID][,ARM][,covariates]`, every cell a
//! number or `.` (missing), so NONMEM's `$INPUT` reads it as well.
//!
//! Rows: one dose row per dose (EVID 1, AMT, RATE 0 for a bolus or AMT / duration for an
//! infusion, CMT the 1-based state, MDV 1), then one observation row per output time (EVID 0,
//! MDV 0) whose DV is the prediction with residual error. An observation below the LLOQ is
//! censored as M3 expects: BLQ 1 and DV set to the LLOQ (the reader's convention: the limit is
//! the row's LLOQ, or its DV). At equal times a dose row comes before the observation row, so
//! NONMEM, like the simulator, observes after the dose; an observation predicted before the
//! doses at its time (a dataset's pre-dose sample) comes before them. An observed output is named by its
//! 1-based number in DVID; an observed state by its 1-based number in CMT. A covariate that
//! changes within a subject (a dataset's schedule) is written at each row with its value there.

use crate::model::{DoseEvent, Model};
use crate::population::ResidualModel;
use crate::simulate::ParameterSchedule;
use std::fmt::Write;

/// What is observed and how: a trajectory column, its residual error and its LLOQ.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationDesign {
    /// A state index, or the number of states plus an output index (as `Observation::column`).
    pub column: usize,
    pub residual: ResidualModel,
    /// Observations below it are censored (BLQ = 1, DV = LLOQ).
    pub lloq: Option<f64>,
}

/// The columns of a dataset: which optional ones it has and the covariates' names.
#[derive(Debug, Clone, PartialEq)]
pub struct NonmemLayout {
    /// The observed output's 1-based number (DVID), or `None` when a state is observed.
    dvid: Option<usize>,
    /// The observed state's 1-based number (CMT of observation rows), when a state is.
    observed_state: Option<usize>,
    lloq: bool,
    /// An `ARM` column (1-based arm number), for a run of several arms.
    arm: bool,
    /// Covariate columns: model parameter names, as the reader maps them back.
    covariates: Vec<String>,
}

/// A dose row, or an observation row with its LLOQ.
#[derive(Clone, Copy)]
enum RowKind {
    /// A dose or a reset.
    Event,
    Observation {
        lloq: Option<f64>,
    },
}

/// One subject's records: doses, and predictions of the observed column with their deviates.
pub struct SubjectRecords<'a> {
    pub id: u64,
    /// 1-based arm number, written when the layout has an `ARM` column.
    pub arm: usize,
    /// Covariate values in the layout's order.
    pub covariates: &'a [f64],
    pub doses: &'a [DoseEvent],
    /// Times of resets (EVID 3), ascending; each is written before the doses at its time, as
    /// the dataset reader applies them.
    pub resets: &'a [f64],
    /// Times of EVID 2 rows (other events: an output time, or where a covariate's value is
    /// recorded that no other row shows), ascending.
    pub other_events: &'a [f64],
    /// Output times and the observed column's prediction at each.
    pub times: &'a [f64],
    /// Which of `times` are written before the dose and reset rows at their time (empty: none),
    /// as their predictions are before the doses.
    pub before_doses: &'a [bool],
    pub predictions: &'a [f64],
    /// Standard normal deviates of the residual error, one per time.
    pub deviates: &'a [f64],
}

/// The doses, resets and EVID 2 rows of a subject not yet written.
struct Events<'a> {
    doses: std::iter::Peekable<std::slice::Iter<'a, DoseEvent>>,
    resets: std::iter::Peekable<std::iter::Copied<std::slice::Iter<'a, f64>>>,
    others: std::iter::Peekable<std::iter::Copied<std::slice::Iter<'a, f64>>>,
}

/// A subject's records and its covariates' schedules (layout position, schedule).
struct Rows<'a> {
    records: &'a SubjectRecords<'a>,
    schedules: &'a [(usize, &'a ParameterSchedule)],
}

impl NonmemLayout {
    /// The layout of observations of `design.column` of `model`, with covariate columns for the
    /// parameters `covariates` (indices) and an ARM column when `arms` > 1.
    pub fn new(
        model: &Model,
        design: &ObservationDesign,
        covariates: &[usize],
        arms: usize,
    ) -> Self {
        let states = model.states.len();
        let observes_state = design.column < states;
        NonmemLayout {
            dvid: (!observes_state).then(|| design.column - states + 1),
            observed_state: observes_state.then_some(design.column + 1),
            lloq: design.lloq.is_some(),
            arm: arms > 1,
            covariates: (covariates.iter())
                .map(|&p| model.parameters[p].name.clone())
                .collect(),
        }
    }

    /// The header line.
    pub fn header(&self) -> String {
        let mut header = String::from("ID,TIME,DV,AMT,RATE,EVID,CMT,MDV,BLQ");
        if self.lloq {
            header.push_str(",LLOQ");
        }
        if self.dvid.is_some() {
            header.push_str(",DVID");
        }
        if self.arm {
            header.push_str(",ARM");
        }
        for name in &self.covariates {
            let _ = write!(header, ",{name}");
        }
        header.push('\n');
        header
    }

    /// Appends one subject's rows to `text`; returns the first observation of a finite
    /// prediction that is not a finite number, as (time, prediction, observation). Times whose
    /// prediction is not finite (after a `stop` event) get no row.
    pub fn write_subject(
        &self,
        text: &mut String,
        design: &ObservationDesign,
        records: &SubjectRecords,
    ) -> Option<(f64, f64, f64)> {
        self.write_subject_with_schedules(text, design, records, &[])
    }

    /// `write_subject`, with the covariates at the positions `schedules` name (in the layout's
    /// order) written at each row with their schedule's value at its time.
    pub fn write_subject_with_schedules(
        &self,
        text: &mut String,
        design: &ObservationDesign,
        records: &SubjectRecords,
        schedules: &[(usize, &ParameterSchedule)],
    ) -> Option<(f64, f64, f64)> {
        let rows = Rows { records, schedules };
        let mut bad = None;
        let mut events = Events {
            doses: records.doses.iter().peekable(),
            resets: records.resets.iter().copied().peekable(),
            others: records.other_events.iter().copied().peekable(),
        };
        for (k, (&time, &prediction)) in records.times.iter().zip(records.predictions).enumerate() {
            let before_doses = records.before_doses.get(k).copied().unwrap_or(false);
            self.events_until(text, &rows, &mut events, (time, !before_doses));
            if !prediction.is_finite() {
                continue;
            }
            let observed = design.residual.observe(prediction, records.deviates[k]);
            if !observed.is_finite() {
                bad = bad.or(Some((time, prediction, observed)));
                continue;
            }
            let censored = design.lloq.is_some_and(|lloq| observed < lloq);
            let dv = if censored {
                design.lloq.unwrap_or(observed)
            } else {
                observed
            };
            let cmt = self.observed_state.map_or(".".into(), |s| s.to_string());
            let _ = write!(
                text,
                "{},{time},{dv},.,.,0,{cmt},0,{}",
                records.id,
                u8::from(censored)
            );
            let observation = RowKind::Observation { lloq: design.lloq };
            self.tail(text, &rows, observation, time);
        }
        self.events_until(text, &rows, &mut events, (f64::INFINITY, true));
        bad
    }

    /// The resets, doses and EVID 2 rows up to `until` (time, whether the rows at that time
    /// too), in time order; at one time a reset first, then the doses, then the EVID 2 row.
    fn events_until(
        &self,
        text: &mut String,
        rows: &Rows,
        events: &mut Events,
        (until, at_until): (f64, bool),
    ) {
        let due = |t: f64| t < until || (at_until && t == until);
        loop {
            let reset = events.resets.peek().copied().filter(|&r| due(r));
            let dose = (events.doses.peek()).map(|d| d.time).filter(|&t| due(t));
            let other = events.others.peek().copied().filter(|&t| due(t));
            let first = [reset, dose, other].into_iter().flatten().reduce(f64::min);
            let id = rows.records.id;
            match first {
                None => break,
                Some(time) if reset == Some(time) => {
                    events.resets.next();
                    let _ = write!(text, "{id},{time},.,.,.,3,.,1,0");
                    self.tail(text, rows, RowKind::Event, time);
                }
                Some(time) if dose == Some(time) => {
                    if let Some(dose) = events.doses.next() {
                        self.dose_row(text, rows, dose);
                    }
                }
                Some(time) => {
                    events.others.next();
                    let _ = write!(text, "{id},{time},.,.,.,2,.,1,0");
                    self.tail(text, rows, RowKind::Event, time);
                }
            }
        }
    }

    fn dose_row(&self, text: &mut String, rows: &Rows, dose: &DoseEvent) {
        let records = rows.records;
        let rate = dose.duration.map_or(0.0, |d| dose.amount / d);
        let _ = write!(
            text,
            "{},{},.,{},{rate},1,{},1,0",
            records.id,
            dose.time,
            dose.amount,
            dose.state + 1
        );
        self.tail(text, rows, RowKind::Event, dose.time);
    }

    /// LLOQ and DVID (an observation row's; `.` on a dose row), ARM and covariate cells, and
    /// the line's end, for a row at `time`.
    fn tail(&self, text: &mut String, rows: &Rows, row: RowKind, time: f64) {
        let records = rows.records;
        let observation = match row {
            RowKind::Event => None,
            RowKind::Observation { lloq } => Some(lloq),
        };
        if self.lloq {
            match observation.flatten() {
                Some(lloq) => {
                    let _ = write!(text, ",{lloq}");
                }
                None => text.push_str(",."),
            }
        }
        match (self.dvid, observation) {
            (Some(dvid), Some(_)) => {
                let _ = write!(text, ",{dvid}");
            }
            (Some(_), None) => text.push_str(",."),
            (None, _) => {}
        }
        if self.arm {
            let _ = write!(text, ",{}", records.arm);
        }
        for (k, value) in records.covariates.iter().enumerate() {
            let value = match rows.schedules.iter().find(|(position, _)| *position == k) {
                Some((_, schedule)) => schedule.value_at(time),
                None => *value,
            };
            let _ = write!(text, ",{value}");
        }
        text.push('\n');
    }
}
