//! An observation row read: its value on the natural scale (exp(DV) for log-scale data),
//! checked positive when the error model takes its log, its limit, and the trajectory column
//! it observes.

use super::{Item, Row};
use crate::data::{DvScale, Observation};

impl Row<'_> {
    /// DV on the natural scale: exp(DV) when the column holds logarithms.
    pub(super) fn dv(&mut self) -> Option<f64> {
        let dv = self.number(Item::Dv)?;
        if self.context.options.dv == DvScale::Natural {
            return Some(dv);
        }
        let value = dv.exp();
        if value.is_finite() {
            return Some(value);
        }
        let column = self.context.columns.get(Item::Dv)?;
        let problem = self
            .cell_problem(column, &format!("exp({dv}) is too large for a number"))
            .hint("with `--dv log` DV holds ln(value); is this column on the natural scale?");
        self.problems.push(problem);
        None
    }
}

/// An observation row: its value, limit and the trajectory column it observes.
pub(super) fn observation(
    row: &mut Row,
    time: f64,
    dv: Option<f64>,
    censored: bool,
    lloq: Option<f64>,
) -> Option<Observation> {
    let context = row.context;
    let model = context.model;
    let outputs: Vec<&str> = model.outputs.iter().map(|o| o.name.as_str()).collect();
    let states: Vec<&str> = model.states.iter().map(|s| s.name.as_str()).collect();
    let output_column = |index: usize| model.states.len() + index;
    let column = if row.text(Item::Dvid).is_some() {
        output_column(row.target(Item::Dvid, "output", &outputs)?)
    } else if let Some(index) = context.options.default_output {
        output_column(index)
    } else if row.text(Item::Cmt).is_some() {
        row.target(Item::Cmt, "state", &states)?
    } else if outputs.len() == 1 {
        output_column(0)
    } else {
        let problem = row
            .row_problem("which model output does this observation belong to?")
            .note(format!("outputs: {}", outputs.join(", ")))
            .hint("add a DVID column (output name or number), give `--output NAME`, or name the observed state in CMT");
        row.problems.push(problem);
        return None;
    };
    let lloq = if censored { lloq.or(dv) } else { lloq };
    let Some(value) = (if censored { dv.or(lloq) } else { dv }) else {
        let problem = if censored {
            row.row_problem("a censored observation (BLQ/CENS = 1) needs LLOQ or DV, the limit")
                .hint("add an LLOQ column, or write the limit in DV")
        } else {
            row.row_problem("an observation (EVID 0, MDV 0) needs DV")
                .hint("write the measured value in DV, or set MDV to 1 when there is none")
        };
        row.problems.push(problem);
        return None;
    };
    let from_dv = !censored || lloq == dv;
    if context.options.positive_dv && from_dv && value <= 0.0 {
        let dv_column = context.columns.get(Item::Dv).unwrap_or(0);
        let problem = row
            .cell_problem(
                dv_column,
                &format!("DV {value} is not above 0, and the error model compares ln(DV) with ln(prediction)"),
            )
            .hint("correct or remove the row, mark it below the LLOQ (BLQ = 1 with an LLOQ), or use `--error additive` or `combined`")
            .hint("if DV already holds ln(value), pass `--dv log`");
        row.problems.push(problem);
        return None;
    }
    Some(Observation {
        time,
        column,
        value,
        censored,
        lloq,
        row: row.line.number,
        before_doses: false,
    })
}
