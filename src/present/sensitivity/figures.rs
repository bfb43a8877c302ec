//! The figures of `cartsim sensitivity`: tornado charts and curves over time (local), the
//! Morris plane, Sobol' index bars.

use crate::diag::Diagnostic;
use crate::metrics::{Units, metric_unit};
use crate::plot::{
    Figure, FigureSettings, IndexBar, MorrisPoint, PlotError, Series, TornadoBar, YScale,
    indices_figure, morris_figure, render_figure, tornado_figure,
};
use crate::present::NamedFile;
use crate::sensitivity::{LocalResult, MetricChoice, MorrisResult, Setup, SobolOutcome};
use crate::study::Study;

type Figures = Result<Vec<NamedFile>, Diagnostic>;

fn failed(error: PlotError) -> Diagnostic {
    Diagnostic::new(format!("cannot draw the figures: {error}"))
}

/// A metric or output name as part of a file name (`T@28` -> `T_at_28`).
fn file_part(name: &str) -> String {
    name.replace('@', "_at_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A tornado chart per metric, and the coefficients of every tracked output over time.
pub(super) fn local(
    study: &Study,
    setup: &Setup,
    result: &LocalResult,
    scenario: &str,
    look: &FigureSettings,
) -> Figures {
    let mut figures = Vec::new();
    for (m, metric) in setup.metrics.iter().enumerate() {
        let bars: Vec<TornadoBar> = (setup.parameters.iter().enumerate())
            .map(|(k, (_, name))| TornadoBar {
                label: name.clone(),
                low: result.effects[k][m].low_change,
                high: result.effects[k][m].high_change,
            })
            .collect();
        let title = format!("{}: tornado, {scenario}", metric.name());
        let drawn =
            tornado_figure(&title, metric.name(), setup.change, &bars, look).map_err(failed)?;
        figures.extend(NamedFile::figure(
            &format!("figures/tornado_{}", file_part(metric.name())),
            drawn,
        ));
    }
    let times = study.output_times();
    let outputs = study.tracked.len();
    for (o, (output, _)) in study.tracked.iter().enumerate() {
        let series = (setup.parameters.iter().enumerate())
            .map(|(k, (_, name))| Series {
                name: name.clone(),
                values: (0..times.len())
                    .map(|row| result.curves[k][row * outputs + o])
                    .collect(),
            })
            .collect();
        let figure = Figure {
            title: format!("{output}: normalized sensitivity over time, {scenario}"),
            x_label: study.model.time_label(),
            y_label: format!("d log {output} / d log parameter"),
            times: times.clone(),
            series,
            scale: YScale::Linear,
        };
        let drawn = render_figure(&figure, look).map_err(failed)?;
        figures.extend(NamedFile::figure(
            &format!("figures/over_time_{}", file_part(output)),
            drawn,
        ));
    }
    Ok(figures)
}

/// The unit of a metric's values: a metric column's (`metrics::metric_unit`) or a state's or
/// output's; `None` when unknown or a fraction.
fn unit_of(study: &Study, metric: &MetricChoice) -> Option<String> {
    match metric {
        MetricChoice::Column { name, .. } => {
            let column = |c: &Option<(String, usize)>| {
                c.as_ref().and_then(|(_, k)| study.model.column_unit(*k))
            };
            let units = Units {
                exposure: column(&study.metrics.exposure),
                tumor: column(&study.metrics.tumor),
                time: &study.model.time_unit,
            };
            metric_unit(name, &units)
        }
        MetricChoice::At { column, .. } => study.model.column_unit(*column).map(String::from),
    }
}

/// The (mu*, sigma) plane per metric, both axes in the metric's unit per parameter range.
pub(super) fn morris(
    study: &Study,
    setup: &Setup,
    result: &MorrisResult,
    scenario: &str,
    look: &FigureSettings,
) -> Figures {
    let mut figures = Vec::new();
    for (metric, effects) in setup.metrics.iter().zip(&result.effects) {
        let points: Vec<MorrisPoint> = (setup.ranges.iter().zip(effects))
            .map(|(range, effect)| MorrisPoint {
                label: range.name.clone(),
                mu_star: effect.mu_star,
                sigma: effect.sigma,
            })
            .collect();
        let title = format!("{}: Morris screening, {scenario}", metric.name());
        let unit = unit_of(study, metric).unwrap_or_else(|| metric.name().to_string());
        let unit = format!("{unit} per parameter range");
        let drawn = morris_figure(&title, &unit, &points, look).map_err(failed)?;
        figures.extend(NamedFile::figure(
            &format!("figures/morris_{}", file_part(metric.name())),
            drawn,
        ));
    }
    Ok(figures)
}

/// S1 and ST bars with intervals per metric whose indices could be estimated.
pub(super) fn sobol(
    setup: &Setup,
    outcome: &SobolOutcome,
    scenario: &str,
    look: &FigureSettings,
) -> Figures {
    let mut figures = Vec::new();
    for (metric, result) in setup.metrics.iter().zip(&outcome.indices) {
        let Ok(result) = result else { continue };
        let bars: Vec<IndexBar> = (setup.ranges.iter().zip(&result.indices))
            .map(|(range, index)| IndexBar {
                label: range.name.clone(),
                first: (index.first.value, index.first.low, index.first.high),
                total: (index.total.value, index.total.low, index.total.high),
            })
            .collect();
        let title = format!(
            "{}: Sobol' indices (N = {}), {scenario}",
            metric.name(),
            setup.n
        );
        let drawn = indices_figure(&title, &bars, look).map_err(failed)?;
        figures.extend(NamedFile::figure(
            &format!("figures/sobol_{}", file_part(metric.name())),
            drawn,
        ));
    }
    Ok(figures)
}
