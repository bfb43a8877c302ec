//! The figures of a population run, assembled from its result and summaries: percentile bands
//! per arm and output, medians across arms, response fractions, Cmax and AUC distributions, and
//! relapse-free curves.

use crate::plot::{
    Bands, BoxSummary, Figure, FigureSettings, Interval, PlotError, Rendered, Series, StepCurve,
    YScale, bands_figure, boxes_figure, intervals_figure, render_figure, steps_figure,
};
use crate::study::{ArmSummary, MetricSummary, Study, StudyResult};
use rayon::prelude::*;

/// A figure to draw: its file name without extension and how to render it.
type Drawing = (
    String,
    Box<dyn Fn(&FigureSettings) -> Result<Rendered, PlotError> + Send + Sync>,
);

/// A file-name-safe form of a label.
pub fn slug(text: &str) -> String {
    let mut slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while slug.contains("__") {
        slug = slug.replace("__", "_");
    }
    slug.trim_matches('_').to_string()
}

/// A number to 3 significant digits without trailing zeros (`9e6`, `3.5e7`).
fn short(value: f64) -> String {
    let text = format!("{value:.2e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            format!(
                "{}e{exponent}",
                mantissa.trim_end_matches('0').trim_end_matches('.')
            )
        }
        _ => text,
    }
}

/// Arm labels for figures: the scenario (and grid point) with the typical subject's total dose
/// and the unit of the dosed state.
fn arm_labels(study: &Study) -> Vec<String> {
    study
        .arms
        .iter()
        .map(|arm| {
            let doses = study.typical_subject(arm).doses.unwrap_or_default();
            let total: f64 = doses.iter().map(|d| d.amount).sum();
            let unit = doses
                .first()
                .and_then(|d| study.model.states[d.state].unit.clone())
                .map_or(String::new(), |u| format!(" {u}"));
            format!("{} ({}{unit})", arm.label(&study.grid_names), short(total))
        })
        .collect()
}

/// Every figure as (file name under the output folder without extension, its files), drawn in
/// parallel.
pub fn figures(
    study: &Study,
    result: &StudyResult,
    summaries: &[ArmSummary],
    look: &FigureSettings,
) -> Result<Vec<(String, Rendered)>, String> {
    let mut files: Vec<Drawing> = Vec::new();
    let time_label = study.model.time_label();
    for output in 0..study.tracked.len() {
        output_figures(&mut files, study, result, output, &time_label)?;
    }
    let labels = arm_labels(study);
    files.extend(response_figure(summaries, &labels));
    files.extend(exposure_figures(study, summaries, &labels));
    files.extend(relapse_free_figure(study, summaries, &labels, &time_label));
    files
        .into_par_iter()
        .map(|(name, draw)| draw(look).map(|f| (name, f)).map_err(|e| e.to_string()))
        .collect()
}

/// A metric's summary in one arm, by name.
fn metric<'a>(summary: &'a ArmSummary, name: &str) -> Option<&'a MetricSummary> {
    summary.metrics.iter().find(|m| m.name == name)
}

/// One tracked output's figures: its percentile bands in each arm, then every arm's median.
fn output_figures(
    files: &mut Vec<Drawing>,
    study: &Study,
    result: &StudyResult,
    output: usize,
    time_label: &str,
) -> Result<(), String> {
    let name = &study.tracked[output].0;
    let n = study.population.n;
    let unit = &study.tracked_units[output];
    let y_label = if unit.is_empty() {
        name.clone()
    } else {
        format!("{name} ({unit})")
    };
    let mut medians = Vec::new();
    for (arm_index, arm) in study.arms.iter().enumerate() {
        let bands = arm_bands(study, result, arm_index, output)?;
        medians.push(Series {
            name: arm.label(&study.grid_names),
            values: bands.p50.clone(),
        });
        let label = arm.label(&study.grid_names);
        let title = format!("{name}: {label}, {n} subjects, percentile bands");
        let (x_label, y_label) = (time_label.to_string(), y_label.clone());
        files.push((
            format!("figures/bands_{}_{}", slug(&label), slug(name)),
            Box::new(move |look| bands_figure(&title, &x_label, &y_label, &bands, look)),
        ));
    }
    let figure = Figure {
        title: format!("{name}: population median per scenario ({n} subjects)"),
        x_label: time_label.to_string(),
        y_label,
        times: result.times.clone(),
        series: medians,
        scale: YScale::Auto,
    };
    files.push((
        format!("figures/medians_{}", slug(name)),
        Box::new(move |look| render_figure(&figure, look)),
    ));
    Ok(())
}

/// The limit of quantification of tracked output `output`: the residual error's `lloq` when
/// it observes that output, else the metrics' `lloq` when it is the exposure output.
fn output_lloq(study: &Study, output: usize) -> Option<f64> {
    let name = &study.tracked.get(output)?.0;
    let residual = (study.population.residual.as_ref()).filter(|r| &r.output == name);
    let exposure = (study.metrics.exposure.as_ref()).filter(|(exposure, _)| exposure == name);
    match (residual.and_then(|r| r.lloq), exposure) {
        (Some(lloq), _) => Some(lloq),
        (None, Some(_)) => Some(study.metrics.lloq),
        (None, None) => None,
    }
    .filter(|&lloq| lloq > 0.0)
}

/// One arm's percentile bands of one output, with the typical subject's trajectory (none when
/// it failed).
fn arm_bands(
    study: &Study,
    result: &StudyResult,
    arm_index: usize,
    output: usize,
) -> Result<Bands, String> {
    let outputs = study.tracked.len();
    let [p05, p25, p50, p75, p95] =
        <[Vec<f64>; 5]>::try_from(result.bands.percentiles(arm_index, output))
            .map_err(|_| "band percentiles have the wrong shape".to_string())?;
    let typical = match &result.typical[arm_index] {
        Ok(values) => values
            .iter()
            .skip(output)
            .step_by(outputs)
            .copied()
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(Bands {
        times: result.times.clone(),
        p05,
        p25,
        p50,
        p75,
        p95,
        typical,
        observed: Vec::new(),
        observed_percentiles: Default::default(),
        lloq: output_lloq(study, output),
    })
}

/// The response fraction per arm with its interval, when any arm has a response metric.
fn response_figure(summaries: &[ArmSummary], labels: &[String]) -> Option<Drawing> {
    if !summaries.iter().any(|s| metric(s, "response").is_some()) {
        return None;
    }
    let intervals: Vec<Interval> = summaries
        .iter()
        .zip(labels)
        .filter_map(|(s, label)| {
            let (estimate, low, high) = metric(s, "response")?.fraction?;
            Some(Interval {
                label: label.clone(),
                estimate,
                low,
                high,
            })
        })
        .collect();
    let title = "Response per scenario (typical subject's dose), Wilson 95% CI";
    Some((
        "figures/response".into(),
        Box::new(move |look| {
            intervals_figure(title, "fraction responding", &intervals, true, look)
        }),
    ))
}

/// The Cmax and AUC0-28 distributions per arm, when the run has an exposure output.
fn exposure_figures(study: &Study, summaries: &[ArmSummary], labels: &[String]) -> Vec<Drawing> {
    let mut files: Vec<Drawing> = Vec::new();
    let Some((exposure, column)) = &study.metrics.exposure else {
        return files;
    };
    let unit = study
        .model
        .column_unit(*column)
        .unwrap_or_default()
        .to_string();
    for (name, what) in [("cmax", "Cmax"), ("auc_0_28", "AUC0-28")] {
        let boxes: Vec<BoxSummary> = summaries
            .iter()
            .zip(labels)
            .filter_map(|(s, label)| {
                let m = metric(s, name)?;
                let [p05, p25, p50, p75, p95] = m.quantiles;
                Some(BoxSummary {
                    label: label.clone(),
                    p05,
                    p25,
                    p50,
                    p75,
                    p95,
                    n: m.n,
                })
            })
            .collect();
        let unit = match (name, unit.is_empty()) {
            (_, true) => String::new(),
            ("cmax", false) => format!(" ({unit})"),
            _ => format!(" ({unit} x {})", study.model.time_unit),
        };
        let title = format!("{what} of {exposure} per scenario");
        let y_label = format!("{what}{unit}");
        files.push((
            format!("figures/{name}"),
            Box::new(move |look| boxes_figure(&title, &y_label, &boxes, look)),
        ));
    }
    files
}

/// The responders' relapse-free curves per arm, when the run has a relapse criterion and any
/// arm a curve (or no responders).
fn relapse_free_figure(
    study: &Study,
    summaries: &[ArmSummary],
    labels: &[String],
    time_label: &str,
) -> Option<Drawing> {
    let shown = summaries
        .iter()
        .any(|s| !s.relapse_free.is_empty() || s.responders == 0)
        && study
            .metrics
            .response
            .as_ref()
            .is_some_and(|r| r.relapse_above.is_some());
    if !shown {
        return None;
    }
    let curves: Vec<StepCurve> = summaries
        .iter()
        .zip(labels)
        .map(|(s, label)| StepCurve {
            label: format!("{label}, {} responders", s.responders),
            points: s.relapse_free.clone(),
            observations: s.relapse_observations.clone(),
        })
        .collect();
    let title = "Relapse-free fraction of responders (Kaplan-Meier)";
    let (x_label, end) = (time_label.to_string(), study.template.end);
    Some((
        "figures/relapse_free".into(),
        Box::new(move |look| {
            steps_figure(title, &x_label, "relapse-free fraction", &curves, end, look)
        }),
    ))
}
