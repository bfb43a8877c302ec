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

/// The (x, y, width, height) of the SVG rectangles filled with `colour`, top to bottom.
fn filled_rects(svg: &str, colour: plotters::style::RGBColor) -> Vec<[f64; 4]> {
    let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", colour.0, colour.1, colour.2);
    let number = |tag: &str, name: &str| -> f64 {
        let after = tag.split(&format!(" {name}=\"")).nth(1).expect(name);
        after.split('"').next().unwrap().parse().unwrap()
    };
    let mut rects: Vec<[f64; 4]> = (svg.split("<rect").skip(1))
        .map(|tag| tag.split('>').next().unwrap())
        .filter(|tag| tag.contains(&fill))
        .map(|tag| ["x", "y", "width", "height"].map(|n| number(tag, n)))
        .collect();
    rects.sort_by(|a, b| a[1].total_cmp(&b[1]));
    rects
}

#[test]
fn tornado_bars_are_horizontal_and_sorted_largest_first() {
    let swings = [0.1, 0.6, 0.3, 0.45];
    let bars: Vec<TornadoBar> = (swings.iter().enumerate())
        .map(|(k, &s)| TornadoBar {
            label: format!("p{k}"),
            low: -s,
            high: 0.5 * s,
        })
        .collect();
    let settings = FigureSettings {
        formats: vec![crate::plot::FigureFormat::Svg],
        ..png()
    };
    let rendered = tornado_figure("t", "cmax", 0.2, &bars, &settings).unwrap();
    let svg = std::str::from_utf8(rendered.bytes(crate::plot::FigureFormat::Svg).unwrap()).unwrap();
    // The lowered parameter's bars (fill: the first colour's tint), top to bottom.
    let lowered = filled_rects(svg, tint(palette(0), 0.55));
    assert_eq!(lowered.len(), swings.len());
    assert!(
        lowered.iter().all(|r| r[2] > r[3]),
        "horizontal: {lowered:?}"
    );
    // Each bar's length is proportional to its swing (all bars start at 0): sorted
    // descending, as the swings sorted independently.
    let mut expected = swings.to_vec();
    expected.sort_by(|a, b| b.total_cmp(a));
    let scale = lowered[0][2] / expected[0];
    for (rect, swing) in lowered.iter().zip(&expected) {
        // One unit of rounding in the SVG coordinates.
        assert!(
            (rect[2] - swing * scale).abs() <= 1.5,
            "{rect:?} for {swing}"
        );
    }
}
