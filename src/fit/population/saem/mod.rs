//! Population estimation by SAEM (stochastic approximation EM; Kuhn and Lavielle 2005, as in
//! Monolix and nlmixr2): each subject's random effects sampled by Markov chains (`chains`),
//! the sufficient statistics of the typical values and Omega updated by stochastic
//! approximation (step 1 through the exploration phase, 1/k through the smoothing phase),
//! the M-step in closed form for them (`statistics`), by a Gauss-Newton step for typical
//! values without random effects (`fixed`) and by maximum likelihood of the current samples
//! for the residual error (BLQ observations by M3 throughout); then the log-likelihood by
//! importance sampling (`importance`).

mod chains;
mod fixed;
mod importance;
mod statistics;

use super::{Objective, Subject};
use crate::interrupt;
use chains::{Current, SubjectChains};
pub use importance::ImportanceEstimate;
pub(in crate::fit::population) use importance::importance_log_likelihood;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use statistics::{Statistics, best_sigma};

/// SAEM's settings (the README states the defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SaemSettings {
    /// Iterations of the exploration phase (K1; step 1, Omega annealed).
    pub exploration: u32,
    /// Iterations of the smoothing phase (K2; step 1/k).
    pub smoothing: u32,
    /// Chains per subject; `None` for Monolix's rule, enough that subjects x chains >= 50.
    pub chains: Option<u32>,
    /// Sweeps of each kernel per iteration: draws from the population distribution, random
    /// walks of the whole vector, component-wise random walks.
    pub kernels: [u32; 3],
    /// Draws per subject for the importance-sampling log-likelihood.
    pub importance_samples: u32,
    pub seed: u64,
}

impl Default for SaemSettings {
    /// nlmixr2's iteration counts (200 exploration, 300 smoothing) and kernel sweeps (2, 2, 2);
    /// Monolix's chain rule; 1000 importance draws per subject.
    fn default() -> SaemSettings {
        SaemSettings {
            exploration: 200,
            smoothing: 300,
            chains: None,
            kernels: [2, 2, 2],
            importance_samples: 1000,
            seed: 1,
        }
    }
}

impl SaemSettings {
    /// Chains per subject for `subjects` subjects.
    pub fn chains_for(&self, subjects: usize) -> u32 {
        self.chains
            .unwrap_or_else(|| 50u32.div_ceil(subjects.max(1) as u32))
            .max(1)
    }
}

/// What a SAEM fit reports beside the estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct SaemReport {
    pub settings: SaemSettings,
    pub chains: u32,
    /// Simulations run by the chains.
    pub simulations: u64,
    /// -2LL by importance sampling (the fit's -2LL, AIC and BIC are this one).
    pub importance: ImportanceEstimate,
    /// The FOCE-I approximation of -2LL at the SAEM estimates (nlmixr2's "OBJF by FOCEi
    /// approximation"), comparable with a FOCE-I fit's.
    pub focei_minus_2_log_likelihood: f64,
    /// The reported values (typical values, SDs, correlations, sigma) after each iteration,
    /// the start first.
    pub history: Vec<Vec<f64>>,
}

/// Where SAEM ended.
pub(super) struct SaemOutcome {
    /// The estimates as psi (typical values, Omega's unconstrained values, ln sigma).
    pub psi: Vec<f64>,
    /// psi after each iteration (the first row is the start).
    pub history: Vec<Vec<f64>>,
    /// Each subject's mean and covariance of its random effects over the smoothing phase.
    pub conditional: Vec<(DVector<f64>, DMatrix<f64>)>,
    pub chains: u32,
    /// Simulations run by the chains.
    pub simulations: u64,
}

/// The population at one point: typical values on their scales, Omega, sigma.
struct Point {
    typical: Vec<f64>,
    omega: DMatrix<f64>,
    sigma: Vec<f64>,
}

impl Point {
    fn psi(&self, objective: &Objective) -> Result<Vec<f64>, String> {
        let mut psi = self.typical.clone();
        psi.extend(
            (objective.request.structure.values(&self.omega))
                .ok_or("Omega is not positive definite")?,
        );
        psi.extend(self.sigma.iter().map(|s| s.ln()));
        Ok(psi)
    }

    fn means(&self, objective: &Objective) -> DVector<f64> {
        let random = &objective.request.random;
        DVector::from_iterator(random.len(), random.iter().map(|&t| self.typical[t]))
    }
}

/// Runs SAEM from `start` (psi); subject i's chains draw from their own stream (seed, i), so
/// the result does not depend on the thread count.
pub(super) fn saem(
    objective: &Objective,
    start: &[f64],
    settings: &SaemSettings,
) -> Result<SaemOutcome, String> {
    let unpacked = objective.unpack(start);
    let mut point = Point {
        typical: unpacked.typical,
        omega: unpacked.omega,
        sigma: unpacked.sigma,
    };
    let chains = settings.chains_for(objective.subjects.len());
    let mut states = start_chains(objective, &point, chains as usize, settings.seed)?;
    let mut statistics = Statistics::new(&point.means(objective), &point.omega);
    let mut history = vec![start.to_vec()];
    let mut simulations = 0;
    let total = settings.exploration + settings.smoothing;
    for iteration in 1..=total {
        if let Some(signal) = interrupt::requested() {
            return Err(interrupt::stopped(signal).message);
        }
        simulations += simulate(objective, &point, &mut states, settings.kernels)?;
        let exploring = iteration <= settings.exploration;
        let step = if exploring {
            1.0
        } else {
            1.0 / f64::from(iteration - settings.exploration)
        };
        statistics.update(&states, step, !exploring);
        let means = statistics.means();
        for (k, &target) in objective.request.random.iter().enumerate() {
            point.typical[target] = means[k];
        }
        point.omega = statistics.omega(&objective.request.structure, &point.omega, exploring);
        simulations += update_fixed(objective, &mut point, &mut states, step)?;
        let best = best_sigma(objective, &states, &point.sigma);
        for (sigma, best) in point.sigma.iter_mut().zip(best) {
            *sigma = (*sigma * *sigma + step * (best * best - *sigma * *sigma)).sqrt();
        }
        history.push(point.psi(objective)?);
    }
    Ok(SaemOutcome {
        psi: point.psi(objective)?,
        history,
        conditional: statistics.conditional(&point.means(objective), &point.omega),
        chains,
        simulations,
    })
}

/// Typical values without random effects moved by `step` times a Gauss-Newton step, and the
/// chains' predictions refreshed at them; the simulations it took.
fn update_fixed(
    objective: &Objective,
    point: &mut Point,
    states: &mut [SubjectChains],
    step: f64,
) -> Result<u64, String> {
    let request = objective.request;
    let fixed: Vec<usize> = (0..request.estimated.len())
        .filter(|k| !request.random.contains(k))
        .collect();
    if fixed.is_empty() {
        return Ok(0);
    }
    let subjects = &objective.subjects;
    let delta = with_current(objective, point, |current| {
        Ok(fixed::gauss_newton_step(subjects, states, current, &fixed))
    })?;
    if let Some(delta) = delta {
        for (j, &k) in fixed.iter().enumerate() {
            point.typical[k] += step * delta[j];
        }
    }
    with_current(objective, point, |current| {
        fixed::refresh(subjects, states, current);
        Ok(())
    })?;
    let chains: usize = states.iter().map(|s| s.chains.len()).sum();
    Ok(2 * chains as u64)
}

/// Every subject's chains at the typical values.
fn start_chains(
    objective: &Objective,
    point: &Point,
    chains: usize,
    seed: u64,
) -> Result<Vec<SubjectChains>, String> {
    with_current(objective, point, |current| {
        (objective.subjects.iter().enumerate())
            .map(|(index, subject)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(index as u64);
                SubjectChains::start(subject, current, chains, rng)
            })
            .collect()
    })
}

/// One simulation step of every subject, in parallel; the simulations run.
fn simulate(
    objective: &Objective,
    point: &Point,
    states: &mut [SubjectChains],
    kernels: [u32; 3],
) -> Result<u64, String> {
    with_current(objective, point, |current| {
        Ok((states.par_iter_mut().zip(&objective.subjects))
            .map(|(state, subject): (&mut SubjectChains, &Subject)| {
                state.step(subject, current, kernels)
            })
            .sum())
    })
}

/// Calls `work` with the sampling distribution of `point`.
fn with_current<T>(
    objective: &Objective,
    point: &Point,
    work: impl FnOnce(&Current) -> Result<T, String>,
) -> Result<T, String> {
    let request = objective.request;
    let cholesky = (point.omega.clone().cholesky()).ok_or("Omega is not positive definite")?;
    let factor = cholesky.l();
    let inverse = cholesky.inverse();
    let current = Current {
        population: super::PopulationParameters {
            typical: &point.typical,
            scales: &request.scales,
            random: &request.random,
            omega_inverse: &inverse,
            omega_log_det: 0.0,
            error: request.error,
            sigma: &point.sigma,
        },
        means: point.means(objective),
        factor: &factor,
    };
    work(&current)
}
