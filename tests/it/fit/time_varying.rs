//! An individual fit of V with the clearance set over time by a dataset column (`locf`: 5, then
//! 10 from t = 10 on): the estimate is the least-squares V of the piecewise closed form, found
//! here by a golden-section search independent of the solver.

use super::{estimated, request, subject, template};
use crate::shipped;
use cartsim::fit::fit_subjects;
use cartsim::fit::likelihood::BlqMethod;
use cartsim::simulate::{Interpolation, ParameterSchedule};

/// C(t) = 100/V exp(-5 t/V) up to t = 10, then C(10) exp(-10 (t - 10)/V).
fn concentration(v: f64, t: f64) -> f64 {
    let before = |t: f64| 100.0 / v * (-5.0 * t / v).exp();
    match t <= 10.0 {
        true => before(t),
        false => before(10.0) * (-10.0 * (t - 10.0) / v).exp(),
    }
}

/// The V minimising the log-scale residual sum of squares (the log-additive ML estimate), by
/// golden-section search on [20, 100] to 1e-12 relative.
fn least_squares_volume(times: &[f64], observed: &[f64]) -> f64 {
    let rss = |v: f64| -> f64 {
        (times.iter().zip(observed))
            .map(|(&t, &y)| (y.ln() - concentration(v, t).ln()).powi(2))
            .sum()
    };
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (20.0, 100.0);
    while b - a > 1e-12 * b {
        let (c, d) = (b - ratio * (b - a), a + ratio * (b - a));
        if rss(c) < rss(d) {
            b = d;
        } else {
            a = c;
        }
    }
    0.5 * (a + b)
}

#[test]
fn a_fit_with_a_time_varying_clearance_recovers_the_volume() {
    let model = shipped("onecomp_iv_bolus.yaml");
    let cl = model.parameter_index("CL").unwrap();
    let times = [1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 14.0, 16.0, 20.0, 24.0];
    let noise = [
        0.012, -0.008, 0.005, -0.015, 0.002, 0.009, -0.004, 0.011, -0.007, -0.003,
    ];
    let observed: Vec<f64> = (times.iter().zip(noise))
        .map(|(&t, e)| concentration(50.0, t) * f64::exp(e))
        .collect();
    let expected = least_squares_volume(&times, &observed);
    let mut initial = model.parameter_values(None).unwrap();
    initial[model.parameter_index("V").unwrap()] = 80.0;
    let rows = (times.iter().zip(&observed))
        .map(|(&time, &value)| (time, value, false, None))
        .collect();
    let mut subject = subject(&model, 1, template(&model).doses, rows);
    subject.covariates = vec![(cl, 5.0)];
    subject.schedules = vec![ParameterSchedule {
        parameter: cl,
        records: vec![(0.0, 5.0), (10.0, 10.0)],
        interpolation: Interpolation::Locf,
    }];
    let sensitivity = model.sensitivity_model(&estimated(&model, &["V"])).unwrap();
    let request = request(&model, &sensitivity, &["V"], initial, BlqMethod::M3, 0.1);
    let fits = fit_subjects(&request, &[subject]);
    let fitted = fits[0].result.as_ref().unwrap();
    assert!(fitted.fit.converged, "{}", fitted.fit.status);
    // The search converges to 1e-9 relative in -2LL; one parameter then agrees to ~1e-6
    // (the solver's rtol 1e-10 adds far less).
    let v = fitted.fit.estimates[0].value;
    assert!(
        (v - expected).abs() <= 1e-6 * expected,
        "V {v} vs {expected}"
    );
    // The noise is about 1%: the estimate is near the truth, 50.
    assert!((v - 50.0).abs() < 1.0, "V {v}");
}
