//! The analytic gradient against central differences of an independent FOCE-I objective
//! written here for an IV bolus with a baseline, f = D/V exp(-CL t / V) + base, whose
//! predictions and sensitivities are closed forms: the mode by Newton's method to a gradient
//! of 1e-12, then ln det Omega and ln det(H/2) directly.

use super::*;
use crate::diag::Diagnostic;
use crate::fit::likelihood::{Datum, ErrorModel, contribution, curvature};
use crate::fit::{Prediction, Predictor, Scale};

const DOSE: f64 = 100.0;
const TIMES: [f64; 7] = [0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0];

struct Bolus;

impl Predictor for Bolus {
    fn predict(&self, p: &[f64]) -> Result<Prediction, Diagnostic> {
        let (cl, v, base) = (p[0], p[1], p[2]);
        let mut values = Vec::new();
        let mut jacobian = Vec::new();
        for t in TIMES {
            let amount = DOSE / v * (-cl * t / v).exp();
            values.push(amount + base);
            jacobian.push(vec![
                -t / v * amount,
                amount * (cl * t / (v * v) - 1.0 / v),
                1.0,
            ]);
        }
        Ok(Prediction { values, jacobian })
    }
}

/// Observations near an individual with CL 2.4, V 9.1; the last one below an LLOQ of 0.3.
fn data() -> Vec<Option<Datum>> {
    let observed = [9.8, 7.9, 5.9, 3.4, 1.1, 0.52, 0.0];
    let mut data: Vec<Option<Datum>> = (observed.iter())
        .map(|&value| {
            Some(Datum {
                value,
                censored: false,
                lloq: 0.3,
            })
        })
        .collect();
    data[6] = Some(Datum {
        value: 0.3,
        censored: true,
        lloq: 0.3,
    });
    data
}

/// psi = [ln CL, ln V, ln base, Omega (2 x 2 block: ln L11, ln L22, L21), ln sigma...].
struct Layout {
    error: ErrorModel,
}

impl Layout {
    fn structure() -> OmegaStructure {
        OmegaStructure { block: vec![0, 0] }
    }

    fn omega(psi: &[f64]) -> DMatrix<f64> {
        Self::structure().matrix(&psi[3..6])
    }

    fn sigma(psi: &[f64]) -> Vec<f64> {
        psi[6..].iter().map(|v| v.exp()).collect()
    }

    /// -2 log density of the observations and the prior at eta, its gradient in eta, and H.
    fn joint(&self, psi: &[f64], eta: &DVector<f64>) -> (f64, DVector<f64>, DMatrix<f64>) {
        let omega_inverse = Self::omega(psi).try_inverse().unwrap();
        let sigma = Self::sigma(psi);
        let phi = [psi[0] + eta[0], psi[1] + eta[1], psi[2]];
        let p: Vec<f64> = phi.iter().map(|t| t.exp()).collect();
        let prediction = Bolus.predict(&p).unwrap();
        let mut value = eta.dot(&(&omega_inverse * eta));
        let mut gradient = 2.0 * &omega_inverse * eta;
        let mut h = 2.0 * &omega_inverse;
        for (j, datum) in data().iter().enumerate() {
            let datum = datum.as_ref().unwrap();
            let f = prediction.values[j];
            let g = DVector::from_vec(vec![
                prediction.jacobian[j][0] * p[0],
                prediction.jacobian[j][1] * p[1],
            ]);
            let (c, c_f, _) = contribution(datum, f, self.error, &sigma);
            value += c;
            gradient += c_f * &g;
            h += curvature(datum, f, self.error, &sigma) * &g * g.transpose();
        }
        (value, gradient, h)
    }

    /// The FOCE-I contribution at psi, with the mode by Newton's method (Hessian by central
    /// differences of the exact gradient, or H where that is not positive definite; steps halved until the value decreases) to |gradient|
    /// < 1e-12.
    fn objective(&self, psi: &[f64]) -> (f64, DVector<f64>) {
        let mut eta = DVector::zeros(2);
        for _ in 0..100 {
            let (value, gradient, information) = self.joint(psi, &eta);
            if gradient.amax() < 1e-12 {
                break;
            }
            let mut hessian = DMatrix::zeros(2, 2);
            for k in 0..2 {
                let mut shift = DVector::zeros(2);
                shift[k] = 1e-6;
                let up = self.joint(psi, &(&eta + &shift)).1;
                let down = self.joint(psi, &(&eta - &shift)).1;
                hessian.set_column(k, &((up - down) / 2e-6));
            }
            // Newton where the Hessian is positive definite, Gauss-Newton (H) elsewhere.
            let hessian = 0.5 * (&hessian + hessian.transpose());
            let system = hessian.cholesky().or(information.cholesky()).unwrap();
            let step = system.solve(&gradient);
            let mut length = 1.0;
            while self.joint(psi, &(&eta - length * &step)).0 > value && length > 1e-6 {
                length *= 0.5;
            }
            eta -= length * step;
        }
        let (value, gradient, h) = self.joint(psi, &eta);
        assert!(
            gradient.amax() < 1e-10,
            "the test's mode did not converge: {gradient}"
        );
        let log_det = |m: DMatrix<f64>| f64::ln(m.determinant());
        (value + log_det(Self::omega(psi)) + log_det(0.5 * h), eta)
    }
}

/// Every coordinate of psi for each error model (one and two sigmas, the log scale, M3 for
/// the censored point): central differences with step 1e-4 have truncation error about
/// 1e-8 times the third derivative and rounding about 1e-16 x 100 / 1e-4; the analytic
/// gradient's own differences (sensitivities, step 1e-3) err by about 1e-7 relative. The
/// largest disagreement seen is 1.3e-8; 1e-6 (1 + |gradient|) leaves room and is far below
/// what a missing term changes (leaving out the mode's movement moves psi[0]'s by 1.3).
#[test]
fn the_analytic_gradient_matches_differences_of_an_independent_objective() {
    let cases = [
        (ErrorModel::Additive, vec![0.3]),
        (ErrorModel::Proportional, vec![0.15]),
        (ErrorModel::Combined, vec![0.1, 0.12]),
        (ErrorModel::LogAdditive, vec![0.2]),
    ];
    for (error, sigma) in cases {
        let layout = Layout { error };
        let structure = Layout::structure();
        let omega = DMatrix::from_row_slice(2, 2, &[0.09, 0.02, 0.02, 0.04]);
        let mut psi = vec![2.0f64.ln(), 10.0f64.ln(), 0.05f64.ln()];
        psi.extend(structure.values(&omega).unwrap());
        psi.extend(sigma.iter().map(|s: &f64| s.ln()));
        let (_, eta) = layout.objective(&psi);
        let omega_inverse = Layout::omega(&psi).try_inverse().unwrap();
        let sigma = Layout::sigma(&psi);
        let scales = [Scale::Log; 3];
        let population = PopulationParameters {
            typical: &psi[..3],
            scales: &scales,
            random: &[0, 1],
            omega_inverse: &omega_inverse,
            omega_log_det: 0.0,
            error,
            sigma: &sigma,
        };
        let directions = directions(3, &structure, &psi[3..6], &omega_inverse, sigma.len());
        let analytic = subject_gradient(&Bolus, &data(), &population, &eta, &directions).unwrap();
        for k in 0..psi.len() {
            let shifted = |step: f64| {
                let mut at = psi.clone();
                at[k] += step;
                layout.objective(&at).0
            };
            let difference = (shifted(1e-4) - shifted(-1e-4)) / 2e-4;
            assert!(
                (analytic[k] - difference).abs() < 1e-6 * (1.0 + difference.abs()),
                "{error:?}, psi[{k}]: analytic {} vs differences {difference}",
                analytic[k]
            );
        }
    }
}
