//! The data figure: one subject's model curves with its observations drawn over them in each
//! curve's marker, and observations below the limit of quantification as open down-triangles
//! at the LLOQ.

use super::canvas::{Key, Mark, Plot, XAxis, render};
use super::format::{FigureSettings, Rendered};
use super::{PlotError, YScale, palette, placed, scaled_axis, x_range};
use plotters::style::RGBColor;

/// One observed quantity: the model's curve and the observations of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedSeries {
    /// Legend label.
    pub name: String,
    /// The curve, one value per entry of the figure's times.
    pub values: Vec<f64>,
    /// (time, value, censored); a censored observation's value is its LLOQ.
    pub observations: Vec<(f64, f64, bool)>,
    /// The limit of quantification of these observations, when known: a log axis' floor is
    /// at the smallest one of the figure, values below it drawn in the band under it.
    pub lloq: Option<f64>,
}

/// Curves (each in its style's colour and dash, split where a value is not finite, or not
/// positive on a log axis) with their observations in its marker and colour, censored ones as open
/// down-triangles; the legend adds a key for each kind of point drawn. `scale` chooses the y axis;
/// a log one has its floor at the series' LLOQ when one is known.
///
/// Fails when a curve's length differs from `times`.
pub fn observed_figure(
    (title, x_label, y_label): (&str, &str, &str),
    times: &[f64],
    series: &[ObservedSeries],
    scale: YScale,
    settings: &FigureSettings,
) -> Result<Rendered, PlotError> {
    if let Some(s) = series.iter().find(|s| s.values.len() != times.len()) {
        let (name, n, count) = (&s.name, s.values.len(), times.len());
        return Err(PlotError(format!(
            "series '{name}' has {n} values but the figure has {count} times"
        )));
    }
    let values = || {
        series
            .iter()
            .flat_map(|s| (s.values.iter().copied()).chain(s.observations.iter().map(|o| o.1)))
    };
    let lloq = (series.iter().filter_map(|s| s.lloq)).reduce(f64::min);
    let (y, fit) = placed(scaled_axis(y_label, values(), scale, lloq));
    let observed_times = series
        .iter()
        .flat_map(|s| s.observations.iter().map(|o| o.0));
    let all_times: Vec<f64> = times.iter().copied().chain(observed_times).collect();
    let (x0, x1) = x_range(&all_times);
    let drawable = |v: f64| v.is_finite() && (!y.log || v > 0.0);
    let mut marks = Vec::new();
    let mut legend = Vec::new();
    let (mut dots, mut below) = (false, false);
    for (i, s) in series.iter().enumerate() {
        let color = palette(i);
        let points: Vec<(f64, f64)> = times
            .iter()
            .copied()
            .zip(s.values.iter().copied())
            .collect();
        for run in points.split(|&(t, v)| !t.is_finite() || !drawable(v)) {
            if !run.is_empty() {
                let path = run.iter().map(|&(t, v)| (t.clamp(x0, x1), fit(v)));
                marks.push(Mark::Series(path.collect(), i, None));
            }
        }
        for &(t, v, censored) in &s.observations {
            if !t.is_finite() || v.is_nan() {
                continue;
            }
            let at = (t.clamp(x0, x1), fit(v));
            marks.push(if censored {
                below = true;
                Mark::Below(at, color, 7)
            } else {
                dots = true;
                Mark::Symbol(at, i)
            });
        }
        legend.push((Key::Series(i), s.name.clone()));
    }
    let grey = RGBColor(80, 80, 80);
    // One curve: its own marker; more: a neutral dot (each curve's key shows its marker).
    if dots && series.len() == 1 {
        legend.push((Key::Marker(0), "observed".to_string()));
    } else if dots {
        legend.push((Key::Dot(grey), "observed".to_string()));
    }
    if below {
        legend.push((Key::Below(grey), "below LLOQ (at LLOQ)".to_string()));
    }
    render(
        &Plot::single(title, (XAxis::linear(x_label, (x0, x1)), y), marks, legend),
        settings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testing::png;

    fn series(values: Vec<f64>, observations: Vec<(f64, f64, bool)>) -> ObservedSeries {
        ObservedSeries {
            name: "conc".into(),
            values,
            observations,
            lloq: None,
        }
    }

    #[test]
    fn draws_dots_and_below_in_the_series_colour() {
        let times = [0.0, 1.0, 2.0, 3.0];
        let curve = series(
            vec![0.0, 10.0, 1.0, 0.1],
            vec![(1.0, 9.0, false), (3.0, 0.5, true)],
        );
        let drawn = observed_figure(("t", "x", "y"), &times, &[curve], YScale::Auto, &png());
        let png = drawn.unwrap().files.remove(0).1;
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        let colour = palette(0);
        let coloured = pixels
            .chunks(3)
            .filter(|p| p == &[colour.0, colour.1, colour.2])
            .count();
        assert!(coloured > 300, "{coloured} pixels of the curve colour");
    }

    #[test]
    fn a_known_lloq_is_the_log_axis_floor_and_names_its_band() {
        let times = [0.0, 1.0, 2.0, 3.0];
        let mut curve = series(vec![0.0, 100.0, 1.0, 0.01], vec![(3.0, 0.5, true)]);
        curve.lloq = Some(0.5);
        let look = FigureSettings {
            formats: vec![crate::plot::FigureFormat::Svg],
            ..png()
        };
        let drawn = observed_figure(("t", "x", "y"), &times, &[curve], YScale::Log, &look);
        let svg = String::from_utf8(drawn.unwrap().files.remove(0).1).unwrap();
        assert!(svg.contains("≤ LLOQ (0.5)"), "no LLOQ band label");
        // Without it the floor is 10⁻⁶ of the largest value, and 0.01 lies above it.
        let axis = crate::plot::floor::log_axis_at([0.0, 100.0, 0.01].into_iter(), Some(0.5));
        assert_eq!(axis.floor, Some(0.5));
        assert!(axis.place(0.01) < 0.5 && axis.place(0.0) < 0.5 && axis.place(1.0) == 1.0);
        let fraction = crate::plot::floor::log_axis([0.0, 100.0, 0.01].into_iter());
        assert_eq!(fraction.floor, Some(100.0 * 1e-6));
    }

    #[test]
    fn refuses_a_curve_of_the_wrong_length() {
        let curve = series(vec![1.0], Vec::new());
        let error = observed_figure(("t", "x", "y"), &[0.0, 1.0], &[curve], YScale::Auto, &png());
        assert!(error.is_err_and(|e| e.0.contains("has 1 values")));
    }
}
