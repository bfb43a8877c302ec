//! SAEM's simulation step: each subject's Markov chains over its individual parameters
//! (random-effect components on the estimation scale), moved by Metropolis-Hastings within
//! Gibbs with the three kernels of Kuhn and Lavielle (2005): independent draws from the
//! population distribution, a random walk of the whole vector, and component-wise random
//! walks, the walks' scales adapted per subject toward an acceptance rate of 0.4.

use super::super::Subject;
use crate::fit::likelihood::{ErrorModel, contribution};
use crate::fit::population::PopulationParameters;
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The acceptance rate the random walks' scales are adapted toward (Monolix's choice).
const TARGET_ACCEPTANCE: f64 = 0.4;

/// The population distribution the chains sample under at one iteration.
pub(super) struct Current<'a> {
    /// Typical values (the random effects' components are their means), Omega's inverse,
    /// the error model and sigma.
    pub population: PopulationParameters<'a>,
    /// The typical values the random effects act on.
    pub means: DVector<f64>,
    /// Omega's Cholesky factor.
    pub factor: &'a DMatrix<f64>,
}

impl Current<'_> {
    /// -2 ln of the population density of `phi` without its constant (the Mahalanobis term).
    fn prior(&self, phi: &DVector<f64>) -> f64 {
        let centred = phi - &self.means;
        centred.dot(&(self.population.omega_inverse * &centred))
    }
}

/// One chain's state: the random-effect components and the predictions they give.
#[derive(Clone)]
pub(super) struct Chain {
    pub phi: DVector<f64>,
    pub predictions: Vec<f64>,
}

/// A subject's chains, its random stream and its walks' scales.
pub(super) struct SubjectChains {
    pub rng: ChaCha8Rng,
    pub chains: Vec<Chain>,
    walk: f64,
    component: Vec<f64>,
}

/// Proposals tried and accepted by one subject in one iteration: kernel 2, and kernel 3 per
/// component.
struct Tally {
    walk: (u32, u32),
    component: Vec<(u32, u32)>,
}

/// -2 log-likelihood of a subject's data at its predictions (constants included); infinite
/// when not finite.
pub(super) fn data_objective(
    subject: &Subject,
    predictions: &[f64],
    error: ErrorModel,
    sigma: &[f64],
) -> f64 {
    let total: f64 = (subject.data.iter().zip(predictions))
        .filter_map(|(datum, &f)| datum.as_ref().map(|d| contribution(d, f, error, sigma).0))
        .sum();
    if total.is_finite() {
        total
    } else {
        f64::INFINITY
    }
}

/// The subject's predictions at random-effect components `phi` (None when the simulation
/// fails: the proposal is then rejected).
pub(super) fn predict(
    subject: &Subject,
    current: &Current,
    phi: &DVector<f64>,
) -> Option<Vec<f64>> {
    let eta: Vec<f64> = (phi.iter().zip(current.means.iter()))
        .map(|(p, m)| p - m)
        .collect();
    let (parameters, _) = current.population.individual(&eta);
    subject.predictor.values(&parameters).ok()
}

impl SubjectChains {
    /// `chains` chains at the population means, whose predictions must exist.
    pub fn start(
        subject: &Subject,
        current: &Current,
        chains: usize,
        rng: ChaCha8Rng,
    ) -> Result<SubjectChains, String> {
        let phi = current.means.clone();
        let predictions = predict(subject, current, &phi).ok_or_else(|| {
            format!(
                "ID {}: the simulation fails at the starting typical values",
                subject.source.id
            )
        })?;
        let q = phi.len();
        Ok(SubjectChains {
            rng,
            chains: vec![Chain { phi, predictions }; chains],
            walk: 0.5,
            component: vec![0.5; q],
        })
    }

    /// One SAEM simulation step: `kernels[k]` sweeps of kernel k+1 on every chain; returns the
    /// number of simulations run.
    pub fn step(&mut self, subject: &Subject, current: &Current, kernels: [u32; 3]) -> u64 {
        let mut simulations = 0;
        let q = current.means.len();
        let mut tally = Tally {
            walk: (0, 0),
            component: vec![(0, 0); q],
        };
        let error = current.population.error;
        for index in 0..self.chains.len() {
            let mut chain = self.chains[index].clone();
            let mut data =
                data_objective(subject, &chain.predictions, error, current.population.sigma);
            let mut prior = current.prior(&chain.phi);
            for _ in 0..kernels[0] {
                let z = self.normal_vector(q);
                let proposal = &current.means + current.factor * z;
                simulations += 1;
                if let Some((p, d)) = self.attempt(subject, current, &proposal, data, 0.0, 0.0) {
                    prior = current.prior(&proposal);
                    (chain.phi, chain.predictions, data) = (proposal, p, d);
                }
            }
            for _ in 0..kernels[1] {
                let z = self.normal_vector(q);
                let proposal = &chain.phi + self.walk * (current.factor * z);
                let proposed_prior = current.prior(&proposal);
                simulations += 1;
                tally.walk.0 += 1;
                if let Some((p, d)) =
                    self.attempt(subject, current, &proposal, data, prior, proposed_prior)
                {
                    tally.walk.1 += 1;
                    prior = proposed_prior;
                    (chain.phi, chain.predictions, data) = (proposal, p, d);
                }
            }
            for _ in 0..kernels[2] {
                for k in 0..q {
                    let z: f64 = StandardNormal.sample(&mut self.rng);
                    let mut proposal = chain.phi.clone();
                    proposal[k] += self.component[k] * current.factor.row(k).norm() * z;
                    let proposed_prior = current.prior(&proposal);
                    simulations += 1;
                    tally.component[k].0 += 1;
                    if let Some((p, d)) =
                        self.attempt(subject, current, &proposal, data, prior, proposed_prior)
                    {
                        tally.component[k].1 += 1;
                        prior = proposed_prior;
                        (chain.phi, chain.predictions, data) = (proposal, p, d);
                    }
                }
            }
            self.chains[index] = chain;
        }
        self.adapt(tally);
        simulations
    }

    /// Metropolis-Hastings acceptance of `proposal` against a chain whose data term is `data`
    /// and whose prior term is `prior` (both -2 ln); the new predictions and data term when
    /// accepted.
    fn attempt(
        &mut self,
        subject: &Subject,
        current: &Current,
        proposal: &DVector<f64>,
        data: f64,
        prior: f64,
        proposed_prior: f64,
    ) -> Option<(Vec<f64>, f64)> {
        let predictions = predict(subject, current, proposal)?;
        let proposed = data_objective(
            subject,
            &predictions,
            current.population.error,
            current.population.sigma,
        );
        let log_ratio = -0.5 * (proposed + proposed_prior - data - prior);
        let u: f64 = self.rng.random();
        (proposed.is_finite() && u.ln() < log_ratio).then_some((predictions, proposed))
    }

    fn normal_vector(&mut self, q: usize) -> DVector<f64> {
        DVector::from_fn(q, |_, _| StandardNormal.sample(&mut self.rng))
    }

    /// Scales each walk by 1 + 0.4 (rate - target), within [0.01, 10].
    fn adapt(&mut self, tally: Tally) {
        let update = |scale: f64, (tried, accepted): (u32, u32)| {
            if tried == 0 {
                return scale;
            }
            let rate = f64::from(accepted) / f64::from(tried);
            (scale * (1.0 + 0.4 * (rate - TARGET_ACCEPTANCE))).clamp(0.01, 10.0)
        };
        self.walk = update(self.walk, tally.walk);
        for (scale, &counts) in self.component.iter_mut().zip(&tally.component) {
            *scale = update(*scale, counts);
        }
    }
}
