//! The Kaplan–Meier figure keeps room to plot at the `single` size (issue 19): its long legend
//! labels and the number-at-risk table under the axis do not squash the plotting area.

use super::{draw, settings};
use cartsim::plot::{FigureFormat, FigureSize};

/// The canvas (view box) size of an SVG document and the extent of its grid lines: the widest
/// horizontal and the tallest vertical `<line>` (the grid spans the whole plotting area).
fn canvas_and_grid(svg: &[u8]) -> ((f64, f64), (f64, f64)) {
    let text = std::str::from_utf8(svg).unwrap();
    let document = roxmltree::Document::parse(text).unwrap();
    let view: Vec<f64> = (document.root_element().attribute("viewBox").unwrap())
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let (mut width, mut height) = (0.0_f64, 0.0_f64);
    for line in document.descendants().filter(|n| n.has_tag_name("line")) {
        let at = |name: &str| line.attribute(name).unwrap().parse::<f64>().unwrap();
        let (x1, y1, x2, y2) = (at("x1"), at("y1"), at("x2"), at("y2"));
        if y1 == y2 {
            width = width.max((x2 - x1).abs());
        }
        if x1 == x2 {
            height = height.max((y2 - y1).abs());
        }
    }
    ((view[2], view[3]), (width, height))
}

#[test]
fn the_kaplan_meier_plot_keeps_room_at_the_single_size() {
    let kind = (super::KINDS.iter()).find(|k| k.name == "steps").unwrap();
    let look = settings(FigureSize::SINGLE, &[FigureFormat::Svg]);
    let rendered = draw(kind, &look);
    let ((width, height), (plot_width, plot_height)) =
        canvas_and_grid(rendered.bytes(FigureFormat::Svg).unwrap());
    // The width stays the column's: 85 mm.
    assert!((width - 500.0).abs() <= 1.0, "{width}");
    // The plotting area: at least 60% of the width (the y tick labels and description take
    // the rest), at least a fifth of the height (the legend's four rows under the chart and
    // the table's five take most of the rest) and 15% of the canvas.
    assert!(plot_width >= 0.6 * width, "{plot_width} of {width}");
    assert!(plot_height >= 0.2 * height, "{plot_height} of {height}");
    assert!(
        plot_width * plot_height >= 0.15 * width * height,
        "{plot_width}x{plot_height} of {width}x{height}"
    );
}
