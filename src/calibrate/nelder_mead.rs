//! Nelder-Mead simplex minimization (Nelder & Mead 1965, with the standard coefficients:
//! reflection 1, expansion 2, contraction 1/2, shrink 1/2, as in Lagarias et al. 1998, SIAM J
//! Optim 9:112). Derivative-free, so a calibration objective with small steps (a median of a
//! finite population) does not stop it as it stops a line search.

use crate::diag::Diagnostic;

/// Where the simplex ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub point: Vec<f64>,
    pub value: f64,
    pub converged: bool,
    pub evaluations: u64,
}

/// Settings: the first simplex's edge, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub initial_step: f64,
    /// Stop when the values on the simplex differ by less than this (absolute)...
    pub value_tolerance: f64,
    /// ...and its vertices lie within this of the best one, in every coordinate.
    pub point_tolerance: f64,
    pub max_evaluations: u64,
}

/// Minimizes `f` from `start`; the first error of `f` ends the search with it. With no
/// coordinates, `f` is evaluated once.
pub fn minimize(
    f: &mut dyn FnMut(&[f64]) -> Result<f64, Diagnostic>,
    start: &[f64],
    settings: Settings,
) -> Result<Minimum, Diagnostic> {
    let n = start.len();
    let mut evaluations = 0;
    let mut value = |x: &[f64], count: &mut u64| {
        *count += 1;
        f(x)
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), value(start, &mut evaluations)?));
    for k in 0..n {
        let mut vertex = start.to_vec();
        vertex[k] += settings.initial_step;
        let fx = value(&vertex, &mut evaluations)?;
        simplex.push((vertex, fx));
    }
    loop {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        let spread = (simplex.iter().skip(1))
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        let converged =
            worst - best <= settings.value_tolerance && spread <= settings.point_tolerance;
        if n == 0 || converged || evaluations >= settings.max_evaluations {
            return Ok(Minimum {
                point: simplex[0].0.clone(),
                value: best,
                converged: converged || n == 0,
                evaluations,
            });
        }
        let centroid: Vec<f64> = (0..n)
            .map(|k| simplex[..n].iter().map(|(x, _)| x[k]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (centroid.iter().zip(&simplex[n].0))
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let reflected = along(1.0);
        let fr = value(&reflected, &mut evaluations)?;
        if fr < best {
            let expanded = along(2.0);
            let fe = value(&expanded, &mut evaluations)?;
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
            continue;
        }
        if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
            continue;
        }
        let (contracted, outside) = match fr < worst {
            true => (along(0.5), true),
            false => (along(-0.5), false),
        };
        let fc = value(&contracted, &mut evaluations)?;
        if (outside && fc <= fr) || (!outside && fc < worst) {
            simplex[n] = (contracted, fc);
            continue;
        }
        let first = simplex[0].0.clone();
        for vertex in simplex.iter_mut().skip(1) {
            vertex.0 = (first.iter().zip(&vertex.0))
                .map(|(b, x)| b + 0.5 * (x - b))
                .collect();
            vertex.1 = value(&vertex.0, &mut evaluations)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings = Settings {
        initial_step: 0.5,
        value_tolerance: 1e-12,
        point_tolerance: 1e-7,
        max_evaluations: 5000,
    };

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        // Minimum 0 at (1, 1), in a curved valley that defeats naive searches.
        let mut rosenbrock =
            |x: &[f64]| Ok((1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2));
        let found = minimize(&mut rosenbrock, &[-1.2, 1.0], SETTINGS).unwrap();
        assert!(found.converged);
        assert!(
            (found.point[0] - 1.0).abs() < 1e-5 && (found.point[1] - 1.0).abs() < 1e-5,
            "{found:?}"
        );
    }

    #[test]
    fn a_quadratic_in_three_dimensions_and_no_coordinates() {
        let mut bowl = |x: &[f64]| {
            Ok((x[0] - 1.0).powi(2) + 2.0 * (x[1] + 2.0).powi(2) + 3.0 * (x[2] - 0.5).powi(2))
        };
        let found = minimize(&mut bowl, &[0.0, 0.0, 0.0], SETTINGS).unwrap();
        for (x, truth) in found.point.iter().zip([1.0, -2.0, 0.5]) {
            assert!((x - truth).abs() < 1e-5, "{found:?}");
        }
        let mut constant = |_: &[f64]| Ok(7.0);
        let found = minimize(&mut constant, &[], SETTINGS).unwrap();
        assert_eq!((found.value, found.evaluations), (7.0, 1));
    }

    #[test]
    fn an_error_of_the_objective_ends_the_search() {
        let mut failing = |x: &[f64]| match x[0] > 0.6 {
            true => Err(Diagnostic::new("failed")),
            false => Ok(-x[0]),
        };
        let error = minimize(&mut failing, &[0.0], SETTINGS).unwrap_err();
        assert_eq!(error.message, "failed");
    }
}
