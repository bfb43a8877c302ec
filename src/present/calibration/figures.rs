//! The figures of `cartsim calibrate`: each target observed (with its 95% interval) beside its
//! simulated value at the optimum, and each estimate's profile likelihood.

use crate::calibrate::{Calibration, CalibrationResult, Profile, Quantity, Statistic, Target};
use crate::diag::Diagnostic;
use crate::metrics::summary::PROFILE_RISE;
use crate::metrics::summary::wilson_interval;
use crate::plot::{
    Figure, FigureSettings, Interval, PlotError, Rendered, Series, YScale, intervals_figure,
    render_figure,
};
use crate::present::NamedFile;

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

fn failed(error: PlotError) -> Diagnostic {
    Diagnostic::new(format!("cannot draw the figures: {error}"))
}

/// figures/target_<k> (from 1) and figures/profile_<parameter>_<kind>, in each format of `look`.
pub(super) fn figures(
    calibration: &Calibration,
    result: &CalibrationResult,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let mut files = Vec::new();
    let targets = calibration.targets.iter().zip(&result.optimum.targets);
    for (k, (target, value)) in targets.enumerate() {
        let drawn = target_figure(k, target, value.simulated, calibration.subjects, look)?;
        files.extend(NamedFile::figure(
            &format!("figures/target_{}", k + 1),
            drawn,
        ));
    }
    for (quantity, profile) in calibration.quantities.iter().zip(&result.profiles) {
        let name = format!(
            "figures/profile_{}_{}",
            quantity.parameter,
            quantity.kind.word()
        );
        files.extend(NamedFile::figure(
            &name,
            profile_figure(quantity, profile, look)?,
        ));
    }
    Ok(files)
}

/// Target k (from 0): observed with its 95% interval beside the simulated value.
fn target_figure(
    k: usize,
    target: &Target,
    simulated: f64,
    subjects: u64,
    look: &FigureSettings,
) -> Result<Rendered, Diagnostic> {
    let (observed, y_label, unit) = match target.statistic {
        Statistic::Count { responders, n } => {
            let (low, high) = wilson_interval(responders as usize, n as usize);
            let estimate = responders as f64 / n as f64;
            let label = format!("observed {responders}/{n} (Wilson 95%)");
            (
                Interval {
                    label,
                    estimate,
                    low,
                    high,
                },
                format!("fraction with {}", target.metric),
                true,
            )
        }
        Statistic::Summary {
            key,
            observed,
            se,
            log,
            ..
        } => {
            let (low, high) = match log {
                true => (observed * (-Z95 * se).exp(), observed * (Z95 * se).exp()),
                false => (observed - Z95 * se, observed + Z95 * se),
            };
            let label = format!("observed {key} (95%)");
            (
                Interval {
                    label,
                    estimate: observed,
                    low,
                    high,
                },
                format!("{key} of {}", target.metric),
                false,
            )
        }
    };
    let simulated = Interval {
        label: format!("simulated ({subjects} patients)"),
        estimate: simulated,
        low: f64::NAN,
        high: f64::NAN,
    };
    let title = format!(
        "Target {}: {} in scenario {}",
        k + 1,
        target.metric,
        target.scenario
    );
    intervals_figure(&title, &y_label, &[observed, simulated], unit, look).map_err(failed)
}

/// A quantity's profile: the rise of -2LL against its value, with the 3.84 line.
fn profile_figure(
    quantity: &Quantity,
    profile: &Profile,
    look: &FigureSettings,
) -> Result<Rendered, Diagnostic> {
    let minimum = profile
        .points
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min);
    let figure = Figure {
        title: format!(
            "Profile likelihood of {} ({})",
            quantity.parameter,
            quantity.kind.word()
        ),
        x_label: format!("{} {}", quantity.parameter, quantity.kind.word()),
        y_label: "rise of -2 log-likelihood".into(),
        times: profile.points.iter().map(|p| p.0).collect(),
        series: vec![
            Series {
                name: "profile".into(),
                values: profile.points.iter().map(|p| p.1 - minimum).collect(),
            },
            Series {
                name: "3.84: 95% interval".into(),
                values: vec![PROFILE_RISE; profile.points.len()],
            },
        ],
        scale: YScale::Linear,
    };
    render_figure(&figure, look).map_err(failed)
}
