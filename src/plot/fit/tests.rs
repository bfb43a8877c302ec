//! Unit tests of the fit figures.

use crate::plot::canvas::{grid, image_size};
use crate::plot::population::{Bands, bands_figure};
use crate::plot::testing::{Image, decode, png};

use super::*;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;
const LLOQ: f64 = 20.0;
const SAMPLE_DAYS: [f64; 12] = [
    1.0, 3.0, 7.0, 10.0, 14.0, 21.0, 28.0, 60.0, 90.0, 180.0, 270.0, 365.0,
];

/// A CAR T-like curve: expansion from 1e2 to `peak` at day 10, then a fast and a slow decline.
fn car_t(t: f64, peak: f64, slow: f64) -> f64 {
    match t < 10.0 {
        true => 1e2 * (peak / 1e2).powf(t / 10.0),
        false => peak * (0.95 * (-0.2 * (t - 10.0)).exp() + 0.05 * (-slow * (t - 10.0)).exp()),
    }
}

/// Subject `k`: its fitted curve on a daily grid and observations scattered around it by a
/// fixed pattern (factors 0.5 to 2), censored below the LLOQ and drawn at it.
fn subject(k: usize) -> SubjectPanel {
    let (peak, slow) = (1e4 * 3f64.powi(k as i32 % 5), 0.01 + 0.006 * (k % 4) as f64);
    let times: Vec<f64> = (0..=365).map(f64::from).collect();
    let fitted = times.iter().map(|&t| car_t(t, peak, slow)).collect();
    let observed = (SAMPLE_DAYS.iter().enumerate())
        .map(|(i, &t)| {
            let value = car_t(t, peak, slow) * 2f64.powf(((i * 7 + k * 3) % 5) as f64 / 2.0 - 1.0);
            let censored = value < LLOQ;
            let value = if censored { LLOQ } else { value };
            ObservedPoint {
                time: t,
                value,
                censored,
            }
        })
        .collect();
    SubjectPanel {
        label: format!("ID {}", k + 1),
        times,
        fitted,
        observed,
    }
}

fn fits(panels: &[SubjectPanel]) -> Image {
    decode(fits_figure(
        "Individual fits",
        "days",
        "copies/µg",
        panels,
        &png(),
    ))
}

fn uncensored(mut panel: SubjectPanel) -> SubjectPanel {
    panel.observed.retain(|o| !o.censored);
    panel
}

#[test]
fn fits_draw_fitted_lines_observations_and_blq_markers_in_a_grid() {
    let panels: Vec<SubjectPanel> = (0..PANELS_PER_PAGE).map(subject).collect();
    assert!(panels.iter().any(|p| p.observed.iter().any(|o| o.censored)));
    let image = fits(&panels);
    let settings = png();
    let canvas = settings.canvas();
    let (width, height) = settings.pixels(image_size(grid(PANELS_PER_PAGE, canvas.0), canvas));
    assert_eq!(
        (image.width, image.height),
        (width as usize, height as usize)
    );
    let [fitted, observed, blq] = fit_colours();
    assert!(
        image.count(fitted) > 5_000,
        "fitted: {}",
        image.count(fitted)
    );
    assert!(image.count(blq) > 200, "BLQ: {}", image.count(blq));

    // Observation dots and BLQ triangles appear with the observations only.
    let bare: Vec<SubjectPanel> = (panels.iter().cloned())
        .map(|p| SubjectPanel {
            observed: Vec::new(),
            ..p
        })
        .collect();
    let without = fits(&bare);
    assert!(
        image.count(observed) > without.count(observed) + 2_000,
        "observed: {} vs {}",
        image.count(observed),
        without.count(observed)
    );
    let no_blq = fits(&panels.into_iter().map(uncensored).collect::<Vec<_>>());
    assert_eq!((without.count(blq), no_blq.count(blq)), (0, 0));
}

#[test]
fn a_single_subject_fills_the_figure() {
    let image = fits(&[subject(3)]);
    // The default size: 174 x 116 mm at 200 dpi.
    assert_eq!((image.width, image.height), (1370, 914));
    let [fitted, observed, blq] = fit_colours();
    assert!(image.count(fitted) > 2_000);
    assert!(image.count(observed) > 500);
    assert!(image.count(blq) > 100);
}

#[test]
fn fits_with_mismatched_lengths_or_too_many_panels_are_errors() {
    let mut bad = subject(0);
    bad.fitted.pop();
    let err = fits_figure("t", "x", "y", &[subject(1), bad], &png()).unwrap_err();
    assert!(
        err.to_string()
            .contains("panel 'ID 1' has 365 fitted values but 366 times"),
        "{err}"
    );
    let many: Vec<SubjectPanel> = (0..=PANELS_PER_PAGE).map(subject).collect();
    let err = fits_figure("t", "x", "y", &many, &png())
        .unwrap_err()
        .to_string();
    assert!(err.contains("17 panels, but at most 16"), "{err}");
    for page in many.chunks(PANELS_PER_PAGE) {
        fits(page);
    }
}

#[test]
fn degenerate_fits_render() {
    let point = |time, value, censored| ObservedPoint {
        time,
        value,
        censored,
    };
    let panel = |times: Vec<f64>, fitted: Vec<f64>, observed| SubjectPanel {
        label: String::new(),
        times,
        fitted,
        observed,
    };
    let cases = [
        vec![],
        vec![panel(vec![], vec![], vec![])],
        vec![panel(
            vec![0.0, 1.0, 2.0, 3.0],
            vec![0.0, -1.0, NAN, INF],
            vec![point(NAN, 1.0, false), point(1.0, 0.0, true)],
        )],
        vec![
            panel(vec![5.0], vec![3.0], vec![point(5.0, 1e-300, false)]),
            panel(vec![5.0; 3], vec![1e300; 3], vec![point(-INF, 1.0, true)]),
            panel(vec![2.0, 1.0], vec![1.0, 1e5], vec![point(9.0, INF, false)]),
        ],
    ];
    for panels in &cases {
        fits(panels);
    }
}

fn scatter(points: &[ScatterPoint], reference: Reference) -> Image {
    decode(scatter_figure(
        "Scatter",
        "x",
        "y",
        points,
        reference,
        &png(),
    ))
}

/// Observed versus predicted for every sample of the subjects, the predictions being the
/// fitted curve at the sample day.
fn observed_vs_predicted() -> Vec<ScatterPoint> {
    (0..8)
        .map(subject)
        .flat_map(|p| {
            let predicted = move |t: f64| p.fitted[t as usize];
            (p.observed.clone().into_iter()).map(move |o| ScatterPoint {
                x: predicted(o.time),
                y: o.value,
                censored: o.censored,
            })
        })
        .collect()
}

#[test]
fn scatter_draws_points_blq_markers_and_the_identity_line() {
    let points = observed_vs_predicted();
    let [line, observed, blq] = fit_colours();
    for log in [true, false] {
        let image = scatter(&points, Reference::Identity { log });
        assert!(
            image.count(line) > 1_000,
            "identity line: {}",
            image.count(line)
        );
        assert!(image.count(observed) > 1_000, "{}", image.count(observed));
        assert!(image.count(blq) > 100, "BLQ: {}", image.count(blq));
    }
    let quantified: Vec<ScatterPoint> = points.into_iter().filter(|p| !p.censored).collect();
    let image = scatter(&quantified, Reference::Identity { log: true });
    assert_eq!(image.count(blq), 0);
}

#[test]
fn residuals_get_zero_and_dashed_lines_on_a_symmetric_axis() {
    let residuals: Vec<ScatterPoint> = (0..60)
        .map(|i| ScatterPoint {
            x: 10f64.powf(f64::from(i) / 10.0),
            y: (f64::from(i) * 1.3).sin() * 2.4,
            censored: i % 9 == 0,
        })
        .collect();
    let [line, observed, blq] = fit_colours();
    for log_x in [true, false] {
        let image = scatter(&residuals, Reference::Zero { log_x });
        assert!(
            image.count(line) > 2_000,
            "reference: {}",
            image.count(line)
        );
        assert!(image.count(observed) > 1_000);
        assert!(image.count(blq) > 100);
    }
}

#[test]
fn degenerate_scatters_render() {
    let point = |x, y, censored| ScatterPoint { x, y, censored };
    let cases = [
        vec![],
        vec![point(1.0, 1.0, false)],
        vec![point(0.0, -1.0, true), point(NAN, 2.0, false)],
        vec![point(INF, -INF, false), point(1e-300, 1e300, true)],
        vec![point(3.0, 3.0, false); 5],
    ];
    for points in &cases {
        for reference in [
            Reference::Identity { log: true },
            Reference::Identity { log: false },
            Reference::Zero { log_x: true },
            Reference::Zero { log_x: false },
        ] {
            scatter(points, reference);
        }
    }
}

#[test]
fn bands_carry_observations_for_a_visual_predictive_check() {
    let times: Vec<f64> = (0..=365).map(f64::from).collect();
    let curve = |peak: f64| times.iter().map(|&t| car_t(t, peak, 0.02)).collect();
    let observed = (0..6).flat_map(|k| subject(k).observed).collect();
    let bands = Bands {
        p05: curve(3e3),
        p25: curve(2e4),
        p50: curve(6e4),
        p75: curve(2e5),
        p95: curve(1e6),
        typical: Vec::new(),
        times: times.clone(),
        observed,
        observed_percentiles: [curve(1e4), curve(1e5), curve(5e5)],
        lloq: None,
    };
    let image = decode(bands_figure("VPC", "days", "copies/µg", &bands, &png()));
    let [_, observed, blq] = fit_colours();
    let percentile_lines = crate::plot::palette(5);
    assert!(image.count(observed) > 1_000, "{}", image.count(observed));
    assert!(image.count(blq) > 100, "{}", image.count(blq));
    assert!(image.count(percentile_lines) > 1_000);
    let plain = decode(bands_figure(
        "VPC",
        "days",
        "copies/µg",
        &Bands {
            observed: Vec::new(),
            observed_percentiles: Default::default(),
            lloq: None,
            ..bands
        },
        &png(),
    ));
    assert_eq!(plain.count(blq), 0);
    assert_eq!(plain.count(percentile_lines), 0);
}

#[test]
fn grids_are_as_square_as_possible() {
    let shapes: Vec<_> = [0, 1, 2, 3, 5, 9, 10, 16].map(|n| grid(n, 1200)).to_vec();
    assert_eq!(
        shapes,
        [
            (1, 1),
            (1, 1),
            (1, 2),
            (2, 2),
            (2, 3),
            (3, 3),
            (3, 4),
            (4, 4)
        ]
    );
    // A single column (85 mm is about 500 units) keeps panels at least 150 units wide.
    assert_eq!(grid(16, 500), (16, 1));
    assert_eq!(grid(16, 650), (8, 2));
}
