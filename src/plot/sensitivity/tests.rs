use super::*;
use crate::plot::testing::{decode, png};

#[test]
fn tornado_draws_a_bar_per_move_in_the_two_colours() {
    let bars = [
        TornadoBar {
            label: "small".into(),
            low: -0.05,
            high: 0.04,
        },
        TornadoBar {
            label: "large".into(),
            low: 0.5,
            high: -0.3,
        },
        TornadoBar {
            label: "undefined".into(),
            low: f64::NAN,
            high: f64::NAN,
        },
    ];
    let image = decode(tornado_figure("cmax: tornado", "cmax", 0.2, &bars, &png()));
    // Outlines in the palette colours (the fills are tints of them).
    assert!(image.count(palette(0)) > 100 && image.count(palette(1)) > 100);
}

#[test]
fn index_bars_and_the_morris_plane_render() {
    let bars = [
        IndexBar {
            label: "rho".into(),
            first: (0.6, 0.55, 0.66),
            total: (0.7, 0.64, 0.77),
        },
        IndexBar {
            label: "T0".into(),
            first: (-0.01, -0.03, 0.02),
            total: (0.05, 0.04, 0.06),
        },
    ];
    let image = decode(indices_figure("Sobol'", &bars, &png()));
    assert!(image.count(shade(palette(0), 0.4)) > 20, "error bars drawn");
    let points = [
        MorrisPoint {
            label: "rho".into(),
            mu_star: 3.0,
            sigma: 1.0,
        },
        MorrisPoint {
            label: "T0".into(),
            mu_star: 0.2,
            sigma: 0.1,
        },
        MorrisPoint {
            label: "nan".into(),
            mu_star: f64::NAN,
            sigma: 0.1,
        },
    ];
    let image = decode(morris_figure("Morris", "cmax per range", &points, &png()));
    assert!(image.count(palette(0)) > 50 && image.count(palette(1)) > 50);
}
