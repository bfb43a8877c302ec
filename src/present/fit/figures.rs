//! The figures individual and population fits share: pages of per-ID panels (fitted curve and
//! observations, BLQ ones at their LLOQ) and scatter plots of observations and residuals.

use super::draw_error;
use crate::data::Observation;
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::plot::{
    FigureSettings, ObservedPoint, PANELS_PER_PAGE, Reference, ScatterPoint, SubjectPanel,
    fits_figure, scatter_figure,
};
use crate::present::NamedFile;
use crate::trajectory::Trajectory;

/// The value an observation is drawn at: its LLOQ when censored.
pub(super) fn drawn_value(observation: &Observation) -> f64 {
    match (observation.censored, observation.lloq) {
        (true, Some(lloq)) => lloq,
        _ => observation.value,
    }
}

/// An observation as fit figures draw it.
pub(super) fn observed_point(observation: &Observation) -> ObservedPoint {
    ObservedPoint {
        time: observation.time,
        value: drawn_value(observation),
        censored: observation.censored,
    }
}

/// A y axis label from the units of the trajectory `columns` drawn (repeats next to each other
/// shown once).
pub(super) fn y_label(model: &Model, columns: &[usize]) -> String {
    let mut units: Vec<&str> = (columns.iter())
        .filter_map(|&column| match column.checked_sub(model.states.len()) {
            None => model.states[column].unit.as_deref(),
            Some(output) => model.outputs[output].unit.as_deref(),
        })
        .collect();
    units.dedup();
    if units.is_empty() {
        "value".to_string()
    } else {
        units.join(", ")
    }
}

/// One panel per trajectory column a subject's observations read: the fitted curve of that
/// column and those observations; the column is named in the label when there are several.
pub(super) fn subject_panels(
    id: &str,
    curve: &Trajectory,
    observations: &[&Observation],
) -> Vec<(usize, SubjectPanel)> {
    let mut observed: Vec<usize> = observations.iter().map(|o| o.column).collect();
    observed.sort_unstable();
    observed.dedup();
    (observed.iter())
        .map(|&column| {
            let label = if observed.len() > 1 {
                format!("ID {id}: {}", curve.columns[column])
            } else {
                format!("ID {id}")
            };
            let panel = SubjectPanel {
                label,
                times: curve.times.clone(),
                fitted: (0..curve.times.len())
                    .map(|row| curve.row(row)[column])
                    .collect(),
                observed: (observations.iter())
                    .filter(|o| o.column == column)
                    .map(|o| observed_point(o))
                    .collect(),
            };
            (column, panel)
        })
        .collect()
}

/// Each subject's panels (its ID, curve and observations), in pages of `PANELS_PER_PAGE`
/// titled `heading`: figures/fits_1, fits_2, ... in each format of `look`.
pub(super) fn fit_pages<'a>(
    model: &Model,
    heading: &str,
    subjects: impl Iterator<Item = (&'a str, &'a Trajectory, Vec<&'a Observation>)>,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let mut panels = Vec::new();
    let mut columns = Vec::new();
    for (id, curve, observations) in subjects {
        for (column, panel) in subject_panels(id, curve, &observations) {
            columns.push(column);
            panels.push(panel);
        }
    }
    columns.sort_unstable();
    columns.dedup();
    let x_label = model.time_label();
    let y_label = y_label(model, &columns);
    let pages = panels.len().div_ceil(PANELS_PER_PAGE);
    let mut files = Vec::new();
    for (k, page) in panels.chunks(PANELS_PER_PAGE).enumerate() {
        let title = format!("{heading}: {} (page {} of {pages})", model.name, k + 1);
        let drawn = fits_figure(&title, &x_label, &y_label, page, look)
            .map_err(draw_error("the fits figure"))?;
        files.extend(NamedFile::figure(&format!("figures/fits_{}", k + 1), drawn));
    }
    Ok(files)
}

/// A scatter plot: its file under figures/, title, axis labels, points and reference line.
pub(super) struct Scatter<'a> {
    pub file: &'a str,
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub points: Vec<ScatterPoint>,
    pub reference: Reference,
}

impl Scatter<'_> {
    /// The figure's files in each format of `look`.
    fn draw(&self, look: &FigureSettings) -> Result<Vec<NamedFile>, Diagnostic> {
        let drawn = scatter_figure(
            self.title,
            self.x_label,
            self.y_label,
            &self.points,
            self.reference,
            look,
        )
        .map_err(draw_error(self.file))?;
        Ok(NamedFile::figure(&format!("figures/{}", self.file), drawn))
    }
}

/// The files of every scatter plot, in order.
pub(super) fn draw_scatters(
    scatters: &[Scatter],
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let drawn: Vec<Vec<NamedFile>> = scatters
        .iter()
        .map(|s| s.draw(look))
        .collect::<Result<_, _>>()?;
    Ok(drawn.concat())
}

/// Points (x, y) picked from each item, marked censored as its observation is.
pub(super) fn points<'a, T: 'a>(
    items: &[&'a T],
    observation: impl Fn(&T) -> &Observation,
    pick: impl Fn(&T) -> (f64, f64),
) -> Vec<ScatterPoint> {
    (items.iter())
        .map(|item| {
            let (x, y) = pick(item);
            ScatterPoint {
                x,
                y,
                censored: observation(item).censored,
            }
        })
        .collect()
}
