//! One small figure of each kind the plot module draws, with the title and axis labels its SVG
//! must hold as text.

use cartsim::plot::*;

type Draw = fn(&FigureSettings) -> Result<Rendered, PlotError>;

pub struct Kind {
    pub name: &'static str,
    pub title: &'static str,
    pub labels: &'static [&'static str],
    pub draw: Draw,
}

fn times() -> Vec<f64> {
    (0..=40).map(|k| k as f64).collect()
}

/// A curve falling from 1e5 over five decades.
fn decay(scale: f64) -> Vec<f64> {
    times()
        .iter()
        .map(|t| scale * 1e5 * (-t * 0.29).exp())
        .collect()
}

fn line_chart(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let series = (1..=9)
        .map(|k| Series {
            name: format!("series {k}"),
            values: decay(k as f64),
        })
        .collect();
    let figure = Figure {
        title: "Line chart".into(),
        x_label: "time (day)".into(),
        y_label: "cells/µL".into(),
        times: times(),
        series,
        scale: YScale::Auto,
    };
    render_figure(&figure, look)
}

/// Three units in three panels, a dose and a recorded event.
fn trajectory(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let unit = |unit: &str, k: usize, shift: f64| UnitPanel {
        unit: unit.into(),
        series: vec![Series {
            name: format!("series {k}"),
            values: decay(k as f64).iter().map(|v| v - shift).collect(),
        }],
    };
    let figure = TrajectoryFigure {
        title: "Trajectory".into(),
        x_label: "time (day)".into(),
        times: times(),
        panels: vec![
            unit("cells", 1, 0.0),
            unit("pg/mL", 2, 0.0),
            unit("%", 3, 5e4),
        ],
        doses: vec![0.0, 14.0],
        events: vec![("relapse".into(), 30.0)],
        scale: YScale::Auto,
    };
    trajectory_figure(&figure, look)
}

fn observed(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let series = ObservedSeries {
        name: "conc".into(),
        values: decay(1.0),
        observations: vec![(2.0, 5e4, false), (30.0, 1.0, true)],
        lloq: Some(1.0),
    };
    let labels = ("Observed", "time (hour)", "mg/L");
    observed_figure(labels, &times(), &[series], YScale::Auto, look)
}

fn points(censored_at: usize) -> Vec<ObservedPoint> {
    (0..8)
        .map(|k| ObservedPoint {
            time: 5.0 * k as f64,
            value: 1e5 * (-(k as f64) * 1.2).exp(),
            censored: k == censored_at,
        })
        .collect()
}

fn fits(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let panels: Vec<SubjectPanel> = (0..4)
        .map(|k| SubjectPanel {
            label: format!("ID {k}"),
            times: times(),
            fitted: decay(1.0),
            observed: points(7),
        })
        .collect();
    fits_figure("Fits", "time (day)", "copies/µg", &panels, look)
}

fn scatter(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let points: Vec<ScatterPoint> = (1..30)
        .map(|k| ScatterPoint {
            x: k as f64,
            y: k as f64 * (1.0 + 0.1 * (k as f64).sin()),
            censored: k == 1,
        })
        .collect();
    let reference = Reference::Identity { log: false };
    scatter_figure("Scatter", "predicted", "observed", &points, reference, look)
}

fn bands(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let band = |f: f64| decay(f);
    let bands = Bands {
        times: times(),
        p05: band(0.2),
        p25: band(0.5),
        p50: band(1.0),
        p75: band(2.0),
        p95: band(5.0),
        typical: band(1.1),
        observed: points(7),
        observed_percentiles: [Vec::new(), Vec::new(), Vec::new()],
        lloq: None,
    };
    bands_figure("Bands", "time (day)", "cells/µL", &bands, look)
}

fn intervals(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let intervals: Vec<Interval> = ["low", "mid", "high"]
        .iter()
        .enumerate()
        .map(|(k, label)| Interval {
            label: label.to_string(),
            estimate: 0.2 + 0.3 * k as f64,
            low: 0.1 + 0.3 * k as f64,
            high: 0.3 + 0.3 * k as f64,
        })
        .collect();
    intervals_figure("Intervals", "fraction responding", &intervals, true, look)
}

fn boxes(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let boxes: Vec<BoxSummary> = ["low", "high"]
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let s = 10f64.powi(k as i32 * 2);
            BoxSummary {
                label: label.to_string(),
                p05: s,
                p25: 2.0 * s,
                p50: 3.0 * s,
                p75: 5.0 * s,
                p95: 9.0 * s,
                n: 100,
            }
        })
        .collect();
    boxes_figure("Boxes", "cells/µL", &boxes, look)
}

fn steps(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let curves: Vec<StepCurve> = (0..3)
        .map(|k| StepCurve {
            // Labels as long as a run's (see `room`): the legend goes under the chart.
            label: format!("arm {k} (9e7 cells), 812 responders"),
            points: (0..10)
                .map(|j| {
                    (
                        20.0 * j as f64,
                        1.0 - 0.08 * j as f64 * (k + 1) as f64 / 3.0,
                    )
                })
                .collect(),
            observations: (1..=20).map(|j| (10.0 * j as f64, j % 3 != 0)).collect(),
        })
        .collect();
    steps_figure(
        "Relapse-free",
        "time (day)",
        "fraction",
        &curves,
        200.0,
        look,
    )
}

fn tornado(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let bars: Vec<TornadoBar> = ["kel", "ke", "v"]
        .iter()
        .enumerate()
        .map(|(k, name)| TornadoBar {
            label: name.to_string(),
            low: -0.1 * (k + 1) as f64,
            high: 0.05 * (k + 1) as f64,
        })
        .collect();
    tornado_figure("Tornado", "cmax", 0.2, &bars, look)
}

fn indices(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let bars = vec![IndexBar {
        label: "kel".into(),
        first: (0.5, 0.4, 0.6),
        total: (0.6, 0.5, 0.7),
    }];
    indices_figure("Sobol", &bars, look)
}

fn morris(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let points: Vec<MorrisPoint> = (1..5)
        .map(|k| MorrisPoint {
            label: format!("p{k}"),
            mu_star: k as f64,
            sigma: 0.5 * k as f64,
        })
        .collect();
    morris_figure("Morris", "cmax per range", &points, look)
}

fn grouped_bars(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let bars: Vec<BarGroup> = ["1", "2", "3"]
        .iter()
        .map(|label| BarGroup {
            label: label.to_string(),
            values: vec![30.0, 10.0],
        })
        .collect();
    let groups = [("selected", 0), ("true P(DLT)", 3)];
    grouped_bars_figure(
        "Selection",
        "percent",
        "dose level",
        &groups,
        &bars,
        None,
        look,
    )
}

fn paths(look: &FigureSettings) -> Result<Rendered, PlotError> {
    let paths = vec![TrialPath {
        label: "trial 1".into(),
        patients: (1..=9).map(|p| (p, 1 + (p - 1) / 3, p == 9)).collect(),
    }];
    paths_figure("Paths", 3, &paths, look)
}

pub const KINDS: &[Kind] = &[
    Kind {
        name: "line chart",
        title: "Line chart",
        labels: &["time (day)", "cells/µL"],
        draw: line_chart,
    },
    Kind {
        name: "trajectory panels",
        title: "Trajectory",
        labels: &["time (day)", "cells", "pg/mL", "%", "relapse"],
        draw: trajectory,
    },
    Kind {
        name: "observed",
        title: "Observed",
        labels: &["time (hour)", "mg/L"],
        draw: observed,
    },
    Kind {
        name: "fits",
        title: "Fits",
        labels: &["time (day)", "copies/µg"],
        draw: fits,
    },
    Kind {
        name: "scatter",
        title: "Scatter",
        labels: &["predicted", "observed"],
        draw: scatter,
    },
    Kind {
        name: "bands",
        title: "Bands",
        labels: &["time (day)", "cells/µL"],
        draw: bands,
    },
    Kind {
        name: "intervals",
        title: "Intervals",
        labels: &["fraction responding"],
        draw: intervals,
    },
    Kind {
        name: "boxes",
        title: "Boxes",
        labels: &["cells/µL"],
        draw: boxes,
    },
    Kind {
        name: "steps",
        title: "Relapse-free",
        labels: &["time (day)", "fraction", "number at risk"],
        draw: steps,
    },
    Kind {
        name: "tornado",
        title: "Tornado",
        labels: &[],
        draw: tornado,
    },
    Kind {
        name: "indices",
        title: "Sobol",
        labels: &[],
        draw: indices,
    },
    Kind {
        name: "morris",
        title: "Morris",
        labels: &[],
        draw: morris,
    },
    Kind {
        name: "grouped bars",
        title: "Selection",
        labels: &["percent", "dose level"],
        draw: grouped_bars,
    },
    Kind {
        name: "paths",
        title: "Paths",
        labels: &[],
        draw: paths,
    },
];
