//! The estimator on problems with known answers.

use super::*;

/// y = a * exp(-b t): predictions and exact derivatives.
pub(super) struct Exponential {
    pub times: Vec<f64>,
}

impl Predictor for Exponential {
    fn predict(&self, p: &[f64]) -> Result<Prediction, crate::diag::Diagnostic> {
        let values = self
            .times
            .iter()
            .map(|&t| p[0] * (-p[1] * t).exp())
            .collect();
        let jacobian = self
            .times
            .iter()
            .map(|&t| {
                let e = (-p[1] * t).exp();
                vec![e, -p[0] * t * e]
            })
            .collect();
        Ok(Prediction { values, jacobian })
    }
}

fn settings(error: ErrorModel) -> FitSettings {
    FitSettings {
        error,
        blq: BlqMethod::M3,
        starts: 1,
        seed: 1,
        search: SearchSettings::default(),
        intervals: Intervals::Wald,
    }
}

/// With log-additive error, ln y = ln a - b t + e is linear least squares: the ML estimates of
/// ln a and b are the ordinary regression coefficients and sigma^2 = RSS/n, computed here in
/// closed form. The fit must find them to 1e-6 (the search tolerance on a quadratic problem).
#[test]
fn log_additive_fit_recovers_the_linear_regression_solution() {
    let times: Vec<f64> = (0..8).map(|k| k as f64).collect();
    let noise = [0.05, -0.1, 0.02, 0.08, -0.04, -0.07, 0.1, -0.03];
    let data: Vec<Datum> = times
        .iter()
        .zip(noise)
        .map(|(&t, e)| Datum {
            value: 100.0 * (-0.3 * t + e).exp(),
            censored: false,
            lloq: 0.0,
        })
        .collect();
    let n = times.len() as f64;
    let y: Vec<f64> = data.iter().map(|d| d.value.ln()).collect();
    let (mean_t, mean_y) = (times.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = times
        .iter()
        .zip(&y)
        .map(|(t, y)| (t - mean_t) * (y - mean_y))
        .sum();
    let sxx: f64 = times.iter().map(|t| (t - mean_t).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_t;
    let rss: f64 = times
        .iter()
        .zip(&y)
        .map(|(t, y)| (y - intercept - slope * t).powi(2))
        .sum();
    let predictor = Exponential {
        times: times.clone(),
    };
    let names = vec!["a".to_string(), "b".to_string()];
    let fit = fit_subject(
        &predictor,
        &names,
        &[Scale::Log, Scale::Log],
        &[50.0, 0.1],
        &[0.3],
        &data,
        &settings(ErrorModel::LogAdditive),
    )
    .unwrap();
    assert!(fit.converged, "{}", fit.status);
    let a = fit.estimates[0].value;
    let b = fit.estimates[1].value;
    let sigma = fit.estimates[2].value;
    assert!(
        (a.ln() - intercept).abs() < 1e-6,
        "{a} vs {} ({})",
        intercept.exp(),
        fit.status
    );
    assert!((b + slope).abs() < 1e-6, "{b}");
    assert!((sigma - (rss / n).sqrt()).abs() < 1e-6, "{sigma}");
    // Standard error of the slope from the observed information equals the ML (divide by n)
    // regression formula sigma / sqrt(Sxx), to the finite-difference Hessian's accuracy.
    let se_b = fit.estimates[1].se;
    let expected = (rss / n).sqrt() / sxx.sqrt();
    assert!(
        (se_b - expected).abs() < 1e-4 * expected,
        "{se_b} vs {expected}"
    );
    assert!(fit.estimates[1].low < b && b < fit.estimates[1].high);
}

#[test]
fn m3_uses_censored_points_and_drop_ignores_them() {
    let times: Vec<f64> = (0..10).map(|k| k as f64 * 2.0).collect();
    let data: Vec<Datum> = times
        .iter()
        .map(|&t| {
            let value = 1000.0 * (-0.4 * t).exp();
            Datum {
                value: value.max(5.0),
                censored: value < 5.0,
                lloq: 5.0,
            }
        })
        .collect();
    let predictor = Exponential { times };
    let names = vec!["a".to_string(), "b".to_string()];
    for blq in [BlqMethod::M3, BlqMethod::Drop, BlqMethod::HalfLloq] {
        let mut s = settings(ErrorModel::LogAdditive);
        s.blq = blq;
        let fit = fit_subject(
            &predictor,
            &names,
            &[Scale::Log, Scale::Log],
            &[500.0, 0.2],
            &[0.2],
            &data,
            &s,
        )
        .unwrap();
        let expected = match blq {
            BlqMethod::Drop => 7,
            _ => 10,
        };
        assert_eq!(fit.observations, expected, "{blq:?}");
    }
}
