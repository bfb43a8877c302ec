//! Sampling designs on the unit cube: seeded uniform points and the Saltelli design (matrices
//! A and B, and each A with one column taken from B).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `rows` points of `dimensions` independent uniform coordinates in [0, 1), from ChaCha8 keyed
/// by `seed` on stream `stream`: the same points on every machine and thread count.
pub fn unit_points(rows: usize, dimensions: usize, seed: u64, stream: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    (0..rows)
        .map(|_| (0..dimensions).map(|_| rng.random::<f64>()).collect())
        .collect()
}

/// The design of Saltelli et al. (2010, Comput Phys Commun 181:259, section 3): two independent
/// samples A and B of `n` points each, and for every input i the matrix A_B^i, A with column i
/// from B. Its N (k + 2) points give first-order and total indices of k inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    pub n: usize,
    pub dimensions: usize,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// A and B from one stream of `seed`: row j of A then row j of B, row by row.
    pub fn new(n: usize, dimensions: usize, seed: u64) -> SaltelliDesign {
        let rows = unit_points(n, 2 * dimensions, seed, 0);
        let (a, b) = rows
            .into_iter()
            .map(|mut row| {
                let second = row.split_off(dimensions);
                (row, second)
            })
            .unzip();
        SaltelliDesign {
            n,
            dimensions,
            a,
            b,
        }
    }

    /// Every point, in the order `sobol_indices` reads their outputs: A, B, then A_B^1 ... A_B^k.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut points = Vec::with_capacity(self.n * (self.dimensions + 2));
        points.extend(self.a.iter().cloned());
        points.extend(self.b.iter().cloned());
        for i in 0..self.dimensions {
            points.extend(self.a.iter().zip(&self.b).map(|(a, b)| {
                let mut row = a.clone();
                row[i] = b[i];
                row
            }));
        }
        points
    }
}
