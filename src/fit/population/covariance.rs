//! The covariance of a population fit's estimates on the estimation scale psi: the inverse
//! Hessian of the objective, or the sandwich R^-1 S R^-1 (NONMEM's default `$COV`, robust to a
//! misspecified residual or random-effect distribution) from each subject's gradient, or both
//! to compare.
//!
//! With the objective OFV = -2LL = sum_i OFV_i, R = d2 OFV / d psi2 and g_i = d OFV_i / d psi:
//! the observed information is R/2 and the scores of the log-likelihood are -g_i/2, so the
//! inverse information is 2 R^-1 and the sandwich (R/2)^-1 (sum g_i g_i^T / 4) (R/2)^-1 is
//! R^-1 S R^-1 with S = sum g_i g_i^T.

use super::outer::GRADIENT_STEP;
use nalgebra::{DMatrix, DVector};

/// Which covariance gives a population fit's standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// 2 R^-1, the inverse of the observed information (NONMEM's `$COV MATRIX=R`).
    #[default]
    Hessian,
    /// R^-1 S R^-1 (NONMEM's default `$COV`).
    Sandwich,
    /// The Hessian's standard errors, and each method's beside them.
    Both,
}

impl Covariance {
    /// What gives the standard errors, in one line.
    pub fn label(self) -> &'static str {
        match self {
            Covariance::Hessian => "inverse Hessian (2 R^-1)",
            Covariance::Sandwich => "sandwich (R^-1 S R^-1)",
            Covariance::Both => {
                "inverse Hessian (2 R^-1), with the sandwich (R^-1 S R^-1) beside it (se_hessian, se_sandwich)"
            }
        }
    }

    /// Whether the fit needs each subject's gradient (for the sandwich).
    pub(super) fn needs_gradients(self) -> bool {
        self != Covariance::Hessian
    }
}

/// The covariance matrices of psi a fit reports from, and why one is missing.
pub(super) struct Covariances {
    pub method: Covariance,
    /// 2 R^-1; `None` when R is not positive definite.
    pub hessian: Option<DMatrix<f64>>,
    /// R^-1 S R^-1; `None` when not asked for, or when R or S is not positive definite.
    pub sandwich: Option<DMatrix<f64>>,
    /// Warnings for the fit's status, each starting with "; ".
    pub problems: String,
}

impl Covariances {
    /// The matrix the standard errors, intervals and correlations come from.
    pub fn primary(&self) -> Option<&DMatrix<f64>> {
        match self.method {
            Covariance::Hessian | Covariance::Both => self.hessian.as_ref(),
            Covariance::Sandwich => self.sandwich.as_ref(),
        }
    }
}

/// Each subject's gradient of its objective contribution at `psi`, one row per subject, by
/// central differences with the outer search's step (see outer.rs: the same trade-off between
/// the ODE solver's noise and truncation holds for one subject's contribution): 2 n calls of
/// `objectives`, which gives every subject's -2LL contribution at a point.
pub(super) fn subject_gradients(
    objectives: impl Fn(&[f64]) -> Result<Vec<f64>, String>,
    psi: &[f64],
    evaluations: &mut u32,
) -> Result<DMatrix<f64>, String> {
    let mut gradients = DMatrix::zeros(0, psi.len());
    for k in 0..psi.len() {
        let mut up = psi.to_vec();
        let mut down = psi.to_vec();
        up[k] += GRADIENT_STEP;
        down[k] -= GRADIENT_STEP;
        *evaluations += 2;
        let (up, down) = (objectives(&up)?, objectives(&down)?);
        if gradients.nrows() != up.len() {
            gradients = DMatrix::zeros(up.len(), psi.len());
        }
        for (i, (u, d)) in up.iter().zip(&down).enumerate() {
            gradients[(i, k)] = (u - d) / (2.0 * GRADIENT_STEP);
        }
    }
    Ok(gradients)
}

/// Smallest eigenvalue of S scaled to unit diagonal below which S counts as singular: its
/// entries carry the central differences' relative error (about 1e-6), so a direction with
/// less than 1e-10 of the typical variation is not resolved.
const SINGULAR: f64 = 1e-10;

/// The covariances `method` asks for, from the Hessian `hessian` of the objective at the
/// minimum and (for the sandwich) each subject's gradient there.
pub(super) fn covariances(
    method: Covariance,
    hessian: &DMatrix<f64>,
    gradients: Option<Result<DMatrix<f64>, String>>,
) -> Covariances {
    let inverse = (0.5 * hessian).cholesky().map(|c| c.inverse());
    let mut problems = String::new();
    if inverse.is_none() {
        problems.push_str(
            "; the Hessian of the objective is not positive definite (no standard errors)",
        );
    }
    let sandwich = match (gradients, &inverse) {
        (Some(Ok(gradients)), Some(inverse)) => match outer_products(&gradients) {
            Ok(products) => Some(0.25 * inverse * products * inverse),
            Err(problem) => {
                problems.push_str(&format!("; {problem} (no sandwich standard errors)"));
                None
            }
        },
        (Some(Err(message)), _) => {
            problems.push_str(&format!(
                "; the subjects' gradients failed: {message} (no sandwich standard errors)"
            ));
            None
        }
        _ => None,
    };
    Covariances {
        method,
        hessian: inverse,
        sandwich,
        problems,
    }
}

/// S = sum over subjects of g_i g_i^T; an error saying why when it is singular.
fn outer_products(gradients: &DMatrix<f64>) -> Result<DMatrix<f64>, String> {
    let (subjects, n) = gradients.shape();
    if subjects < n {
        return Err(format!(
            "S (the sum of the subjects' gradient products) is singular: {subjects} IDs for {n} estimates"
        ));
    }
    let products = gradients.transpose() * gradients;
    let diagonal = products.diagonal();
    if !diagonal.iter().all(|d| d.is_finite() && *d > 0.0) {
        return Err(
            "S (the sum of the subjects' gradient products) is singular: an estimate moves no subject's objective".into(),
        );
    }
    let scale = DVector::from_iterator(n, diagonal.iter().map(|d| 1.0 / d.sqrt()));
    let scaled = DMatrix::from_diagonal(&scale) * &products * DMatrix::from_diagonal(&scale);
    let smallest = scaled.symmetric_eigenvalues().min();
    if smallest > SINGULAR {
        Ok(products)
    } else {
        Err("S (the sum of the subjects' gradient products) is singular: the subjects' gradients do not inform every direction".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per-subject objectives that are quadratics in psi have exact central differences:
    /// subject i's is (psi - c_i)^T A (psi - c_i), with gradient 2 A (psi - c_i).
    #[test]
    fn subject_gradients_of_quadratics_are_exact() {
        let a = DMatrix::from_row_slice(2, 2, &[2.0, 0.5, 0.5, 1.0]);
        let centres = [[0.1, -0.3], [0.4, 0.2], [-0.2, 0.5]];
        let objectives = |psi: &[f64]| -> Result<Vec<f64>, String> {
            Ok(centres
                .iter()
                .map(|c| {
                    let d = DVector::from_row_slice(&[psi[0] - c[0], psi[1] - c[1]]);
                    d.dot(&(&a * &d))
                })
                .collect())
        };
        let psi = [0.3, 0.1];
        let mut evaluations = 0;
        let gradients = subject_gradients(objectives, &psi, &mut evaluations).unwrap();
        assert_eq!(evaluations, 4);
        for (i, c) in centres.iter().enumerate() {
            let d = DVector::from_row_slice(&[psi[0] - c[0], psi[1] - c[1]]);
            let exact = 2.0 * &a * d;
            for k in 0..2 {
                assert!((gradients[(i, k)] - exact[k]).abs() < 1e-12);
            }
        }
    }

    /// With R = 2 I and S = diag(4, 9), the sandwich is diag(1, 2.25) and the Hessian's
    /// covariance I; too few subjects, or a gradient column of zeros, make S singular.
    #[test]
    fn the_sandwich_of_a_diagonal_case_and_singular_s() {
        let hessian = 2.0 * DMatrix::<f64>::identity(2, 2);
        let gradients = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 3.0]);
        let both = covariances(Covariance::Both, &hessian, Some(Ok(gradients)));
        let sandwich = both.sandwich.as_ref().unwrap();
        assert!((sandwich - DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 2.25])).amax() < 1e-15);
        assert!((both.primary().unwrap() - DMatrix::identity(2, 2)).amax() < 1e-15);
        assert!(both.problems.is_empty());
        let few = DMatrix::from_row_slice(1, 2, &[2.0, 3.0]);
        let single = covariances(Covariance::Sandwich, &hessian, Some(Ok(few)));
        assert!(single.primary().is_none() && single.hessian.is_some());
        assert!(
            single.problems.contains("1 IDs for 2 estimates"),
            "{}",
            single.problems
        );
        let flat = DMatrix::from_row_slice(3, 2, &[2.0, 0.0, 1.0, 0.0, -1.0, 0.0]);
        let flat = covariances(Covariance::Sandwich, &hessian, Some(Ok(flat)));
        assert!(flat.sandwich.is_none() && flat.problems.contains("singular"));
        let saddle = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, -1.0]);
        let none = covariances(
            Covariance::Sandwich,
            &saddle,
            Some(Ok(DMatrix::identity(2, 2))),
        );
        assert!(none.primary().is_none() && none.problems.contains("Hessian"));
    }
}
