//! The FOCE-I population objective over the unconstrained population parameters psi: each
//! subject's mode from the last accepted point (warm starts), the sum of the subjects'
//! contributions, and its gradient (analytic with sensitivities, see gradient.rs).

use super::PopulationRequest;
use super::conditional::{Conditional, PopulationParameters, conditional};
use super::gradient::{directions, subject_gradient};
use super::mixture::{self, Membership, SecondClass};
use super::outer::Surface;
use crate::data::DataSubject;
use crate::fit::likelihood::Datum;
use crate::fit::{Gradient, SimulatedSubject};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// One subject ready for estimation.
pub(super) struct Subject<'a> {
    pub source: &'a DataSubject,
    pub predictor: SimulatedSubject<'a>,
    pub data: Vec<Option<Datum>>,
}

/// The population objective over psi = [typical values on their scales..., Omega's
/// unconstrained values..., ln sigma...], with every subject's last mode as warm start.
pub(super) struct Objective<'a> {
    pub request: &'a PopulationRequest<'a>,
    pub subjects: Vec<Subject<'a>>,
    pub modes: Vec<DVector<f64>>,
    /// The modes in a mixture's second class.
    pub second_modes: Vec<DVector<f64>>,
}

/// The population parameters psi stands for.
pub(super) struct Unpacked {
    pub typical: Vec<f64>,
    pub omega: DMatrix<f64>,
    pub sigma: Vec<f64>,
    pub second: Option<SecondClass>,
}

impl Unpacked {
    /// Omega's inverse and ln det.
    pub fn omega_inverse(&self) -> Result<(DMatrix<f64>, f64), String> {
        let cholesky = (self.omega.clone().cholesky()).ok_or("Omega is not positive definite")?;
        let log_det = cholesky.l().diagonal().iter().map(|d| 2.0 * d.ln()).sum();
        Ok((cholesky.inverse(), log_det))
    }

    /// The (first class's) population these values stand for, with `omega` from
    /// `omega_inverse`.
    pub fn population<'a>(
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
    pub fn unpack(&self, psi: &[f64]) -> Unpacked {
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
    pub fn subject_objectives(&self, psi: &[f64]) -> Result<Vec<f64>, String> {
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

impl Objective<'_> {
    /// Whether the gradient is analytic: predictions with forward sensitivities and no
    /// mixture (otherwise the outer search differences the objective).
    pub fn analytic_gradient(&self) -> bool {
        matches!(self.request.gradient, Gradient::Sensitivity(_)) && self.request.mixture.is_none()
    }

    /// Each subject's analytic gradient of its contribution at `psi` (one row per subject),
    /// with `conditionals` the subjects' modes at `psi`.
    pub fn subject_gradients(
        &self,
        psi: &[f64],
        conditionals: &[Conditional],
    ) -> Result<DMatrix<f64>, String> {
        let unpacked = self.unpack(psi);
        let omega = unpacked.omega_inverse()?;
        let population = unpacked.population(self.request, &omega);
        let request = self.request;
        let (m, o) = (request.estimated.len(), request.structure.count());
        let directions = directions(
            m,
            &request.structure,
            &psi[m..m + o],
            &omega.0,
            request.error.parameter_names().len(),
        );
        let rows = (self.subjects.par_iter().zip(conditionals))
            .map(|(subject, mode)| {
                subject_gradient(
                    &subject.predictor,
                    &subject.data,
                    &population,
                    &mode.eta,
                    &directions,
                )
                .map(|g| g.transpose())
                .map_err(|e| format!("ID {}: {e}", subject.source.id))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(DMatrix::from_rows(&rows))
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

    fn has_gradient(&self) -> bool {
        self.analytic_gradient()
    }

    fn gradient(&self, psi: &[f64], point: &Vec<Conditional>) -> Result<DVector<f64>, String> {
        Ok(self.subject_gradients(psi, point)?.row_sum().transpose())
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
