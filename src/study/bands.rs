//! Percentile bands in bounded memory: a mergeable log-bucket sketch per (arm, output, time).
//!
//! A positive value falls in the bucket given by its exponent and the top 8 bits of its
//! mantissa, so each bucket spans a ratio of at most 1 + 2^-8 and is represented by its
//! geometric midpoint: any value read back is within 0.2% (relative) of a value in the bucket.
//! Negative values are mirrored, zeros counted apart. A quantile interpolates (Hyndman-Fan type
//! 7, as `summary`) between the representatives of the two order statistics around it, so it is
//! within 0.2% of the exact sample quantile when both have the same sign. Counts are integers:
//! merging is exact and order-free, so threads and shards give identical bands.

use serde::{Deserialize, Serialize};

/// Mantissa bits kept in a bucket index.
const MANTISSA_BITS: u32 = 8;
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Relative half-width of a bucket: the largest relative error of a value read back.
pub const RELATIVE_ERROR: f64 = 0.001_96; // sqrt(1 + 2^-8) - 1 = 0.0019512, rounded up

/// Counts in consecutive buckets from `offset`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Store {
    offset: u32,
    counts: Vec<u32>,
}

impl Store {
    fn add(&mut self, key: u32, count: u32) {
        if self.counts.is_empty() {
            self.offset = key;
        }
        if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = key;
        }
        let index = (key - self.offset) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        self.counts[index] += count;
    }

    fn merge(&mut self, other: &Store) {
        for (k, &count) in other.counts.iter().enumerate() {
            if count > 0 {
                self.add(other.offset + k as u32, count);
            }
        }
    }

    fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The representative of the `rank`-th smallest magnitude (from 0).
    fn magnitude_at(&self, mut rank: u64) -> f64 {
        for (k, &count) in self.counts.iter().enumerate() {
            if rank < u64::from(count) {
                return representative(self.offset + k as u32);
            }
            rank -= u64::from(count);
        }
        f64::NAN
    }
}

fn key(magnitude: f64) -> u32 {
    (magnitude.to_bits() >> SHIFT) as u32
}

fn representative(key: u32) -> f64 {
    let low = f64::from_bits(u64::from(key) << SHIFT);
    let high = f64::from_bits(u64::from(key + 1) << SHIFT);
    (low * high).sqrt()
}

/// Values seen at one (arm, output, time).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    negative: Store,
    zeros: u64,
    positive: Store,
    /// NaN or infinite values, kept out of the quantiles.
    non_finite: u64,
}

impl Sketch {
    pub fn insert(&mut self, value: f64) {
        if !value.is_finite() {
            self.non_finite += 1;
        } else if value > 0.0 {
            self.positive.add(key(value), 1);
        } else if value < 0.0 {
            self.negative.add(key(-value), 1);
        } else {
            self.zeros += 1;
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.negative.merge(&other.negative);
        self.positive.merge(&other.positive);
        self.zeros += other.zeros;
        self.non_finite += other.non_finite;
    }

    /// Finite values seen.
    pub fn count(&self) -> u64 {
        self.negative.total() + self.zeros + self.positive.total()
    }

    /// The `rank`-th smallest value (from 0), as its bucket's representative.
    fn order_statistic(&self, rank: u64) -> f64 {
        let negatives = self.negative.total();
        if rank < negatives {
            return -self.negative.magnitude_at(negatives - 1 - rank);
        }
        let rank = rank - negatives;
        if rank < self.zeros {
            return 0.0;
        }
        self.positive.magnitude_at(rank - self.zeros)
    }

    /// The `probability` quantile (type 7); NaN when the sketch is empty.
    pub fn quantile(&self, probability: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        let position = probability.clamp(0.0, 1.0) * (n - 1) as f64;
        let below = position.floor() as u64;
        let fraction = position - below as f64;
        let low = self.order_statistic(below);
        if fraction == 0.0 {
            return low;
        }
        low + fraction * (self.order_statistic(below + 1) - low)
    }
}

/// The percentiles drawn as bands: 5, 25, 50, 75 and 95%.
pub const BAND_PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Sketches of every (arm, tracked output, output time), flat in that order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandSet {
    pub arms: usize,
    pub outputs: usize,
    pub times: usize,
    pub sketches: Vec<Sketch>,
}

impl BandSet {
    pub fn new(arms: usize, outputs: usize, times: usize) -> BandSet {
        BandSet {
            arms,
            outputs,
            times,
            sketches: vec![Sketch::default(); arms * outputs * times],
        }
    }

    pub fn index(&self, arm: usize, output: usize, time: usize) -> usize {
        (arm * self.outputs + output) * self.times + time
    }

    /// Adds one subject's tracked values at every time (`values[time * outputs + output]`).
    pub fn insert_subject(&mut self, arm: usize, values: &[f64]) {
        for time in 0..self.times {
            for output in 0..self.outputs {
                let index = self.index(arm, output, time);
                self.sketches[index].insert(values[time * self.outputs + output]);
            }
        }
    }

    /// Adds another set's counts; fails when the shapes differ.
    pub fn merge(&mut self, other: &BandSet) -> Result<(), String> {
        if (self.arms, self.outputs, self.times) != (other.arms, other.outputs, other.times) {
            return Err(format!(
                "bands of {}x{}x{} and {}x{}x{} (arms x outputs x times) cannot be merged",
                self.arms, self.outputs, self.times, other.arms, other.outputs, other.times
            ));
        }
        for (mine, theirs) in self.sketches.iter_mut().zip(&other.sketches) {
            mine.merge(theirs);
        }
        Ok(())
    }

    /// The band percentiles of one (arm, output) over time: `[probability][time]`.
    pub fn percentiles(&self, arm: usize, output: usize) -> Vec<Vec<f64>> {
        BAND_PROBABILITIES
            .iter()
            .map(|&p| {
                (0..self.times)
                    .map(|time| self.sketches[self.index(arm, output, time)].quantile(p))
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::summary::quantile;

    /// Exact type-7 quantiles versus the sketch on skewed data spanning 12 decades, with
    /// negatives and zeros: the sketch is within RELATIVE_ERROR wherever the two order
    /// statistics share a sign.
    #[test]
    fn quantiles_are_within_the_stated_relative_error() {
        let mut state = 12345u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let values: Vec<f64> = (0..20_001)
            .map(|k| match k % 10 {
                0 => 0.0,
                1 => -(10f64.powf(6.0 * next())),
                _ => 10f64.powf(12.0 * next() - 3.0),
            })
            .collect();
        let mut sketch = Sketch::default();
        values.iter().for_each(|&v| sketch.insert(v));
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0] {
            let exact = quantile(&sorted, p);
            let approximate = sketch.quantile(p);
            assert!(
                (approximate - exact).abs() <= RELATIVE_ERROR * exact.abs(),
                "p = {p}: sketch {approximate}, exact {exact}"
            );
        }
    }

    #[test]
    fn merging_is_exact_and_order_free() {
        let values: Vec<f64> = (1..1000).map(|k| (k as f64).powi(3) * 0.37).collect();
        let mut whole = Sketch::default();
        values.iter().for_each(|&v| whole.insert(v));
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        values[..400].iter().for_each(|&v| a.insert(v));
        values[400..].iter().for_each(|&v| b.insert(v));
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, whole);
        assert_eq!(b.quantile(0.3), whole.quantile(0.3));
    }

    #[test]
    fn empty_and_non_finite() {
        let mut sketch = Sketch::default();
        assert!(sketch.quantile(0.5).is_nan());
        sketch.insert(f64::NAN);
        sketch.insert(f64::INFINITY);
        assert_eq!(sketch.count(), 0);
        sketch.insert(7.0);
        assert!((sketch.quantile(0.5) - 7.0).abs() <= RELATIVE_ERROR * 7.0);
    }
}
