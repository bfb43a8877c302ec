//! Dose-escalation figures: grouped bars per dose level (how often each is selected beside its
//! true probabilities; patients and DLTs per trial) and example trial paths.

use plotters::style::Color;

use super::canvas::{Key, Mark, Panel, Plot, XAxis, YAxis, render};
use super::format::{FigureSettings, Rendered};
use super::population::{categories, significant};
use super::style::GREY;
use super::{PlotError, extent, palette, shade, tint};

/// One category's bars, one value per group (NaN: no bar), drawn left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    pub label: String,
    pub values: Vec<f64>,
}

/// One trial's path: (patient number from 1, level number from 1, DLT) in enrolment order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialPath {
    pub label: String,
    pub patients: Vec<(usize, usize, bool)>,
}

/// Grouped bars: per category one bar per entry of `groups` (their legend names, coloured
/// `colours` from the palette), with its value written above when there are few bars. The y
/// axis runs from 0 to `top` (or over the values, when `top` is `None`).
pub fn grouped_bars_figure(
    title: &str,
    y_label: &str,
    x_description: &str,
    groups: &[(&str, usize)],
    bars: &[BarGroup],
    top: Option<f64>,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let highest = extent(
        bars.iter().flat_map(|b| b.values.iter().copied()),
        f64::is_finite,
    )
    .map_or(1.0, |(_, high)| high.max(f64::MIN_POSITIVE));
    let range = (0.0, top.unwrap_or(highest) * 1.12);
    let fit = |v: f64| v.clamp(range.0, range.1);
    let width = 0.8 / groups.len().max(1) as f64;
    let annotate = bars.len() * groups.len() <= 24;
    let mut marks = Vec::new();
    for (i, bar) in bars.iter().enumerate() {
        for (g, (&value, &(_, colour))) in bar.values.iter().zip(groups).enumerate() {
            if !value.is_finite() {
                continue;
            }
            let colour = palette(colour);
            let x = i as f64 - 0.4 + width * (g as f64 + 0.5);
            let corners = [(x - 0.42 * width, 0.0), (x + 0.42 * width, fit(value))];
            marks.push(Mark::Rect(corners, tint(colour, 0.55).filled()));
            marks.push(Mark::Rect(corners, colour.stroke_width(2)));
            if annotate {
                marks.push(Mark::Note((x, fit(value)), significant(value), true));
            }
        }
    }
    render(
        &Plot::single(
            title,
            (
                categories(
                    bars.iter().map(|b| b.label.clone()),
                    Vec::new(),
                    x_description,
                ),
                YAxis::linear(y_label, range),
            ),
            marks,
            (groups.iter())
                .map(|&(name, colour)| (Key::Fill(palette(colour)), name.to_string()))
                .collect(),
        ),
        settings,
    )
}

/// Example trial paths, one panel each: the level given (1 = lowest of `levels`) against the
/// patient number, a step line through the cohorts, each patient a dot (red: DLT, grey: none).
pub fn paths_figure(
    title: &str,
    levels: usize,
    paths: &[TrialPath],
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    let longest = (paths.iter().flat_map(|p| p.patients.iter().map(|q| q.0)))
        .max()
        .unwrap_or(1);
    let (dlt, none, line) = (palette(3), GREY, shade(palette(0), 0.1));
    let panels = paths
        .iter()
        .map(|path| {
            let mut marks = Vec::new();
            let mut steps = Vec::new();
            for &(order, level, _) in &path.patients {
                steps.push((order as f64 - 0.5, level as f64));
                steps.push((order as f64 + 0.5, level as f64));
            }
            marks.push(Mark::Line(steps, line, 2));
            for &(order, level, toxic) in &path.patients {
                let colour = if toxic { dlt } else { none };
                marks.push(Mark::Dot(
                    (order as f64, level as f64),
                    colour,
                    if toxic { 7 } else { 4 },
                ));
            }
            Panel {
                label: path.label.clone(),
                marks,
                y: None,
            }
        })
        .collect();
    render(
        &Plot::new(
            title,
            (
                XAxis::linear("patient (enrolment order)", (0.0, longest as f64 + 1.0)),
                YAxis::linear("dose level (1 = lowest)", (0.5, levels as f64 + 0.5)),
            ),
            panels,
            vec![
                (Key::Line(line), "level given".into()),
                (Key::Dot(dlt), "DLT".into()),
                (Key::Dot(none), "no DLT".into()),
            ],
        ),
        settings,
    )
}
