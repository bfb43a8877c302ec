//! Unit tests of the population figures.

use super::*;
use crate::plot::canvas::categories::wrap;
use crate::plot::testing::{Image, decode, png};
use crate::plot::tint;

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

/// A CAR T-like curve: exponential expansion from 1e2 to `peak` at day 12, then a fast and a
/// slow contraction.
fn car_t(times: &[f64], peak: f64) -> Vec<f64> {
    let at = |t: f64| match t < 12.0 {
        true => 1e2 * (peak / 1e2).powf(t / 12.0),
        false => peak * (0.9 * (-0.25 * (t - 12.0)).exp() + 0.1 * (-0.01 * (t - 12.0)).exp()),
    };
    times.iter().map(|&t| at(t)).collect()
}

fn car_t_bands() -> Bands {
    let times: Vec<f64> = (0..=180).map(f64::from).collect();
    Bands {
        p05: car_t(&times, 3e6),
        p25: car_t(&times, 5e7),
        p50: car_t(&times, 2e8),
        p75: car_t(&times, 5e8),
        p95: car_t(&times, 1e9),
        typical: car_t(&times, 1.5e8),
        times,
        observed: Vec::new(),
        observed_percentiles: Default::default(),
        lloq: None,
    }
}

fn bands_image(bands: &Bands) -> Image {
    decode(bands_figure(
        "CAR T cells",
        "days",
        "cells/µL",
        bands,
        &png(),
    ))
}

#[test]
fn bands_show_both_fills_the_median_and_the_typical_subject() {
    let image = bands_image(&car_t_bands());
    let [outer, inner, median, typical] = band_colours();
    assert!(
        image.count(outer) > 20_000,
        "5–95% fill: {}",
        image.count(outer)
    );
    assert!(
        image.count(inner) > 20_000,
        "25–75% fill: {}",
        image.count(inner)
    );
    assert!(
        image.count(median) > 1_000,
        "median: {}",
        image.count(median)
    );
    assert!(
        image.count(typical) > 500,
        "typical: {}",
        image.count(typical)
    );
    let without_typical = bands_image(&Bands {
        typical: vec![],
        ..car_t_bands()
    });
    assert_eq!(without_typical.count(typical), 0);
}

#[test]
fn bands_over_seven_decades_get_a_log_axis_and_zeros_sit_on_its_floor() {
    let bands = car_t_bands();
    let (axis, _) = y_axis(
        "",
        bands.p05.iter().chain(&bands.p95).copied(),
        YScale::Auto,
    );
    assert!(axis.log);
    assert_eq!(axis.range.0.log10().round(), 2.0);
    assert_eq!(axis.range.1.log10().round(), 9.0);
    let (linear, _) = y_axis("", [0.0, 1.0, 50.0].into_iter(), YScale::Auto);
    assert!(!linear.log);

    // p05 dropping to zero must widen the light band down to the floor, not break it.
    let [outer, inner, ..] = band_colours();
    let baseline = bands_image(&bands).count(outer);
    let mut zeros = car_t_bands();
    zeros.p05.iter_mut().skip(90).for_each(|v| *v = 0.0);
    zeros.p25[40] = NAN;
    let image = bands_image(&zeros);
    assert!(
        image.count(outer) > baseline + 20_000,
        "{} vs {baseline}",
        image.count(outer)
    );
    assert!(image.count(inner) > 20_000);
}

#[test]
fn bands_with_mismatched_lengths_are_errors_naming_the_column() {
    let mut bands = car_t_bands();
    bands.p75.truncate(2);
    let err = bands_figure("t", "x", "y", &bands, &png())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("p75 has 2 values but there are 181 times"),
        "{err}"
    );
    let mut bands = car_t_bands();
    bands.typical.push(1.0);
    let err = bands_figure("t", "x", "y", &bands, &png())
        .unwrap_err()
        .to_string();
    assert!(err.contains("typical has 182 values"), "{err}");
}

#[test]
fn degenerate_bands_render() {
    let same = |times: Vec<f64>, v: Vec<f64>| Bands {
        p05: v.clone(),
        p25: v.clone(),
        p50: v.clone(),
        p75: v.clone(),
        p95: v.clone(),
        typical: v,
        times,
        observed: Vec::new(),
        observed_percentiles: Default::default(),
        lloq: None,
    };
    let cases = [
        Bands::default(),
        same(vec![0.0, 1.0, 2.0], vec![0.0; 3]),
        same(vec![0.0, 1.0, 2.0], vec![NAN; 3]),
        same(vec![5.0], vec![3.0]),
        same(vec![1.0, 1.0, 1.0], vec![7.0; 3]),
        same(
            vec![NAN, INF, 2.0, f64::MAX],
            vec![1.0, -INF, INF, f64::MAX],
        ),
        same(vec![0.0, 1.0, 2.0], vec![-5.0, 1e-300, 1e300]),
        same(vec![2.0, 1.0, 0.0], vec![1e3, 1.0, 1e-3]),
    ];
    for bands in &cases {
        bands_image(bands);
    }
}

fn interval(label: &str, estimate: f64, low: f64, high: f64) -> Interval {
    Interval {
        label: label.into(),
        estimate,
        low,
        high,
    }
}

#[test]
fn intervals_draw_each_category_in_its_colour_with_its_label() {
    let intervals = [
        interval("low (1e5/kg)", 0.42, 0.39, 0.45),
        interval("mid (1e6/kg)", 0.71, 0.68, 0.74),
        interval("high (1e7/kg) with lymphodepletion", 0.93, 0.91, 0.95),
    ];
    let image = decode(intervals_figure(
        "Response",
        "fraction",
        &intervals,
        true,
        &png(),
    ));
    for i in 0..3 {
        assert!(
            image.count(palette(i)) > 300,
            "category {i}: {}",
            image.count(palette(i))
        );
    }
    assert_eq!(image.count(palette(3)), 0);
    let unlabelled: Vec<Interval> = (intervals.iter())
        .map(|i| Interval {
            label: String::new(),
            ..i.clone()
        })
        .collect();
    let bare = decode(intervals_figure(
        "Response",
        "fraction",
        &unlabelled,
        true,
        &png(),
    ));
    assert!(
        image.ink(0.9..1.0) > bare.ink(0.9..1.0) + 300,
        "category labels missing"
    );
}

#[test]
fn degenerate_intervals_render() {
    let long = "a very long scenario name with many words / and-a-long-hyphenated-part ".repeat(4);
    let cases = [
        vec![],
        vec![interval("only", 0.5, 0.5, 0.5)],
        vec![interval("nan", NAN, NAN, NAN), interval("", INF, -INF, NAN)],
        vec![
            interval("swapped", 0.5, 0.9, 0.1),
            interval(&long, 2.0, -1.0, 3.0),
        ],
        vec![interval("zero", 0.0, 0.0, 0.0); 40],
    ];
    for case in &cases {
        for unit in [true, false] {
            decode(intervals_figure(
                "Degenerate",
                "fraction",
                case,
                unit,
                &png(),
            ));
        }
    }
}

fn summary(label: &str, p: [f64; 5]) -> BoxSummary {
    let [p05, p25, p50, p75, p95] = p;
    BoxSummary {
        label: label.into(),
        p05,
        p25,
        p50,
        p75,
        p95,
        n: 1000,
    }
}

#[test]
fn boxes_fill_each_category_on_a_log_axis() {
    let boxes = [
        summary("low (1e5/kg)", [2e4, 3e5, 1.2e6, 4e6, 2e7]),
        summary("mid (1e6/kg)", [3e5, 4e6, 1.5e7, 5e7, 2.5e8]),
        summary("high (1e7/kg)", [4e6, 5e7, 2e8, 6e8, 3e9]),
    ];
    let image = decode(boxes_figure("Cmax", "cells/µL", &boxes, &png()));
    for i in 0..3 {
        let fill = image.count(tint(palette(i), 0.35));
        assert!(fill > 5_000, "box {i} fill: {fill}");
    }
    let values = boxes.iter().flat_map(|b| [b.p05, b.p95]);
    assert!(y_axis("", values, YScale::Auto).0.log);
    // The whisker note is written under the axis.
    assert!(image.ink(0.92..1.0) > 500);
}

#[test]
fn degenerate_boxes_render() {
    let cases = [
        vec![],
        vec![summary("one", [1.0; 5])],
        vec![summary("zeros", [0.0; 5]), summary("nan", [NAN; 5])],
        vec![
            summary("mixed", [-1.0, NAN, INF, 0.0, 1e9]),
            summary("", [5.0, 4.0, 3.0, 2.0, 1.0]),
        ],
    ];
    for case in &cases {
        decode(boxes_figure("Degenerate", "cells", case, &png()));
    }
}

#[test]
fn labels_wrap_at_spaces_then_punctuation_then_characters() {
    let chars = |s: &str| s.chars().count() as u32;
    assert_eq!(wrap("mid (1e6/kg)", 12, chars), ["mid (1e6/kg)"]);
    assert_eq!(wrap("mid (1e6/kg)", 9, chars), ["mid", "(1e6/kg)"]);
    assert_eq!(
        wrap("fludarabine/cyclophosphamide", 16, chars),
        ["fludarabine/", "cyclophosphamide"]
    );
    assert_eq!(wrap("abcdefgh", 3, chars), ["abc", "def", "gh"]);
    assert!(wrap("  ", 5, chars).is_empty());
    assert_eq!(wrap("xy", 0, chars), ["x", "y"]);
    let long = "high (1e7/kg) after fludarabine/cyclophosphamide lymphodepletion";
    for width in 1..40 {
        let lines = wrap(long, width, chars);
        assert!(
            lines.iter().all(|l| chars(l) <= width),
            "{width}: {lines:?}"
        );
        assert_eq!(lines.concat().replace(' ', ""), long.replace(' ', ""));
    }
}

#[test]
fn interval_notes_use_three_significant_digits_and_whole_integers() {
    assert_eq!(
        describe(&interval("", 0.42, 0.45, 0.39)),
        "0.42 [0.39, 0.45]"
    );
    assert_eq!(describe(&interval("", 12.5, NAN, 1.0)), "12.5");
    assert_eq!(describe(&interval("", NAN, 1234.5, 0.0)), "[0, 1234]");
    assert_eq!(significant(123_456.0), "1.23e5");
    assert_eq!(significant(-0.0001234), "-1.23e-4");
    assert_eq!(significant(100.0), "100");
}

/// A band figure with an LLOQ puts its log floor there: values below it (zeros included) in
/// the band labelled with it, instead of 10⁻⁶ of the largest value.
#[test]
fn bands_with_an_lloq_floor_their_log_axis_at_it() {
    let times: Vec<f64> = (0..=40).map(f64::from).collect();
    let curve = car_t(&times, 1e9);
    let zeros_late = |scale: f64| -> Vec<f64> {
        (curve.iter().zip(&times))
            .map(|(&v, &t)| if t > 30.0 { 0.0 } else { v * scale })
            .collect()
    };
    let bands = Bands {
        p05: zeros_late(0.1),
        p25: zeros_late(0.5),
        p50: zeros_late(1.0),
        p75: zeros_late(2.0),
        p95: zeros_late(10.0),
        times,
        typical: Vec::new(),
        observed: Vec::new(),
        observed_percentiles: Default::default(),
        lloq: Some(1e3),
    };
    let look = FigureSettings {
        formats: vec![crate::plot::FigureFormat::Svg],
        ..png()
    };
    let drawn = bands_figure("t", "x", "y", &bands, &look).unwrap();
    let svg = String::from_utf8(drawn.files[0].1.clone()).unwrap();
    assert!(svg.contains("≤ LLOQ (1000)"), "no LLOQ band label");
    let without = Bands {
        lloq: None,
        ..bands
    };
    let drawn = bands_figure("t", "x", "y", &without, &look).unwrap();
    let svg = String::from_utf8(drawn.files[0].1.clone()).unwrap();
    assert!(!svg.contains("LLOQ"), "a band labelled LLOQ without one");
}
