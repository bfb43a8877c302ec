//! The files of `cartsim fit --population`: the tables (`population_tables`), population.json,
//! vpc.csv, SAEM's iterations (`saem`) and the figures (DV versus PRED and IPRED, CWRES versus
//! time and PRED, individual fits, random effects, NPDE, visual predictive checks); and the
//! summary printed at the end.

use super::figures::{Scatter, draw_scatters, drawn_value, fit_pages, points};
use super::population_tables::{estimated_names, estimates_csv, predictions_csv, subjects_csv};
use super::{Presented, Settings, assemble, draw_error, estimated_parameters};
use crate::diag::Diagnostic;
use crate::fit::likelihood::ErrorModel;
use crate::fit::population::{
    Covariance, Npde, PopulationFit, PopulationRequest, PopulationResidual, PredictiveCheck,
};
use crate::plot::{BoxSummary, FigureSettings, Reference, boxes_figure};
use crate::present::NamedFile;
use crate::record::fit::{PopulationRecord, VpcEntry};
use crate::record::provenance::Provenance;
use crate::record::{Record, to_json};
use crate::trajectory::Trajectory;
use std::fmt::Write;

const METHOD: &str = "FOCE-I: first-order conditional estimation with interaction (Laplace approximation with the expected information of observed values, the exact curvature of BLQ likelihoods); outer search BFGS with central-difference gradients";
const HESSIAN: &str = "inverse of the Hessian of the objective (-2LL/2), by second differences on the estimation scale";
const SANDWICH: &str = "sandwich R^-1 S R^-1: R the Hessian of the objective (-2LL) by second differences, S the sum over IDs of the outer products of their gradients d(-2LL_i)/d psi by central differences, on the estimation scale";
const DELTA: &str = "delta method to the reported scale";

/// How the standard errors were computed, for population.json.
fn covariance_description(method: Covariance) -> String {
    match method {
        Covariance::Hessian => format!("{HESSIAN}; {DELTA}"),
        Covariance::Sandwich => format!("{SANDWICH}; {DELTA}"),
        Covariance::Both => {
            format!("se and se_hessian: {HESSIAN}; se_sandwich: {SANDWICH}; {DELTA}")
        }
    }
}

/// A population fit and what goes with it into its files.
pub struct PopulationFiles<'a> {
    pub request: &'a PopulationRequest<'a>,
    pub fit: &'a PopulationFit,
    /// Each ID's IPRED curve (at its empirical Bayes estimates), in the fit's order.
    pub curves: &'a [Trajectory],
    /// The visual predictive check, when replicates were simulated.
    pub check: Option<&'a PredictiveCheck>,
    /// The prediction-corrected check over the same bins.
    pub corrected: Option<&'a PredictiveCheck>,
    /// The NPDE against the same replicates.
    pub npde: Option<&'a Npde>,
    /// `--block` as given.
    pub omega_blocks: &'a [String],
    pub vpc: VpcEntry,
}

/// estimates.csv: with `--covariance both`, `se_hessian` and `se_sandwich` after `rse_percent`.
/// DV versus PRED and IPRED, CWRES versus time and PRED.
fn scatter_figures(
    request: &PopulationRequest,
    fit: &PopulationFit,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let log = request.error == ErrorModel::LogAdditive;
    let residuals: Vec<&PopulationResidual> =
        fit.subjects.iter().flat_map(|s| &s.residuals).collect();
    let pick = |f: fn(&PopulationResidual) -> (f64, f64)| points(&residuals, |r| &r.observation, f);
    let time = request.model.time_label();
    let scatters = [
        Scatter {
            file: "dv_vs_pred",
            title: "Observed versus population prediction (PRED)",
            x_label: "PRED",
            y_label: "observed (BLQ at LLOQ)",
            points: pick(|r| (r.pred, drawn_value(&r.observation))),
            reference: Reference::Identity { log },
        },
        Scatter {
            file: "dv_vs_ipred",
            title: "Observed versus individual prediction (IPRED)",
            x_label: "IPRED",
            y_label: "observed (BLQ at LLOQ)",
            points: pick(|r| (r.ipred, drawn_value(&r.observation))),
            reference: Reference::Identity { log },
        },
        Scatter {
            file: "cwres_vs_time",
            title: "Conditional weighted residuals versus time",
            x_label: &time,
            y_label: "CWRES",
            points: pick(|r| (r.observation.time, r.cwres)),
            reference: Reference::Zero { log_x: false },
        },
        Scatter {
            file: "cwres_vs_pred",
            title: "Conditional weighted residuals versus population prediction",
            x_label: "PRED",
            y_label: "CWRES",
            points: pick(|r| (r.pred, r.cwres)),
            reference: Reference::Zero { log_x: log },
        },
    ];
    draw_scatters(&scatters, look)
}

/// The spread of each random effect's empirical Bayes estimates.
fn random_effects_figure(
    request: &PopulationRequest,
    fit: &PopulationFit,
    look: &FigureSettings,
) -> Result<Vec<NamedFile>, Diagnostic> {
    let names = estimated_names(request);
    let boxes: Vec<BoxSummary> = (request.random.iter().enumerate())
        .map(|(effect, &k)| {
            let mut etas: Vec<f64> = fit.subjects.iter().map(|s| s.eta[effect]).collect();
            etas.sort_by(f64::total_cmp);
            let at = |p: f64| etas[((etas.len() - 1) as f64 * p).round() as usize];
            BoxSummary {
                label: format!("eta {}", names[k]),
                p05: at(0.05),
                p25: at(0.25),
                p50: at(0.5),
                p75: at(0.75),
                p95: at(0.95),
                n: etas.len(),
            }
        })
        .collect();
    let drawn = boxes_figure(
        "Random effects (empirical Bayes estimates)",
        "eta (estimation scale)",
        &boxes,
        look,
    )
    .map_err(draw_error("the random effects"))?;
    Ok(NamedFile::figure("figures/random_effects", drawn))
}

/// population.json: the settings, the estimates and objective, and the provenance.
fn record(
    files: &PopulationFiles,
    settings: &Settings,
    provenance: &Provenance,
) -> PopulationRecord {
    let (request, fit) = (files.request, files.fit);
    let model = request.model;
    let names = estimated_names(request);
    let observations = fit.observations as f64;
    PopulationRecord {
        format_version: PopulationRecord::FORMAT_VERSION,
        cartsim_version: provenance.cartsim_version.clone(),
        cartsim_commit: provenance.cartsim_commit.clone(),
        command: provenance.command.clone(),
        model: settings.model_entry(model),
        data: settings.data.clone(),
        method: match fit.saem {
            Some(_) => super::saem::METHOD,
            None => METHOD,
        }
        .to_string(),
        covariance: covariance_description(fit.covariance),
        standard_errors: fit.covariance,
        estimated: estimated_parameters(
            model,
            &request.estimated,
            &request.scales,
            &request.template.parameters,
        ),
        random_effects: request
            .random
            .iter()
            .map(|&k| names[k].to_string())
            .collect(),
        omega_blocks: files.omega_blocks.to_vec(),
        mixture: (request.mixture.iter())
            .flat_map(|x| x.parameters.iter().map(|&k| names[k].to_string()))
            .collect(),
        error_model: settings.error_model.clone(),
        blq: settings.blq.clone(),
        gradient: settings.gradient(),
        solver: request.template.solver,
        estimates: fit.estimates.clone(),
        omega: fit.omega.clone(),
        correlation_of_estimates: fit.correlation.clone(),
        minus_2_log_likelihood: fit.minus_2_log_likelihood,
        objective_function_value_nonmem: fit.minus_2_log_likelihood
            - observations * (2.0 * std::f64::consts::PI).ln(),
        aic: fit.aic,
        bic: fit.bic,
        observations: fit.observations,
        converged: fit.converged,
        status: fit.status.clone(),
        iterations: fit.iterations,
        objective_evaluations: fit.evaluations,
        outer_gradient: fit.outer_gradient().into(),
        gradient_evaluations: fit.gradient_evaluations,
        saem: fit.saem.as_ref().map(super::saem::entry),
        vpc: files.vpc,
        npde: files.npde.map(super::npde::entry),
        wall_time_seconds: provenance.wall_time_seconds,
        provenance: provenance.clone(),
    }
}

/// Every file of a population fit, in the order written, and its provenance (completed from
/// the command's `base`: IDs, the seed of the predictive check, search work, what went wrong).
pub fn population(
    files: &PopulationFiles,
    settings: &Settings,
    mut base: Provenance,
) -> Result<Presented, Diagnostic> {
    let (request, fit) = (files.request, files.fit);
    let model = request.model;
    let tables = vec![
        NamedFile::new("estimates.csv", estimates_csv(fit)),
        NamedFile::new("subjects.csv", subjects_csv(request, fit)),
        NamedFile::new("predictions.csv", predictions_csv(request, fit, files.npde)),
    ];
    let subjects = (fit.subjects.iter().zip(files.curves)).map(|(subject, curve)| {
        let observations = subject.residuals.iter().map(|r| &r.observation).collect();
        (subject.id.as_str(), curve, observations)
    });
    let look = &settings.figures;
    let pages = fit_pages(model, "Individual fits (IPRED)", subjects, look)?;
    let mut after: Vec<NamedFile> = files.check.map(super::vpc::csv).into_iter().collect();
    if let Some(saem) = &fit.saem {
        after.extend(super::saem::files(fit, saem, look)?);
    }
    after.extend(pages);
    after.extend(scatter_figures(request, fit, look)?);
    after.extend(random_effects_figure(request, fit, look)?);
    if let Some(npde) = files.npde {
        after.extend(super::npde::figures(request, fit, npde, look)?);
    }
    if let Some(check) = files.check {
        after.extend(super::vpc::figures(check, model, look)?);
    }
    if let Some(corrected) = files.corrected {
        after.extend(super::vpc::corrected_figure(corrected, model, look)?);
    }
    base.n = fit.subjects.len() as u64;
    base.seed = Some(files.vpc.seed);
    let mut work = super::search_work(fit.iterations.into(), fit.evaluations.into());
    work.insert(
        "gradient_evaluations".into(),
        fit.gradient_evaluations.into(),
    );
    base.solver_statistics = work;
    base.warnings = (settings.warnings())
        .chain(
            (!fit.converged)
                .then(|| format!("the population fit did not converge: {}", fit.status)),
        )
        .chain(files.npde.and_then(super::npde::npde_warning))
        .collect();
    Ok(assemble(tables, PopulationRecord::FILE, after, base, |p| {
        to_json(&record(files, settings, p))
    }))
}

/// The objective and convergence, then the estimates, one per line, and the NPDE statistics.
pub fn population_summary(fit: &PopulationFit, npde: Option<&Npde>) -> String {
    let flag = if fit.converged {
        "converged"
    } else {
        "NOT CONVERGED"
    };
    let method = if fit.saem.is_some() { "SAEM" } else { "FOCE-I" };
    let mut text = format!(
        "{method}: {flag} ({}), -2LL {:.4}, AIC {:.4}, BIC {:.4}, {} observations, {} IDs, {} iterations, {} objective and {} gradient evaluations ({} gradient)\n",
        fit.status,
        fit.minus_2_log_likelihood,
        fit.aic,
        fit.bic,
        fit.observations,
        fit.subjects.len(),
        fit.iterations,
        fit.evaluations,
        fit.gradient_evaluations,
        fit.outer_gradient()
    );
    if let Some(saem) = &fit.saem {
        text.push_str(&super::saem::summary_line(saem));
    }
    let _ = writeln!(text, "Standard errors: {}", fit.covariance.label());
    for e in &fit.estimates {
        let _ = write!(
            text,
            "  {:<24} {:>10}  RSE {:>6}  95% CI [{}, {}]",
            e.name,
            super::console_number(e.value),
            super::console_rse(e.rse_percent),
            super::console_number(e.low),
            super::console_number(e.high)
        );
        if let Some(errors) = e.standard_errors {
            let rse = 100.0 * errors.sandwich / e.value.abs();
            let _ = write!(text, "  RSE sandwich {}", super::console_rse(rse));
        }
        if e.cv_percent.is_finite() {
            let _ = write!(text, "  CV {:.1}%", e.cv_percent);
        }
        if e.shrinkage_percent.is_finite() {
            let _ = write!(text, "  shrinkage {:.1}%", e.shrinkage_percent);
        }
        text.push('\n');
    }
    if let Some(npde) = npde {
        text.push_str(&super::npde::summary_line(npde));
    }
    text
}
