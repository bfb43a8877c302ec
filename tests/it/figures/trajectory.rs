//! The trajectory figure of `simulate` (issue 19): one panel per unit, every value drawn
//! where the closed form puts it (a log axis, a negative output on a linear one, zeros in the
//! log floor band), doses and recorded events marked.

use super::{decode, svg_texts};
use crate::cli::{cartsim, scratch};

/// A one-compartment bolus, A(t) = 100 exp(-0.1 t) mg, with outputs in two more units: a
/// concentration (mg/L), a change from the dose that is negative after t = 0 (%), and an
/// amount above 50 mg that is zero after t = 10 ln 2 (mg, on A's log axis).
const MODEL: &str = "name: three_units
title: Three units
time_unit: hour
parameters:
  k: {value: 0.1, unit: 1/hour}
  V: {value: 50, unit: L}
states:
  A: {initial: 0, unit: mg}
odes:
  A: -k * A
outputs:
  conc: {expr: A / V, unit: mg/L}
  above: {expr: 'max(0, A - 50)', unit: mg}
  change: {expr: 100 * (A / 100 - 1), unit: '%'}
events:
  low: {when: A < 20, record: true}
doses:
  - {state: A, amount: 100, time: 0}
simulation: {end: 48, step: 0.25, solver: dopri5, rtol: 1e-10, atol: 1e-12}
";

/// Series colours in the order the panels take them: mg (A, above), mg/L (conc), % (change).
const A: [u8; 3] = [0x00, 0x72, 0xb2];
const ABOVE: [u8; 3] = [0xe6, 0x9f, 0x00];
const CONC: [u8; 3] = [0x00, 0x9e, 0x73];
const CHANGE: [u8; 3] = [0xd5, 0x5e, 0x00];

/// The columns holding `colour`, each with the median row of its pixels, in the widest run of
/// columns no more than 25 pixels apart (the curve: the legend's key is a short run apart).
fn curve(width: usize, pixels: &[[u8; 3]], colour: [u8; 3]) -> Vec<(f64, f64)> {
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); width];
    for (i, _) in pixels.iter().enumerate().filter(|(_, p)| **p == colour) {
        rows[i % width].push(i / width);
    }
    let columns: Vec<usize> = (0..width).filter(|&x| !rows[x].is_empty()).collect();
    let runs = columns.chunk_by(|a, b| b - a <= 25);
    let widest = runs
        .max_by_key(|r| r.last().unwrap() - r[0])
        .expect("colour drawn");
    (widest.iter())
        .map(|&x| {
            let mut ys = rows[x].clone();
            ys.sort_unstable();
            (x as f64, ys[ys.len() / 2] as f64)
        })
        .collect()
}

/// The largest distance in pixels of the rows from the least-squares line through
/// (value(t), row), t running over the time span [0, 48] as x runs over the curve's columns.
fn worst_residual(points: &[(f64, f64)], value: impl Fn(f64) -> f64) -> f64 {
    let (x0, x1) = (points[0].0, points.last().unwrap().0);
    let pairs: Vec<(f64, f64)> = (points.iter())
        .map(|&(x, y)| (value(48.0 * (x - x0) / (x1 - x0)), y))
        .collect();
    let n = pairs.len() as f64;
    let (mv, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mv) * (p.1 - my)).sum();
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mv).powi(2)).sum();
    let slope = sxy / sxx;
    (pairs.iter())
        .map(|p| (p.1 - my - slope * (p.0 - mv)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn three_units_make_three_panels_each_drawing_every_value() {
    let directory = scratch("figures-trajectory");
    std::fs::write(directory.join("three.yaml"), MODEL).unwrap();
    let arguments = [
        "simulate",
        "three.yaml",
        "--out",
        "out",
        "--figures",
        "png,svg",
    ];
    let output = cartsim(&arguments, &directory);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let png = std::fs::read(directory.join("out/trajectory.png")).unwrap();
    let (width, height, pixels) = decode(&png);

    let (a, conc, change) = (
        curve(width, &pixels, A),
        curve(width, &pixels, CONC),
        curve(width, &pixels, CHANGE),
    );
    // Each curve spans the time axis (no value dropped): the plot is over 60% of the width.
    for (name, points) in [("A", &a), ("conc", &conc), ("change", &change)] {
        let span = points.last().unwrap().0 - points[0].0;
        assert!(span > 0.6 * width as f64, "{name} spans {span} of {width}");
    }
    // Panels stacked top to bottom in the order the units first appear: mg, mg/L, %.
    let mean_row = |p: &[(f64, f64)]| p.iter().map(|q| q.1).sum::<f64>() / p.len() as f64;
    assert!(mean_row(&a) < mean_row(&conc) && mean_row(&conc) < mean_row(&change));
    assert!(mean_row(&a) < 0.45 * height as f64);
    assert!(mean_row(&change) > 0.55 * height as f64);

    // Where the closed form puts the values: A on a log axis is a straight line in
    // log10 A = 2 - 0.1 t / ln 10; the change on a linear axis is linear in
    // 100 (exp(-0.1 t) - 1), falling from 0 to -99. Rows within 6 pixels of the line: the
    // curve is 2 pixels wide and its markers (radius 5) sit on it.
    let log_a = |t: f64| 2.0 - 0.1 * t / std::f64::consts::LN_10;
    assert!(worst_residual(&a, log_a) < 6.0);
    let negative = |t: f64| 100.0 * ((-0.1 * t).exp() - 1.0);
    assert!(worst_residual(&change, negative) < 6.0);
    // Going down the image as it falls below zero: the negative values are drawn.
    assert!(change.last().unwrap().1 > change[0].1 + 50.0);

    // `above` is zero from t = 6.9 h on: drawn to the end of the axis, in the floor band
    // under A (which ends at 0.82 mg, far above the floor at 1e-4 mg).
    let above = curve(width, &pixels, ABOVE);
    let (a_end, above_end) = (a.last().unwrap(), above.last().unwrap());
    assert!(above_end.0 >= a_end.0 - 12.0, "{above_end:?} {a_end:?}");
    assert!(above_end.1 > a_end.1 + 20.0, "{above_end:?} {a_end:?}");

    let svg = std::fs::read(directory.join("out/trajectory.svg")).unwrap();
    let texts = svg_texts(&svg);
    for wanted in [
        "mg",
        "mg/L",
        "%",
        "low",
        "dose",
        "recorded event",
        "time (hour)",
    ] {
        assert!(
            texts.iter().any(|t| t == wanted),
            "no `{wanted}` in {texts:?}"
        );
    }
}

#[test]
fn an_html_report_embeds_the_svg_and_markdown_keeps_the_png() {
    let directory = scratch("figures-report-svg");
    std::fs::write(directory.join("three.yaml"), MODEL).unwrap();
    let arguments = [
        "simulate",
        "three.yaml",
        "--out",
        "out",
        "--figures",
        "png,svg",
    ];
    assert!(cartsim(&arguments, &directory).status.success());
    assert!(cartsim(&["report", "out"], &directory).status.success());
    let html = std::fs::read_to_string(directory.join("out/report.html")).unwrap();
    // The template escapes `/` in attributes as `&#x2f;`, which the browser reads back.
    assert!(html.contains("<img src=\"data:image&#x2f;svg+xml;base64,"));
    assert!(!html.contains("data:image&#x2f;png"));
    let markdown = ["report", "out", "--format", "md"];
    assert!(cartsim(&markdown, &directory).status.success());
    let md = std::fs::read_to_string(directory.join("out/report.md")).unwrap();
    assert!(md.contains("(trajectory.png)") && !md.contains(".svg)"));
}
