//! A dose row read: AMT > 0, the state dosed (CMT), an infusion's duration from RATE, and
//! additional doses (ADDL) every II.

use super::{DoseRow, Item, Row};

/// The cells a dose reads: AMT, RATE, II and ADDL.
#[derive(Clone, Copy)]
pub(super) struct DoseCells {
    pub amount: Option<f64>,
    pub rate: Option<f64>,
    pub interval: Option<f64>,
    pub repeats: Option<f64>,
}

/// A dose row (EVID 1 or 4): AMT > 0, a known CMT, and II > 0 when ADDL repeats it.
pub(super) fn dose_row(row: &mut Row, cells: DoseCells) -> Option<DoseRow> {
    let DoseCells {
        amount,
        rate,
        interval,
        repeats,
    } = cells;
    let model = row.context.model;
    let states: Vec<&str> = model.states.iter().map(|s| s.name.as_str()).collect();
    let amount = amount.filter(|&a| a > 0.0);
    if amount.is_none() {
        let problem = row
            .row_problem("a dose (EVID 1 or 4) needs AMT > 0")
            .hint("write the amount in the model's units of the dosed state");
        row.problems.push(problem);
    }
    if row.text(Item::Cmt).is_none() {
        let problem = row
            .row_problem("a dose (EVID 1 or 4) needs CMT, the state dosed")
            .note(format!("states: {}", states.join(", ")));
        row.problems.push(problem);
    }
    let state = row.target(Item::Cmt, "state", &states);
    let repeats = repeats.unwrap_or(0.0) as u32;
    let interval = interval.unwrap_or(0.0);
    if repeats > 0 && interval <= 0.0 {
        let problem = row
            .row_problem(&format!(
                "ADDL {repeats} needs II > 0, the time between doses"
            ))
            .hint("add the dosing interval in column II, or set ADDL to 0");
        row.problems.push(problem);
        return None;
    }
    let amount = amount?;
    Some(DoseRow {
        state: state?,
        amount,
        duration: rate.filter(|&r| r > 0.0).map(|r| amount / r),
        repeats,
        interval,
    })
}
