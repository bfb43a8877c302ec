//! The files of `cartsim fit` (one fit per ID): estimates.csv (one row per ID and estimated
//! quantity), predictions.csv (each observation with its prediction and residual), fit.json,
//! the goodness-of-fit figures; and the summary printed at the end.

use super::figures::{Scatter, draw_scatters, drawn_value, fit_pages, points};
use super::{Presented, Settings, assemble, column_names, estimated_parameters, search_work};
use crate::csv::text_cell;
use crate::diag::Diagnostic;
use crate::fit::likelihood::ErrorModel;
use crate::fit::{FitRequest, FittedSubject, Intervals, Residual, SubjectFit};
use crate::model::Model;
use crate::plot::FigureSettings;
use crate::plot::Reference;
use crate::present::NamedFile;
use crate::record::fit::{FitRecord, SubjectOutcome, SubjectRecord};
use crate::record::provenance::Provenance;
use crate::record::{Record, to_json};
use std::fmt::Write;

/// How fit.json states the objective and the intervals.
fn objective(intervals: Intervals) -> String {
    format!(
        "-2 log-likelihood (constants included); intervals are {}",
        intervals.describe()
    )
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
        let fit = &subject.fit;
        for e in &fit.estimates {
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
                u8::from(fit.converged),
                u8::from(fit.starts.agree)
            );
        }
    }
    text
}

fn predictions_csv(model: &Model, fits: &[SubjectFit]) -> String {
    let mut text = String::from("ID,row,time,output,DV,PRED,IWRES,BLQ,LLOQ\n");
    let columns = column_names(model);
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

/// Observed against predicted, and IWRES against time and against the prediction (BLQ
/// observations have no IWRES, NaN, which the residual plots skip).
fn diagnostic_figures(
    model: &Model,
    log: bool,
    fits: &[SubjectFit],
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let residuals: Vec<&Residual> = fitted(fits).flat_map(|(_, s)| &s.residuals).collect();
    let pick = |f: fn(&Residual) -> (f64, f64)| points(&residuals, |r| &r.observation, f);
    let time = model.time_label();
    let scatters = [
        Scatter {
            file: "observed_vs_predicted",
            title: "Observed versus individual prediction",
            x_label: "individual prediction",
            y_label: "observed (BLQ at LLOQ)",
            points: pick(|r| (r.prediction, drawn_value(&r.observation))),
            reference: Reference::Identity { log },
        },
        Scatter {
            file: "iwres_vs_time",
            title: "Individual weighted residuals versus time",
            x_label: &time,
            y_label: "IWRES",
            points: pick(|r| (r.observation.time, r.iwres)),
            reference: Reference::Zero { log_x: false },
        },
        Scatter {
            file: "iwres_vs_prediction",
            title: "Individual weighted residuals versus prediction",
            x_label: "individual prediction",
            y_label: "IWRES",
            points: pick(|r| (r.prediction, r.iwres)),
            reference: Reference::Zero { log_x: log },
        },
    ];
    draw_scatters(&scatters, look)
}

/// fit.json: the settings, every ID's result, and the provenance.
fn record(
    request: &FitRequest,
    fits: &[SubjectFit],
    settings: &Settings,
    provenance: &Provenance,
) -> FitRecord {
    let model = request.model;
    let subjects = (fits.iter())
        .map(|f| SubjectRecord {
            id: f.id.clone(),
            outcome: match &f.result {
                Ok(subject) => SubjectOutcome::Fit(Box::new(subject.fit.clone())),
                Err(failure) => SubjectOutcome::Error(failure.one_line()),
            },
        })
        .collect();
    FitRecord {
        format_version: FitRecord::FORMAT_VERSION,
        cartsim_version: provenance.cartsim_version.clone(),
        cartsim_commit: provenance.cartsim_commit.clone(),
        command: provenance.command.clone(),
        model: settings.model_entry(model),
        data: settings.data.clone(),
        parameter_set: settings.parameter_set.clone(),
        estimated: estimated_parameters(
            model,
            &request.estimated,
            &request.scales,
            &request.template.parameters,
        ),
        error_model: settings.error_model.clone(),
        blq: settings.blq.clone(),
        initial_sigma: request.initial_sigma.clone(),
        starts: request.settings.starts,
        seed: request.settings.seed,
        gradient: settings.gradient(),
        objective: objective(request.settings.intervals),
        intervals: request.settings.intervals,
        solver: request.template.solver,
        subjects,
        failed: fits.iter().filter(|f| f.result.is_err()).count(),
        wall_time_seconds: provenance.wall_time_seconds,
        provenance: provenance.clone(),
    }
}

/// The provenance of a fit, completed from the command's (`base`): IDs, the seed of the
/// perturbed starts, search work summed over IDs, and what went wrong.
fn completed(
    mut base: Provenance,
    request: &FitRequest,
    fits: &[SubjectFit],
    settings: &Settings,
) -> Provenance {
    base.n = fits.len() as u64;
    base.seed = Some(request.settings.seed);
    if fitted(fits).next().is_some() {
        let (iterations, evaluations) = fitted(fits).fold((0, 0), |(i, e), (_, s)| {
            (
                i + u64::from(s.fit.iterations),
                e + u64::from(s.fit.evaluations),
            )
        });
        base.solver_statistics = search_work(iterations, evaluations);
    }
    base.warnings = (settings.warnings())
        .chain(fits.iter().filter_map(|f| match &f.result {
            Err(failure) => Some(format!("ID {}: not fitted: {}", f.id, failure.one_line())),
            Ok(s) if !s.fit.converged => {
                Some(format!("ID {}: not converged: {}", f.id, s.fit.status))
            }
            Ok(s) if !s.fit.starts.agree => Some(format!("ID {}: {}", f.id, s.fit.status)),
            Ok(_) => None,
        }))
        .collect();
    base
}

/// Every file of an individual fit, in the order written, and its provenance (completed from
/// the command's `base`).
pub fn individual(
    request: &FitRequest,
    fits: &[SubjectFit],
    settings: &Settings,
    base: Provenance,
) -> Result<Presented, Diagnostic> {
    let model = request.model;
    let tables = vec![
        NamedFile::new("estimates.csv", estimates_csv(fits)),
        NamedFile::new("predictions.csv", predictions_csv(model, fits)),
    ];
    let subjects = fitted(fits).map(|(id, s)| {
        let observations = s.residuals.iter().map(|r| &r.observation).collect();
        (id, &s.curve, observations)
    });
    let mut figures = fit_pages(model, "Individual fits", subjects, &settings.figures)?;
    let log = request.settings.error == ErrorModel::LogAdditive;
    figures.extend(diagnostic_figures(model, log, fits, &settings.figures)?);
    let provenance = completed(base, request, fits, settings);
    Ok(assemble(
        tables,
        FitRecord::FILE,
        figures,
        provenance,
        |p| to_json(&record(request, fits, settings, p)),
    ))
}

/// One line per ID: convergence, -2LL and the estimates with RSE, or why it failed (with the
/// status when something is wrong); then which intervals estimates.csv has.
pub fn individual_summary(fits: &[SubjectFit], intervals: Intervals) -> String {
    let mut text = String::new();
    for f in fits {
        let subject = match &f.result {
            Ok(subject) => subject,
            Err(failure) => {
                let _ = writeln!(text, "ID {}: FAILED: {}", f.id, failure.one_line());
                continue;
            }
        };
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
                ", {} {} (RSE {})",
                e.name,
                super::console_number(e.value),
                super::console_rse(e.rse_percent)
            );
        }
        if !fit.converged || !fit.starts.agree || !fit.interval_notes.is_empty() {
            let _ = write!(text, " [{}]", fit.status);
        }
        text.push('\n');
    }
    let _ = writeln!(text, "95% intervals: {}", intervals.describe());
    text
}
