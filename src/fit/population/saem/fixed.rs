//! SAEM's update of typical values without random effects, which the closed-form M-step does
//! not reach: a Gauss-Newton step on the data -2LL of the chains' current samples (by Fisher's
//! identity its expectation over the random effects' posterior is the marginal score, so the
//! stochastic approximation settles where that score is zero), taken with the iteration's step
//! size; then every chain's predictions are refreshed at the new values.

use super::super::Subject;
use super::chains::{Current, SubjectChains, predict};
use crate::fit::Predictor;
use crate::fit::likelihood::{contribution, curvature};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// The longest move of one iteration on the estimation scale (a factor e on a log scale).
const MAX_STEP: f64 = 1.0;

/// The Gauss-Newton step for the estimated parameters `fixed` (indices into `estimated`),
/// from each subject's chains averaged; `None` when no chain could be differentiated or the
/// curvature is singular.
pub(super) fn gauss_newton_step(
    subjects: &[Subject],
    states: &[SubjectChains],
    current: &Current,
    fixed: &[usize],
) -> Option<DVector<f64>> {
    let n = fixed.len();
    let sums = (subjects.par_iter().zip(states))
        .map(|(subject, state)| {
            let mut gradient = DVector::zeros(n);
            let mut information = DMatrix::zeros(n, n);
            for chain in &state.chains {
                let Some((g, h)) = chain_terms(subject, current, &chain.phi, fixed) else {
                    continue;
                };
                gradient += g / state.chains.len() as f64;
                information += h / state.chains.len() as f64;
            }
            (gradient, information)
        })
        .collect::<Vec<_>>();
    let (mut gradient, mut information) = (DVector::zeros(n), DMatrix::zeros(n, n));
    for (g, h) in sums {
        gradient += g;
        information += h;
    }
    let step = information.cholesky()?.solve(&(-gradient));
    let longest = step.amax();
    Some(if longest > MAX_STEP {
        step * (MAX_STEP / longest)
    } else {
        step
    })
}

/// One chain's gradient and expected information of its data -2LL in the `fixed` parameters'
/// estimation scales.
fn chain_terms(
    subject: &Subject,
    current: &Current,
    phi: &DVector<f64>,
    fixed: &[usize],
) -> Option<(DVector<f64>, DMatrix<f64>)> {
    let population = &current.population;
    let eta: Vec<f64> = (phi.iter().zip(current.means.iter()))
        .map(|(p, m)| p - m)
        .collect();
    let (parameters, _) = population.individual(&eta);
    let prediction = subject.predictor.predict(&parameters).ok()?;
    let chain: Vec<f64> = (fixed.iter())
        .map(|&k| population.scales[k].derivative(population.typical[k]))
        .collect();
    let n = fixed.len();
    let mut gradient = DVector::zeros(n);
    let mut information = DMatrix::zeros(n, n);
    for (row, datum) in subject.data.iter().enumerate() {
        let Some(datum) = datum else { continue };
        let f = prediction.values[row];
        let (_, d_f, _) = contribution(datum, f, population.error, population.sigma);
        let weight = curvature(datum, f, population.error, population.sigma);
        let derivative = DVector::from_iterator(
            n,
            (fixed.iter().zip(&chain)).map(|(&k, c)| prediction.jacobian[row][k] * c),
        );
        if !(d_f.is_finite() && weight.is_finite() && derivative.iter().all(|d| d.is_finite())) {
            return None;
        }
        gradient += d_f * &derivative;
        information += weight * &derivative * derivative.transpose();
    }
    Some((gradient, information))
}

/// Every chain's predictions at the current population (a failed simulation leaves no
/// likelihood, so the chain's next finite proposal is accepted).
pub(super) fn refresh(subjects: &[Subject], states: &mut [SubjectChains], current: &Current) {
    (states.par_iter_mut().zip(subjects)).for_each(|(state, subject)| {
        for chain in &mut state.chains {
            chain.predictions = predict(subject, current, &chain.phi)
                .unwrap_or_else(|| vec![f64::NAN; chain.predictions.len()]);
        }
    });
}
