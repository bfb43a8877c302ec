//! Morris elementary-effects screening (Morris 1991, Technometrics 33:161), with the mu* of
//! Campolongo, Cariboni & Saltelli (2007, Environ Model Softw 22:1509).
//!
//! Each of r trajectories starts at a random point of a p-level grid on the unit cube and moves
//! one input at a time, in random order, by Delta = p / (2 (p - 1)). The elementary effect of
//! input i is the output change over its move divided by the move (+-Delta), in units of the
//! output per whole range of the input. mu is their mean, mu* the mean of their absolute values
//! (the importance measure) and sigma their standard deviation (interactions, nonlinearity).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// r trajectories on a p-level grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisDesign {
    pub trajectories: usize,
    /// Grid levels p, even and at least 2.
    pub levels: u32,
    /// Trajectory t is drawn from ChaCha8 keyed by `seed` on stream t.
    pub seed: u64,
}

/// The screening measures of one input for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisEffect {
    pub mu: f64,
    pub mu_star: f64,
    pub sigma: f64,
    /// Elementary effects that were finite (of `trajectories`).
    pub effects: usize,
}

impl MorrisDesign {
    /// The step Delta = p / (2 (p - 1)).
    pub fn delta(&self) -> f64 {
        f64::from(self.levels) / (2.0 * f64::from(self.levels - 1))
    }

    /// Every point: trajectory by trajectory, k + 1 points each, each point differing from the
    /// one before in one input.
    pub fn points(&self, dimensions: usize) -> Vec<Vec<f64>> {
        let delta = self.delta();
        let step = 1.0 / f64::from(self.levels - 1);
        let lower_levels = self.levels / 2;
        let mut points = Vec::with_capacity(self.trajectories * (dimensions + 1));
        for t in 0..self.trajectories {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(t as u64);
            // Each input sits at a grid level in the lower half or Delta above it, so a move of
            // +-Delta stays on the grid within [0, 1].
            let mut point: Vec<f64> = (0..dimensions)
                .map(|_| {
                    let base = f64::from(rng.random_range(0..lower_levels)) * step;
                    if rng.random::<bool>() {
                        base + delta
                    } else {
                        base
                    }
                })
                .collect();
            let mut order: Vec<usize> = (0..dimensions).collect();
            order.shuffle(&mut rng);
            points.push(point.clone());
            for i in order {
                point[i] = if point[i] + delta <= 1.0 + 1e-12 {
                    point[i] + delta
                } else {
                    point[i] - delta
                };
                points.push(point.clone());
            }
        }
        points
    }

    /// mu, mu* and sigma of every input from the outputs at `points` (same order). An effect
    /// whose two outputs are not both finite is left out.
    pub fn effects(&self, points: &[Vec<f64>], outputs: &[f64]) -> Vec<MorrisEffect> {
        let dimensions = points.first().map_or(0, Vec::len);
        let mut effects: Vec<Vec<f64>> = vec![Vec::new(); dimensions];
        for (trajectory, values) in points
            .chunks(dimensions + 1)
            .zip(outputs.chunks(dimensions + 1))
        {
            for step in 1..trajectory.len() {
                let (before, after) = (&trajectory[step - 1], &trajectory[step]);
                let Some(i) = (0..dimensions).find(|&i| before[i] != after[i]) else {
                    continue;
                };
                let effect = (values[step] - values[step - 1]) / (after[i] - before[i]);
                if effect.is_finite() {
                    effects[i].push(effect);
                }
            }
        }
        effects
            .iter()
            .map(|list| {
                let count = list.len() as f64;
                let mu = list.iter().sum::<f64>() / count;
                let variance = list.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (count - 1.0);
                MorrisEffect {
                    mu,
                    mu_star: list.iter().map(|e| e.abs()).sum::<f64>() / count,
                    sigma: variance.sqrt(),
                    effects: list.len(),
                }
            })
            .collect()
    }
}
