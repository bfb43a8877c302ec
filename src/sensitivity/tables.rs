//! The CSV tables of an analysis (numbers with full precision, empty cells for undefined values).

use super::{LocalResult, MorrisResult, ParameterRange, Setup, SobolOutcome};
use crate::csv::number_cell;
use crate::study::Study;
use std::fmt::Write;

fn range_cells(range: &ParameterRange) -> String {
    format!(
        "{},{},{},{}",
        number_cell(range.value(0.0)),
        number_cell(range.value(1.0)),
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
                number_cell(value),
                metric.name(),
                number_cell(result.metric_values[m]),
                number_cell(effect.coefficient),
                number_cell(value * (1.0 - setup.change)),
                number_cell(value * (1.0 + setup.change)),
                number_cell(effect.low_change),
                number_cell(effect.high_change),
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
                let _ = writeln!(text, "{output},{name},{time},{}", number_cell(value));
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
                number_cell(effect.mu),
                number_cell(effect.mu_star),
                number_cell(effect.sigma),
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
                number_cell(first.value),
                number_cell(first.low),
                number_cell(first.high),
                number_cell(total.value),
                number_cell(total.low),
                number_cell(total.high),
                result.used
            );
        }
    }
    text
}
