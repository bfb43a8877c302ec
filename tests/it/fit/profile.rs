//! Profile-likelihood intervals of individual fits (`--intervals profile`): against the closed
//! form of a log-linear model, against an independent computation of the profile of a
//! nonlinear one (asymmetric, unlike its Wald interval), with BLQ data refitted at the ends,
//! and from the command line.

use crate::cli::{cartsim, scratch};
use crate::repo_path;
use cartsim::diag::Diagnostic;
use cartsim::fit::likelihood::{BlqMethod, Datum, ErrorModel};
use cartsim::fit::{
    FitSettings, IndividualFit, Intervals, Prediction, Predictor, Scale, SearchSettings,
    fit_subject,
};
use cartsim::record::fit::FitRecord;
use std::fmt::Write;

/// The chi-square(1) 95% quantile: the rise of -2LL that bounds the interval.
const RISE: f64 = 3.841_458_820_694_124;

/// y = a exp(-b t), estimating (a, b), or only one of them with the other held at `fixed`.
struct Exponential {
    times: Vec<f64>,
    fixed: Option<(usize, f64)>,
}

impl Predictor for Exponential {
    fn predict(&self, p: &[f64]) -> Result<Prediction, Diagnostic> {
        let (a, b) = match self.fixed {
            None => (p[0], p[1]),
            Some((0, a)) => (a, p[0]),
            Some((_, b)) => (p[0], b),
        };
        let rows = self.times.iter().map(|&t| {
            let e = (-b * t).exp();
            let derivatives = [e, -a * t * e];
            let jacobian = match self.fixed {
                None => derivatives.to_vec(),
                Some((held, _)) => vec![derivatives[1 - held]],
            };
            (a * e, jacobian)
        });
        let (values, jacobian) = rows.unzip();
        Ok(Prediction { values, jacobian })
    }
}

fn settings(error: ErrorModel, intervals: Intervals) -> FitSettings {
    FitSettings {
        error,
        blq: BlqMethod::M3,
        starts: 3,
        seed: 1,
        search: SearchSettings::default(),
        intervals,
    }
}

fn data(values: &[f64], lloq: f64) -> Vec<Datum> {
    (values.iter())
        .map(|&value| Datum {
            value: if value < lloq { lloq } else { value },
            censored: value < lloq,
            lloq,
        })
        .collect()
}

/// Fits `estimated` names of `predictor` from `initial` with one residual SD.
fn fit(
    predictor: &Exponential,
    names: &[&str],
    initial: &[f64],
    data: &[Datum],
    settings: &FitSettings,
) -> IndividualFit {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let scales = vec![Scale::Log; names.len()];
    fit_subject(predictor, &names, &scales, initial, &[0.5], data, settings).unwrap()
}

/// The root of a continuous `f` between `low` and `high` (opposite signs) by bisection.
fn bisect(f: impl Fn(f64) -> f64, mut low: f64, mut high: f64) -> f64 {
    let rising = f(high) > f(low);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if (f(middle) > 0.0) == rising {
            high = middle;
        } else {
            low = middle;
        }
    }
    0.5 * (low + high)
}

/// With log-additive error, ln y = ln a - b t + e is a linear regression. Re-optimising sigma
/// (sigma^2 = RSS/n) makes the profile -2LL n ln RSS + const, and re-optimising the other
/// coefficient makes RSS quadratic: RSS_min + Stt (b - b_hat)^2 for b and
/// RSS_min + (ln a - ln a_hat)^2 / (1/n + mean_t^2/Stt) for ln a. So each end is where
/// n ln(RSS / RSS_min) = 3.84, in closed form; for sigma (d = ln sigma/sigma_hat) it is where
/// n (exp(-2d) + 2d - 1) = 3.84, solved here by bisection.
#[test]
fn profile_intervals_of_a_log_linear_model_match_the_closed_form() {
    let times: Vec<f64> = (0..8).map(|k| 1.5 * k as f64).collect();
    let noise = [0.21, -0.12, 0.05, 0.18, -0.25, -0.07, 0.16, -0.09];
    let observed: Vec<f64> = (times.iter().zip(noise))
        .map(|(&t, e)| 40.0 * (-0.25 * t + e).exp())
        .collect();
    let predictor = Exponential {
        times: times.clone(),
        fixed: None,
    };
    let settings = settings(ErrorModel::LogAdditive, Intervals::Profile);
    let result = fit(
        &predictor,
        &["a", "b"],
        &[20.0, 0.1],
        &data(&observed, 0.0),
        &settings,
    );
    assert!(
        result.converged && result.interval_notes.is_empty(),
        "{}",
        result.status
    );

    let n = times.len() as f64;
    let y: Vec<f64> = observed.iter().map(|v| v.ln()).collect();
    let (mean_t, mean_y) = (times.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let stt: f64 = times.iter().map(|t| (t - mean_t).powi(2)).sum();
    let sty: f64 = (times.iter().zip(&y))
        .map(|(t, y)| (t - mean_t) * (y - mean_y))
        .sum();
    let slope = sty / stt;
    let intercept = mean_y - slope * mean_t;
    let rss: f64 = (times.iter().zip(&y))
        .map(|(t, y)| (y - intercept - slope * t).powi(2))
        .sum();
    let widening = rss * ((RISE / n).exp() - 1.0);
    let b = [-1.0, 1.0].map(|s| -slope + s * (widening / stt).sqrt());
    let ln_a =
        [-1.0, 1.0].map(|s| intercept + s * (widening * (1.0 / n + mean_t * mean_t / stt)).sqrt());
    let sigma_hat = (rss / n).sqrt();
    let rise = |d: f64| n * ((-2.0 * d).exp() + 2.0 * d - 1.0) - RISE;
    let sigma = [bisect(rise, -5.0, 0.0), bisect(rise, 0.0, 5.0)].map(|d| sigma_hat * d.exp());
    let expected = [ln_a.map(f64::exp), b, sigma];

    // The ends are refined until the profile is within 1e-8 of the level, about 1e-9 of an SE
    // on the log scale; the inner fits converge to 1e-9 relative in -2LL: 1e-6 relative is
    // a wide margin.
    for (estimate, [low, high]) in result.estimates.iter().zip(expected) {
        let name = &estimate.name;
        crate::assert_close(estimate.low, low, 1e-6, 0.0, &format!("{name} low"));
        crate::assert_close(estimate.high, high, 1e-6, 0.0, &format!("{name} high"));
    }
}

/// Additive error on y = a exp(-b t) is nonlinear in b: with b held, a has the closed form
/// sum(y g)/sum(g^2) (g = exp(-b t)) and sigma^2 = RSS/n, so the profile -2LL of b is
/// n ln RSS(b) + const, computed here independently; and with sigma held, (a, b) minimise RSS
/// whatever sigma is, so sigma's profile is the closed form n (exp(-2d) + 2d - 1) of
/// d = ln(sigma/sigma_hat). With five noisy samples both intervals are asymmetric on the log
/// scale, unlike the Wald ones, and differ visibly from them.
#[test]
fn a_nonlinear_profile_is_asymmetric_and_its_ends_rise_by_3_84() {
    let times = vec![0.5, 1.0, 2.0, 4.0, 8.0];
    let observed = [9.4, 6.8, 6.0, 2.1, 1.3];
    let predictor = Exponential {
        times: times.clone(),
        fixed: None,
    };
    let fit_with = |intervals| {
        let settings = settings(ErrorModel::Additive, intervals);
        fit(
            &predictor,
            &["a", "b"],
            &[8.0, 0.2],
            &data(&observed, 0.0),
            &settings,
        )
    };
    let (profile, wald) = (fit_with(Intervals::Profile), fit_with(Intervals::Wald));
    assert!(
        profile.converged && profile.interval_notes.is_empty(),
        "{}",
        profile.status
    );
    let rss = |b: f64| -> f64 {
        let g: Vec<f64> = times.iter().map(|t| (-b * t).exp()).collect();
        let a = observed.iter().zip(&g).map(|(y, g)| y * g).sum::<f64>()
            / g.iter().map(|g| g * g).sum::<f64>();
        (observed.iter().zip(&g))
            .map(|(y, g)| (y - a * g).powi(2))
            .sum()
    };
    let n = times.len() as f64;
    let b = &profile.estimates[1];
    for end in [b.low, b.high] {
        // Inner fits and the level are met to about 1e-8 in -2LL; allow 1e-6.
        let rise = n * (rss(end) / rss(b.value)).ln();
        crate::assert_close(rise, RISE, 0.0, 1e-6, &format!("profile rise at b = {end}"));
    }
    let sigma = &profile.estimates[2];
    crate::assert_close(sigma.value, (rss(b.value) / n).sqrt(), 1e-6, 0.0, "sigma");
    let rise = |d: f64| n * ((-2.0 * d).exp() + 2.0 * d - 1.0) - RISE;
    let ends = [bisect(rise, -5.0, 0.0), bisect(rise, 0.0, 5.0)].map(|d| sigma.value * d.exp());
    crate::assert_close(sigma.low, ends[0], 1e-6, 0.0, "sigma low");
    crate::assert_close(sigma.high, ends[1], 1e-6, 0.0, "sigma high");
    // Distances below and above the estimate on the log scale: equal for a Wald interval.
    let log_sides = |e: &cartsim::fit::Estimate| ((e.value / e.low).ln(), (e.high / e.value).ln());
    let (below, above) = log_sides(b);
    assert!(below > 1.04 * above, "b: {b:?}");
    let (below, above) = log_sides(sigma);
    assert!(above > 1.4 * below, "sigma: {sigma:?}");
    for (w, p) in wald.estimates.iter().zip(&profile.estimates) {
        let (wald_sides, profile_sides) = (log_sides(w), log_sides(p));
        crate::assert_close(
            wald_sides.0,
            wald_sides.1,
            1e-9,
            0.0,
            &format!("Wald {}", w.name),
        );
        assert!(
            (wald_sides.0 / profile_sides.0 - 1.0).abs() > 0.05
                && (wald_sides.1 / profile_sides.1 - 1.0).abs() > 0.05,
            "Wald {w:?} against profile {p:?}"
        );
    }
}

/// With BLQ data under M3 there is no closed form: each end of a's and b's intervals is
/// checked by refitting with that parameter fixed there (a separate one-parameter problem),
/// whose -2LL must be 3.84 above the full fit's.
#[test]
fn profile_ends_with_blq_data_are_where_a_refit_rises_by_3_84() {
    let times = vec![0.5, 1.0, 2.0, 4.0, 6.0, 8.0];
    let observed = [9.4, 6.8, 6.0, 2.1, 0.7, 0.3];
    let data = data(&observed, 1.0);
    assert_eq!(data.iter().filter(|d| d.censored).count(), 2);
    let settings = settings(ErrorModel::Proportional, Intervals::Profile);
    let full = Exponential {
        times: times.clone(),
        fixed: None,
    };
    let result = fit(&full, &["a", "b"], &[8.0, 0.2], &data, &settings);
    assert!(
        result.converged && result.interval_notes.is_empty(),
        "{}",
        result.status
    );
    let names = ["a", "b"];
    for (held, estimate) in result.estimates[..2].iter().enumerate() {
        for end in [estimate.low, estimate.high] {
            let fixed = Exponential {
                times: times.clone(),
                fixed: Some((held, end)),
            };
            let other = result.estimates[1 - held].value;
            let wald = FitSettings {
                intervals: Intervals::Wald,
                ..settings.clone()
            };
            let refit = fit(&fixed, &[names[1 - held]], &[other], &data, &wald);
            let rise = refit.minus_2_log_likelihood - result.minus_2_log_likelihood;
            // Both fits converge to 1e-9 relative in -2LL and the end to 1e-8: allow 1e-6.
            crate::assert_close(rise, RISE, 0.0, 1e-6, &format!("{} = {end}", names[held]));
        }
    }
}

/// Two IDs of a one-compartment bolus dataset, fitted with `extra` arguments into `out`: the
/// exit status, stdout and stderr.
fn run(directory: &std::path::Path, out: &str, extra: &[&str]) -> std::process::Output {
    let mut text = String::from("ID,TIME,DV,AMT,EVID,CMT,MDV\n");
    let observed = [[1.85, 1.58, 1.38, 0.87], [2.3, 1.7, 1.5, 0.7]];
    for (id, values) in observed.iter().enumerate() {
        let _ = writeln!(text, "{},0,.,100,1,A,1", id + 1);
        for (t, y) in [1.0, 2.0, 4.0, 8.0].iter().zip(values) {
            let _ = writeln!(text, "{},{t},{y},.,0,.,0", id + 1);
        }
    }
    std::fs::write(directory.join("data.csv"), text).unwrap();
    let model = repo_path("models/onecomp_iv_bolus.yaml");
    let mut arguments = vec![
        "fit",
        model.to_str().unwrap(),
        "--data",
        "data.csv",
        "--estimate",
        "CL,V",
        "--out",
        out,
    ];
    arguments.extend_from_slice(extra);
    cartsim(&arguments, directory)
}

#[test]
fn fit_with_profile_intervals_writes_them_and_says_so() {
    let directory = scratch("fit-profile");
    let read = |file: &str| std::fs::read_to_string(directory.join(file)).unwrap();
    let mut tables = Vec::new();
    for (out, extra) in [
        ("one", &["--intervals", "profile", "--threads", "1"][..]),
        ("two", &["--intervals", "profile", "--threads", "2"][..]),
        ("wald", &[][..]),
    ] {
        let output = run(&directory, out, extra);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected = if out == "wald" {
            "Wald intervals"
        } else {
            "profile-likelihood intervals"
        };
        assert!(
            stdout.contains(&format!("95% intervals: {expected}")),
            "{stdout}"
        );
        tables.push(read(&format!("{out}/estimates.csv")));
    }
    // The profiles do not depend on the thread count.
    assert_eq!(tables[0], tables[1]);
    let rows = |table: &str| -> Vec<Vec<f64>> {
        (table.lines().skip(1))
            .map(|l| {
                l.split(',')
                    .skip(2)
                    .take(5)
                    .map(|v| v.parse().unwrap())
                    .collect()
            })
            .collect()
    };
    let (profile, wald) = (rows(&tables[0]), rows(&tables[2]));
    assert_eq!(profile.len(), 6);
    for (p, w) in profile.iter().zip(&wald) {
        // Same estimates and SEs; intervals around the estimate that are not the Wald ones.
        assert_eq!(p[..3], w[..3]);
        assert!(
            p[3] < p[0] && p[0] < p[4] && (p[3] != w[3] || p[4] != w[4]),
            "{p:?} {w:?}"
        );
    }
    let text = read("one/fit.json");
    let record: FitRecord = cartsim::record::from_json(&text, "fit.json").unwrap();
    assert_eq!(record.intervals, Intervals::Profile);
    assert!(record.objective.contains("profile-likelihood intervals"));
    // A fit.json from before the choice reads as Wald.
    let mut older: serde_json::Value = serde_json::from_str(&read("wald/fit.json")).unwrap();
    older.as_object_mut().unwrap().remove("intervals");
    let older: FitRecord = cartsim::record::from_json(&older.to_string(), "fit.json").unwrap();
    assert_eq!(older.intervals, Intervals::Wald);

    for extra in [
        &["--intervals", "likelihood"][..],
        &["--intervals", "profile", "--population"],
    ] {
        let output = run(&directory, "bad", extra);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(!directory.join("bad").exists());
    }
    let _ = std::fs::remove_dir_all(&directory);
}

/// Observed only at time 0, y = a exp(-b t) says nothing about b: its profile is flat, so
/// neither end exists within a factor 1e3. Both are reported open (NaN, with notes in the
/// status) after a bounded number of profile points, not a panic or a hang; a's interval is
/// still found.
#[test]
fn ends_that_do_not_exist_are_reported_open() {
    let predictor = Exponential {
        times: vec![0.0; 4],
        fixed: None,
    };
    let data = data(&[5.0, 6.1, 4.4, 5.2], 0.0);
    let settings = settings(ErrorModel::LogAdditive, Intervals::Profile);
    let result = fit(&predictor, &["a", "b"], &[8.0, 0.5], &data, &settings);
    let (a, b) = (&result.estimates[0], &result.estimates[1]);
    assert!(b.low.is_nan() && b.high.is_nan(), "{b:?}");
    assert!(a.low < a.value && a.value < a.high, "{a:?}");
    for side in ["lower", "upper"] {
        let note = format!("`b` {side} end is open");
        assert!(
            (result.interval_notes.iter()).any(|n| n.contains(&note))
                && result.status.contains(&note),
            "{:?}\n{}",
            result.interval_notes,
            result.status
        );
    }
}
