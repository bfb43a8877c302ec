//! The design of starting points, and several starts on a likelihood with several optima.

use super::*;
use crate::fit::likelihood::{BlqMethod, Datum, ErrorModel};
use crate::fit::tests::Exponential;
use crate::fit::{
    FitSettings, Intervals, Prediction, Predictor, Scale, SearchSettings, fit_subject,
};

#[test]
fn designed_starts_move_every_parameter_by_the_spread_in_walsh_patterns() {
    let points = start_points(&[1.0, 2.0, 0.5], 2, 6, 7);
    let offsets: Vec<Vec<f64>> = (points.iter())
        .map(|p| vec![p[0] - 1.0, p[1] - 2.0, p[2] - 0.5])
        .collect();
    let expected = [
        [0.0, 0.0],
        [1.0, 1.0],
        [-1.0, -1.0],
        [1.0, -1.0],
        [-1.0, 1.0],
    ];
    for (offset, want) in offsets.iter().zip(expected) {
        assert_eq!(offset[..2], want, "{offsets:?}");
    }
    assert!(offsets.iter().all(|o| o[2] == 0.0), "the residual SD moved");
    assert!(offsets[5][..2] != [0.0, 0.0] && offsets[5][..2] != offsets[1][..2]);
    assert_eq!(points, start_points(&[1.0, 2.0, 0.5], 2, 6, 7));
}

/// y = a e^(-0.1 t) (1 + 0.5 sin(w t)): in w the likelihood has many local optima.
struct Rhythm {
    times: Vec<f64>,
}

impl Predictor for Rhythm {
    fn predict(&self, p: &[f64]) -> Result<Prediction, crate::diag::Diagnostic> {
        let (a, w) = (p[0], p[1]);
        let values = (self.times.iter())
            .map(|&t| a * (-0.1 * t).exp() * (1.0 + 0.5 * (w * t).sin()))
            .collect();
        let jacobian = (self.times.iter())
            .map(|&t| {
                let decay = (-0.1 * t).exp();
                vec![
                    decay * (1.0 + 0.5 * (w * t).sin()),
                    a * decay * 0.5 * t * (w * t).cos(),
                ]
            })
            .collect();
        Ok(Prediction { values, jacobian })
    }
}

const NOISE: [f64; 21] = [
    0.03, -0.05, 0.02, 0.04, -0.03, -0.01, 0.05, -0.04, 0.01, 0.02, -0.02, 0.03, -0.05, 0.04, 0.0,
    -0.03, 0.02, 0.01, -0.04, 0.03, -0.01,
];

fn rhythm_data() -> (Rhythm, Vec<Datum>) {
    let times: Vec<f64> = (0..21).map(f64::from).collect();
    let data = (times.iter().zip(NOISE))
        .map(|(&t, e)| Datum {
            value: 100.0 * (-0.1 * t).exp() * (1.0 + 0.5 * t.sin()) * f64::exp(e),
            censored: false,
            lloq: 0.0,
        })
        .collect();
    (Rhythm { times }, data)
}

/// The residual sum of squares of ln y at w with ln a profiled out (its least-squares value is
/// the mean residual): with log-additive error and sigma estimated, -2LL = n ln(RSS) + const.
fn profile_rss(w: f64, times: &[f64], data: &[Datum]) -> f64 {
    let residuals: Vec<f64> = (times.iter().zip(data))
        .map(|(&t, d)| d.value.ln() + 0.1 * t - (1.0 + 0.5 * (w * t).sin()).ln())
        .collect();
    let mean = residuals.iter().sum::<f64>() / residuals.len() as f64;
    residuals.iter().map(|r| (r - mean).powi(2)).sum()
}

/// The global minimizer of `profile_rss` over w in [0.05, 4]: a grid of step 1e-3, then golden
/// section within the best cell's neighbours to 1e-10.
fn global_w(times: &[f64], data: &[Datum]) -> f64 {
    let rss = |w: f64| profile_rss(w, times, data);
    let best = (50..4000)
        .map(|i| f64::from(i) * 1e-3)
        .fold(0.05, |b, w| if rss(w) < rss(b) { w } else { b });
    let (mut low, mut high) = (best - 1e-3, best + 1e-3);
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    while high - low > 1e-10 {
        let (x1, x2) = (high - ratio * (high - low), low + ratio * (high - low));
        if rss(x1) < rss(x2) {
            high = x2
        } else {
            low = x1
        }
    }
    0.5 * (low + high)
}

fn rhythm_fit(starts: usize) -> crate::fit::IndividualFit {
    let (predictor, data) = rhythm_data();
    let settings = FitSettings {
        error: ErrorModel::LogAdditive,
        blq: BlqMethod::M3,
        starts,
        seed: 1,
        search: SearchSettings::default(),
        intervals: Intervals::Wald,
    };
    let names = ["a".to_string(), "w".to_string()];
    // w starts at 0.37, in the basin of a local optimum; 0.37 e = 1.006 is in the global one.
    fit_subject(
        &predictor,
        &names,
        &[Scale::Log; 2],
        &[80.0, 0.37],
        &[0.3],
        &data,
        &settings,
    )
    .unwrap()
}

/// One search from the starting values ends, `converged`, at a local optimum; the default
/// starts find the global one (an independent grid and golden-section search of the profile
/// likelihood) and flag that most searches ended elsewhere, naming the next best optimum.
#[test]
fn default_starts_find_the_global_optimum_and_flag_the_disagreement() {
    let (predictor, data) = rhythm_data();
    let times = &predictor.times;
    let n = times.len() as f64;
    let w = global_w(times, &data);
    assert!((w - 1.0).abs() < 0.05, "the data's own rhythm: {w}");
    let single = rhythm_fit(1);
    assert!(single.converged && single.starts.agree, "{}", single.status);
    let local_w = single.estimates[1].value;
    assert!((local_w - w).abs() > 0.1, "one search reached {local_w}");
    let fit = rhythm_fit(DEFAULT_STARTS);
    // The search stops at a relative change of 1e-9 in -2LL, where w is accurate to about the
    // square root of that relative to its standard error: 1e-5 absolute is ample.
    assert!(
        (fit.estimates[1].value - w).abs() < 1e-5,
        "{} vs {w}",
        fit.estimates[1].value
    );
    let sigma = (profile_rss(w, times, &data) / n).sqrt();
    assert!((fit.estimates[2].value - sigma).abs() < 1e-5 * sigma.max(1.0));
    // -2LL differences between optima are n ln(RSS ratio), free of the likelihood's constants.
    let gap = n * (profile_rss(local_w, times, &data) / profile_rss(w, times, &data)).ln();
    let reported = single.minus_2_log_likelihood - fit.minus_2_log_likelihood;
    assert!((reported - gap).abs() < 1e-6 * gap, "{reported} vs {gap}");
    let starts = &fit.starts;
    assert_eq!(
        (starts.tried, starts.finished),
        (DEFAULT_STARTS, DEFAULT_STARTS)
    );
    assert!(
        !starts.agree && 2 * starts.reaching_best <= starts.finished,
        "{starts:?}"
    );
    let other = starts.next_best.as_ref().expect("another optimum");
    let other_gap =
        n * (profile_rss(other.parameters[1], times, &data) / profile_rss(w, times, &data)).ln();
    let other_reported = other.minus_2_log_likelihood - fit.minus_2_log_likelihood;
    assert!(other_gap > 1.0 && (other_reported - other_gap).abs() < 1e-6 * other_gap);
    assert!(fit.converged, "disagreeing starts are flagged, not failed");
    assert!(fit.status.contains("starts disagree"), "{}", fit.status);
}

/// ln y = ln a - b t + e is linear in (ln a, b): every start ends at the one optimum and
/// nothing is flagged.
#[test]
fn starts_on_a_likelihood_with_one_optimum_agree() {
    let times: Vec<f64> = (0..8).map(f64::from).collect();
    let data: Vec<Datum> = (times.iter().zip(NOISE))
        .map(|(&t, e)| Datum {
            value: 100.0 * (-0.3 * t + e).exp(),
            censored: false,
            lloq: 0.0,
        })
        .collect();
    let settings = FitSettings {
        error: ErrorModel::LogAdditive,
        blq: BlqMethod::M3,
        starts: DEFAULT_STARTS,
        seed: 1,
        search: SearchSettings::default(),
        intervals: Intervals::Wald,
    };
    let names = ["a".to_string(), "b".to_string()];
    let (initial, scales) = ([50.0, 0.1], [Scale::Log; 2]);
    let fit = fit_subject(
        &Exponential { times },
        &names,
        &scales,
        &initial,
        &[0.3],
        &data,
        &settings,
    )
    .unwrap();
    assert_eq!(fit.starts.reaching_best, DEFAULT_STARTS, "{:?}", fit.starts);
    assert!(fit.starts.agree && fit.starts.next_best.is_none());
    assert!(!fit.status.contains("disagree"), "{}", fit.status);
}
