//! Population estimation (nonlinear mixed effects) by FOCE with interaction or SAEM: typical
//! values, a log-normal (or logit-normal, within bounds) variability matrix and the residual
//! error (and a mixture's second class), from every subject at once; each subject's random
//! effects at their mode by the individual machinery and its sensitivities, subjects in
//! parallel; standard errors from the inverse Hessian or the sandwich of the FOCE-I objective.

mod conditional;
mod covariance;
mod diagnose;
mod mixture;
mod npde;
mod omega;
mod outer;
mod predictive_check;
mod results;
mod saem;
mod vpc;

pub use conditional::{Conditional, PopulationParameters};
pub use covariance::Covariance;
pub use mixture::{Membership, Mixture, SecondClass};
pub use npde::{Npde, NpdeSummary, decorrelated_npde, npde};
pub use omega::{OmegaStructure, log_normal_cv_percent};
pub use predictive_check::{Bin, PredictiveCheck, prediction_corrected_check, predictive_check};
pub use results::{
    EstimateKind, PopulationEstimate, PopulationFit, PopulationResidual, StandardErrors,
    SubjectEstimate,
};
pub use saem::{ImportanceEstimate, SaemReport, SaemSettings};
pub use vpc::{FittedPopulation, simulate_replicates};

use super::likelihood::{BlqMethod, Datum, ErrorModel, prepare};
use super::subjects::predictor;
use super::{Gradient, Scale, SimulatedSubject, fitted_curve, likelihood_data};
use crate::data::{DataSubject, plan_subject};
use crate::model::Model;
use crate::simulate::RunTemplate;
use crate::trajectory::Trajectory;
use conditional::conditional;
use nalgebra::{DMatrix, DVector};
use outer::hessian;
pub use outer::{Minimum, Surface, minimize};
use rayon::prelude::*;

/// What a population fit estimates and from where it starts.
pub struct PopulationRequest<'a> {
    pub model: &'a Model,
    /// Model parameters with a typical value estimated (fixed effects), and their scales.
    pub estimated: Vec<usize>,
    pub scales: Vec<Scale>,
    /// For each random effect, the estimated parameter (index into `estimated`) it acts on.
    pub random: Vec<usize>,
    pub structure: OmegaStructure,
    /// Initial SDs of the random effects (on the estimation scale).
    pub initial_omega: Vec<f64>,
    /// As for individual fits: parameters (the estimated ones are the initial typical values),
    /// solver, tolerances; each subject's plan comes from it with its doses and covariates.
    pub template: RunTemplate,
    pub initial_sigma: Vec<f64>,
    pub error: ErrorModel,
    pub blq: BlqMethod,
    pub gradient: Gradient<'a>,
    /// Outer iterations of FOCE-I's search.
    pub max_iterations: u32,
    pub method: PopulationMethod,
    /// Which covariance gives the standard errors.
    pub covariance: Covariance,
    /// A second class of subjects with other typical values (FOCE-I only).
    pub mixture: Option<Mixture>,
}

/// How the population parameters are estimated; either way the standard errors come from
/// the FOCE-I objective at the estimates (its Hessian, and for the sandwich its per-subject
/// gradients).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PopulationMethod {
    /// FOCE-I: the objective's minimum by BFGS.
    Focei,
    /// SAEM, then -2LL by importance sampling.
    Saem(SaemSettings),
}

/// One subject ready for estimation.
struct Subject<'a> {
    source: &'a DataSubject,
    predictor: SimulatedSubject<'a>,
    data: Vec<Option<Datum>>,
}

/// The population objective over psi = [typical values on their scales..., Omega's
/// unconstrained values..., ln sigma...], with every subject's last mode as warm start.
struct Objective<'a> {
    request: &'a PopulationRequest<'a>,
    subjects: Vec<Subject<'a>>,
    modes: Vec<DVector<f64>>,
    /// The modes in a mixture's second class.
    second_modes: Vec<DVector<f64>>,
}

/// The population parameters psi stands for.
struct Unpacked {
    typical: Vec<f64>,
    omega: DMatrix<f64>,
    sigma: Vec<f64>,
    second: Option<SecondClass>,
}

impl Unpacked {
    /// Omega's inverse and ln det.
    fn omega_inverse(&self) -> Result<(DMatrix<f64>, f64), String> {
        let cholesky = (self.omega.clone().cholesky()).ok_or("Omega is not positive definite")?;
        let log_det = cholesky.l().diagonal().iter().map(|d| 2.0 * d.ln()).sum();
        Ok((cholesky.inverse(), log_det))
    }

    /// The (first class's) population these values stand for, with `omega` from
    /// `omega_inverse`.
    fn population<'a>(
        &'a self,
        request: &'a PopulationRequest,
        omega: &'a (DMatrix<f64>, f64),
    ) -> PopulationParameters<'a> {
        PopulationParameters {
            typical: &self.typical,
            scales: &request.scales,
            random: &request.random,
            omega_inverse: &omega.0,
            omega_log_det: omega.1,
            error: request.error,
            sigma: &self.sigma,
        }
    }
}

impl Objective<'_> {
    fn unpack(&self, psi: &[f64]) -> Unpacked {
        let request = self.request;
        let m = request.estimated.len();
        let o = request.structure.count();
        let s = request.error.parameter_names().len();
        let typical = psi[..m].to_vec();
        Unpacked {
            omega: request.structure.matrix(&psi[m..m + o]),
            sigma: psi[m + o..m + o + s].iter().map(|v| v.exp()).collect(),
            second: (request.mixture.as_ref()).map(|x| x.second_class(&typical, &psi[m + o + s..])),
            typical,
        }
    }

    /// Every subject's contribution to the objective at `psi`.
    fn subject_objectives(&self, psi: &[f64]) -> Result<Vec<f64>, String> {
        let (_, conditionals) = self.evaluate(psi)?;
        Ok(conditionals.iter().map(|c| c.objective).collect())
    }

    fn conditionals(
        &self,
        psi: &[f64],
        starts: &[DVector<f64>],
    ) -> Result<Vec<Conditional>, String> {
        let unpacked = self.unpack(psi);
        let omega = unpacked.omega_inverse()?;
        let population = unpacked.population(self.request, &omega);
        let second = (unpacked.second.as_ref()).map(|class| {
            let population = PopulationParameters {
                typical: &class.typical,
                ..population
            };
            (population, class.fraction)
        });
        (self.subjects.par_iter().enumerate())
            .map(|(i, subject)| {
                let solve = |population: &PopulationParameters, start: &DVector<f64>| {
                    conditional(&subject.predictor, &subject.data, population, start)
                        .map_err(|e| format!("ID {}: {e}", subject.source.id))
                };
                let first = solve(&population, &starts[i])?;
                match &second {
                    None => Ok(first),
                    Some((other, fraction)) => Ok(mixture::combine(
                        first,
                        solve(other, &self.second_modes[i])?,
                        *fraction,
                    )),
                }
            })
            .collect()
    }
}

impl Surface for Objective<'_> {
    type Point = Vec<Conditional>;

    fn evaluate(&self, psi: &[f64]) -> Result<(f64, Vec<Conditional>), String> {
        let conditionals = self.conditionals(psi, &self.modes)?;
        let total = conditionals.iter().map(|c| c.objective).sum::<f64>();
        if total.is_finite() {
            Ok((total, conditionals))
        } else {
            Err("the population objective is not finite".into())
        }
    }

    fn accept(&mut self, point: Vec<Conditional>) {
        for (k, c) in point.into_iter().enumerate() {
            match c.membership {
                Some(Membership {
                    modes: [first, second],
                    ..
                }) => {
                    self.modes[k] = first;
                    self.second_modes[k] = second;
                }
                None => self.modes[k] = c.eta,
            }
        }
    }
}

/// Fits the population model to every subject of a dataset (all must be usable: a subject
/// without observations or with resets is an error naming it).
pub fn fit_population(
    request: &PopulationRequest,
    subjects: &[DataSubject],
) -> Result<PopulationFit, String> {
    let prepared = subjects
        .iter()
        .map(|subject| prepare_subject(request, subject))
        .collect::<Result<Vec<_>, _>>()?;
    let q = request.random.len();
    let mut objective = Objective {
        request,
        subjects: prepared,
        modes: vec![DVector::zeros(q); subjects.len()],
        second_modes: vec![DVector::zeros(q); subjects.len()],
    };
    let start = initial_psi(request)?;
    let (minimum, saem) = match request.method {
        PopulationMethod::Focei => {
            let (value, point) = objective.evaluate(&start)?;
            objective.accept(point);
            let minimum = minimize(&mut objective, &start, value, 1e-9, request.max_iterations)?;
            (minimum, None)
        }
        PopulationMethod::Saem(settings) => {
            let (minimum, outcome) = estimate_by_saem(&mut objective, &start, &settings)?;
            (minimum, Some((settings, outcome)))
        }
    };
    let (value, point) = objective.evaluate(&minimum.psi)?;
    objective.accept(point.clone());
    let mut evaluations = minimum.evaluations + 2;
    let curvature = hessian(&objective, &minimum.psi, value, &mut evaluations)?;
    let gradients = request.covariance.needs_gradients().then(|| {
        let objectives = |psi: &[f64]| objective.subject_objectives(psi);
        covariance::subject_gradients(objectives, &minimum.psi, &mut evaluations)
    });
    let covariances = covariance::covariances(request.covariance, &curvature, gradients);
    let unpacked = objective.unpack(&minimum.psi);
    let mut fit = results::assemble(results::Inputs {
        request,
        subjects: objective
            .subjects
            .iter()
            .map(|s| (s.source, &s.predictor, &s.data))
            .collect(),
        conditionals: point,
        psi: &minimum.psi,
        typical: &unpacked.typical,
        omega: &unpacked.omega,
        sigma: &unpacked.sigma,
        second: unpacked.second.as_ref(),
        objective: value,
        hessian: &curvature,
        covariances: &covariances,
        minimum: &minimum,
        evaluations,
    })?;
    if let Some((settings, outcome)) = saem {
        let importance = saem::importance_log_likelihood(
            &objective,
            &minimum.psi,
            &outcome.conditional,
            settings.importance_samples,
            settings.seed,
        )?;
        fit.set_minus_2_log_likelihood(importance.minus_2_log_likelihood, minimum.psi.len());
        fit.saem = Some(SaemReport {
            settings,
            chains: outcome.chains,
            simulations: outcome.simulations,
            importance,
            focei_minus_2_log_likelihood: value,
            history: (outcome.history.iter())
                .map(|psi| results::reported(request, psi))
                .collect(),
        });
    }
    Ok(fit)
}

/// SAEM from `start`, leaving each subject's conditional mean as the warm start of its mode.
fn estimate_by_saem(
    objective: &mut Objective,
    start: &[f64],
    settings: &SaemSettings,
) -> Result<(Minimum, saem::SaemOutcome), String> {
    let request = objective.request;
    if request.mixture.is_some() {
        return Err("a mixture is estimated by FOCE-I only: use `--method focei`".into());
    }
    let outcome = saem::saem(objective, start, settings)?;
    objective.modes = outcome.conditional.iter().map(|c| c.0.clone()).collect();
    let minimum = Minimum {
        psi: outcome.psi.clone(),
        converged: true,
        reason: format!(
            "SAEM ran its {} exploration and {} smoothing iterations",
            settings.exploration, settings.smoothing
        ),
        iterations: settings.exploration + settings.smoothing,
        evaluations: 0,
    };
    Ok((minimum, outcome))
}

fn prepare_subject<'a>(
    request: &'a PopulationRequest,
    subject: &'a DataSubject,
) -> Result<Subject<'a>, String> {
    let (model, template) = (request.model, &request.template);
    let predictor = predictor(
        model,
        template,
        &request.estimated,
        request.gradient,
        subject,
    )
    .map_err(|d| format!("ID {}: {}", subject.id, d.one_line()))?;
    let data = likelihood_data(subject);
    Ok(Subject {
        source: subject,
        predictor,
        data: prepare(&data, request.blq),
    })
}

fn initial_psi(request: &PopulationRequest) -> Result<Vec<f64>, String> {
    let mut psi: Vec<f64> = request
        .estimated
        .iter()
        .zip(&request.scales)
        .map(|(&index, scale)| scale.to_theta(request.template.parameters[index]))
        .collect();
    let variances: Vec<f64> = request.initial_omega.iter().map(|w| w * w).collect();
    let omega = DMatrix::from_diagonal(&DVector::from_vec(variances));
    psi.extend(
        request
            .structure
            .values(&omega)
            .ok_or("the initial variability must be positive")?,
    );
    psi.extend(request.initial_sigma.iter().map(|s| s.ln()));
    if let Some(mixture) = &request.mixture {
        psi.extend(mixture.initial_psi(&request.scales));
    }
    if psi.iter().all(|v| v.is_finite()) {
        Ok(psi)
    } else {
        Err("an initial value is outside its scale (a typical value must be positive, or inside its bounds)".into())
    }
}

/// Each subject's individual prediction curve (IPRED): its plan with the estimated parameters
/// at its empirical Bayes estimates, solved on a dense grid; `subjects` in the fit's order.
pub fn individual_curves(
    request: &PopulationRequest,
    fit: &PopulationFit,
    subjects: &[DataSubject],
) -> Result<Vec<Trajectory>, String> {
    (fit.subjects.iter().zip(subjects))
        .map(|(subject, data)| {
            let mut plan = plan_subject(&request.template, data).map_err(|e| e.message)?;
            for (&index, &value) in request.estimated.iter().zip(&subject.parameters) {
                plan.parameters[index] = value;
            }
            let parameters = plan.parameters.clone();
            fitted_curve(request.model, &plan, parameters)
                .map_err(|e| format!("ID {}: {e}", subject.id))
        })
        .collect()
}
