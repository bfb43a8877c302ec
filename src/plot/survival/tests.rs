use super::*;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;
use crate::plot::format::FigureFormat;
use crate::plot::palette;
use crate::plot::testing::{decode, png};

fn curve(label: &str, points: Vec<(f64, f64)>) -> StepCurve {
    StepCurve {
        label: label.into(),
        points,
        observations: Vec::new(),
    }
}

#[test]
fn step_curves_are_drawn_in_palette_order() {
    let km = |rate: f64| -> Vec<(f64, f64)> {
        (0..20)
            .map(|k| (9.0 * f64::from(k), (-rate * f64::from(k)).exp()))
            .collect()
    };
    let curves = [
        curve("low", km(0.15)),
        curve("mid", km(0.08)),
        curve("high", km(0.03)),
    ];
    let image = decode(steps_figure(
        "PFS",
        "days",
        "fraction",
        &curves,
        180.0,
        &png(),
    ));
    for i in 0..3 {
        assert!(
            image.count(palette(i)) > 1_000,
            "curve {i}: {}",
            image.count(palette(i))
        );
    }
}

#[test]
fn degenerate_step_curves_render() {
    let cases = [
        (vec![], 100.0),
        (vec![curve("empty", vec![])], NAN),
        (vec![curve("start only", vec![(0.0, 1.0)])], 30.0),
        (vec![curve("past end", vec![(0.0, 1.0), (50.0, 0.5)])], 10.0),
        (
            vec![curve("nan", vec![(NAN, 1.0), (1.0, NAN), (INF, 0.5)])],
            INF,
        ),
        (
            vec![curve(
                "unsorted",
                vec![(5.0, 0.2), (0.0, 1.0), (2.0, 2.0), (3.0, -1.0)],
            )],
            6.0,
        ),
        (vec![curve("same time", vec![(1.0, 1.0), (1.0, 0.5)])], 1.0),
    ];
    for (curves, end) in &cases {
        decode(steps_figure(
            "Degenerate",
            "days",
            "fraction",
            curves,
            *end,
            &png(),
        ));
    }
}

/// The texts of an SVG document in document order.
fn texts(svg: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(svg).unwrap();
    let document = roxmltree::Document::parse(text).unwrap();
    (document.descendants())
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn the_number_at_risk_is_written_under_the_ticks_and_censored_subjects_marked() {
    // Ten subjects leaving at 10, 20, …, 100 days: an event at 10, 30, …, censored at 20, 40,
    // ….
    let observations: Vec<(f64, bool)> = (1..=10).map(|k| (10.0 * k as f64, k % 2 == 1)).collect();
    let points = crate::metrics::summary::kaplan_meier(0.0, &observations);
    let curves = [StepCurve {
        label: "arm".into(),
        points,
        observations,
    }];
    let settings = FigureSettings {
        formats: vec![FigureFormat::Svg, FigureFormat::Png],
        ..png()
    };
    let rendered = steps_figure("KM", "days", "fraction", &curves, 100.0, &settings).unwrap();
    let texts = texts(rendered.bytes(FigureFormat::Svg).unwrap());
    let heading = texts
        .iter()
        .position(|t| t == "number at risk")
        .expect("a table");
    // The counts follow the heading (the legend comes after them).
    let counts: Vec<usize> = texts[heading + 1..]
        .iter()
        .map_while(|t| t.parse().ok())
        .collect();
    // The x ticks are round numbers from 0 to 100, as many as there are counts; at a tick t
    // the number at risk is the count of exit times 10, 20, …, 100 at or after t.
    let step = 100.0 / (counts.len() - 1) as f64;
    let expected: Vec<usize> = (0..counts.len())
        .map(|k| {
            (1..=10)
                .filter(|&j| 10.0 * j as f64 >= k as f64 * step)
                .count()
        })
        .collect();
    assert_eq!(counts, expected);
    // Five censoring strokes, each 18 units tall and 3 wide in the curve's colour.
    let svg = std::str::from_utf8(rendered.bytes(FigureFormat::Svg).unwrap()).unwrap();
    let colour = palette(0);
    let stroke = format!(
        "stroke=\"#{:02X}{:02X}{:02X}\"",
        colour.0, colour.1, colour.2
    );
    let ticks = (svg.lines())
        .filter(|l| {
            l.contains("<polyline") && l.contains(&stroke) && l.contains("stroke-width=\"3\"")
        })
        .filter(|l| {
            let points = l
                .split("points=\"")
                .nth(1)
                .unwrap_or("")
                .split('"')
                .next()
                .unwrap_or("");
            let xy: Vec<(f64, f64)> = (points.split_whitespace())
                .filter_map(|p| p.split_once(','))
                .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
                .collect();
            xy.len() == 2 && xy[0].0 == xy[1].0 && (xy[1].1 - xy[0].1 - 18.0).abs() < 0.5
        })
        .count();
    assert_eq!(ticks, 5, "censoring strokes");
}
