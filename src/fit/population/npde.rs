//! Normalised prediction distribution errors (NPDE; Brendel, Comets, Laffont, Laveille & Mentré
//! 2006, Pharm Res 23:2036, with decorrelation as the R package npde does): each observation
//! against the replicates simulated from the fit, and their summary against N(0, 1).
//!
//! Per subject, on the residual error's scale (log for a log-additive error, else natural): the
//! empirical mean E and covariance V (divisor K - 1) of its K simulated vectors; V = L L' by
//! Cholesky (the npde package's default); the observed vector and every simulated one
//! decorrelated as L^-1 (y - E); pde = the fraction of decorrelated simulated values strictly
//! below the decorrelated observation, 0 and 1 replaced by 1/(2K) and 1 - 1/(2K); npde =
//! Phi^-1(pde).
//!
//! BLQ observations are imputed as the npde package's default (`cens.method = "cdf"`, Nguyen,
//! Comets & Mentré 2012): with pLOQ the fraction of the observation's simulated values below
//! its LLOQ, a pd drawn uniformly in [0, pLOQ] gives y* = the simulated values' quantile at pd;
//! every simulated value below its LLOQ is replaced in the same way, so observed and simulated
//! vectors are completed alike (leaving BLQ data out biases the NPDE upwards: the observations
//! kept are selected to be high). The draws are seeded per subject. A BLQ observation without
//! an LLOQ is left out (empty NPDE). A subject with fewer than (observations + 1) replicates,
//! or whose simulated covariance is singular, cannot be decorrelated: its NPDE are empty and
//! its ID is listed.

use crate::data::DataSubject;
use crate::fit::likelihood::ErrorModel;
use crate::metrics::summary::{normal_cdf, normal_quantile, quantile};
use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The NPDE of a dataset's observations.
#[derive(Debug, Clone, PartialEq)]
pub struct Npde {
    /// One per observation of the dataset (subjects in order, each subject's observations in
    /// order); BLQ observations through their imputed values; NaN for BLQ observations without
    /// an LLOQ and subjects that could not be decorrelated.
    pub values: Vec<f64>,
    /// IDs that could not be decorrelated (too few replicates, or a singular covariance).
    pub undecorrelated: Vec<String>,
    pub summary: NpdeSummary,
}

/// The NPDE's distribution against N(0, 1), as the npde package summarizes it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpdeSummary {
    /// Observations with an NPDE.
    pub n: usize,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub mean: f64,
    /// Sample variance (divisor n - 1).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub variance: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub skewness: f64,
    /// Excess kurtosis (0 for a normal distribution).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub kurtosis: f64,
    /// Mean 0: the t statistic mean / (sd / sqrt(n)), p-value from the normal distribution
    /// (the large-sample form of the npde package's t-test).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub mean_p_value: f64,
    /// Variance 1: (n - 1) variance against chi-square with n - 1 degrees of freedom, two-sided,
    /// by the Wilson-Hilferty approximation (the npde package's Fisher test).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub variance_p_value: f64,
    /// Kolmogorov-Smirnov distance to N(0, 1), and its p-value from the Kolmogorov
    /// distribution with Stephens' finite-sample factor sqrt(n) + 0.12 + 0.11 / sqrt(n).
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub ks_statistic: f64,
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub ks_p_value: f64,
    /// The smallest of the three p-values times 3 (Bonferroni), at most 1.
    #[serde(deserialize_with = "crate::record::fit::number")]
    pub global_p_value: f64,
}

/// The NPDE of every observation of `subjects` against `simulated[replicate][k]` (the k-th
/// observation of the dataset, as `simulate_replicates` returns them), BLQ ones imputed with
/// draws seeded by `seed`; `None` without replicates.
pub fn npde(
    subjects: &[DataSubject],
    simulated: &[Vec<f64>],
    error: ErrorModel,
    seed: u64,
) -> Option<Npde> {
    if simulated.is_empty() {
        return None;
    }
    let mut values = Vec::new();
    let mut undecorrelated = Vec::new();
    for (index, subject) in subjects.iter().enumerate() {
        let first = values.len();
        let observations = &subject.observations;
        values.extend(std::iter::repeat_n(f64::NAN, observations.len()));
        let used: Vec<usize> = (0..observations.len())
            .filter(|&j| !observations[j].censored || observations[j].lloq.is_some())
            .collect();
        if used.is_empty() {
            continue;
        }
        let mut random = ChaCha8Rng::seed_from_u64(seed);
        random.set_stream(index as u64);
        let mut observed = Vec::with_capacity(used.len());
        let mut replicates = vec![Vec::with_capacity(used.len()); simulated.len()];
        for &j in &used {
            let o = &observations[j];
            let draws: Vec<f64> = simulated.iter().map(|r| r[first + j]).collect();
            let completed = Completion::new(&draws, o.lloq);
            let value = match o.censored {
                true => completed.impute(&mut random),
                false => o.value,
            };
            observed.push(error.scale(value));
            for (replicate, &draw) in replicates.iter_mut().zip(&draws) {
                replicate.push(error.scale(completed.value(draw, &mut random)));
            }
        }
        match decorrelated_npde(&observed, &replicates) {
            Some(errors) => {
                for (&j, value) in used.iter().zip(errors) {
                    values[first + j] = value;
                }
            }
            None => undecorrelated.push(subject.id.clone()),
        }
    }
    let summary = summarize(&values);
    Some(Npde {
        values,
        undecorrelated,
        summary,
    })
}

/// One observation's simulated values, sorted, and its LLOQ: values below it are imputed from
/// the predictive distribution below it.
struct Completion {
    sorted: Vec<f64>,
    lloq: Option<f64>,
    below: f64,
}

impl Completion {
    fn new(draws: &[f64], lloq: Option<f64>) -> Completion {
        let mut sorted = draws.to_vec();
        sorted.sort_by(f64::total_cmp);
        let below = lloq.map_or(0.0, |l| {
            sorted.iter().filter(|&&v| v < l).count() as f64 / sorted.len() as f64
        });
        Completion {
            sorted,
            lloq,
            below,
        }
    }

    /// A value below the LLOQ: the simulated quantile at a pd uniform in [0, pLOQ].
    fn impute(&self, random: &mut ChaCha8Rng) -> f64 {
        let pd: f64 = random.random::<f64>() * self.below;
        quantile(&self.sorted, pd)
    }

    /// A simulated value as completed: imputed when below the LLOQ.
    fn value(&self, draw: f64, random: &mut ChaCha8Rng) -> f64 {
        match self.lloq {
            Some(lloq) if draw < lloq => self.impute(random),
            _ => draw,
        }
    }
}

/// One subject's NPDE: `observed` (n values) against `simulated` (K vectors of n values),
/// decorrelated by the Cholesky factor of the simulated covariance. `None` when K < n + 1, a
/// value is not finite, or the covariance is not positive definite.
pub fn decorrelated_npde(observed: &[f64], simulated: &[Vec<f64>]) -> Option<Vec<f64>> {
    let (n, k) = (observed.len(), simulated.len());
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    if k < n + 1 || !finite(observed) || !simulated.iter().all(|s| finite(s)) {
        return None;
    }
    let draws = DMatrix::from_fn(n, k, |i, r| simulated[r][i]);
    let mean = draws.column_mean();
    let centred = DMatrix::from_fn(n, k, |i, r| draws[(i, r)] - mean[i]);
    let covariance = &centred * centred.transpose() / (k - 1) as f64;
    let factor = covariance.cholesky()?.l();
    let decorrelate = |v: DVector<f64>| factor.solve_lower_triangular(&v);
    let observed = decorrelate(DVector::from_column_slice(observed) - &mean)?;
    let simulated = (0..k)
        .map(|r| decorrelate(centred.column(r).into_owned()))
        .collect::<Option<Vec<_>>>()?;
    let half = 0.5 / k as f64;
    Some(
        (0..n)
            .map(|i| {
                let below = simulated.iter().filter(|s| s[i] < observed[i]).count();
                let pde = (below as f64 / k as f64).clamp(half, 1.0 - half);
                normal_quantile(pde)
            })
            .collect(),
    )
}

/// Moments and tests of the finite values against N(0, 1).
fn summarize(values: &[f64]) -> NpdeSummary {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let moment = |power: i32| sorted.iter().map(|v| (v - mean).powi(power)).sum::<f64>() / n;
    let variance = moment(2) * n / (n - 1.0);
    let (m2, m3, m4) = (moment(2), moment(3), moment(4));
    let t = mean / (variance / n).sqrt();
    let mean_p_value = 2.0 * normal_cdf(-t.abs());
    let variance_p_value = chi_square_two_sided((n - 1.0) * variance, n - 1.0);
    let ks_statistic = ks_distance(&sorted);
    let ks_p_value = kolmogorov_p_value(ks_statistic, n);
    let smallest = mean_p_value.min(variance_p_value).min(ks_p_value);
    NpdeSummary {
        n: sorted.len(),
        mean,
        variance,
        skewness: m3 / m2.powf(1.5),
        kurtosis: m4 / (m2 * m2) - 3.0,
        mean_p_value,
        variance_p_value,
        ks_statistic,
        ks_p_value,
        global_p_value: (3.0 * smallest).min(1.0),
    }
}

/// Two-sided p-value of `statistic` under chi-square with `degrees` degrees of freedom, by the
/// Wilson-Hilferty cube-root normal approximation.
fn chi_square_two_sided(statistic: f64, degrees: f64) -> f64 {
    let spread = 2.0 / (9.0 * degrees);
    let z = ((statistic / degrees).cbrt() - (1.0 - spread)) / spread.sqrt();
    (2.0 * normal_cdf(-z.abs())).min(1.0)
}

/// sup |F_n - Phi| of sorted values.
fn ks_distance(sorted: &[f64]) -> f64 {
    let n = sorted.len() as f64;
    (sorted.iter().enumerate())
        .map(|(i, &x)| {
            let f = normal_cdf(x);
            ((i + 1) as f64 / n - f).max(f - i as f64 / n)
        })
        .fold(f64::NAN, f64::max)
}

/// P(D > `distance`) for n values: Q(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2) at
/// lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) distance (Stephens 1970).
fn kolmogorov_p_value(distance: f64, n: f64) -> f64 {
    let root = n.sqrt();
    let lambda = (root + 0.12 + 0.11 / root) * distance;
    if !lambda.is_finite() {
        return f64::NAN;
    }
    if lambda < 0.2 {
        return 1.0;
    }
    let sum: f64 = (1..=100)
        .map(|k| {
            let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
            sign * (-2.0 * (k * k) as f64 * lambda * lambda).exp()
        })
        .sum();
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulated vectors a = (1, 1), b = (-1, -1), c = (1, 0), d = (-1, 0): mean 0, covariance
    /// (divisor 3) [[4/3, 2/3], [2/3, 2/3]], Cholesky L = [[2/sqrt3, 0], [1/sqrt3, 1/sqrt3]], so
    /// z1 = (sqrt3/2) v1 and z2 = sqrt3 (v2 - v1/2). Decorrelated: a (s, s), b (-s, -s),
    /// c (s, -s), d (-s, s) with s = sqrt3/2. The observation (0.5, 1) becomes (sqrt3/4,
    /// 0.75 sqrt3) = (0.433, 1.299): 2 of 4 below in the first (pde 1/2, npde 0), all 4 below
    /// in the second (pde 1 -> 1 - 1/8, npde Phi^-1(0.875) = 1.1503493803760079), where without
    /// decorrelation 3 of the 4 second values (1, -1, 0, 0) are below 1 and not all.
    #[test]
    fn decorrelation_matches_the_hand_computation() {
        let simulated = vec![
            vec![1.0, 1.0],
            vec![-1.0, -1.0],
            vec![1.0, 0.0],
            vec![-1.0, 0.0],
        ];
        let errors = decorrelated_npde(&[0.5, 1.0], &simulated).unwrap();
        assert!(errors[0].abs() < 1e-15, "{errors:?}");
        assert!((errors[1] - 1.1503493803760079).abs() < 1e-12, "{errors:?}");
        // (0.5, -1): z2 = sqrt3 (-1.25) = -2.165, none below: pde 1/8.
        let errors = decorrelated_npde(&[0.5, -1.0], &simulated).unwrap();
        assert!((errors[1] + 1.1503493803760079).abs() < 1e-12, "{errors:?}");
    }

    /// Simulated values 1 to 10 and an LLOQ of 4.5: pLOQ = 0.4, so imputed values are the
    /// type 7 quantiles at pd in [0, 0.4], between 1 and 1 + 0.4 x 9 = 4.6; values at or above
    /// the LLOQ are kept.
    #[test]
    fn blq_values_are_imputed_below_the_lloq_from_the_simulated_values() {
        let draws: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let completion = Completion::new(&draws, Some(4.5));
        assert_eq!(completion.below, 0.4);
        let mut random = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let value = completion.impute(&mut random);
            assert!((1.0..=4.6).contains(&value), "{value}");
        }
        assert_eq!(completion.value(7.0, &mut random), 7.0);
        assert_eq!(completion.value(4.5, &mut random), 4.5);
        assert!(completion.value(2.0, &mut random) <= 4.6);
    }

    #[test]
    fn too_few_replicates_or_a_singular_covariance_cannot_be_decorrelated() {
        let two = vec![vec![1.0, 2.0], vec![2.0, 1.0]];
        assert_eq!(decorrelated_npde(&[1.0, 1.0], &two), None);
        let collinear = vec![
            vec![1.0, 2.0],
            vec![2.0, 4.0],
            vec![3.0, 6.0],
            vec![0.0, 0.0],
        ];
        assert_eq!(decorrelated_npde(&[1.0, 1.0], &collinear), None);
    }

    /// Values at the 1/(n+1), ..., n/(n+1) quantiles of N(0, 1): mean 0 and skewness 0 by
    /// symmetry, KS distance max over i of |i/n - i/(n+1)| and |(i-1)/n - i/(n+1)| = 1/(n+1)
    /// (at the ends); Q(lambda) is 1 to 1e-3 below lambda 0.4 (Kolmogorov's table), so the
    /// tests do not reject.
    #[test]
    fn normal_scores_summarize_as_normal() {
        let n = 99;
        let values: Vec<f64> = (1..=n)
            .map(|i| normal_quantile(i as f64 / (n + 1) as f64))
            .collect();
        let summary = summarize(&values);
        assert_eq!(summary.n, n);
        assert!(summary.mean.abs() < 1e-12 && summary.skewness.abs() < 1e-10);
        assert!((summary.ks_statistic - 0.01).abs() < 1e-12, "{summary:?}");
        assert!(summary.ks_p_value > 0.999 && summary.mean_p_value > 0.999);
    }

    /// Kolmogorov's distribution at its published points: Q(1.358) = 0.05, Q(1.628) = 0.01
    /// (the asymptotic 5% and 1% critical values); Stephens' factor taken out by choosing the
    /// distance for n.
    #[test]
    fn kolmogorov_p_values_match_the_critical_values() {
        let n = 400.0f64;
        let factor = n.sqrt() + 0.12 + 0.11 / n.sqrt();
        assert!((kolmogorov_p_value(1.358 / factor, n) - 0.05).abs() < 5e-4);
        assert!((kolmogorov_p_value(1.628 / factor, n) - 0.01).abs() < 2e-4);
    }
}
