//! The statistics of a visual predictive check: the observations of the most observed column
//! binned by time at the clusters of sampling times, each bin's observed 5th, 50th and 95th
//! percentiles and BLQ fraction, against the same statistics of the simulated replicates
//! (median and interval over replicates); and the prediction-corrected check over the same bins.
//!
//! Bins: the sorted distinct sampling times are split at their k - 1 largest gaps relative to
//! the later time ((t_next - t) / (t_next - origin), the origin 0 or the first time if that is
//! negative), so a gap of an hour counts on day 1 and not on day 300; k is the most
//! distinct sampling times one ID has (a design samples each ID about once per nominal time),
//! at most the number of distinct times. Nominal times shared by every ID each get a bin;
//! actual times scattered around nominal ones fall into one bin per nominal time.

use crate::data::{Dataset, Observation};
use crate::metrics::summary::quantile;
use std::collections::BTreeMap;

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
    let all: Vec<&Observation> = (dataset.subjects.iter())
        .flat_map(|s| &s.observations)
        .collect();
    let binned = binned(dataset, &all, simulated)?;
    let bins = (binned.members.iter().enumerate())
        .map(|(b, m)| {
            bin(
                &all,
                m,
                simulated,
                binned.edges[b],
                binned.edges.get(b + 1).copied(),
            )
        })
        .collect();
    Some(PredictiveCheck {
        column: binned.column,
        bins,
        replicates: simulated.len(),
    })
}

/// The prediction-corrected check (Bergstrand, Hooker, Wallin & Karlsson 2011, AAPS J 13:143):
/// the same bins, with each observation, its LLOQ and its simulated values multiplied by
/// PRED_bin / PRED_k (`pred[k]` the population prediction of the dataset's k-th observation,
/// PRED_bin the median PRED of its bin); an observation whose PRED or bin median is not
/// positive is left uncorrected. `None` without replicates.
pub fn prediction_corrected_check(
    dataset: &Dataset,
    simulated: &[Vec<f64>],
    pred: &[f64],
) -> Option<PredictiveCheck> {
    let all: Vec<&Observation> = (dataset.subjects.iter())
        .flat_map(|s| &s.observations)
        .collect();
    let binned = binned(dataset, &all, simulated)?;
    let mut factor = vec![1.0; all.len()];
    for members in &binned.members {
        let mut preds: Vec<f64> = members.iter().map(|&k| pred[k]).collect();
        preds.sort_by(f64::total_cmp);
        let median = quantile(&preds, 0.5);
        for &k in members {
            if median > 0.0 && pred[k] > 0.0 {
                factor[k] = median / pred[k];
            }
        }
    }
    let corrected: Vec<Observation> = (all.iter().zip(&factor))
        .map(|(o, &f)| Observation {
            value: o.value * f,
            lloq: o.lloq.map(|l| l * f),
            ..(*o).clone()
        })
        .collect();
    let corrected_refs: Vec<&Observation> = corrected.iter().collect();
    let scaled: Vec<Vec<f64>> = (simulated.iter())
        .map(|r| r.iter().zip(&factor).map(|(v, f)| v * f).collect())
        .collect();
    let edges = &binned.edges;
    let bins = (binned.members.iter().enumerate())
        .map(|(b, m)| {
            bin(
                &corrected_refs,
                m,
                &scaled,
                edges[b],
                edges.get(b + 1).copied(),
            )
        })
        .collect();
    Some(PredictiveCheck {
        column: binned.column,
        bins,
        replicates: simulated.len(),
    })
}

/// The checked column, and its observations (indices into the dataset's) per non-empty bin
/// with each bin's lower edge.
struct Binned {
    column: usize,
    edges: Vec<f64>,
    members: Vec<Vec<usize>>,
}

fn binned(dataset: &Dataset, all: &[&Observation], simulated: &[Vec<f64>]) -> Option<Binned> {
    if simulated.is_empty() {
        return None;
    }
    let mut counts = BTreeMap::new();
    for o in all {
        *counts.entry(o.column).or_insert(0usize) += 1;
    }
    let column = counts
        .iter()
        .max_by_key(|entry| *entry.1)
        .map(|entry| *entry.0)?;
    let per_subject = (dataset.subjects.iter()).map(|s| {
        (s.observations.iter())
            .filter(|o| o.column == column)
            .map(|o| o.time)
            .collect::<Vec<f64>>()
    });
    let edges = bin_edges(per_subject.collect());
    let bin_of = |time: f64| edges.iter().rposition(|&e| e <= time).unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for k in (0..all.len()).filter(|&k| all[k].column == column) {
        members[bin_of(all[k].time)].push(k);
    }
    let (edges, members) = (edges.into_iter().zip(members))
        .filter(|(_, m)| !m.is_empty())
        .unzip();
    Some(Binned {
        column,
        edges,
        members,
    })
}

/// The lower edge of each time bin, from each subject's sampling times (see the module's
/// documentation).
fn bin_edges(per_subject: Vec<Vec<f64>>) -> Vec<f64> {
    let distinct_times = |times: &[f64]| {
        let mut times = times.to_vec();
        times.sort_by(f64::total_cmp);
        times.dedup();
        times
    };
    let bins = (per_subject.iter())
        .map(|times| distinct_times(times).len())
        .max()
        .unwrap_or(0);
    let times = distinct_times(&per_subject.concat());
    let Some(&first) = times.first() else {
        return Vec::new();
    };
    let origin = first.min(0.0);
    let mut gaps: Vec<(f64, usize)> = (1..times.len())
        .map(|i| ((times[i] - times[i - 1]) / (times[i] - origin), i))
        .collect();
    gaps.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut starts: Vec<usize> = gaps.iter().take(bins.max(1) - 1).map(|g| g.1).collect();
    starts.push(0);
    starts.sort_unstable();
    starts.iter().map(|&i| times[i]).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataSubject;

    /// Theophylline's actual sampling times (R datasets::Theoph, IDs 1 to 3), scattered around
    /// the nominal 0, 0.25, 0.5, 1, 2, 3.5, 5, 7, 9, 12 and 24 h: 11 samples per ID, 11 bins,
    /// each starting at the earliest time near its nominal one.
    #[test]
    fn actual_times_are_binned_at_their_nominal_times() {
        let subjects = vec![
            vec![
                0.0, 0.25, 0.57, 1.12, 2.02, 3.82, 5.1, 7.03, 9.05, 12.12, 24.37,
            ],
            vec![0.0, 0.27, 0.52, 1.0, 1.92, 3.5, 5.02, 7.03, 9.0, 12.0, 24.3],
            vec![
                0.0, 0.27, 0.58, 1.02, 2.02, 3.62, 5.08, 7.07, 9.0, 12.15, 24.17,
            ],
        ];
        assert_eq!(
            bin_edges(subjects),
            [
                0.0, 0.25, 0.52, 1.0, 1.92, 3.5, 5.02, 7.03, 9.0, 12.0, 24.17
            ]
        );
    }

    /// A CAR T design sampled at the same nominal days in every ID, late days 10 to 25 days
    /// apart: every day is its own bin (equal-count bins merged day 17 with 21 and 270 with
    /// 365), so the last bin sits at the last day.
    #[test]
    fn shared_nominal_days_each_get_a_bin() {
        let days = vec![
            1.0, 4.0, 7.0, 10.0, 14.0, 17.0, 21.0, 28.0, 90.0, 180.0, 270.0, 365.0,
        ];
        let subjects = vec![days.clone(); 5];
        assert_eq!(bin_edges(subjects), days);
    }

    /// Three IDs sampled once at t = 1 with PRED 1, 2 and 4: the bin's median PRED is 2, so
    /// the factors are 2, 1 and 1/2. Observed 2, 3, 4 become 4, 3, 2 (percentiles at sorted
    /// index round(p (n - 1)): 2, 3, 4); a replicate of 1, 1, 1 becomes 2, 1, 1/2 (median 1),
    /// and each row's LLOQ is scaled with its value.
    #[test]
    fn prediction_correction_scales_by_the_bin_median_pred() {
        let subject = |id: &str, value: f64| DataSubject {
            id: id.to_string(),
            row: 1,
            covariates: Vec::new(),
            schedules: Vec::new(),
            doses: Vec::new(),
            observations: vec![Observation {
                time: 1.0,
                column: 0,
                value,
                censored: false,
                lloq: Some(2.5),
                row: 1,
                before_doses: false,
            }],
            output_times: Vec::new(),
            resets: Vec::new(),
        };
        let dataset = Dataset {
            subjects: vec![subject("1", 2.0), subject("2", 3.0), subject("3", 4.0)],
            warnings: Vec::new(),
            time_varying: Vec::new(),
            dropped: Default::default(),
            delimiter: Default::default(),
        };
        let check =
            prediction_corrected_check(&dataset, &[vec![1.0; 3]], &[1.0, 2.0, 4.0]).unwrap();
        let bin = &check.bins[0];
        let values: Vec<f64> = bin.observed.iter().map(|o| o.value).collect();
        assert_eq!(values, [4.0, 3.0, 2.0]);
        assert_eq!(bin.observed_percentiles, [2.0, 3.0, 4.0]);
        assert_eq!(bin.pooled[2], 1.0);
        let lloqs: Vec<Option<f64>> = bin.observed.iter().map(|o| o.lloq).collect();
        assert_eq!(lloqs, [Some(5.0), Some(2.5), Some(1.25)]);
        // The uncorrected check of the same data keeps the values.
        let plain = predictive_check(&dataset, &[vec![1.0; 3]]).unwrap();
        assert_eq!(plain.bins[0].observed_percentiles, [2.0, 3.0, 4.0]);
        assert_eq!(plain.bins[0].observed[0].value, 2.0);
    }

    /// IDs with different numbers of samples: the bins follow the most sampled ID. The gap
    /// 1.0 to 1.1 is 0.1/1.1 = 0.09 of its time, those between clusters 0.45 to 0.49.
    #[test]
    fn the_most_sampled_id_sets_the_number_of_bins() {
        let subjects = vec![
            vec![1.0, 2.0, 4.0, 8.0],
            vec![1.1, 8.2],
            vec![2.1, 4.1, 4.1],
        ];
        assert_eq!(bin_edges(subjects), [1.0, 2.0, 4.0, 8.0]);
        assert_eq!(bin_edges(Vec::new()), Vec::<f64>::new());
    }
}
