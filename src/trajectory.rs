//! The result of one simulation: a table of states and outputs at the output times, its CSV
//! form, and the peak of a column.

use std::fmt::Write;
use std::sync::Arc;

/// The largest value of a column (Cmax) and when it is reached (Tmax).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    pub cmax: f64,
    pub tmax: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Column names: states then outputs, in file order (shared by every trajectory of a model).
    pub columns: Arc<[String]>,
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
        Some(self.column_at(index))
    }

    /// The row at exactly `time`: the first of the rows there when `before_doses` (the row
    /// before the doses a run was asked for, or the only row), else the last; `None` when no
    /// row is at `time` (a run stopped before it).
    pub fn row_at(&self, time: f64, before_doses: bool) -> Option<usize> {
        let times = &self.times;
        let first = times.partition_point(|t| t.total_cmp(&time).is_lt());
        if times.get(first)?.total_cmp(&time).is_ne() {
            return None;
        }
        Some(match before_doses {
            true => first,
            false => times.partition_point(|t| t.total_cmp(&time).is_le()) - 1,
        })
    }

    /// The column at `index` of `columns`, over all times.
    pub fn column_at(&self, index: usize) -> Vec<f64> {
        let width = self.columns.len();
        self.values
            .iter()
            .skip(index)
            .step_by(width)
            .copied()
            .collect()
    }

    /// CSV with a `time` column; numbers in shortest round-trip form.
    pub fn to_csv(&self) -> String {
        let mut text = String::from("time");
        for column in self.columns.iter() {
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
