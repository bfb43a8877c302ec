//! The CSV tables of an analysis (numbers with full precision, empty cells for undefined values).

use super::{LocalResult, MorrisResult, ParameterRange, Setup, SobolOutcome};
use crate::study::Study;
use std::fmt::Write;

/// A number cell: empty for NaN, shortest round-trip text otherwise.
fn cell(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        value.to_string()
    }
}

fn range_cells(range: &ParameterRange) -> String {
    format!(
        "{},{},{},{}",
        cell(range.value(0.0)),
        cell(range.value(1.0)),
        range.scale(),
        range.source()
    )
}

/// `local_metrics.csv`: one row per parameter and metric.
pub fn local_metrics_csv(setup: &Setup, result: &LocalResult) -> String {
    let mut text = String::from(
        "parameter,value,metric,metric_value,coefficient,low_value,high_value,change_at_low,change_at_high\n",
    );
    for (k, (_, name)) in setup.parameters.iter().enumerate() {
        let value = result.parameter_values[k];
        for (m, metric) in setup.metrics.iter().enumerate() {
            let effect = &result.effects[k][m];
            let _ = writeln!(
                text,
                "{name},{},{},{},{},{},{},{},{}",
                cell(value),
                metric.name(),
                cell(result.metric_values[m]),
                cell(effect.coefficient),
                cell(value * (1.0 - setup.change)),
                cell(value * (1.0 + setup.change)),
                cell(effect.low_change),
                cell(effect.high_change),
            );
        }
    }
    text
}

/// `local_over_time.csv`: d log y(t) / d log p per tracked output, parameter and time.
pub fn local_curves_csv(study: &Study, setup: &Setup, result: &LocalResult) -> String {
    let times = study.output_times();
    let outputs = study.tracked.len();
    let mut text = String::from("output,parameter,time,coefficient\n");
    for (o, (output, _)) in study.tracked.iter().enumerate() {
        for (k, (_, name)) in setup.parameters.iter().enumerate() {
            for (row, time) in times.iter().enumerate() {
                let value = result.curves[k][row * outputs + o];
                let _ = writeln!(text, "{output},{name},{time},{}", cell(value));
            }
        }
    }
    text
}

/// `morris.csv`: mu, mu* and sigma per metric and parameter, in units of the metric per whole
/// range of the parameter.
pub fn morris_csv(setup: &Setup, result: &MorrisResult) -> String {
    let mut text = String::from("metric,parameter,min,max,scale,source,mu,mu_star,sigma,effects\n");
    for (m, metric) in setup.metrics.iter().enumerate() {
        for (range, effect) in setup.ranges.iter().zip(&result.effects[m]) {
            let _ = writeln!(
                text,
                "{},{},{},{},{},{},{}",
                metric.name(),
                range.name,
                range_cells(range),
                cell(effect.mu),
                cell(effect.mu_star),
                cell(effect.sigma),
                effect.effects
            );
        }
    }
    text
}

/// `sobol.csv`: first-order and total indices with their bootstrap intervals per metric and
/// parameter; a metric whose indices could not be estimated has no rows.
pub fn sobol_csv(setup: &Setup, outcome: &SobolOutcome) -> String {
    let mut text = String::from(
        "metric,parameter,min,max,scale,source,S1,S1_low,S1_high,ST,ST_low,ST_high,samples_used\n",
    );
    for (metric, result) in setup.metrics.iter().zip(&outcome.indices) {
        let Ok(result) = result else { continue };
        for (range, index) in setup.ranges.iter().zip(&result.indices) {
            let (first, total) = (index.first, index.total);
            let _ = writeln!(
                text,
                "{},{},{},{},{},{},{},{},{},{}",
                metric.name(),
                range.name,
                range_cells(range),
                cell(first.value),
                cell(first.low),
                cell(first.high),
                cell(total.value),
                cell(total.low),
                cell(total.high),
                result.used
            );
        }
    }
    text
}
