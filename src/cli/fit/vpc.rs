//! The visual predictive check of a population fit: observations binned by time, the observed
//! 5th, 50th and 95th percentiles and BLQ fraction per bin, against the same statistics of the
//! simulated replicates (median and 95% interval over replicates), as vpc.csv and figures.

use crate::data::{Dataset, Observation};
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::model::units_label;
use crate::plot::{Bands, Interval, bands_png, intervals_png};
use std::fmt::Write;

/// At most this many distinct observation times are binned one bin per time; more are grouped
/// into this many bins of about equal numbers of observations.
const MAX_BINS: usize = 12;
const PERCENTILES: [f64; 3] = [0.05, 0.5, 0.95];

/// One time bin: the observations in it and their statistics.
struct Bin {
    low: f64,
    high: f64,
    /// Median time of its observations (where it is drawn).
    time: f64,
    observed: Vec<Observation>,
    /// Observed percentiles (NaN when the percentile lies among BLQ values) and BLQ fraction.
    observed_percentiles: [f64; 3],
    observed_blq: f64,
    /// Over replicates: [percentile][median, 2.5th, 97.5th] and the BLQ fraction's
    /// [median, 5th, 95th]; the pooled simulated distribution's 5/25/50/75/95th percentiles.
    simulated_percentiles: [[f64; 3]; 3],
    simulated_blq: [f64; 3],
    pooled: [f64; 5],
}

/// A computed check, ready to write.
pub(super) struct Check {
    column: usize,
    bins: Vec<Bin>,
    replicates: usize,
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = p * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    sorted[below] + (position - below as f64) * (sorted[above] - sorted[below])
}

/// Percentiles of values where `censored` ones are only known to be below their LLOQ: sorted
/// with censored values first; a percentile that falls on a censored value is NaN.
fn censored_percentiles(values: &[(f64, bool)]) -> [f64; 3] {
    let mut sorted: Vec<(f64, bool)> = values.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.total_cmp(&b.0)));
    PERCENTILES.map(|p| {
        let index = (p * (sorted.len().max(1) - 1) as f64).round() as usize;
        match sorted.get(index) {
            Some(&(value, false)) => value,
            _ => f64::NAN,
        }
    })
}

/// Bins, observed and simulated statistics for the most observed column; `None` without
/// replicates. `simulated[r][k]` is replicate r's value of the dataset's k-th observation.
pub(super) fn check(dataset: &Dataset, simulated: &[Vec<f64>]) -> Option<Check> {
    if simulated.is_empty() {
        return None;
    }
    let all: Vec<&Observation> = dataset
        .subjects
        .iter()
        .flat_map(|s| &s.observations)
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for o in &all {
        *counts.entry(o.column).or_insert(0usize) += 1;
    }
    let column = counts
        .iter()
        .max_by_key(|entry| *entry.1)
        .map(|entry| *entry.0)?;
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&k| all[k].column == column)
        .collect();
    let mut times: Vec<f64> = chosen.iter().map(|&k| all[k].time).collect();
    times.sort_by(f64::total_cmp);
    let mut distinct = times.clone();
    distinct.dedup();
    let edges: Vec<f64> = if distinct.len() <= MAX_BINS {
        distinct.clone()
    } else {
        let mut edges: Vec<f64> = (0..MAX_BINS)
            .map(|b| times[b * times.len() / MAX_BINS])
            .collect();
        edges.dedup();
        edges
    };
    let bin_of = |time: f64| edges.iter().rposition(|&e| e <= time).unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for &k in &chosen {
        members[bin_of(all[k].time)].push(k);
    }
    let bins = (members.iter().enumerate())
        .filter(|(_, m)| !m.is_empty())
        .map(|(b, m)| bin(&all, m, simulated, edges[b], edges.get(b + 1).copied()))
        .collect();
    Some(Check {
        column,
        bins,
        replicates: simulated.len(),
    })
}

fn bin(
    all: &[&Observation],
    members: &[usize],
    simulated: &[Vec<f64>],
    low: f64,
    next: Option<f64>,
) -> Bin {
    let observed: Vec<Observation> = members.iter().map(|&k| all[k].clone()).collect();
    let mut bin_times: Vec<f64> = observed.iter().map(|o| o.time).collect();
    bin_times.sort_by(f64::total_cmp);
    let high = next.unwrap_or(*bin_times.last().unwrap_or(&low));
    let below = |k: usize, value: f64| all[k].lloq.is_some_and(|l| value < l);
    let observed_values: Vec<(f64, bool)> =
        observed.iter().map(|o| (o.value, o.censored)).collect();
    let observed_blq =
        observed.iter().filter(|o| o.censored).count() as f64 / observed.len() as f64;
    let mut per_replicate: [Vec<f64>; 3] = Default::default();
    let mut blq_fractions = Vec::with_capacity(simulated.len());
    let mut pooled = Vec::with_capacity(simulated.len() * members.len());
    for replicate in simulated {
        let values: Vec<(f64, bool)> = members
            .iter()
            .map(|&k| (replicate[k], below(k, replicate[k])))
            .collect();
        for (slot, value) in per_replicate.iter_mut().zip(censored_percentiles(&values)) {
            slot.push(value);
        }
        blq_fractions.push(values.iter().filter(|v| v.1).count() as f64 / values.len() as f64);
        pooled.extend(values.iter().map(|v| v.0));
    }
    let summarize = |values: &mut Vec<f64>, low: f64, high: f64| {
        // A percentile below the LLOQ in some replicates: NaN sorts last and is left out.
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        [
            quantile(values, 0.5),
            quantile(values, low),
            quantile(values, high),
        ]
    };
    pooled.sort_by(f64::total_cmp);
    Bin {
        low,
        high,
        time: quantile(&bin_times, 0.5),
        observed_percentiles: censored_percentiles(&observed_values),
        observed_blq,
        simulated_percentiles: per_replicate.map(|mut v| summarize(&mut v, 0.025, 0.975)),
        simulated_blq: summarize(&mut blq_fractions, 0.05, 0.95),
        pooled: [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| quantile(&pooled, p)),
        observed,
    }
}

impl Check {
    pub(super) fn csv(&self) -> String {
        let mut text = String::from(
            "bin,time_low,time_high,time_median,n,replicates,observed_blq_fraction,simulated_blq_median,simulated_blq_p05,simulated_blq_p95",
        );
        for p in ["p05", "p50", "p95"] {
            let _ = write!(
                text,
                ",observed_{p},simulated_{p}_median,simulated_{p}_ci_low,simulated_{p}_ci_high"
            );
        }
        text.push('\n');
        let cell = |v: f64| {
            if v.is_nan() {
                String::new()
            } else {
                v.to_string()
            }
        };
        for (b, bin) in self.bins.iter().enumerate() {
            let _ = write!(
                text,
                "{},{},{},{},{},{},{},{},{},{}",
                b + 1,
                bin.low,
                bin.high,
                bin.time,
                bin.observed.len(),
                self.replicates,
                bin.observed_blq,
                cell(bin.simulated_blq[0]),
                cell(bin.simulated_blq[1]),
                cell(bin.simulated_blq[2])
            );
            for (observed, simulated) in bin
                .observed_percentiles
                .iter()
                .zip(&bin.simulated_percentiles)
            {
                let _ = write!(
                    text,
                    ",{},{},{},{}",
                    cell(*observed),
                    cell(simulated[0]),
                    cell(simulated[1]),
                    cell(simulated[2])
                );
            }
            text.push('\n');
        }
        text
    }

    pub(super) fn figures(&self, model: &Model) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
        let pick = |k: usize| self.bins.iter().map(|b| b.pooled[k]).collect::<Vec<_>>();
        let bands = Bands {
            times: self.bins.iter().map(|b| b.time).collect(),
            p05: pick(0),
            p25: pick(1),
            p50: pick(2),
            p75: pick(3),
            p95: pick(4),
            typical: Vec::new(),
            observed: (self.bins.iter().flat_map(|b| &b.observed))
                .map(super::files::observed_point)
                .collect(),
        };
        let title = format!("Visual predictive check ({} replicates)", self.replicates);
        let x_label = format!("time ({})", model.time_unit);
        let y_label = units_label(std::iter::once(model.column_unit(self.column)));
        let draw_error = |e: crate::plot::PlotError| {
            Diagnostic::new(format!("cannot draw the visual predictive check: {e}"))
        };
        let vpc = bands_png(&title, &x_label, &y_label, &bands).map_err(draw_error)?;
        let intervals: Vec<Interval> = (self.bins.iter())
            .map(|b| Interval {
                label: format!("t {}", (b.time * 1000.0).round() / 1000.0),
                estimate: b.observed_blq,
                low: b.simulated_blq[1],
                high: b.simulated_blq[2],
            })
            .collect();
        let blq = intervals_png(
            "BLQ fraction per time bin: observed (point), simulated 90% interval (bar)",
            "fraction below LLOQ",
            &intervals,
            true,
        )
        .map_err(draw_error)?;
        Ok(vec![
            ("figures/vpc.png".into(), vpc),
            ("figures/vpc_blq.png".into(), blq),
        ])
    }
}
