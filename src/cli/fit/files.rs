//! What `cartsim fit` writes: estimates.csv (one row per ID and estimated quantity),
//! predictions.csv (each observation with its individual prediction and residual), fit.json
//! (settings, provenance and every ID's result) and the goodness-of-fit figures; and the
//! summary printed at the end.

use super::{FitArgs, scale_name};
use crate::cli::{Failure, provenance};
use crate::csv::text_cell;
use crate::data::{Dataset, Observation};
use crate::diag::Diagnostic;
use crate::fit::likelihood::ErrorModel;
use crate::fit::{FitRequest, FittedSubject, SubjectFit};
use crate::model::Model;
use crate::model::units_label;
use crate::output::{Destination, Staging, sha256_hex};
use crate::plot::{
    ObservedPoint, PANELS_PER_PAGE, Reference, ScatterPoint, SubjectPanel, fits_png, scatter_png,
};
use crate::record::provenance::InputRole;
use crate::record::provenance::{Kind, Provenance};
use crate::trajectory::Trajectory;
use clap::ValueEnum;
use serde_json::json;
use std::fmt::Write;
use std::time::Instant;

/// Everything the files describe besides the fits themselves.
pub(super) struct Inputs<'a> {
    pub model: &'a Model,
    pub model_text: &'a str,
    pub args: &'a FitArgs,
    pub data: &'a crate::cli::dataset::DataFile,
    pub dataset: &'a Dataset,
    pub request: &'a FitRequest<'a>,
    /// Why the sensitivity equations were not used, when they were asked for but refused.
    pub gradient_fallback: Option<&'a str>,
}

/// The command-line name of a value of a `clap::ValueEnum`.
pub(super) fn option_name(value: &impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

fn fitted(fits: &[SubjectFit]) -> impl Iterator<Item = (&str, &FittedSubject)> {
    (fits.iter()).filter_map(|f| f.result.as_ref().ok().map(|r| (f.id.as_str(), r)))
}

fn estimates_csv(fits: &[SubjectFit]) -> String {
    let mut text = String::from(
        "ID,parameter,estimate,se,rse_percent,ci95_low,ci95_high,at_bound,converged,starts_agree\n",
    );
    for (id, subject) in fitted(fits) {
        let id = text_cell(id);
        for e in &subject.fit.estimates {
            let _ = writeln!(
                text,
                "{id},{},{},{},{},{},{},{},{},{}",
                e.name,
                e.value,
                e.se,
                e.rse_percent,
                e.low,
                e.high,
                u8::from(e.at_bound),
                u8::from(subject.fit.converged),
                u8::from(subject.fit.starts.agree)
            );
        }
    }
    text
}

fn predictions_csv(model: &Model, fits: &[SubjectFit]) -> String {
    let mut text = String::from("ID,row,time,output,DV,PRED,IWRES,BLQ,LLOQ\n");
    let columns: Vec<&str> = (model.states.iter().map(|s| s.name.as_str()))
        .chain(model.outputs.iter().map(|o| o.name.as_str()))
        .collect();
    for (id, subject) in fitted(fits) {
        let id = text_cell(id);
        for r in &subject.residuals {
            let o = &r.observation;
            let iwres = if r.iwres.is_nan() {
                String::new()
            } else {
                r.iwres.to_string()
            };
            let lloq = o.lloq.map(|l| l.to_string()).unwrap_or_default();
            let _ = writeln!(
                text,
                "{id},{},{},{},{},{},{iwres},{},{lloq}",
                o.row,
                o.time,
                columns[o.column],
                o.value,
                r.prediction,
                u8::from(o.censored)
            );
        }
    }
    text
}

/// The value an observation is drawn at: its LLOQ when censored.
pub(super) fn drawn_value(observation: &crate::data::Observation) -> f64 {
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

/// One panel per ID and observed column, in pages of `PANELS_PER_PAGE`.
fn fit_pages(inputs: &Inputs, fits: &[SubjectFit]) -> Result<Vec<Vec<u8>>, Diagnostic> {
    let model = inputs.model;
    let mut panels = Vec::new();
    let mut columns: Vec<usize> = Vec::new();
    for (id, subject) in fitted(fits) {
        let observations: Vec<&Observation> =
            subject.residuals.iter().map(|r| &r.observation).collect();
        for (column, panel) in subject_panels(id, &subject.curve, &observations) {
            columns.push(column);
            panels.push(panel);
        }
    }
    panel_pages(model, "Individual fits", &panels, columns)
}

/// One panel per trajectory column a subject's observations read: the fitted curve of that
/// column and those observations (BLQ ones at their LLOQ); the column is named in the label
/// when there are several.
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

/// Pages of `PANELS_PER_PAGE` panels titled `heading`, with the y label from the units of the
/// observed trajectory `columns`.
pub(super) fn panel_pages(
    model: &Model,
    heading: &str,
    panels: &[SubjectPanel],
    mut columns: Vec<usize>,
) -> Result<Vec<Vec<u8>>, Diagnostic> {
    columns.sort_unstable();
    columns.dedup();
    let x_label = format!("time ({})", model.time_unit);
    let y_label = units_label(columns.iter().map(|&c| model.column_unit(c)));
    let pages = panels.len().div_ceil(PANELS_PER_PAGE);
    (panels.chunks(PANELS_PER_PAGE).enumerate())
        .map(|(k, page)| {
            let title = format!("{heading}: {} (page {} of {pages})", model.name, k + 1);
            fits_png(&title, &x_label, &y_label, page)
                .map_err(|e| Diagnostic::new(format!("cannot draw the fits figure: {e}")))
        })
        .collect()
}

/// Observed against predicted, and IWRES against time and against the prediction.
fn diagnostic_figures(
    inputs: &Inputs,
    fits: &[SubjectFit],
) -> Result<Vec<(&'static str, Vec<u8>)>, Diagnostic> {
    let log = inputs.request.settings.error == ErrorModel::LogAdditive;
    let residuals: Vec<_> = fitted(fits).flat_map(|(_, s)| &s.residuals).collect();
    // BLQ observations have no IWRES (NaN), which the residual plots skip.
    let scatter = |pick: &dyn Fn(&crate::fit::Residual) -> (f64, f64)| -> Vec<ScatterPoint> {
        (residuals.iter())
            .map(|r| {
                let (x, y) = pick(r);
                ScatterPoint {
                    x,
                    y,
                    censored: r.observation.censored,
                }
            })
            .collect()
    };
    let observed = scatter(&|r| (r.prediction, drawn_value(&r.observation)));
    let by_time = scatter(&|r| (r.observation.time, r.iwres));
    let by_prediction = scatter(&|r| (r.prediction, r.iwres));
    let time = format!("time ({})", inputs.model.time_unit);
    let draw =
        |name: &'static str, title: &str, x: &str, y: &str, points: &[ScatterPoint], reference| {
            scatter_png(title, x, y, points, reference)
                .map(|png| (name, png))
                .map_err(|e| Diagnostic::new(format!("cannot draw {name}: {e}")))
        };
    Ok(vec![
        draw(
            "figures/observed_vs_predicted.png",
            "Observed versus individual prediction",
            "individual prediction",
            "observed (BLQ at LLOQ)",
            &observed,
            Reference::Identity { log },
        )?,
        draw(
            "figures/iwres_vs_time.png",
            "Individual weighted residuals versus time",
            &time,
            "IWRES",
            &by_time,
            Reference::Zero { log_x: false },
        )?,
        draw(
            "figures/iwres_vs_prediction.png",
            "Individual weighted residuals versus prediction",
            "individual prediction",
            "IWRES",
            &by_prediction,
            Reference::Zero { log_x: log },
        )?,
    ])
}

fn fit_json(inputs: &Inputs, fits: &[SubjectFit], seconds: f64) -> serde_json::Value {
    let (model, args, request) = (inputs.model, inputs.args, inputs.request);
    let estimated: Vec<serde_json::Value> = (request.estimated.iter().zip(&request.scales))
        .map(|(&i, &scale)| {
            let p = &model.parameters[i];
            json!({"name": p.name, "unit": p.unit, "start": request.template.parameters[i],
                   "scale": scale_name(scale), "bounds": p.bounds})
        })
        .collect();
    let subjects: Vec<serde_json::Value> = (fits.iter())
        .map(|f| match &f.result {
            Ok(subject) => json!({"id": f.id, "fit": subject.fit}),
            Err(message) => json!({"id": f.id, "error": message}),
        })
        .collect();
    let gradient = match (&request.gradient, inputs.gradient_fallback) {
        (crate::fit::Gradient::Sensitivity(_), _) => "forward sensitivity equations".to_string(),
        (_, Some(reason)) => format!("central finite differences ({reason})"),
        _ => "central finite differences".to_string(),
    };
    json!({
        "cartsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "model": {"name": model.name, "title": model.title, "file": args.model.display().to_string(),
                  "sha256": sha256_hex(inputs.model_text.as_bytes())},
        "data": inputs.data.json(inputs.dataset),
        "parameter_set": args.params,
        "estimated": estimated,
        "error_model": option_name(&args.error),
        "blq": option_name(&args.blq),
        "initial_sigma": request.initial_sigma,
        "starts": request.settings.starts,
        "seed": request.settings.seed,
        "gradient": gradient,
        "objective": "-2 log-likelihood (constants included); intervals are Wald intervals on the estimation scale with the Student t quantile for n - p degrees of freedom",
        "solver": request.template.solver,
        "subjects": subjects,
        "failed": fits.iter().filter(|f| f.result.is_err()).count(),
        "wall_time_seconds": seconds,
    })
}

/// The provenance of a fit: model and data files, seed of the perturbed starts, the solver,
/// search work summed over IDs, and what went wrong.
fn fit_provenance(inputs: &Inputs, fits: &[SubjectFit], started: Instant) -> Provenance {
    let args = inputs.args;
    let files = vec![
        provenance::input(InputRole::Model, &args.model, inputs.model_text),
        inputs.data.input(),
    ];
    let solver = &inputs.request.template.solver;
    let mut record = provenance::record(Kind::Fit, files, solver, started);
    record.n = fits.len() as u64;
    record.seed = Some(inputs.request.settings.seed);
    for (_, subject) in fitted(fits) {
        let fit = &subject.fit;
        let work = json!({"iterations": fit.iterations, "objective_evaluations": fit.evaluations});
        provenance::add_statistics(&mut record.solver_statistics, &work);
    }
    record.warnings = (inputs.dataset.warnings.iter().cloned())
        .chain(
            inputs
                .gradient_fallback
                .map(|r| format!("finite-difference gradients: {r}")),
        )
        .chain(fits.iter().filter_map(|f| match &f.result {
            Err(message) => Some(format!("ID {}: not fitted: {message}", f.id)),
            Ok(s) if !s.fit.converged => {
                Some(format!("ID {}: not converged: {}", f.id, s.fit.status))
            }
            Ok(s) if !s.fit.starts.agree => Some(format!("ID {}: {}", f.id, s.fit.status)),
            Ok(_) => None,
        }))
        .collect();
    record
}

/// Writes every file, or none.
pub(super) fn write(
    inputs: &Inputs,
    fits: &[SubjectFit],
    destination: &Destination,
    started: Instant,
) -> Result<(), Failure> {
    let pages = fit_pages(inputs, fits)?;
    let figures = diagnostic_figures(inputs, fits)?;
    let json = fit_json(inputs, fits, started.elapsed().as_secs_f64());
    let mut staging = Staging::new(destination)?;
    staging.write("estimates.csv", estimates_csv(fits).as_bytes())?;
    staging.write(
        "predictions.csv",
        predictions_csv(inputs.model, fits).as_bytes(),
    )?;
    let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
    staging.write("fit.json", text.as_bytes())?;
    staging.record(fit_provenance(inputs, fits, started));
    for (k, png) in pages.iter().enumerate() {
        staging.write(&format!("figures/fits_{}.png", k + 1), png)?;
    }
    for (name, png) in &figures {
        staging.write(name, png)?;
    }
    staging.commit()?;
    Ok(())
}

/// One line per ID: convergence, -2LL and the estimates with RSE, or why it failed.
pub(super) fn summary(fits: &[SubjectFit]) -> String {
    let mut text = String::new();
    for f in fits {
        match &f.result {
            Ok(subject) => {
                let fit = &subject.fit;
                let flag = match (fit.converged, fit.starts.agree) {
                    (false, _) => "NOT CONVERGED",
                    (true, true) => "ok",
                    (true, false) => "ok, but the starts disagree",
                };
                let _ = write!(
                    text,
                    "ID {}: {flag}, -2LL {:.4}",
                    f.id, fit.minus_2_log_likelihood
                );
                for e in &fit.estimates {
                    let _ = write!(
                        text,
                        ", {} {:.4e} (RSE {:.1}%)",
                        e.name, e.value, e.rse_percent
                    );
                }
                if !fit.converged || !fit.starts.agree {
                    let _ = write!(text, " [{}]", fit.status);
                }
                text.push('\n');
            }
            Err(message) => {
                let _ = writeln!(text, "ID {}: FAILED: {message}", f.id);
            }
        }
    }
    text
}
