//! Random effects: per-parameter SDs on a transformed scale, their correlation matrix (checked
//! positive semi-definite), and the draw eta = diag(omega) C z with C C' = the correlations.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The scale a random effect acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// P = P_typical * exp(eta)
    LogNormal,
    /// P = P_typical + eta
    Normal,
    /// logit(P) = logit(P_typical) + eta, for fractions in (0, 1)
    Logit,
}

impl Transform {
    pub const NAMES: [&str; 3] = ["lognormal", "normal", "logit"];

    pub fn parse(name: &str) -> Option<Transform> {
        match name {
            "lognormal" => Some(Transform::LogNormal),
            "normal" => Some(Transform::Normal),
            "logit" => Some(Transform::Logit),
            _ => None,
        }
    }

    pub fn apply(self, typical: f64, eta: f64) -> f64 {
        match self {
            Transform::LogNormal => typical * eta.exp(),
            Transform::Normal => typical + eta,
            Transform::Logit => {
                let logit = (typical / (1.0 - typical)).ln() + eta;
                1.0 / (1.0 + (-logit).exp())
            }
        }
    }

    /// Whether a typical value can carry this random effect.
    pub fn accepts(self, typical: f64) -> bool {
        match self {
            Transform::LogNormal => typical.is_finite(),
            Transform::Normal => typical.is_finite(),
            Transform::Logit => typical > 0.0 && typical < 1.0,
        }
    }
}

/// Correlated random effects on some parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomEffects {
    /// (parameter index, name, omega, transform), in file order.
    pub parameters: Vec<(usize, String, f64, Transform)>,
    /// The correlation matrix, row-major, `parameters.len()` square.
    pub correlations: Vec<f64>,
    /// diag(omega) C, row-major: eta = loading z.
    loading: Vec<f64>,
}

/// Eigenvalues above this (relative to the largest) count as positive.
const PSD_TOLERANCE: f64 = 1e-10;

impl RandomEffects {
    pub fn none() -> RandomEffects {
        RandomEffects {
            parameters: Vec::new(),
            correlations: Vec::new(),
            loading: Vec::new(),
        }
    }

    /// Builds the draw from omegas and pairwise correlations `(i, j, r)`. Fails with a message
    /// naming the smallest eigenvalue when the correlations cannot hold together.
    pub fn new(
        parameters: Vec<(usize, String, f64, Transform)>,
        pairs: &[(usize, usize, f64)],
    ) -> Result<RandomEffects, String> {
        let k = parameters.len();
        let mut correlation = DMatrix::<f64>::identity(k, k);
        for &(i, j, r) in pairs {
            correlation[(i, j)] = r;
            correlation[(j, i)] = r;
        }
        let square_root = match correlation.clone().cholesky() {
            Some(cholesky) => cholesky.l(),
            None => {
                let eigen = correlation.clone().symmetric_eigen();
                let smallest = eigen.eigenvalues.min();
                if smallest < -PSD_TOLERANCE * eigen.eigenvalues.max().max(1.0) {
                    return Err(format!(
                        "the correlation matrix of {} is not positive semi-definite (smallest eigenvalue {smallest:.3})",
                        parameters
                            .iter()
                            .map(|p| format!("`{}`", p.1))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let roots =
                    DVector::from_iterator(k, eigen.eigenvalues.iter().map(|&l| l.max(0.0).sqrt()));
                &eigen.eigenvectors
                    * DMatrix::from_diagonal(&roots)
                    * eigen.eigenvectors.transpose()
            }
        };
        let mut loading = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                loading[i * k + j] = parameters[i].2 * square_root[(i, j)];
            }
        }
        Ok(RandomEffects {
            correlations: correlation.transpose().iter().copied().collect(),
            parameters,
            loading,
        })
    }

    /// The same effects and correlations with other SDs (`omegas[i]` for effect i, each
    /// positive where the current one is): the loading's rows rescaled, so a subject's
    /// standard normal draws, and thus its stream, stay the same.
    pub fn with_omegas(&self, omegas: &[f64]) -> RandomEffects {
        let k = self.parameters.len();
        let mut changed = self.clone();
        for (i, &omega) in omegas.iter().enumerate().take(k) {
            let old = self.parameters[i].2;
            if old > 0.0 {
                for j in 0..k {
                    changed.loading[i * k + j] = self.loading[i * k + j] * omega / old;
                }
                changed.parameters[i].2 = omega;
            }
        }
        changed
    }

    /// One subject's random effects: k standard normal draws, then eta = loading z.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let k = self.parameters.len();
        let z: Vec<f64> = (0..k).map(|_| rng.sample(StandardNormal)).collect();
        (0..k)
            .map(|i| (0..k).map(|j| self.loading[i * k + j] * z[j]).sum())
            .collect()
    }

    /// Applies random effects to typical values in place.
    pub fn apply(&self, values: &mut [f64], etas: &[f64]) {
        for (&(parameter, _, _, transform), &eta) in self.parameters.iter().zip(etas) {
            values[parameter] = transform.apply(values[parameter], eta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects(pairs: &[(usize, usize, f64)]) -> Result<RandomEffects, String> {
        let parameters = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, n)| (i, n.to_string(), 0.5, Transform::LogNormal))
            .collect();
        RandomEffects::new(parameters, pairs)
    }

    #[test]
    fn uncorrelated_effects_are_omega_times_z() {
        let e = effects(&[]).unwrap();
        assert_eq!(e.loading, vec![0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.5]);
    }

    #[test]
    fn impossible_correlations_are_refused_and_perfect_ones_accepted() {
        let error = effects(&[(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9)]).unwrap_err();
        assert!(error.contains("not positive semi-definite"), "{error}");
        assert!(error.contains("`a`, `b`, `c`"), "{error}");
        // r = 1 is singular but positive semi-definite: a and b move together exactly.
        let e = effects(&[(0, 1, 1.0)]).unwrap();
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let eta = e.draw(&mut rng);
        assert!((eta[0] - eta[1]).abs() < 1e-12, "{eta:?}");
    }

    #[test]
    fn logit_stays_inside_the_unit_interval() {
        for eta in [-30.0, -1.0, 0.0, 2.0, 30.0] {
            let p = Transform::Logit.apply(0.2, eta);
            assert!((0.0..=1.0).contains(&p));
        }
        assert!((Transform::Logit.apply(0.2, 0.0) - 0.2).abs() < 1e-15);
    }
}
