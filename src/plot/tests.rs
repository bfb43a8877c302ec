//! Unit tests of the parent module.

use super::*;

fn figure(times: Vec<f64>, series: Vec<Vec<f64>>, scale: YScale) -> Figure {
    let series = (series.into_iter().enumerate())
        .map(|(i, values)| Series {
            name: format!("s{i}"),
            values,
        })
        .collect();
    let (title, x_label, y_label) = ("Test figure".into(), "days".into(), "cells".into());
    Figure {
        title,
        x_label,
        y_label,
        times,
        series,
        scale,
    }
}

/// Renders at the default settings, decodes the PNG, checks its size and returns the pixels.
fn render_ok(fig: &Figure) -> Vec<[u8; 3]> {
    let settings = FigureSettings::default();
    let rendered = render_figure(fig, &settings).expect("renders");
    let bytes = rendered.bytes(FigureFormat::Png).expect("a PNG").to_vec();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("PNG decodes");
    let expected = settings.pixels(settings.canvas());
    assert_eq!(
        (info.width, info.height, info.color_type),
        (expected.0, expected.1, png::ColorType::Rgb)
    );
    buf.chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
}

/// Dark (text) pixels in the middle of the top 60 rows, where the title goes.
fn title_ink(pixels: &[[u8; 3]], width: usize) -> usize {
    let title_area =
        |i: &usize| i / width < 60 && (width / 3..2 * width / 3).contains(&(i % width));
    (0..pixels.len())
        .filter(title_area)
        .filter(|&i| pixels[i].iter().all(|&c| c < 128))
        .count()
}

#[test]
fn png_has_requested_size_and_real_content() {
    let times: Vec<f64> = (0..100).map(f64::from).collect();
    let rise = times.iter().map(|t| (t / 10.0).exp()).collect();
    let pixels = render_ok(&figure(times, vec![rise, vec![3.0; 100]], YScale::Auto));
    let distinct: std::collections::HashSet<_> = pixels.iter().collect();
    assert!(distinct.len() > 20, "only {} colours", distinct.len());
    assert!(title_ink(&pixels, 1370) > 100, "title not rendered");
}

#[test]
fn empty_figure_renders_with_title() {
    let fig = figure(vec![], vec![], YScale::Auto);
    assert!(title_ink(&render_ok(&fig), 1370) > 100);
}

#[test]
fn auto_scale_decision() {
    let fig = |values: Vec<f64>, scale| figure(vec![0.0, 1.0, 2.0], vec![values], scale);
    assert!(uses_log_scale(&fig(vec![1.0, 1e3, 1e6], YScale::Auto)));
    assert!(!uses_log_scale(&fig(vec![1.0, 20.0, 50.0], YScale::Auto)));
    assert!(!uses_log_scale(&fig(vec![-1e9, 0.0, 50.0], YScale::Auto)));
    assert!(uses_log_scale(&fig(vec![1.0; 3], YScale::Log)));
    assert!(!uses_log_scale(&fig(vec![1.0, 1e9, 1.0], YScale::Linear)));
}

#[test]
fn bad_and_degenerate_values_render_on_every_scale() {
    let (nan, inf, max) = (f64::NAN, f64::INFINITY, f64::MAX);
    let cases = [
        (
            vec![0.0, 1.0, 2.0, 3.0, 4.0],
            vec![
                vec![1.0, nan, 0.0, -5.0, 1e6],
                vec![-inf, 1e-300, 5e-324, max, 7.0],
            ],
        ),
        (vec![], vec![vec![]]),
        (vec![2.0], vec![vec![5.0], vec![nan]]),
        (
            vec![1.0, 1.0, 1.0],
            vec![vec![4.0; 3], vec![0.0; 3], vec![-3.0; 3]],
        ),
        (vec![nan, inf, -max, max], vec![vec![1.0, 2.0, max, -max]]),
        (
            vec![0.0, 1e-310, 1.0 + 1e-15],
            vec![vec![1e-320, 5e-324, nan]],
        ),
    ];
    for (times, series) in cases {
        for scale in [YScale::Auto, YScale::Linear, YScale::Log] {
            render_ok(&figure(times.clone(), series.clone(), scale));
        }
    }
}

#[test]
fn bad_shapes_are_errors() {
    let png = FigureSettings::default();
    let err =
        render_figure(&figure(vec![0.0, 1.0], vec![vec![1.0]], YScale::Auto), &png).unwrap_err();
    assert!(
        err.to_string()
            .contains("'s0' has 1 values but the figure has 2 times"),
        "{err}"
    );
    let huge = FigureSettings {
        dpi: 2000.0,
        size: FigureSize::SLIDE,
        ..png
    };
    assert!(render_figure(&figure(vec![], vec![], YScale::Auto), &huge).is_err());
}

#[test]
fn axis_helpers() {
    let labels = |lo, hi, log, ticks: &[f64]| {
        ticks
            .iter()
            .map(tick_format(lo, hi, log))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        labels(0.0, 1.0, false, &[1e-17, 0.25, 1.0, -2.5]),
        ["0", "0.25", "1", "-2.5"]
    );
    assert_eq!(
        labels(0.0, 3e4, false, &[0.0, 5e3, 2.5e4]),
        ["0", "5×10³", "2.5×10⁴"]
    );
    assert_eq!(
        labels(1e-7, 1e5, true, &[1e-7, 1.0, 1e5]),
        ["10⁻⁷", "10⁰", "10⁵"]
    );
    assert_eq!(
        labels(0.1, 100.0, true, &[0.1, 2.0, 100.0]),
        ["0.1", "2", "100"]
    );
    let decades = |values: Vec<f64>| floor::log_axis(values.into_iter());
    let (lo, hi) = decades(vec![3.0, 4e5]).range;
    assert_eq!((lo.log10().round(), hi.log10().round()), (0.0, 6.0));
    // 1e-300 is below the floor 1e-6 x 1e5 = 0.1: a band of 0.12 x 6 decades under it.
    let banded = decades(vec![1e-300, 1e5]);
    assert_eq!(banded.floor, Some(1e5 * 1e-6));
    assert!((banded.range.0.log10() - (-1.0 - 0.72)).abs() < 1e-6);
    let values = [1.0, 2.0, 0.0, 4.0, f64::NAN];
    let no_floor = floor::LogAxis {
        range: (1.0, 10.0),
        floor: None,
    };
    assert_eq!(
        segments(
            &[0.0, 1.0, 2.0, 3.0, 4.0],
            &values,
            Some(no_floor),
            (1.0, 10.0)
        )
        .len(),
        2
    );
}

/// The points of the SVG polylines stroked in `colour` at width 2 (a series' line).
fn series_points(svg: &str, colour: RGBColor) -> Vec<(f64, f64)> {
    let stroke = format!(
        "stroke=\"#{:02X}{:02X}{:02X}\"",
        colour.0, colour.1, colour.2
    );
    (svg.split("<polyline").skip(1))
        .map(|tag| tag.split("/>").next().unwrap())
        .filter(|tag| tag.contains(&stroke) && tag.contains("stroke-width=\"2\""))
        .flat_map(|tag| {
            let points = tag
                .split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let pairs: Vec<(f64, f64)> = (points.split_whitespace())
                .filter_map(|p| p.split_once(','))
                .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
                .collect();
            pairs
        })
        .collect()
}

fn svg_of(figure: &Figure) -> String {
    let settings = FigureSettings {
        formats: vec![FigureFormat::Svg],
        ..FigureSettings::default()
    };
    let rendered = render_figure(figure, &settings).unwrap();
    String::from_utf8(rendered.bytes(FigureFormat::Svg).unwrap().to_vec()).unwrap()
}

#[test]
fn zeros_on_a_log_axis_are_drawn_in_the_band_under_its_floor() {
    // 1e5 down to 1 and then zeros: the zeros lie below the floor 1e-6 x 1e5 = 0.1.
    let values = vec![1e5, 1e3, 10.0, 1.0, 0.0, 0.0];
    let figure = figure(
        vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        vec![values],
        YScale::Auto,
    );
    assert!(uses_log_scale(&figure));
    let svg = svg_of(&figure);
    let band = svg
        .split("<rect")
        .map(|tag| tag.split("/>").next().unwrap())
        .find(|tag| tag.contains("fill=\"#E4E4E4\""))
        .expect("a floor band");
    let number = |name: &str| -> f64 {
        let after = band.split(&format!(" {name}=\"")).nth(1).unwrap();
        after.split('"').next().unwrap().parse().unwrap()
    };
    let (top, bottom) = (number("y"), number("y") + number("height"));
    let points = series_points(&svg, palette(0));
    // Every value is drawn, in one line: six points, the last two inside the band.
    assert_eq!(points.len(), 6, "{points:?}");
    for &(_, y) in &points[4..] {
        assert!(
            top < y && y < bottom,
            "{y} outside the band {top}..{bottom}"
        );
    }
    assert!(points[3].1 < top, "1.0 is above the floor");
}

#[test]
fn an_output_that_changes_sign_gets_a_linear_axis_with_every_value() {
    let values = vec![-20.0, -5.0, 0.5, 40.0, 400.0];
    let figure = figure(vec![0.0, 1.0, 2.0, 3.0, 4.0], vec![values], YScale::Auto);
    assert!(!uses_log_scale(&figure));
    let points = series_points(&svg_of(&figure), palette(0));
    assert_eq!(points.len(), 5, "{points:?}");
    // Linear: equal value steps are equal pixel steps (0.5 pixel of SVG rounding per point).
    let per_unit = (points[0].1 - points[4].1) / 420.0;
    assert!(((points[0].1 - points[1].1) - 15.0 * per_unit).abs() <= 1.0);
}
