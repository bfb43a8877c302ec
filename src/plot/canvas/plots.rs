//! Constructors of a figure's description: linear and category axes, single-chart and
//! panelled plots, a table under the x axis.

use super::{Key, Mark, Panel, Plot, TickTable, XAxis, YAxis};

impl XAxis {
    /// A linear numeric axis over `range`.
    pub fn linear(label: &str, range: (f64, f64)) -> XAxis {
        let label = label.to_string();
        XAxis::Numeric {
            label,
            range,
            log: false,
        }
    }
}

impl YAxis {
    /// A linear axis over `range`.
    pub fn linear(label: &str, range: (f64, f64)) -> YAxis {
        YAxis::new(label, range, false)
    }

    /// A numeric axis over `range`, log10 when `log`.
    pub fn new(label: &str, range: (f64, f64), log: bool) -> YAxis {
        let (label, names) = (label.to_string(), Vec::new());
        YAxis {
            label,
            range,
            log,
            names,
            floor: None,
            lloq: false,
        }
    }

    /// One slot per name, `names[i]` at y = i (the first at the bottom).
    pub fn categories(label: &str, names: Vec<String>) -> YAxis {
        let range = (-0.5, names.len().max(1) as f64 - 0.5);
        YAxis {
            names,
            ..YAxis::linear(label, range)
        }
    }
}

impl Plot {
    /// Panels sharing the axes `x` and `y`.
    pub fn new(
        title: &str,
        (x, y): (XAxis, YAxis),
        panels: Vec<Panel>,
        legend: Vec<(Key, String)>,
    ) -> Plot {
        let title = title.to_string();
        Plot {
            title,
            x,
            y,
            panels,
            legend,
            table: None,
        }
    }

    /// The same plot with `table` under its x axis.
    pub fn with_table(self, table: TickTable) -> Plot {
        let table = Some(table);
        Plot { table, ..self }
    }

    /// A single chart of `marks` on the axes `x` and `y`.
    pub fn single(
        title: &str,
        axes: (XAxis, YAxis),
        marks: Vec<Mark>,
        legend: Vec<(Key, String)>,
    ) -> Plot {
        Plot::new(title, axes, Panel::single(marks), legend)
    }
}
