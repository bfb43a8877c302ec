//! Why a population fit did not converge, and what to try: a parameter without influence on
//! the objective, a flat direction (parameters that trade off against each other), random-effect
//! modes that did not converge, or an objective made noisy by the ODE tolerance.

use nalgebra::{DMatrix, SymmetricEigen};

/// A diagonal entry of the Hessian below this fraction of the largest one: the objective does
/// not change along that coordinate (an SE a thousand times the best-determined one's).
const NO_INFLUENCE: f64 = 1e-6;
/// The smallest eigenvalue of the Hessian scaled to unit diagonal below this: a direction along
/// which the objective is flat (for two parameters, a correlation of the estimates above 0.99).
const FLAT: f64 = 1e-2;
/// IDs named when many modes did not converge.
const NAMED_IDS: usize = 5;

/// What the end of a search looked like.
pub struct Evidence<'a> {
    /// Names of the unconstrained values (typical values, `omega_*`, `correlation_*`, SDs).
    pub names: &'a [String],
    /// The Hessian of the objective at the end, on the unconstrained scale.
    pub hessian: &'a DMatrix<f64>,
    /// IDs whose random-effect mode search hit its iteration limit at the end.
    pub unconverged_modes: &'a [String],
    /// The ODE solver's relative tolerance.
    pub rtol: f64,
}

/// The likely causes of a failed search, most specific first, each with what to try.
pub fn diagnose(evidence: &Evidence) -> String {
    let hessian = evidence.hessian;
    let largest = hessian
        .diagonal()
        .iter()
        .fold(0.0f64, |a, d| a.max(d.abs()));
    let (idle, informed): (Vec<usize>, Vec<usize>) =
        (0..hessian.nrows()).partition(|&k| hessian[(k, k)] <= NO_INFLUENCE * largest);
    let mut causes = Vec::new();
    for &k in &idle {
        causes.push(format!(
            "`{}` has no influence on the objective: fix it ({}) or give data that inform it",
            evidence.names[k],
            fix(&evidence.names[k])
        ));
    }
    if let Some((a, b)) = flat_pair(hessian, &informed) {
        let (a, b) = (&evidence.names[a], &evidence.names[b]);
        causes.push(format!(
            "the objective is flat along a combination of `{a}` and `{b}` (their estimates are \
             almost perfectly correlated): fix one of them ({}) or give data that separate them",
            fix(b)
        ));
    }
    let ids = evidence.unconverged_modes;
    if !ids.is_empty() {
        let named: Vec<&str> = ids.iter().take(NAMED_IDS).map(String::as_str).collect();
        let more = if ids.len() > NAMED_IDS { ", ..." } else { "" };
        causes.push(format!(
            "the random-effect modes of {} ID(s) ({}{more}) did not converge, which makes the \
             objective noisy: check those IDs' data and doses, start from smaller `--omega`, or \
             give them no variability on a parameter their data do not inform (`--variability`)",
            ids.len(),
            named.join(", ")
        ));
    }
    if causes.is_empty() {
        causes.push(format!(
            "no parameter stands out, so the objective is probably noisy from the ODE solver's \
             error: rerun with a tighter `--rtol` (now {:e}; try {:e}) and, if the objective \
             still improves, more `--max-iterations`",
            evidence.rtol,
            evidence.rtol / 100.0
        ));
    }
    format!("likely cause: {}", causes.join("; "))
}

/// How to stop estimating a named value.
fn fix(name: &str) -> String {
    if let Some(parameter) = name.strip_prefix("omega_") {
        format!("leave `{parameter}` out of `--variability`")
    } else if name.starts_with("correlation_") {
        "drop the `--block` that correlates them".to_string()
    } else if name.starts_with("sigma") {
        "choose a residual error model with fewer SDs (`--error`)".to_string()
    } else {
        format!("leave `{name}` out of `--estimate` and set its value with `--set {name}=...`")
    }
}

/// The two coordinates that load most on a flat direction of the Hessian restricted to
/// `informed` and scaled to unit diagonal, if its smallest eigenvalue is below `FLAT`.
fn flat_pair(hessian: &DMatrix<f64>, informed: &[usize]) -> Option<(usize, usize)> {
    if informed.len() < 2 {
        return None;
    }
    let scaled = DMatrix::from_fn(informed.len(), informed.len(), |r, c| {
        let (i, j) = (informed[r], informed[c]);
        hessian[(i, j)] / (hessian[(i, i)] * hessian[(j, j)]).sqrt()
    });
    let eigen = SymmetricEigen::new(scaled);
    let (smallest, &value) =
        (eigen.eigenvalues.iter().enumerate()).min_by(|a, b| a.1.total_cmp(b.1))?;
    if value >= FLAT {
        return None;
    }
    let vector = eigen.eigenvectors.column(smallest);
    let mut order: Vec<usize> = (0..informed.len()).collect();
    order.sort_by(|&a, &b| vector[b].abs().total_cmp(&vector[a].abs()));
    Some((informed[order[0]], informed[order[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["ka", "cl", "v", "omega_cl", "sigma_additive"]
            .map(String::from)
            .to_vec()
    }

    fn diagonal(values: &[f64]) -> DMatrix<f64> {
        DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(values))
    }

    fn diagnosis(hessian: DMatrix<f64>, unconverged: &[String]) -> String {
        diagnose(&Evidence {
            names: &names(),
            hessian: &hessian,
            unconverged_modes: unconverged,
            rtol: 1e-8,
        })
    }

    #[test]
    fn a_coordinate_the_objective_ignores_is_named_with_how_to_fix_it() {
        let hessian = diagonal(&[40.0, 900.0, 1e-9, 12.0, 300.0]);
        let text = diagnosis(hessian, &[]);
        assert!(text.contains("`v` has no influence"), "{text}");
        assert!(text.contains("leave `v` out of `--estimate`"), "{text}");
        assert!(
            !text.contains("`cl` has") && !text.contains("flat"),
            "{text}"
        );
    }

    /// cl and v with a correlation of 0.999 in the scaled Hessian: eigenvalue 0.001.
    #[test]
    fn two_parameters_that_trade_off_are_named_as_a_flat_direction() {
        let mut hessian = diagonal(&[40.0, 900.0, 100.0, 12.0, 300.0]);
        hessian[(1, 2)] = 0.999 * (900.0f64 * 100.0).sqrt();
        hessian[(2, 1)] = hessian[(1, 2)];
        let text = diagnosis(hessian, &[]);
        assert!(
            text.contains("`cl` and `v`") || text.contains("`v` and `cl`"),
            "{text}"
        );
        assert!(!text.contains("no influence"), "{text}");
    }

    #[test]
    fn unconverged_modes_and_otherwise_the_ode_tolerance_are_suggested() {
        let hessian = diagonal(&[40.0, 900.0, 100.0, 12.0, 300.0]);
        let ids: Vec<String> = (1..=7).map(|k| k.to_string()).collect();
        let text = diagnosis(hessian.clone(), &ids);
        assert!(text.contains("7 ID(s) (1, 2, 3, 4, 5, ...)"), "{text}");
        let text = diagnosis(hessian, &[]);
        assert!(text.contains("`--rtol` (now 1e-8; try 1e-10)"), "{text}");
    }
}
