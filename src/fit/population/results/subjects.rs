//! Per-subject results of a population fit: the empirical Bayes estimates with their
//! contribution to -2LL, and per observation PRED, IPRED, IWRES and CWRES.

use super::{Inputs, PopulationResidual, SubjectEstimate};
use crate::data::DataSubject;
use crate::fit::likelihood::Datum;
use crate::fit::population::{Conditional, PopulationParameters};
use crate::fit::{Predictor, SimulatedSubject, weighted_residual};
use nalgebra::{DMatrix, DVector};

/// One subject's estimates and residuals at its conditional mode.
pub(super) fn subject_estimate(
    inputs: &Inputs,
    source: &DataSubject,
    predictor: &SimulatedSubject,
    data: &[Option<Datum>],
    conditional: &Conditional,
) -> Result<SubjectEstimate, String> {
    let request = inputs.request;
    let probability = (conditional.membership.as_ref()).map(|m| m.first_class_probability);
    let typical = match (inputs.second, probability) {
        (Some(second), Some(p)) if p < 0.5 => &second.typical[..],
        _ => inputs.typical,
    };
    let population = PopulationParameters {
        typical,
        scales: &request.scales,
        random: &request.random,
        omega_inverse: inputs.omega,
        omega_log_det: 0.0,
        error: request.error,
        sigma: inputs.sigma,
    };
    let (parameters, _) = population.individual(conditional.eta.as_slice());
    let (typical, _) = population.individual(&vec![0.0; request.random.len()]);
    let pred = predictor
        .predict(&typical)
        .map_err(|e| format!("ID {}: the typical prediction failed: {e}", source.id))?
        .values;
    let cwres = conditional_weighted_residuals(inputs, data, conditional);
    let residuals = source
        .observations
        .iter()
        .enumerate()
        .map(|(row, observation)| {
            let ipred = conditional.predictions[row];
            PopulationResidual {
                observation: observation.clone(),
                pred: pred[row],
                ipred,
                iwres: if observation.censored {
                    f64::NAN
                } else {
                    weighted_residual(request.error, observation.value, ipred, inputs.sigma)
                },
                cwres: cwres[row],
            }
        })
        .collect();
    Ok(SubjectEstimate {
        id: source.id.clone(),
        eta: conditional.eta.iter().copied().collect(),
        parameters,
        objective: conditional.objective,
        residuals,
        first_class_probability: probability,
        mode_converged: conditional.converged,
    })
}

/// CWRES (Hooker, Staatz & Karlsson 2007): the observations linearized around the mode,
/// E = f(eta) - J eta, with covariance J Omega J' + R, decorrelated by its Cholesky factor; on
/// the error model's scale, over the observed (not censored, not left out) values.
fn conditional_weighted_residuals(
    inputs: &Inputs,
    data: &[Option<Datum>],
    conditional: &Conditional,
) -> Vec<f64> {
    let error = inputs.request.error;
    let used: Vec<usize> = (0..data.len())
        .filter(|&r| data[r].is_some_and(|d| !d.censored))
        .collect();
    let mut cwres = vec![f64::NAN; data.len()];
    if used.is_empty() {
        return cwres;
    }
    let q = conditional.eta.len();
    let chain = |r: usize| {
        let f = conditional.predictions[r];
        if error == crate::fit::likelihood::ErrorModel::LogAdditive {
            1.0 / f
        } else {
            1.0
        }
    };
    let jacobian = DMatrix::from_fn(used.len(), q, |i, k| {
        conditional.jacobian[(used[i], k)] * chain(used[i])
    });
    let mut covariance = &jacobian * inputs.omega * jacobian.transpose();
    let mut residual = DVector::zeros(used.len());
    for (i, &r) in used.iter().enumerate() {
        let f = error.scale(conditional.predictions[r]);
        let (sd, _, _) = error.sd(f, inputs.sigma);
        covariance[(i, i)] += sd * sd;
        let expected = f - (jacobian.row(i) * &conditional.eta)[0];
        residual[i] = error.scale(data[r].map_or(f64::NAN, |d| d.value)) - expected;
    }
    if let Some(factor) = covariance.cholesky()
        && let Some(decorrelated) = factor.l().solve_lower_triangular(&residual)
    {
        for (i, &r) in used.iter().enumerate() {
            cwres[r] = decorrelated[i];
        }
    }
    cwres
}
