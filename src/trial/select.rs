//! BOIN's final dose selection: isotonic (pool-adjacent-violators) estimates of the DLT rates of
//! the tried, non-eliminated levels, and the level closest to the target.

use super::{LevelCounts, eliminates};

/// Prior count added to the DLTs and to the non-DLTs of a level before PAVA: the estimate is
/// the posterior mean under Beta(0.05, 0.05), as in the BOIN package's `select.mtd`.
const PRIOR: f64 = 0.05;

/// Estimates within this distance of each other count as equally close to the target.
const TIE: f64 = 1e-12;

/// The non-decreasing sequence closest to `values` in weighted least squares
/// (pool-adjacent-violators: adjacent values out of order are pooled into their weighted mean
/// until none are). A weight that is missing, not finite or not positive counts as 1.
pub fn pava(values: &[f64], weights: &[f64]) -> Vec<f64> {
    // Blocks of pooled values: (weighted mean, total weight, number of values).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(values.len());
    for (i, &value) in values.iter().enumerate() {
        let weight = weights
            .get(i)
            .copied()
            .filter(|w| w.is_finite() && *w > 0.0)
            .unwrap_or(1.0);
        blocks.push((value, weight, 1));
        while let [.., (mean_a, weight_a, len_a), (mean_b, weight_b, len_b)] = blocks[..] {
            if mean_a <= mean_b {
                break;
            }
            let weight = weight_a + weight_b;
            let mean = (mean_a * weight_a + mean_b * weight_b) / weight;
            blocks.truncate(blocks.len() - 2);
            blocks.push((mean, weight, len_a + len_b));
        }
    }
    blocks
        .iter()
        .flat_map(|&(mean, _, len)| std::iter::repeat_n(mean, len))
        .collect()
}

/// The selected dose level (0-based) from the patients and DLTs at each level, or `None`.
///
/// Levels are eliminated from the data (the first level meeting [`eliminates`], and all above);
/// none is selected when the lowest is eliminated or no non-eliminated level was tried.
/// The tried, non-eliminated levels get (dlts + 0.05)/(n + 0.1), made non-decreasing by
/// [`pava`] with weights 1/variance of Beta(dlts + 0.05, n - dlts + 0.05); the level whose
/// estimate is closest to `target` is selected, ties going to the highest tied level below the
/// target if there is one, otherwise to the lowest tied level.
pub fn select_dose(target: f64, counts: &[LevelCounts]) -> Option<usize> {
    let eliminated_from = counts
        .iter()
        .position(|c| eliminates(c.n, c.dlts, target))
        .unwrap_or(counts.len());
    let tried: Vec<usize> = (0..eliminated_from)
        .filter(|&level| counts[level].n > 0)
        .collect();
    if eliminated_from == 0 || tried.is_empty() {
        return None;
    }
    let (rates, weights): (Vec<f64>, Vec<f64>) = tried
        .iter()
        .map(|&level| {
            let n = counts[level].n as f64;
            let dlts = counts[level].dlts.min(counts[level].n) as f64;
            let (a, b) = (dlts + PRIOR, n - dlts + PRIOR);
            let variance = a * b / ((a + b).powi(2) * (a + b + 1.0));
            (a / (a + b), 1.0 / variance)
        })
        .unzip();
    let estimates = pava(&rates, &weights);
    let distance = |i: usize| (estimates[i] - target).abs();
    let best = (0..tried.len()).map(distance).fold(f64::INFINITY, f64::min);
    let tied: Vec<usize> = (0..tried.len())
        .filter(|&i| distance(i) <= best + TIE)
        .collect();
    let below = tied.iter().rev().find(|&&i| estimates[i] < target);
    below.or(tied.first()).map(|&i| tried[i])
}
