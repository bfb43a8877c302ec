//! The trajectory figure of one simulation: its series in one panel per unit, stacked on a
//! shared time axis (each panel log or linear on its own), dose times as ticks (small
//! triangles) on the time axis and recorded events as labelled vertical lines.

use plotters::style::RGBColor;

use super::canvas::{Key, Mark, Panel, Plot, XAxis, YAxis, render};
use super::format::{FigureSettings, Rendered};
use super::{PlotError, Series, YScale, scaled_axis, segments, x_range};

/// The series of one unit, drawn in one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPanel {
    /// The unit, written as the panel's y axis description.
    pub unit: String,
    /// The lines of the panel; each value vector is as long as the figure's times.
    pub series: Vec<Series>,
}

/// A simulation's trajectory, its doses and its recorded events.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryFigure {
    pub title: String,
    /// The time axis description.
    pub x_label: String,
    /// The times shared by every series.
    pub times: Vec<f64>,
    /// One panel per unit, top to bottom; series take the style cycle in order across all.
    pub panels: Vec<UnitPanel>,
    /// Dose times, drawn as triangles on the time axis of every panel.
    pub doses: Vec<f64>,
    /// Recorded events (name, time), drawn as vertical lines labelled in the top panel.
    pub events: Vec<(String, f64)>,
    /// How each panel's y axis is scaled (chosen per panel for `YScale::Auto`).
    pub scale: YScale,
}

const DOSE_INK: RGBColor = RGBColor(30, 30, 30);
const EVENT_INK: RGBColor = RGBColor(120, 120, 120);
/// With more recorded events than this, only the first firing of each is labelled.
const LABELLED_EVENTS: usize = 8;
/// Labels of events closer than this fraction of the time axis go on separate rows.
const LABEL_SPACING: f64 = 0.2;

/// Draws `figure` in each format of `settings`: a single chart when it has one panel, else the
/// panels stacked, each with its unit beside it. The legend names the series and says what
/// the ticks and lines are.
///
/// Fails when a series' length differs from the times.
pub fn trajectory_figure(
    figure: &TrajectoryFigure,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let all = || figure.panels.iter().flat_map(|p| &p.series);
    if let Some(s) = all().find(|s| s.values.len() != figure.times.len()) {
        let (name, n, times) = (&s.name, s.values.len(), figure.times.len());
        let message = format!("series '{name}' has {n} values but the figure has {times} times");
        return Err(PlotError(message));
    }
    let (x0, x1) = x_range(&figure.times);
    let within = |t: f64| t.is_finite() && (x0..=x1).contains(&t);
    let doses: Vec<f64> = figure
        .doses
        .iter()
        .copied()
        .filter(|&t| within(t))
        .collect();
    let events: Vec<(String, f64)> = (figure.events.iter())
        .filter(|(_, t)| within(*t))
        .cloned()
        .collect();
    let count = all().count();
    let mut first = 0;
    let mut panels = Vec::new();
    for (k, unit) in figure.panels.iter().enumerate() {
        let (y, log) = scaled_axis(&unit.unit, unit_values(unit), figure.scale, None);
        let mut marks = event_marks(&events, (x0, x1), y.range, k == 0);
        for (i, s) in (first..).zip(&unit.series) {
            let runs = segments(&figure.times, &s.values, log, y.range);
            marks.extend(
                runs.into_iter()
                    .map(|run| Mark::Series(run, i, Some(count))),
            );
        }
        first += unit.series.len();
        let bottom = y.range.0;
        marks.extend(doses.iter().map(|&t| Mark::Dose((t, bottom), DOSE_INK)));
        panels.push(Panel {
            label: String::new(),
            marks,
            y: Some(y),
        });
    }
    let mut legend: Vec<(Key, String)> = (all().enumerate())
        .filter(|(_, s)| !s.name.is_empty() && s.values.iter().any(|v| v.is_finite()))
        .map(|(i, s)| (Key::Series(i), s.name.clone()))
        .collect();
    if !doses.is_empty() {
        legend.push((Key::Dose(DOSE_INK), "dose".to_string()));
    }
    if !events.is_empty() {
        legend.push((Key::Dashed(EVENT_INK), "recorded event".to_string()));
    }
    let x = XAxis::linear(&figure.x_label, (x0, x1));
    let plot = match panels.len() {
        1 => {
            let panel = panels.remove(0);
            let y = panel.y.unwrap_or_else(|| YAxis::linear("", (0.0, 1.0)));
            Plot::single(&figure.title, (x, y), panel.marks, legend)
        }
        _ => Plot::new(
            &figure.title,
            (x, YAxis::linear("", (0.0, 1.0))),
            panels,
            legend,
        ),
    };
    render(&plot, settings)
}

fn unit_values(unit: &UnitPanel) -> impl Iterator<Item = f64> + Clone + '_ {
    unit.series.iter().flat_map(|s| s.values.iter().copied())
}

/// A dashed vertical line over `(lo, hi)` at each event, and when `labelled` its name at the
/// top (right of the line, left of it in the last quarter of the axis; the labels of events
/// close together on rows one under another).
fn event_marks(
    events: &[(String, f64)],
    (x0, x1): (f64, f64),
    (lo, hi): (f64, f64),
    labelled: bool,
) -> Vec<Mark> {
    let mut marks: Vec<Mark> = (events.iter())
        .map(|&(_, t)| Mark::Dashed(vec![(t, lo), (t, hi)], EVENT_INK, 2))
        .collect();
    if !labelled {
        return marks;
    }
    let fraction = |t: f64| (t - x0) / (x1 - x0);
    let mut written: Vec<(&str, f64)> = Vec::new();
    for (name, t) in events {
        let repeated = written.iter().any(|(n, _)| n == name);
        if events.len() > LABELLED_EVENTS && repeated {
            continue;
        }
        let close = (written.iter())
            .filter(|(_, s)| (fraction(*t) - fraction(*s)).abs() < LABEL_SPACING)
            .count();
        marks.push(Mark::Flag {
            at: (*t, hi),
            text: name.clone(),
            leftward: fraction(*t) > 0.75,
            row: close as u32 % 4,
        });
        written.push((name, *t));
    }
    marks
}

#[cfg(test)]
mod tests;
