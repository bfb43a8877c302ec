//! The analytic gradient of one subject's FOCE-I contribution in the population parameters:
//! the envelope theorem at the subject's mode for the joint -2 log density, and implicit
//! differentiation of the mode for the Laplace term ln det(H/2), whose derivative needs the
//! second derivatives of the predictions along the random effects (central differences of
//! their forward sensitivities, the only numerical differencing left).
//!
//! With phi = theta + P eta the subject's parameters on the estimation scales (P puts each
//! random effect on its parameter), S_j = d f_j / d phi, g_j = P' S_j and R_j = P' d2 f_j /
//! d phi2 (q x m), the contribution is
//!   O = eta' Omega^-1 eta + sum_j c_j(f_j, sigma) + ln det Omega + ln det(H / 2),
//!   H = 2 Omega^-1 + sum_j w_j g_j g_j',
//! at the mode eta^ where dL/deta = 0. Along a direction of psi (d theta, d Omega^-1,
//! d ln sigma): the mode moves by d eta = -A^-1 b, A = d2 L / d eta2 =
//! 2 Omega^-1 + sum_j (c''_j g_j g_j' + c'_j R_j P), b = d (dL/d eta) along the direction,
//! and dO = dL (explicit: eta' dOmega^-1 eta + sum_j (c'_j S_j d theta + dc_j/dln sigma
//! d ln sigma)) + d ln det Omega + tr(H^-1 dH), with dH = 2 dOmega^-1 + sum_j (dw_j g_j g_j' +
//! w_j (dg_j g_j' + g_j dg_j')), dg_j = R_j d phi, d phi = d theta + P d eta.

use super::OmegaStructure;
use super::conditional::PopulationParameters;
use crate::fit::Predictor;
use crate::fit::likelihood::{Datum, ErrorModel, contribution, curvature};
use nalgebra::{DMatrix, DVector};

/// Step, on the estimation scale, of the central differences of the sensitivities: the ODE
/// solver's relative error in a sensitivity (about its rtol, 1e-8 or below in fits) over the
/// step stays near 1e-5, and the truncation (step^2 times the third derivative on a log scale)
/// near 1e-6; both enter only the Laplace term's second-order part.
const SENSITIVITY_STEP: f64 = 1e-3;
/// Relative step of the central differences of the closed-form observation terms in the
/// prediction and in ln sigma (truncation about 1e-10 relative, rounding about 1e-11).
const TERM_STEP: f64 = 1e-5;

/// How the population parameters move along one coordinate of psi.
#[derive(Debug, Clone)]
pub struct Direction {
    /// d typical values (estimation scales).
    pub typical: DVector<f64>,
    /// d Omega^-1.
    pub omega_inverse: DMatrix<f64>,
    /// d ln det Omega.
    pub omega_log_det: f64,
    /// d ln sigma_k.
    pub log_sigma: [f64; 2],
}

impl Direction {
    /// A direction that moves nothing, for `m` typical values and `q` random effects.
    pub fn none(m: usize, q: usize) -> Direction {
        Direction {
            typical: DVector::zeros(m),
            omega_inverse: DMatrix::zeros(q, q),
            omega_log_det: 0.0,
            log_sigma: [0.0; 2],
        }
    }
}

/// How the population parameters move along each coordinate of psi = [typical values (m),
/// Omega's unconstrained values, ln sigma (`sigma_count`)] (a mixture's are not among them).
pub fn directions(
    m: usize,
    structure: &OmegaStructure,
    omega_values: &[f64],
    omega_inverse: &DMatrix<f64>,
    sigma_count: usize,
) -> Vec<Direction> {
    let q = structure.size();
    let mut directions = Vec::with_capacity(m + omega_values.len() + sigma_count);
    for a in 0..m {
        let mut direction = Direction::none(m, q);
        direction.typical[a] = 1.0;
        directions.push(direction);
    }
    for d_omega in structure.derivatives(omega_values) {
        let product = omega_inverse * d_omega;
        directions.push(Direction {
            omega_inverse: -(&product * omega_inverse),
            omega_log_det: product.trace(),
            ..Direction::none(m, q)
        });
    }
    for k in 0..sigma_count {
        let mut direction = Direction::none(m, q);
        direction.log_sigma[k] = 1.0;
        directions.push(direction);
    }
    directions
}

/// One observation's -2LL c, its expected curvature w, and their derivatives in the
/// prediction f and in ln sigma_k.
struct Terms {
    c_f: f64,
    c_ff: f64,
    c_sigma: [f64; 2],
    c_f_sigma: [f64; 2],
    w: f64,
    w_f: f64,
    w_sigma: [f64; 2],
}

fn terms(datum: &Datum, f: f64, population: &PopulationParameters) -> Terms {
    let (error, sigma) = (population.error, population.sigma);
    let (_, c_f, d_sigma) = contribution(datum, f, error, sigma);
    let w = curvature(datum, f, error, sigma);
    // Relative to the prediction, or to the residual SD where the prediction is near zero.
    let spread = match error {
        ErrorModel::LogAdditive => f.abs(),
        _ => f.abs().max(error.sd(f, sigma).0),
    };
    let step = TERM_STEP * spread.max(f64::MIN_POSITIVE);
    let at = |f: f64| {
        (
            contribution(datum, f, error, sigma).1,
            curvature(datum, f, error, sigma),
        )
    };
    let (up, down) = (at(f + step), at(f - step));
    let mut terms = Terms {
        c_f,
        c_ff: (up.0 - down.0) / (2.0 * step),
        c_sigma: [0.0; 2],
        c_f_sigma: [0.0; 2],
        w,
        w_f: (up.1 - down.1) / (2.0 * step),
        w_sigma: [0.0; 2],
    };
    for k in 0..sigma.len().min(2) {
        let shifted = |factor: f64| {
            let mut s = sigma.to_vec();
            s[k] *= factor;
            let c_f = contribution(datum, f, error, &s).1;
            (c_f, curvature(datum, f, error, &s))
        };
        let (up, down) = (shifted(TERM_STEP.exp()), shifted((-TERM_STEP).exp()));
        terms.c_sigma[k] = d_sigma[k] * sigma[k];
        terms.c_f_sigma[k] = (up.0 - down.0) / (2.0 * TERM_STEP);
        terms.w_sigma[k] = (up.1 - down.1) / (2.0 * TERM_STEP);
    }
    terms
}

/// The sensitivities S (one row per observation) at the estimation-scale parameters `phi`,
/// with the predictions.
fn sensitivities(
    predictor: &dyn Predictor,
    population: &PopulationParameters,
    phi: &[f64],
) -> Result<(Vec<f64>, DMatrix<f64>), String> {
    let scales = population.scales;
    let parameters: Vec<f64> = scales
        .iter()
        .zip(phi)
        .map(|(s, &t)| s.to_parameter(t))
        .collect();
    let prediction = predictor.predict(&parameters).map_err(|d| d.one_line())?;
    let mut s = DMatrix::zeros(prediction.values.len(), phi.len());
    for (row, derivatives) in prediction.jacobian.iter().enumerate() {
        for (p, scale) in scales.iter().enumerate() {
            s[(row, p)] = derivatives[p] * scale.derivative(phi[p]);
        }
    }
    Ok((prediction.values, s))
}

/// The subject's gradient of its FOCE-I contribution along each of `directions`, at its
/// mode `eta` (which must be the mode for `population`).
pub fn subject_gradient(
    predictor: &dyn Predictor,
    data: &[Option<Datum>],
    population: &PopulationParameters,
    eta: &DVector<f64>,
    directions: &[Direction],
) -> Result<DVector<f64>, String> {
    let (random, q) = (population.random, eta.len());
    let mut phi = population.typical.to_vec();
    for (&target, &value) in random.iter().zip(eta.iter()) {
        phi[target] += value;
    }
    let (f, s) = sensitivities(predictor, population, &phi)?;
    // r[k]: d S / d phi along random effect k's parameter, so R_j's row k is r[k]'s row j.
    let mut r = Vec::with_capacity(q);
    for &target in random {
        let shifted = |sign: f64| {
            let mut at = phi.clone();
            at[target] += sign * SENSITIVITY_STEP;
            sensitivities(predictor, population, &at).map(|(_, s)| s)
        };
        r.push((shifted(1.0)? - shifted(-1.0)?) / (2.0 * SENSITIVITY_STEP));
    }
    let rows: Vec<(usize, Terms)> = (data.iter().enumerate())
        .filter_map(|(j, datum)| datum.as_ref().map(|d| (j, terms(d, f[j], population))))
        .collect();
    let g = |j: usize| DVector::from_iterator(q, random.iter().map(|&t| s[(j, t)]));
    let r_times = |j: usize, v: &DVector<f64>| {
        DVector::from_iterator(q, r.iter().map(|rk| (rk.row(j) * v)[0]))
    };
    let spread = |d_eta: &DVector<f64>| {
        let mut out = DVector::zeros(phi.len());
        for (&target, &value) in random.iter().zip(d_eta.iter()) {
            out[target] += value;
        }
        out
    };
    let omega_inverse = population.omega_inverse;
    let mut h = 2.0 * omega_inverse;
    let mut a = 2.0 * omega_inverse;
    for (j, t) in &rows {
        let gj = g(*j);
        h += t.w * &gj * gj.transpose();
        a += t.c_ff * &gj * gj.transpose();
        for (k, rk) in r.iter().enumerate() {
            for (l, &target) in random.iter().enumerate() {
                a[(k, l)] += t.c_f * rk[(*j, target)];
            }
        }
    }
    let a = 0.5 * (&a + a.transpose());
    let h_inverse = h
        .cholesky()
        .ok_or("the curvature at the mode is not positive definite")?
        .inverse();
    let a_lu = a.lu();
    let mut gradient = DVector::zeros(directions.len());
    for (index, direction) in directions.iter().enumerate() {
        let d_theta = &direction.typical;
        let d_omega_inverse = &direction.omega_inverse;
        let d_sigma = direction.log_sigma;
        let mut b = 2.0 * d_omega_inverse * eta;
        let mut explicit = eta.dot(&(d_omega_inverse * eta)) + direction.omega_log_det;
        for (j, t) in &rows {
            let slope = (s.row(*j) * d_theta)[0];
            let sigma_f: f64 = (0..2).map(|k| t.c_f_sigma[k] * d_sigma[k]).sum();
            b += (t.c_ff * slope + sigma_f) * g(*j) + t.c_f * r_times(*j, d_theta);
            explicit += t.c_f * slope + (0..2).map(|k| t.c_sigma[k] * d_sigma[k]).sum::<f64>();
        }
        let d_eta = -a_lu
            .solve(&b)
            .ok_or("the Hessian of the random effects at the mode is singular")?;
        let d_phi = d_theta + spread(&d_eta);
        let mut laplace = 2.0 * (&h_inverse * d_omega_inverse).trace();
        for (j, t) in &rows {
            let gj = g(*j);
            let u = &h_inverse * &gj;
            let d_f = (s.row(*j) * &d_phi)[0];
            let d_w = t.w_f * d_f + (0..2).map(|k| t.w_sigma[k] * d_sigma[k]).sum::<f64>();
            laplace += d_w * gj.dot(&u) + 2.0 * t.w * u.dot(&r_times(*j, &d_phi));
        }
        gradient[index] = explicit + laplace;
    }
    match gradient.iter().all(|g| g.is_finite()) {
        true => Ok(gradient),
        false => Err("the analytic gradient is not finite at the mode".into()),
    }
}

#[cfg(test)]
mod tests;
