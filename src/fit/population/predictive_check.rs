//! The statistics of a visual predictive check: the observations of the most observed column
//! binned by time, each bin's observed 5th, 50th and 95th percentiles and BLQ fraction, against
//! the same statistics of the simulated replicates (median and interval over replicates).

use crate::data::{Dataset, Observation};
use crate::metrics::summary::quantile;
use std::collections::BTreeMap;

/// At most this many distinct observation times are binned one bin per time; more are grouped
/// into this many bins of about equal numbers of observations.
const MAX_BINS: usize = 12;
/// The percentiles compared, observed against simulated.
const PERCENTILES: [f64; 3] = [0.05, 0.5, 0.95];

/// One time bin: the observations in it and their statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    /// Median time of its observations (where it is drawn).
    pub time: f64,
    pub observed: Vec<Observation>,
    /// Observed percentiles (NaN when the percentile lies among BLQ values) and BLQ fraction.
    pub observed_percentiles: [f64; 3],
    pub observed_blq: f64,
    /// Over replicates: [percentile][median, 2.5th, 97.5th] and the BLQ fraction's
    /// [median, 5th, 95th]; the pooled simulated distribution's 5/25/50/75/95th percentiles.
    pub simulated_percentiles: [[f64; 3]; 3],
    pub simulated_blq: [f64; 3],
    pub pooled: [f64; 5],
}

/// A computed check.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveCheck {
    /// The trajectory column checked.
    pub column: usize,
    pub bins: Vec<Bin>,
    pub replicates: usize,
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
pub fn predictive_check(dataset: &Dataset, simulated: &[Vec<f64>]) -> Option<PredictiveCheck> {
    if simulated.is_empty() {
        return None;
    }
    let all: Vec<&Observation> = dataset
        .subjects
        .iter()
        .flat_map(|s| &s.observations)
        .collect();
    let mut counts = BTreeMap::new();
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
        distinct
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
    Some(PredictiveCheck {
        column,
        bins,
        replicates: simulated.len(),
    })
}

/// The median and the `low` and `high` quantiles of the finite values (a percentile below the
/// LLOQ in some replicates is NaN and left out).
fn summarize(values: &mut Vec<f64>, low: f64, high: f64) -> [f64; 3] {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    [
        quantile(values, 0.5),
        quantile(values, low),
        quantile(values, high),
    ]
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
