//! Summaries per arm over subjects: percentiles of each metric (exact, type 7), response and
//! relapse fractions with Wilson 95% intervals, and the relapse-free curve of responders. Rows
//! are counted as they stream by (`Tally`); the percentiles come from a few passes over the
//! arm's metric values afterwards, so no run holds every row in memory. `StudyResult` is what
//! a run keeps for them: the tally, the bands and the typical subjects.

use super::Study;
use super::bands::BandSet;
use super::metrics::{MetricColumn, MetricRow};
use crate::diag::Diagnostic;
use crate::metrics::selection::order_statistics;
use crate::metrics::summary::{kaplan_meier, quantile_of, quantile_ranks, wilson_interval};

/// What a population run keeps of its subjects (their rows went to a `RunSink`).
#[derive(Debug, Clone)]
pub struct StudyResult {
    pub times: Vec<f64>,
    /// The rows counted per arm, for the summary and the failures.
    pub tally: Tally,
    pub bands: BandSet,
    /// Per arm, the typical subject's tracked values (`[time * outputs + output]`), or why its
    /// simulation failed.
    pub typical: Vec<Result<Vec<f64>, Diagnostic>>,
    /// Solver steps over all subjects and arms (accepted + rejected).
    pub steps: u64,
}

/// Percentiles reported for every numeric metric.
pub const SUMMARY_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Responders per arm up to which every responder's relapse observation is kept: the exact
/// relapse-free curve, its censoring marks and number at risk. Beyond, the curve is drawn
/// through `THINNED_CORNERS` of its exact corners, without marks or numbers at risk.
pub const RELAPSE_OBSERVATIONS_KEPT: usize = 100_000;
const THINNED_CORNERS: u64 = 2_000;

/// One metric over the subjects of one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    /// Subjects for which the metric is defined (for a flag: subjects simulated).
    pub n: usize,
    /// Quantiles at `SUMMARY_PROBABILITIES` (NaN for flags and empty metrics).
    pub quantiles: [f64; 5],
    /// For flags and events: (fraction, 95% interval low, high) over simulated subjects.
    pub fraction: Option<(f64, f64, f64)>,
}

/// One arm's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSummary {
    pub subjects: usize,
    pub failed: usize,
    pub metrics: Vec<MetricSummary>,
    /// Relapse-free fraction of responders over time, (time, fraction) where it drops; relapse
    /// times are observed, non-relapsing responders censored at the end of the run. Empty
    /// without response and relapse criteria.
    pub relapse_free: Vec<(f64, f64)>,
    /// The responders behind `relapse_free`: (relapse time, true) or (end of the run, false);
    /// empty beyond `RELAPSE_OBSERVATIONS_KEPT` responders.
    pub relapse_observations: Vec<(f64, bool)>,
    pub responders: usize,
}

impl MetricSummary {
    pub fn median(&self) -> f64 {
        self.quantiles[2]
    }
}

/// One arm's rows counted as they stream by.
#[derive(Debug, Clone, Default)]
pub struct ArmTally {
    pub subjects: u64,
    pub failed: u64,
    /// The first failed row in subject order: (subject ID, why).
    pub first_failure: Option<(u64, Box<Diagnostic>)>,
    /// Per metric column: finite values, and values equal to 1 (for flags).
    finite: Vec<u64>,
    ones: Vec<u64>,
    responders: u64,
    /// Responders with a relapse time.
    relapses: u64,
    /// Every responder's relapse observation, until there are too many (`None` then).
    relapse_observations: Option<Vec<(f64, bool)>>,
}

/// Where the relapse columns are, when the run has both a response and a relapse criterion.
#[derive(Debug, Clone, Copy)]
struct RelapseColumns {
    /// None: no response criterion, so no responders.
    response: Option<usize>,
    relapse: usize,
    time: usize,
}

impl RelapseColumns {
    fn responded(&self, values: &[f64]) -> bool {
        self.response.is_some_and(|k| values[k] == 1.0)
    }
}

/// A run's rows counted per arm, in the order they come (subject order within an arm).
#[derive(Debug, Clone)]
pub struct Tally {
    pub arms: Vec<ArmTally>,
    relapse: Option<RelapseColumns>,
    /// Relapse time of non-relapsing responders (censored at the end of the run).
    end: f64,
}

impl Tally {
    pub fn new(study: &Study) -> Tally {
        let columns = study.metrics.columns();
        let position =
            |name: &str| (columns.iter()).position(|&c| study.metrics.column_name(c) == name);
        let relapse = match (position("relapse"), position("time_to_relapse")) {
            (Some(relapse), Some(time)) => Some(RelapseColumns {
                response: position("response"),
                relapse,
                time,
            }),
            _ => None,
        };
        let arm = ArmTally {
            finite: vec![0; columns.len()],
            ones: vec![0; columns.len()],
            relapse_observations: Some(Vec::new()),
            ..ArmTally::default()
        };
        Tally {
            arms: vec![arm; study.arms.len()],
            relapse,
            end: study.template.end,
        }
    }

    /// Counts one row (rows of an arm in subject order).
    pub fn add(&mut self, row: &MetricRow) {
        let arm = &mut self.arms[row.arm as usize];
        arm.subjects += 1;
        if let Some(failure) = &row.failure {
            arm.failed += 1;
            arm.first_failure
                .get_or_insert_with(|| (row.id, failure.clone()));
            return;
        }
        for (k, &value) in row.values.iter().enumerate() {
            arm.finite[k] += u64::from(value.is_finite());
            arm.ones[k] += u64::from(value == 1.0);
        }
        let Some(columns) = self.relapse else {
            return;
        };
        if !columns.responded(&row.values) {
            return;
        }
        arm.responders += 1;
        let relapsed = row.values[columns.relapse] == 1.0;
        arm.relapses += u64::from(relapsed && row.values[columns.time].is_finite());
        if let Some(kept) = arm.relapse_observations.as_mut() {
            match kept.len() < RELAPSE_OBSERVATIONS_KEPT {
                true if relapsed => kept.push((row.values[columns.time], true)),
                true => kept.push((self.end, false)),
                false => arm.relapse_observations = None,
            }
        }
    }

    /// Simulations counted, and those that failed.
    pub fn simulations(&self) -> (u64, u64) {
        (self.arms.iter()).fold((0, 0), |(n, failed), a| (n + a.subjects, failed + a.failed))
    }

    /// The first failed simulation in arm order, then subject order: (arm, subject ID, why).
    pub fn first_failure(&self) -> Option<(usize, u64, &Diagnostic)> {
        (self.arms.iter().enumerate())
            .find_map(|(arm, t)| (t.first_failure.as_ref()).map(|(id, why)| (arm, *id, &**why)))
    }
}

/// Gives every simulated row's metric values of arm `arm` to `visit`, once per call.
pub type ArmValues<'a> = dyn FnMut(usize, &mut dyn FnMut(&[f64])) -> Result<(), Diagnostic> + 'a;

/// Summarizes every arm from its tally and its rows' values (read again for each pass of the
/// exact percentile selection; see `metrics::selection`).
pub fn summarize(
    study: &Study,
    tally: &Tally,
    values: &mut ArmValues,
) -> Result<Vec<ArmSummary>, Diagnostic> {
    let columns = study.metrics.columns();
    let mut summaries = Vec::with_capacity(study.arms.len());
    for (arm, counts) in tally.arms.iter().enumerate() {
        let simulated = (counts.subjects - counts.failed) as usize;
        // Column k of the selection is metric k; one more holds the responders' relapse
        // times when the curve is thinned.
        let thinned = tally
            .relapse
            .filter(|_| counts.relapse_observations.is_none());
        let mut finite = counts.finite.clone();
        let mut ranks: Vec<Vec<u64>> = (columns.iter().zip(&counts.finite))
            .map(|(column, &n)| match column {
                MetricColumn::Flag(_) => Vec::new(),
                _ => SUMMARY_PROBABILITIES
                    .iter()
                    .flat_map(|&p| quantile_ranks(n, p))
                    .collect(),
            })
            .collect();
        if thinned.is_some() {
            finite.push(counts.relapses);
            ranks.push(corner_ranks(counts.relapses));
        }
        let order = order_statistics(&finite, &ranks, &mut |visit| {
            values(arm, &mut |row| {
                row.iter().enumerate().for_each(|(k, &v)| visit(k, v));
                if let Some(c) = thinned.filter(|c| c.responded(row) && row[c.relapse] == 1.0) {
                    visit(row.len(), row[c.time]);
                }
            })
        })?;
        let metrics = (columns.iter().enumerate())
            .map(|(k, &column)| {
                let at = |rank| order[k][ranks[k].iter().position(|&r| r == rank).unwrap_or(0)];
                let n = counts.finite[k];
                let quantiles = || SUMMARY_PROBABILITIES.map(|p| quantile_of(n, p, at));
                let fraction = |successes: u64| {
                    let (low, high) = wilson_interval(successes as usize, simulated);
                    Some((successes as f64 / simulated as f64, low, high))
                };
                let (n, quantiles, fraction) = match column {
                    MetricColumn::Flag(_) => (simulated, [f64::NAN; 5], fraction(counts.ones[k])),
                    MetricColumn::Event(_) => (n as usize, quantiles(), fraction(n)),
                    MetricColumn::Value(_) => (n as usize, quantiles(), None),
                };
                MetricSummary {
                    name: study.metrics.column_name(column),
                    n,
                    quantiles,
                    fraction,
                }
            })
            .collect();
        let (relapse_free, relapse_observations) = match (tally.relapse, thinned) {
            (None, _) => (Vec::new(), Vec::new()),
            (Some(_), Some(_)) => {
                let corners =
                    (ranks.last().into_iter().flatten()).zip(order.last().into_iter().flatten());
                let responders = counts.responders as f64;
                let curve = std::iter::once((study.template.start, 1.0))
                    .chain(
                        corners.map(|(&rank, &time)| (time, 1.0 - (rank + 1) as f64 / responders)),
                    )
                    .collect();
                (curve, Vec::new())
            }
            (Some(_), None) => {
                let observations = counts.relapse_observations.clone().unwrap_or_default();
                (
                    kaplan_meier(study.template.start, &observations),
                    observations,
                )
            }
        };
        summaries.push(ArmSummary {
            subjects: counts.subjects as usize,
            failed: counts.failed as usize,
            metrics,
            relapse_free,
            relapse_observations,
            responders: counts.responders as usize,
        });
    }
    Ok(summaries)
}

/// Ranks of `THINNED_CORNERS` relapses spread evenly over `relapses` (0-based, ascending).
fn corner_ranks(relapses: u64) -> Vec<u64> {
    let last = relapses.saturating_sub(1);
    let mut ranks: Vec<u64> = (0..THINNED_CORNERS)
        .map(|j| (u128::from(j) * u128::from(last) / u128::from(THINNED_CORNERS - 1)) as u64)
        .filter(|_| relapses > 0)
        .collect();
    ranks.dedup();
    ranks
}

/// `ArmValues` over rows held in memory (sorted by arm or not): gives `visit` the values of
/// arm `arm`'s simulated rows.
pub fn visit_rows(rows: &[MetricRow], arm: usize, visit: &mut dyn FnMut(&[f64])) {
    (rows.iter())
        .filter(|r| r.arm as usize == arm && r.failure.is_none())
        .for_each(|r| visit(&r.values));
}
