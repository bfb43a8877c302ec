//! Two-class mixtures (NONMEM's $MIX): estimated parameters whose typical value differs in a
//! second class of subjects (responders and non-responders, say), the fraction of the first
//! class estimated; a subject's likelihood is the fraction-weighted sum of its FOCE-I
//! likelihoods in the two classes, and its posterior probability of the first class is
//! reported.

use super::Conditional;
use crate::fit::Scale;
use nalgebra::DVector;

/// What a mixture adds to a population request.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    /// The estimated parameters (indices into `estimated`) with a second typical value.
    pub parameters: Vec<usize>,
    /// Their starting values in the second class (natural scale).
    pub initial: Vec<f64>,
    /// Starting fraction of the first class.
    pub initial_fraction: f64,
}

/// A subject's class membership at a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    /// Posterior probability of the first class.
    pub first_class_probability: f64,
    /// The mode of the random effects in each class.
    pub modes: [DVector<f64>; 2],
}

/// The second class and the first class's fraction.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondClass {
    /// Typical values of every estimated parameter in the second class (estimation scales).
    pub typical: Vec<f64>,
    pub fraction: f64,
}

impl Mixture {
    /// psi values the mixture adds after sigma: the second class's values on their scales, then
    /// the logit of the first class's fraction.
    pub fn count(&self) -> usize {
        self.parameters.len() + 1
    }

    pub fn initial_psi(&self, scales: &[Scale]) -> Vec<f64> {
        let mut psi: Vec<f64> = (self.parameters.iter().zip(&self.initial))
            .map(|(&k, &value)| scales[k].to_theta(value))
            .collect();
        psi.push(logit(self.initial_fraction));
        psi
    }

    /// The second class from the first class's typical values and psi's mixture values.
    pub fn second_class(&self, typical: &[f64], values: &[f64]) -> SecondClass {
        let mut second = typical.to_vec();
        for (&k, &value) in self.parameters.iter().zip(values) {
            second[k] = value;
        }
        SecondClass {
            typical: second,
            fraction: logistic(values[self.parameters.len()]),
        }
    }

    /// The reported values of psi's mixture values: the second class's on the natural scale,
    /// then the fraction.
    pub fn reported(&self, scales: &[Scale], values: &[f64]) -> Vec<f64> {
        let mut reported: Vec<f64> = (self.parameters.iter().zip(values))
            .map(|(&k, &value)| scales[k].to_parameter(value))
            .collect();
        reported.push(logistic(values[self.parameters.len()]));
        reported
    }
}

/// A subject's conditional under the mixture: the more probable class's mode and
/// predictions, with the mixture's -2LL, -2 ln(p L1 + (1 - p) L2).
pub fn combine(first: Conditional, second: Conditional, fraction: f64) -> Conditional {
    let log_first = fraction.ln() - 0.5 * first.objective;
    let log_second = (1.0 - fraction).ln() - 0.5 * second.objective;
    let largest = log_first.max(log_second);
    let total = largest + ((log_first - largest).exp() + (log_second - largest).exp()).ln();
    let probability = (log_first - total).exp();
    let modes = [first.eta.clone(), second.eta.clone()];
    let mut chosen = if probability >= 0.5 { first } else { second };
    chosen.objective = -2.0 * total;
    chosen.membership = Some(Membership {
        first_class_probability: probability,
        modes,
    });
    chosen
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
