//! What each estimated quantity of a population fit is called and how it is reported: psi's
//! values on their reported scales (natural typical values, SDs, correlations, sigma, a
//! mixture's second class and fraction), and each one's name, kind and estimation scale.

use super::EstimateKind;
use crate::fit::Scale;
use crate::fit::population::PopulationRequest;

/// Reported values from psi, in order: natural typical values, SDs, correlations, sigma.
pub(in crate::fit::population) fn reported(request: &PopulationRequest, psi: &[f64]) -> Vec<f64> {
    let m = request.estimated.len();
    let o = request.structure.count();
    let omega = request.structure.matrix(&psi[m..m + o]);
    let mut values: Vec<f64> = request
        .scales
        .iter()
        .zip(psi)
        .map(|(s, &t)| s.to_parameter(t))
        .collect();
    values.extend(omega.diagonal().iter().map(|v| v.sqrt()));
    values.extend(
        request
            .structure
            .off_diagonal()
            .iter()
            .map(|&(r, c)| omega[(r, c)] / (omega[(r, r)] * omega[(c, c)]).sqrt()),
    );
    let s = request.error.parameter_names().len();
    values.extend(psi[m + o..m + o + s].iter().map(|v| v.exp()));
    if let Some(mixture) = &request.mixture {
        values.extend(mixture.reported(&request.scales, &psi[m + o + s..]));
    }
    values
}

/// Name, kind and estimation scale of reported value `k`: typical values, then omegas, then
/// correlations, then the residual error parameters.
pub(super) fn identity(
    request: &PopulationRequest,
    names: &[String],
    k: usize,
) -> (String, EstimateKind, Scale) {
    let m = names.len();
    let q = request.random.len();
    let pairs = request.structure.off_diagonal();
    if k < m {
        (names[k].clone(), EstimateKind::Typical, request.scales[k])
    } else if k < m + q {
        let target = request.random[k - m];
        (
            format!("omega_{}", names[target]),
            EstimateKind::Omega,
            Scale::Log,
        )
    } else if k < m + q + pairs.len() {
        let (r, c) = pairs[k - m - q];
        let pair = (&names[request.random[r]], &names[request.random[c]]);
        (
            format!("correlation_{}_{}", pair.0, pair.1),
            EstimateKind::Correlation,
            Scale::Bounded {
                low: -1.0,
                high: 1.0,
            },
        )
    } else {
        let index = k - m - q - pairs.len();
        let sigmas = request.error.parameter_names();
        if index < sigmas.len() {
            return (sigmas[index].to_string(), EstimateKind::Sigma, Scale::Log);
        }
        let mixed = request
            .mixture
            .as_ref()
            .map_or(&[][..], |x| &x.parameters[..]);
        match mixed.get(index - sigmas.len()) {
            Some(&target) => (
                format!("{}_class2", names[target]),
                EstimateKind::Typical,
                request.scales[target],
            ),
            None => (
                "mixture_fraction".into(),
                EstimateKind::Fraction,
                Scale::Bounded {
                    low: 0.0,
                    high: 1.0,
                },
            ),
        }
    }
}
