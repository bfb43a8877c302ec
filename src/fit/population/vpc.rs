//! Simulating replicates of a dataset's design from a population fit, for visual predictive
//! checks: each replicate draws every subject's random effects from Omega and each observation's
//! residual error, with the subject's own doses, covariates and observation times.

use super::{PopulationParameters, PopulationRequest, SecondClass, Subject, prepare_subject};
use crate::data::DataSubject;
use crate::fit::likelihood::ErrorModel;
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// The fitted population to simulate from.
pub struct FittedPopulation<'a> {
    /// Typical values of the estimated parameters on their estimation scales.
    pub typical: &'a [f64],
    pub omega: &'a DMatrix<f64>,
    pub sigma: &'a [f64],
    /// A mixture's second class: each simulated subject is drawn into a class first.
    pub second: Option<&'a SecondClass>,
}

/// Simulated observations: `values[replicate][k]` for the k-th observation of the dataset
/// (subjects in order, each subject's observations in order). Replicate r, subject i draws
/// from its own random stream (seed, r, i), so the result does not depend on the thread count.
pub fn simulate_replicates(
    request: &PopulationRequest,
    subjects: &[DataSubject],
    fitted: &FittedPopulation,
    replicates: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let prepared: Vec<Subject> = subjects
        .iter()
        .map(|s| prepare_subject(request, s))
        .collect::<Result<_, _>>()?;
    let factor = fitted
        .omega
        .clone()
        .cholesky()
        .ok_or("the fitted Omega is not positive definite")?
        .l();
    let identity = DMatrix::identity(factor.nrows(), factor.nrows());
    let population = PopulationParameters {
        typical: fitted.typical,
        scales: &request.scales,
        random: &request.random,
        omega_inverse: &identity,
        omega_log_det: 0.0,
        error: request.error,
        sigma: fitted.sigma,
    };
    (0..replicates)
        .into_par_iter()
        .map(|replicate| {
            let mut values = Vec::new();
            for (index, subject) in prepared.iter().enumerate() {
                let mut random = ChaCha8Rng::seed_from_u64(seed);
                random.set_stream(((replicate as u64) << 32) | index as u64);
                let typical = match fitted.second {
                    Some(second) if random.random::<f64>() >= second.fraction => &second.typical,
                    _ => fitted.typical,
                };
                let standard =
                    DVector::from_fn(factor.nrows(), |_, _| StandardNormal.sample(&mut random));
                let eta = &factor * standard;
                let class = PopulationParameters {
                    typical,
                    ..population
                };
                let (parameters, _) = class.individual(eta.as_slice());
                let predictions = subject.predictor.values(&parameters).map_err(|e| {
                    format!("replicate {}, ID {}: {e}", replicate + 1, subject.source.id)
                })?;
                for f in predictions {
                    let noise: f64 = StandardNormal.sample(&mut random);
                    values.push(observe(request.error, f, fitted.sigma, noise));
                }
            }
            Ok(values)
        })
        .collect()
}

/// An observation of prediction `f` with standard normal draw `noise` on the error's scale.
fn observe(error: ErrorModel, f: f64, sigma: &[f64], noise: f64) -> f64 {
    let (sd, _, _) = error.sd(error.scale(f), sigma);
    match error {
        ErrorModel::LogAdditive => f * (sd * noise).exp(),
        _ => f + sd * noise,
    }
}
