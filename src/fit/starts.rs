//! Several starts of an individual search: where they start (a deterministic design around the
//! initial values, then seeded random ones) and whether their end points agree.

use super::estimate::SearchResult;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Searches per ID unless `--starts` says otherwise: the initial values and the four corners
/// of the first two design directions (about five times one search; enough to leave a local
/// optimum such as the swapped absorption and elimination rates of an oral model).
pub const DEFAULT_STARTS: usize = 5;

/// The distance of a designed start from the initial values on the estimation scale (log or
/// logit): a factor e on a log-scale parameter.
const SPREAD: f64 = 1.0;

/// -2LL within this of the best counts as the same optimum: a difference far below the 3.84
/// of a likelihood-ratio test at 5%, and far above the search's convergence tolerance.
const AGREEMENT: f64 = 0.1;

/// Starting points of `count` searches from `start` (theta), perturbing only the first `moved`
/// entries (the model parameters; residual SDs keep their start). The first is `start`; then
/// pairs +-SPREAD along the Walsh directions s_i = (-1)^popcount(m & i) (m = 0: every
/// parameter up, then down; m = 1: alternate ones up and down; ...); once those are used up,
/// normal draws of SD SPREAD from ChaCha8 seeded with `seed`.
pub fn start_points(start: &[f64], moved: usize, count: usize, seed: u64) -> Vec<Vec<f64>> {
    let directions = moved.max(1).next_power_of_two();
    let designed = 2 * directions;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let jitter = Normal::new(0.0, SPREAD).expect("a positive SD");
    (0..count.max(1))
        .map(|attempt| {
            let mut point = start.to_vec();
            for (i, theta) in point.iter_mut().enumerate().take(moved) {
                *theta += match attempt {
                    0 => 0.0,
                    a if a <= designed => {
                        let m = (a - 1) / 2;
                        let sign = if (m & i).count_ones() % 2 == 0 {
                            1.0
                        } else {
                            -1.0
                        };
                        let side = if a % 2 == 1 { 1.0 } else { -1.0 };
                        SPREAD * sign * side
                    }
                    _ => jitter.sample(&mut rng),
                };
            }
            point
        })
        .collect()
}

/// Another optimum the starts found: its -2LL and model parameter values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OtherOptimum {
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub minus_2_log_likelihood: f64,
    #[serde(deserialize_with = "crate::record::fit::numbers")]
    pub parameters: Vec<f64>,
}

/// How the starts of one fit ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Starts {
    pub tried: usize,
    /// Searches that ended at a point (the others failed to simulate).
    pub finished: usize,
    /// Finished searches whose -2LL is within `AGREEMENT` of the best.
    pub reaching_best: usize,
    /// The best end point that is not the best optimum, if any.
    pub next_best: Option<OtherOptimum>,
    /// False when at most half of the finished searches reached the best -2LL: the likelihood
    /// has several optima and the best one was found from few starts, so more starts (or
    /// better starting values) may still find a better one.
    pub agree: bool,
}

impl Starts {
    /// Summarizes the end points of the finished searches (`parameters` maps theta to the
    /// model parameters) against the best of them.
    pub fn summarize(
        tried: usize,
        ends: &[SearchResult],
        parameters: &dyn Fn(&[f64]) -> Vec<f64>,
    ) -> Starts {
        let best = ends
            .iter()
            .map(|e| e.objective)
            .fold(f64::INFINITY, f64::min);
        let reaching_best = (ends.iter())
            .filter(|e| e.objective <= best + AGREEMENT)
            .count();
        let next_best = (ends.iter())
            .filter(|e| e.objective > best + AGREEMENT)
            .min_by(|a, b| a.objective.total_cmp(&b.objective))
            .map(|e| OtherOptimum {
                minus_2_log_likelihood: e.objective,
                parameters: parameters(&e.theta),
            });
        Starts {
            tried,
            finished: ends.len(),
            reaching_best,
            next_best,
            agree: ends.len() <= 1 || 2 * reaching_best > ends.len(),
        }
    }

    /// What a user reads when the starts disagree: how many reached the best -2LL and where
    /// the next best ended (`names` of the model parameters).
    pub fn disagreement(&self, names: &[String]) -> Option<String> {
        if self.agree {
            return None;
        }
        let mut text = format!(
            "starts disagree: {} of {} searches reached the best -2LL",
            self.reaching_best, self.finished
        );
        if let Some(other) = &self.next_best {
            let values: Vec<String> = (names.iter().zip(&other.parameters))
                .map(|(name, value)| format!("{name} {value:.4e}"))
                .collect();
            text.push_str(&format!(
                "; another optimum has -2LL {:.4} ({}); the likelihood has several optima: \
                 check the estimates or try more `--starts`",
                other.minus_2_log_likelihood,
                values.join(", ")
            ));
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests;
