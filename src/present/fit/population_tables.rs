//! The tables of `cartsim fit --population`: estimates.csv (with both standard errors under
//! `--covariance both`), subjects.csv (each ID's -2LL, mode convergence, empirical Bayes
//! estimates and mixture class probability) and predictions.csv (PRED, IPRED, IWRES, CWRES,
//! NPDE).

use super::column_names;
use crate::csv::{number_cell, text_cell};
use crate::fit::population::{Covariance, Npde, PopulationFit, PopulationRequest};
use std::fmt::Write;

pub(super) fn estimates_csv(fit: &PopulationFit) -> String {
    let both = fit.covariance == Covariance::Both;
    let mut text = String::from("parameter,kind,estimate,se,rse_percent,");
    if both {
        text.push_str("se_hessian,se_sandwich,");
    }
    text.push_str("ci95_low,ci95_high,cv_percent,shrinkage_percent,converged\n");
    for e in &fit.estimates {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        let _ = write!(
            text,
            "{},{},{},{},{},",
            e.name,
            kind.unwrap_or_default(),
            e.value,
            number_cell(e.se),
            number_cell(e.rse_percent),
        );
        if both {
            let errors = (e.standard_errors).map_or([f64::NAN; 2], |s| [s.hessian, s.sandwich]);
            let _ = write!(
                text,
                "{},{},",
                number_cell(errors[0]),
                number_cell(errors[1])
            );
        }
        let _ = writeln!(
            text,
            "{},{},{},{},{}",
            number_cell(e.low),
            number_cell(e.high),
            number_cell(e.cv_percent),
            number_cell(e.shrinkage_percent),
            u8::from(fit.converged)
        );
    }
    text
}

/// The names of the estimated parameters.
pub(super) fn estimated_names<'a>(request: &'a PopulationRequest) -> Vec<&'a str> {
    (request.estimated.iter())
        .map(|&i| request.model.parameters[i].name.as_str())
        .collect()
}

pub(super) fn subjects_csv(request: &PopulationRequest, fit: &PopulationFit) -> String {
    let names = estimated_names(request);
    let mut text = String::from("ID,minus_2_log_likelihood,mode_converged");
    for &k in &request.random {
        let _ = write!(text, ",eta_{}", names[k]);
    }
    for name in &names {
        let _ = write!(text, ",{name}");
    }
    if fit.second_class.is_some() {
        text.push_str(",first_class_probability");
    }
    text.push('\n');
    for subject in &fit.subjects {
        let _ = write!(
            text,
            "{},{},{}",
            text_cell(&subject.id),
            subject.objective,
            u8::from(subject.mode_converged)
        );
        for value in subject.eta.iter().chain(&subject.parameters) {
            let _ = write!(text, ",{value}");
        }
        if let Some(p) = subject.first_class_probability {
            let _ = write!(text, ",{p}");
        }
        text.push('\n');
    }
    text
}

pub(super) fn predictions_csv(
    request: &PopulationRequest,
    fit: &PopulationFit,
    npde: Option<&Npde>,
) -> String {
    let columns = column_names(request.model);
    let mut text = String::from("ID,row,time,output,DV,BLQ,LLOQ,PRED,IPRED,IWRES,CWRES,NPDE\n");
    let residuals = fit
        .subjects
        .iter()
        .flat_map(|s| s.residuals.iter().map(|r| (&s.id, r)));
    for (k, (id, r)) in residuals.enumerate() {
        let o = &r.observation;
        let npde = npde.map_or(f64::NAN, |n| n.values[k]);
        let _ = writeln!(
            text,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            text_cell(id),
            o.row,
            o.time,
            columns[o.column],
            o.value,
            u8::from(o.censored),
            o.lloq.map(|l| l.to_string()).unwrap_or_default(),
            r.pred,
            r.ipred,
            number_cell(r.iwres),
            number_cell(r.cwres),
            number_cell(npde)
        );
    }
    text
}
