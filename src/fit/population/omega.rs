//! The variability matrix of the random effects (Omega) on an unconstrained scale: a lower
//! triangular Cholesky factor with log diagonal, free off-diagonal entries only within the
//! requested correlation blocks, so every point of the search is a valid covariance.

use nalgebra::DMatrix;

/// Which random effects are correlated: `block[k]` is the block of random effect k (random
/// effects in different blocks are independent; a diagonal Omega has one block per effect).
#[derive(Debug, Clone, PartialEq)]
pub struct OmegaStructure {
    pub block: Vec<usize>,
}

impl OmegaStructure {
    pub fn diagonal(size: usize) -> OmegaStructure {
        OmegaStructure {
            block: (0..size).collect(),
        }
    }

    pub fn size(&self) -> usize {
        self.block.len()
    }

    /// The free off-diagonal entries (row, column) of the Cholesky factor, row > column.
    pub fn off_diagonal(&self) -> Vec<(usize, usize)> {
        let n = self.size();
        (0..n)
            .flat_map(|row| (0..row).map(move |column| (row, column)))
            .filter(|&(row, column)| self.block[row] == self.block[column])
            .collect()
    }

    /// Number of unconstrained values: one per random effect, one per free off-diagonal.
    pub fn count(&self) -> usize {
        self.size() + self.off_diagonal().len()
    }

    /// Omega from its unconstrained values: [ln L_kk..., L_rc (free, row-major)...].
    pub fn matrix(&self, values: &[f64]) -> DMatrix<f64> {
        let factor = self.factor(values);
        &factor * factor.transpose()
    }

    fn factor(&self, values: &[f64]) -> DMatrix<f64> {
        let n = self.size();
        let mut factor = DMatrix::zeros(n, n);
        for k in 0..n {
            factor[(k, k)] = values[k].exp();
        }
        for (&(row, column), &value) in self.off_diagonal().iter().zip(&values[n..]) {
            factor[(row, column)] = value;
        }
        factor
    }

    /// d Omega / d value for each unconstrained value at `values`: with Omega = L L',
    /// dL L' + L dL' (dL = L_kk at (k, k) for ln L_kk, 1 at (r, c) for L_rc).
    pub fn derivatives(&self, values: &[f64]) -> Vec<DMatrix<f64>> {
        let (n, factor) = (self.size(), self.factor(values));
        let entries = (0..n).map(|k| ((k, k), factor[(k, k)]));
        let off = self.off_diagonal().into_iter().map(|at| (at, 1.0));
        (entries.chain(off))
            .map(|(at, value)| {
                let mut d_factor = DMatrix::zeros(n, n);
                d_factor[at] = value;
                &d_factor * factor.transpose() + &factor * d_factor.transpose()
            })
            .collect()
    }

    /// The unconstrained values of a covariance matrix (its Cholesky factor); `None` when it
    /// is not positive definite or correlates effects of different blocks.
    pub fn values(&self, omega: &DMatrix<f64>) -> Option<Vec<f64>> {
        let n = self.size();
        for row in 0..n {
            for column in 0..row {
                if self.block[row] != self.block[column] && omega[(row, column)] != 0.0 {
                    return None;
                }
            }
        }
        let factor = omega.clone().cholesky()?.l();
        let mut values: Vec<f64> = (0..n).map(|k| factor[(k, k)].ln()).collect();
        values.extend(self.off_diagonal().iter().map(|&(r, c)| factor[(r, c)]));
        Some(values)
    }
}

/// CV% of a log-normal parameter whose log has SD `omega`: 100 sqrt(exp(omega^2) - 1).
pub fn log_normal_cv_percent(omega: f64) -> f64 {
    100.0 * (omega * omega).exp_m1().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_round_trips_and_other_blocks_stay_independent() {
        let structure = OmegaStructure {
            block: vec![0, 1, 0],
        };
        assert_eq!(structure.off_diagonal(), vec![(2, 0)]);
        assert_eq!(structure.count(), 4);
        let omega =
            DMatrix::from_row_slice(3, 3, &[0.09, 0.0, 0.03, 0.0, 0.25, 0.0, 0.03, 0.0, 0.16]);
        let values = structure.values(&omega).unwrap();
        let back = structure.matrix(&values);
        assert!((back - &omega).amax() < 1e-15);
        let mut across = omega.clone();
        across[(1, 0)] = 0.01;
        across[(0, 1)] = 0.01;
        assert_eq!(structure.values(&across), None);
    }

    /// CV of a log-normal with omega 0.3: sqrt(exp(0.09) - 1) = 0.306878...
    #[test]
    fn log_normal_cv_matches_the_closed_form() {
        assert!((log_normal_cv_percent(0.3) - 30.687_8).abs() < 1e-3);
    }
}
