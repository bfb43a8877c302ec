//! The columns of a model's trajectory (every state, then every output) with their units: the
//! one place figures and tables look up what a column is and how its axes are labelled.

use super::Model;

/// Whether a trajectory column is a state or an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    State,
    Output,
}

/// A trajectory column: its name, its unit when the model gives one, and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column<'a> {
    pub name: &'a str,
    pub unit: Option<&'a str>,
    pub kind: ColumnKind,
}

impl Model {
    /// The trajectory's columns in order: states, then outputs.
    pub fn columns(&self) -> Vec<Column<'_>> {
        let states = (self.states.iter()).map(|s| Column {
            name: &s.name,
            unit: s.unit.as_deref(),
            kind: ColumnKind::State,
        });
        let outputs = (self.outputs.iter()).map(|o| Column {
            name: &o.name,
            unit: o.unit.as_deref(),
            kind: ColumnKind::Output,
        });
        states.chain(outputs).collect()
    }

    /// The unit of trajectory column `index` (states, then outputs); `None` when it has none
    /// or there is no such column.
    pub fn column_unit(&self, index: usize) -> Option<&str> {
        match index.checked_sub(self.states.len()) {
            None => self.states[index].unit.as_deref(),
            Some(output) => self.outputs.get(output)?.unit.as_deref(),
        }
    }

    /// The label of a time axis: `time (<time unit>)`.
    pub fn time_label(&self) -> String {
        format!("time ({})", self.time_unit)
    }
}

/// The label of an axis of values in these units: the units joined by `, ` (repeats next to
/// each other shown once), or `value` when none is given.
pub fn units_label<'a>(units: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut units: Vec<&str> = units.into_iter().flatten().collect();
    units.dedup();
    if units.is_empty() {
        "value".to_string()
    } else {
        units.join(", ")
    }
}
