//! Unit tests of the trajectory figure.

use super::*;
use crate::plot::testing::png;

fn flags(marks: &[Mark]) -> Vec<(String, bool, u32)> {
    (marks.iter())
        .filter_map(|m| match m {
            Mark::Flag {
                text,
                leftward,
                row,
                ..
            } => Some((text.clone(), *leftward, *row)),
            _ => None,
        })
        .collect()
}

#[test]
fn event_labels_close_together_go_on_rows_and_late_ones_left_of_their_line() {
    let events = [
        ("a".to_string(), 10.0),
        ("b".to_string(), 12.0),
        ("c".to_string(), 90.0),
    ];
    let marks = event_marks(&events, (0.0, 100.0), (1.0, 2.0), true);
    let expected = [("a", false, 0), ("b", false, 1), ("c", true, 0)];
    let expected: Vec<_> = (expected.iter())
        .map(|&(t, l, r)| (t.to_string(), l, r))
        .collect();
    assert_eq!(flags(&marks), expected);
    // Lower panels get the lines only.
    let lines = event_marks(&events, (0.0, 100.0), (1.0, 2.0), false);
    assert_eq!((lines.len(), flags(&lines).len()), (3, 0));
}

#[test]
fn many_firings_are_labelled_once_each() {
    let events: Vec<_> = (0..20)
        .map(|k| ("tick".to_string(), 5.0 * k as f64))
        .collect();
    let marks = event_marks(&events, (0.0, 100.0), (1.0, 2.0), true);
    assert_eq!(flags(&marks).len(), 1);
}

#[test]
fn refuses_a_series_of_the_wrong_length() {
    let figure = TrajectoryFigure {
        title: "t".into(),
        x_label: "x".into(),
        times: vec![0.0, 1.0],
        panels: vec![UnitPanel {
            unit: "mg".into(),
            series: vec![Series {
                name: "A".into(),
                values: vec![1.0],
            }],
        }],
        doses: Vec::new(),
        events: Vec::new(),
        scale: YScale::Auto,
    };
    let error = trajectory_figure(&figure, &png());
    assert!(error.is_err_and(|e| e.0.contains("has 1 values")));
}
