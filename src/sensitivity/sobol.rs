//! Sobol' first-order and total indices from the outputs of a Saltelli design, by the Jansen
//! estimators, with percentile bootstrap confidence intervals.
//!
//! With f_A, f_B and f_ABi the outputs at row j of A, B and A_B^i (Saltelli et al. 2010,
//! Comput Phys Commun 181:259, Table 2, estimators (b) and (f), after Jansen 1999):
//!
//!   V_i  = V - 1/(2N) sum_j (f_B - f_ABi)^2      (f_B and f_ABi share only x_i)
//!   VT_i = 1/(2N) sum_j (f_A - f_ABi)^2          (f_A and f_ABi share all but x_i)
//!
//! S_i = V_i / V and ST_i = VT_i / V, V the variance of the 2N outputs at A and B. A row is
//! used only when all k + 2 of its outputs are finite (a failed simulation drops its row).

use crate::metrics::summary::quantile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Settings of the percentile bootstrap over rows of the design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub resamples: usize,
    /// Coverage of the interval, e.g. 0.95.
    pub confidence: f64,
    /// Resample r draws from ChaCha8 keyed by `seed` on stream r.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// An index with its bootstrap interval and standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexEstimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Standard deviation of the bootstrap replicates.
    pub standard_error: f64,
}

/// The first-order and total index of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    pub first: IndexEstimate,
    pub total: IndexEstimate,
}

/// The indices of every input, and the rows (of N) that entered them.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolResult {
    pub indices: Vec<SobolIndex>,
    pub used: usize,
    pub variance: f64,
}

/// The outputs of one design, indexed by (matrix, row).
struct Outputs<'a> {
    values: &'a [f64],
    n: usize,
    dimensions: usize,
}

impl Outputs<'_> {
    fn a(&self, row: usize) -> f64 {
        self.values[row]
    }
    fn b(&self, row: usize) -> f64 {
        self.values[self.n + row]
    }
    fn ab(&self, i: usize, row: usize) -> f64 {
        self.values[(2 + i) * self.n + row]
    }
    fn finite(&self, row: usize) -> bool {
        (0..self.dimensions + 2).all(|m| self.values[m * self.n + row].is_finite())
    }

    /// Variance, first-order and total indices over `rows` (which may repeat).
    fn estimate(&self, rows: &[usize]) -> (f64, Vec<f64>, Vec<f64>) {
        let count = rows.len() as f64;
        let mean = rows.iter().map(|&j| self.a(j) + self.b(j)).sum::<f64>() / (2.0 * count);
        let variance = rows
            .iter()
            .map(|&j| (self.a(j) - mean).powi(2) + (self.b(j) - mean).powi(2))
            .sum::<f64>()
            / (2.0 * count - 1.0);
        let half_mean_square = |pairs: &dyn Fn(usize) -> f64| {
            rows.iter().map(|&j| pairs(j).powi(2)).sum::<f64>() / (2.0 * count)
        };
        let first = (0..self.dimensions)
            .map(|i| (variance - half_mean_square(&|j| self.b(j) - self.ab(i, j))) / variance)
            .collect();
        let total = (0..self.dimensions)
            .map(|i| half_mean_square(&|j| self.a(j) - self.ab(i, j)) / variance)
            .collect();
        (variance, first, total)
    }
}

fn summarize(value: f64, mut replicates: Vec<f64>, confidence: f64) -> IndexEstimate {
    replicates.retain(|x| x.is_finite());
    if replicates.len() < 2 {
        return IndexEstimate {
            value,
            low: f64::NAN,
            high: f64::NAN,
            standard_error: f64::NAN,
        };
    }
    replicates.sort_by(f64::total_cmp);
    let count = replicates.len() as f64;
    let mean = replicates.iter().sum::<f64>() / count;
    let spread = replicates.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let tail = (1.0 - confidence) / 2.0;
    IndexEstimate {
        value,
        low: quantile(&replicates, tail),
        high: quantile(&replicates, 1.0 - tail),
        standard_error: spread.sqrt(),
    }
}

/// Sobol' indices of `dimensions` inputs from the N (k + 2) outputs of a `SaltelliDesign` of
/// `n` rows, in its `points` order. Fails when the outputs do not fit the design, fewer than
/// two rows are finite, or the output does not vary.
pub fn sobol_indices(
    outputs: &[f64],
    n: usize,
    dimensions: usize,
    bootstrap: &Bootstrap,
) -> Result<SobolResult, String> {
    if outputs.len() != n * (dimensions + 2) {
        return Err(format!(
            "{} outputs do not fit a design of {n} rows and {dimensions} inputs",
            outputs.len()
        ));
    }
    let outputs = Outputs {
        values: outputs,
        n,
        dimensions,
    };
    let used: Vec<usize> = (0..n).filter(|&j| outputs.finite(j)).collect();
    if used.len() < 2 {
        return Err(format!(
            "only {} of {n} samples gave finite values",
            used.len()
        ));
    }
    let (variance, first, total) = outputs.estimate(&used);
    if variance.is_nan() || variance <= 0.0 {
        return Err("the output does not vary over the parameter ranges".into());
    }
    let replicates: Vec<(Vec<f64>, Vec<f64>)> = (0..bootstrap.resamples as u64)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
            rng.set_stream(r);
            let rows: Vec<usize> = (0..used.len())
                .map(|_| used[rng.random_range(0..used.len())])
                .collect();
            let (_, first, total) = outputs.estimate(&rows);
            (first, total)
        })
        .collect();
    let replicate = |i: usize, total: bool| -> Vec<f64> {
        (replicates.iter())
            .map(|(first, all)| if total { all[i] } else { first[i] })
            .collect()
    };
    let indices = (0..dimensions)
        .map(|i| SobolIndex {
            first: summarize(first[i], replicate(i, false), bootstrap.confidence),
            total: summarize(total[i], replicate(i, true), bootstrap.confidence),
        })
        .collect();
    Ok(SobolResult {
        indices,
        used: used.len(),
        variance,
    })
}
