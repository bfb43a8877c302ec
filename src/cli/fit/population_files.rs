//! What `cartsim fit --population` writes, all or nothing: estimates.csv, subjects.csv (empirical
//! Bayes estimates), predictions.csv (PRED, IPRED, IWRES, CWRES), population.json, vpc.csv and the
//! figures (DV versus PRED and IPRED, CWRES versus time and PRED, individual fits, random
//! effects, visual predictive check).

use super::files::{drawn_value, option_name, panel_pages, subject_panels};
use super::population::Inputs;
use super::scale_name;
use super::vpc::Check;
use crate::cli::{Failure, provenance};
use crate::csv::text_cell;
use crate::data::Observation;
use crate::data::plan_subject;
use crate::diag::Diagnostic;
use crate::fit::fitted_curve;
use crate::fit::likelihood::ErrorModel;
use crate::fit::population::{PopulationFit, PopulationRequest, PopulationResidual};
use crate::output::{Destination, Staging, sha256_hex};
use crate::plot::{BoxSummary, Reference, ScatterPoint, boxes_png, scatter_png};
use crate::record::provenance::InputRole;
use crate::record::provenance::{Kind, Provenance};
use serde_json::json;
use std::fmt::Write;
use std::time::Instant;

/// A number for a CSV cell: empty when NaN.
fn cell(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        value.to_string()
    }
}

fn estimates_csv(fit: &PopulationFit) -> String {
    let mut text = String::from(
        "parameter,kind,estimate,se,rse_percent,ci95_low,ci95_high,cv_percent,shrinkage_percent,converged\n",
    );
    for e in &fit.estimates {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        let _ = writeln!(
            text,
            "{},{},{},{},{},{},{},{},{},{}",
            e.name,
            kind.unwrap_or_default(),
            e.value,
            cell(e.se),
            cell(e.rse_percent),
            cell(e.low),
            cell(e.high),
            cell(e.cv_percent),
            cell(e.shrinkage_percent),
            u8::from(fit.converged)
        );
    }
    text
}

fn subjects_csv(request: &PopulationRequest, fit: &PopulationFit) -> String {
    let names: Vec<&str> = (request.estimated.iter())
        .map(|&i| request.model.parameters[i].name.as_str())
        .collect();
    let mut text = String::from("ID,minus_2_log_likelihood");
    for &k in &request.random {
        let _ = write!(text, ",eta_{}", names[k]);
    }
    for name in &names {
        let _ = write!(text, ",{name}");
    }
    text.push('\n');
    for subject in &fit.subjects {
        let _ = write!(text, "{},{}", text_cell(&subject.id), subject.objective);
        for value in subject.eta.iter().chain(&subject.parameters) {
            let _ = write!(text, ",{value}");
        }
        text.push('\n');
    }
    text
}

fn predictions_csv(request: &PopulationRequest, fit: &PopulationFit) -> String {
    let model = request.model;
    let columns: Vec<&str> = (model.states.iter().map(|s| s.name.as_str()))
        .chain(model.outputs.iter().map(|o| o.name.as_str()))
        .collect();
    let mut text = String::from("ID,row,time,output,DV,BLQ,LLOQ,PRED,IPRED,IWRES,CWRES\n");
    for subject in &fit.subjects {
        for r in &subject.residuals {
            let o = &r.observation;
            let _ = writeln!(
                text,
                "{},{},{},{},{},{},{},{},{},{},{}",
                text_cell(&subject.id),
                o.row,
                o.time,
                columns[o.column],
                o.value,
                u8::from(o.censored),
                o.lloq.map(|l| l.to_string()).unwrap_or_default(),
                r.pred,
                r.ipred,
                cell(r.iwres),
                cell(r.cwres)
            );
        }
    }
    text
}

/// One panel per ID (its IPRED curve at the empirical Bayes estimates), in pages.
fn fit_pages(
    inputs: &Inputs,
    request: &PopulationRequest,
    fit: &PopulationFit,
) -> Result<Vec<Vec<u8>>, Diagnostic> {
    let model = inputs.model;
    let mut panels = Vec::new();
    let mut columns = Vec::new();
    for (subject, data) in fit.subjects.iter().zip(&inputs.dataset.subjects) {
        let mut plan =
            plan_subject(&request.template, data).map_err(|e| Diagnostic::new(e.message))?;
        for (&index, &value) in request.estimated.iter().zip(&subject.parameters) {
            plan.parameters[index] = value;
        }
        let parameters = plan.parameters.clone();
        let curve = fitted_curve(model, &plan, parameters)
            .map_err(|e| Diagnostic::new(format!("ID {}: {e}", subject.id)))?;
        let observations: Vec<&Observation> =
            subject.residuals.iter().map(|r| &r.observation).collect();
        for (column, panel) in subject_panels(&subject.id, &curve, &observations) {
            columns.push(column);
            panels.push(panel);
        }
    }
    panel_pages(model, "Individual fits (IPRED)", &panels, columns)
}

/// DV versus PRED and IPRED, CWRES versus time and PRED, and the random effects' spread.
fn diagnostic_figures(
    inputs: &Inputs,
    request: &PopulationRequest,
    fit: &PopulationFit,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    let log = request.error == ErrorModel::LogAdditive;
    let residuals: Vec<&PopulationResidual> =
        fit.subjects.iter().flat_map(|s| &s.residuals).collect();
    let points = |pick: &dyn Fn(&PopulationResidual) -> (f64, f64)| -> Vec<ScatterPoint> {
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
    let time = format!("time ({})", inputs.model.time_unit);
    let mut figures = Vec::new();
    let scatters = [
        (
            "dv_vs_pred",
            "Observed versus population prediction (PRED)",
            "PRED",
            "observed (BLQ at LLOQ)",
            points(&|r| (r.pred, drawn_value(&r.observation))),
            Reference::Identity { log },
        ),
        (
            "dv_vs_ipred",
            "Observed versus individual prediction (IPRED)",
            "IPRED",
            "observed (BLQ at LLOQ)",
            points(&|r| (r.ipred, drawn_value(&r.observation))),
            Reference::Identity { log },
        ),
        (
            "cwres_vs_time",
            "Conditional weighted residuals versus time",
            time.as_str(),
            "CWRES",
            points(&|r| (r.observation.time, r.cwres)),
            Reference::Zero { log_x: false },
        ),
        (
            "cwres_vs_pred",
            "Conditional weighted residuals versus population prediction",
            "PRED",
            "CWRES",
            points(&|r| (r.pred, r.cwres)),
            Reference::Zero { log_x: log },
        ),
    ];
    for (name, title, x, y, points, reference) in scatters {
        let png = scatter_png(title, x, y, &points, reference)
            .map_err(|e| Diagnostic::new(format!("cannot draw {name}: {e}")))?;
        figures.push((format!("figures/{name}.png"), png));
    }
    let boxes: Vec<BoxSummary> = (request.random.iter().enumerate())
        .map(|(effect, &k)| {
            let mut etas: Vec<f64> = fit.subjects.iter().map(|s| s.eta[effect]).collect();
            etas.sort_by(f64::total_cmp);
            let at = |p: f64| etas[((etas.len() - 1) as f64 * p).round() as usize];
            BoxSummary {
                label: format!(
                    "eta {}",
                    request.model.parameters[request.estimated[k]].name
                ),
                p05: at(0.05),
                p25: at(0.25),
                p50: at(0.5),
                p75: at(0.75),
                p95: at(0.95),
                n: etas.len(),
            }
        })
        .collect();
    let png = boxes_png(
        "Random effects (empirical Bayes estimates)",
        "eta (estimation scale)",
        &boxes,
    )
    .map_err(|e| Diagnostic::new(format!("cannot draw the random effects: {e}")))?;
    figures.push(("figures/random_effects.png".into(), png));
    Ok(figures)
}

fn population_json(
    inputs: &Inputs,
    request: &PopulationRequest,
    fit: &PopulationFit,
    seconds: f64,
) -> serde_json::Value {
    let (model, args) = (inputs.model, inputs.args);
    let estimated: Vec<serde_json::Value> = (request.estimated.iter().zip(&request.scales))
        .map(|(&i, &scale)| {
            let p = &model.parameters[i];
            json!({"name": p.name, "unit": p.unit, "start": request.template.parameters[i], "scale": scale_name(scale), "bounds": p.bounds})
        })
        .collect();
    let observations = fit.observations as f64;
    let gradient = match inputs.gradient_fallback {
        Some(reason) => format!("central finite differences ({reason})"),
        None if args.gradient_is_sensitivity() => "forward sensitivity equations".into(),
        None => "central finite differences".into(),
    };
    json!({
        "cartsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "model": {"name": model.name, "title": model.title, "file": args.model.display().to_string(), "sha256": sha256_hex(inputs.model_text.as_bytes())},
        "data": inputs.data.json(inputs.dataset),
        "method": "FOCE-I: first-order conditional estimation with interaction (Laplace approximation with the expected information of observed values, the exact curvature of BLQ likelihoods); outer search BFGS with central-difference gradients",
        "covariance": "inverse of the Hessian of the objective (-2LL/2), by second differences on the estimation scale; delta method to the reported scale",
        "estimated": estimated,
        "random_effects": request.random.iter().map(|&k| model.parameters[request.estimated[k]].name.clone()).collect::<Vec<_>>(),
        "omega_blocks": args.population.block,
        "error_model": option_name(&args.error),
        "blq": option_name(&args.blq),
        "gradient": gradient,
        "solver": request.template.solver,
        "estimates": fit.estimates,
        "omega": fit.omega,
        "correlation_of_estimates": fit.correlation,
        "minus_2_log_likelihood": fit.minus_2_log_likelihood,
        "objective_function_value_nonmem": fit.minus_2_log_likelihood - observations * (2.0 * std::f64::consts::PI).ln(),
        "aic": fit.aic,
        "bic": fit.bic,
        "observations": fit.observations,
        "converged": fit.converged,
        "status": fit.status,
        "iterations": fit.iterations,
        "objective_evaluations": fit.evaluations,
        "vpc": {"replicates": args.population.replicates, "seed": args.seed},
        "wall_time_seconds": seconds,
    })
}

/// The provenance of a population fit (read by `cartsim report`): model and data files, the
/// simulation seed of the predictive check, solver, search work, and what went wrong.
fn population_provenance(
    inputs: &Inputs,
    request: &PopulationRequest,
    fit: &PopulationFit,
    started: Instant,
) -> Provenance {
    let args = inputs.args;
    let files = vec![
        provenance::input(InputRole::Model, &args.model, inputs.model_text),
        inputs.data.input(),
    ];
    let mut record = provenance::record(Kind::Population, files, &request.template.solver, started);
    record.n = fit.subjects.len() as u64;
    record.seed = Some(args.seed);
    let work = json!({"iterations": fit.iterations, "objective_evaluations": fit.evaluations});
    provenance::add_statistics(&mut record.solver_statistics, &work);
    record.warnings = (inputs.dataset.warnings.iter().cloned())
        .chain(
            inputs
                .gradient_fallback
                .map(|r| format!("finite-difference gradients: {r}")),
        )
        .chain(
            (!fit.converged)
                .then(|| format!("the population fit did not converge: {}", fit.status)),
        )
        .collect();
    record
}

/// Writes every file, or none.
pub(super) fn write(
    inputs: &Inputs,
    request: &PopulationRequest,
    fit: &PopulationFit,
    check: Option<&Check>,
    destination: &Destination,
    started: Instant,
) -> Result<(), Failure> {
    let pages = fit_pages(inputs, request, fit)?;
    let mut figures = diagnostic_figures(inputs, request, fit)?;
    if let Some(check) = check {
        figures.extend(check.figures(inputs.model)?);
    }
    let json = population_json(inputs, request, fit, started.elapsed().as_secs_f64());
    let mut staging = Staging::new(destination)?;
    staging.write("estimates.csv", estimates_csv(fit).as_bytes())?;
    staging.write("subjects.csv", subjects_csv(request, fit).as_bytes())?;
    staging.write("predictions.csv", predictions_csv(request, fit).as_bytes())?;
    let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
    staging.write("population.json", text.as_bytes())?;
    let record = population_provenance(inputs, request, fit, started);
    staging.record(record);
    if let Some(check) = check {
        staging.write("vpc.csv", check.csv().as_bytes())?;
    }
    for (k, png) in pages.iter().enumerate() {
        staging.write(&format!("figures/fits_{}.png", k + 1), png)?;
    }
    for (name, png) in &figures {
        staging.write(name, png)?;
    }
    staging.commit()?;
    Ok(())
}
