//! The result of one simulation: a table of states and outputs at the output times, and its
//! CSV form.

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Column names: states then outputs, in file order.
    pub columns: Vec<String>,
    pub times: Vec<f64>,
    /// Row-major values, `columns.len()` per time.
    pub values: Vec<f64>,
}

impl Trajectory {
    pub fn row(&self, index: usize) -> &[f64] {
        let width = self.columns.len();
        &self.values[index * width..(index + 1) * width]
    }

    /// One column by name, over all times.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let index = self.columns.iter().position(|c| c == name)?;
        Some(
            (0..self.times.len())
                .map(|row| self.row(row)[index])
                .collect(),
        )
    }

    /// CSV with a `time` column; numbers in shortest round-trip form.
    pub fn to_csv(&self) -> String {
        let mut text = String::from("time");
        for column in &self.columns {
            text.push(',');
            text.push_str(column);
        }
        text.push('\n');
        for (row, time) in self.times.iter().enumerate() {
            let _ = write!(text, "{time}");
            for value in self.row(row) {
                let _ = write!(text, ",{value}");
            }
            text.push('\n');
        }
        text
    }
}
