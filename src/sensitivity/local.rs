//! Local sensitivity around nominal parameter values: normalized coefficients
//! d log f / d log p by central differences in log p, and the relative change of f when one
//! parameter moves by +-X% (the tornado chart).
//!
//! The coefficient is (f(p e^h) - f(p e^-h)) / (2 h f(p)): the central difference of f in
//! log p, exact to O(h^2) times the third log-derivative, divided by f (so f may be negative;
//! it is undefined, NaN, where f(p) is 0).

/// Where a local analysis evaluates the outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalDesign {
    /// The step h in log p of the central differences.
    pub step: f64,
    /// The fractional change X of the tornado chart (0.2 for +-20%).
    pub change: f64,
}

/// One parameter's effect on one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalEffect {
    /// d log f / d log p at the nominal values.
    pub coefficient: f64,
    /// (f(p (1 - X)) - f(p)) / f(p).
    pub low_change: f64,
    /// (f(p (1 + X)) - f(p)) / f(p).
    pub high_change: f64,
}

/// Points per parameter after the nominal one: p e^h, p e^-h, p (1 - X), p (1 + X).
const PER_PARAMETER: usize = 4;

impl LocalDesign {
    /// The nominal point, then for each parameter its four moves (the others held nominal).
    pub fn points(&self, nominal: &[f64]) -> Vec<Vec<f64>> {
        let factors = [
            self.step.exp(),
            (-self.step).exp(),
            1.0 - self.change,
            1.0 + self.change,
        ];
        let mut points = vec![nominal.to_vec()];
        for i in 0..nominal.len() {
            for factor in factors {
                let mut point = nominal.to_vec();
                point[i] *= factor;
                points.push(point);
            }
        }
        points
    }

    /// The effects `[parameter][output]` from the outputs at `points` (same order).
    pub fn effects(&self, outputs: &[Vec<f64>]) -> Vec<Vec<LocalEffect>> {
        let nominal = &outputs[0];
        outputs[1..]
            .chunks(PER_PARAMETER)
            .map(|moved| {
                (0..nominal.len())
                    .map(|k| {
                        let f = nominal[k];
                        let relative = |x: f64| (x - f) / f;
                        let [up, down, low, high] = [0, 1, 2, 3].map(|m| moved[m][k]);
                        if f == 0.0 {
                            return LocalEffect {
                                coefficient: f64::NAN,
                                low_change: f64::NAN,
                                high_change: f64::NAN,
                            };
                        }
                        LocalEffect {
                            coefficient: (up - down) / (2.0 * self.step * f),
                            low_change: relative(low),
                            high_change: relative(high),
                        }
                    })
                    .collect()
            })
            .collect()
    }
}
