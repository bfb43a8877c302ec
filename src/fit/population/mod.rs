//! Population estimation (nonlinear mixed effects) by FOCE with interaction: typical values,
//! a log-normal (or logit-normal, within bounds) variability matrix and the residual error,
//! from every subject at once; each subject's random effects at their mode by the individual
//! machinery and its sensitivities, subjects in parallel.

mod conditional;
mod diagnose;
mod npde;
mod omega;
mod outer;
mod predictive_check;
mod results;
mod vpc;

pub use conditional::{Conditional, PopulationParameters};
pub use npde::{Npde, NpdeSummary, decorrelated_npde, npde};
pub use omega::{OmegaStructure, log_normal_cv_percent};
pub use predictive_check::{Bin, PredictiveCheck, prediction_corrected_check, predictive_check};
pub use results::{
    EstimateKind, PopulationEstimate, PopulationFit, PopulationResidual, SubjectEstimate,
};
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
    pub max_iterations: u32,
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
}

/// The population parameters psi stands for.
struct Unpacked {
    typical: Vec<f64>,
    omega: DMatrix<f64>,
    sigma: Vec<f64>,
}

impl Objective<'_> {
    fn unpack(&self, psi: &[f64]) -> Unpacked {
        let m = self.request.estimated.len();
        let o = self.request.structure.count();
        Unpacked {
            typical: psi[..m].to_vec(),
            omega: self.request.structure.matrix(&psi[m..m + o]),
            sigma: psi[m + o..].iter().map(|v| v.exp()).collect(),
        }
    }

    fn conditionals(
        &self,
        psi: &[f64],
        starts: &[DVector<f64>],
    ) -> Result<Vec<Conditional>, String> {
        let unpacked = self.unpack(psi);
        let cholesky = unpacked
            .omega
            .clone()
            .cholesky()
            .ok_or("Omega is not positive definite")?;
        let omega_inverse = cholesky.inverse();
        let omega_log_det = cholesky.l().diagonal().iter().map(|d| 2.0 * d.ln()).sum();
        let population = PopulationParameters {
            typical: &unpacked.typical,
            scales: &self.request.scales,
            random: &self.request.random,
            omega_inverse: &omega_inverse,
            omega_log_det,
            error: self.request.error,
            sigma: &unpacked.sigma,
        };
        self.subjects
            .par_iter()
            .zip(starts)
            .map(|(subject, start)| {
                conditional(&subject.predictor, &subject.data, &population, start)
                    .map_err(|e| format!("ID {}: {e}", subject.source.id))
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
        self.modes = point.into_iter().map(|c| c.eta).collect();
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
    };
    let start = initial_psi(request)?;
    let (value, point) = objective.evaluate(&start)?;
    objective.accept(point);
    let minimum = minimize(&mut objective, &start, value, 1e-9, request.max_iterations)?;
    let (value, point) = objective.evaluate(&minimum.psi)?;
    objective.accept(point.clone());
    let mut evaluations = minimum.evaluations + 2;
    let curvature = hessian(&objective, &minimum.psi, value, &mut evaluations)?;
    let unpacked = objective.unpack(&minimum.psi);
    results::assemble(results::Inputs {
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
        objective: value,
        hessian: &curvature,
        minimum: &minimum,
        evaluations,
    })
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
