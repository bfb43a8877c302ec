//! The outer search of a population fit: quasi-Newton (BFGS) on the population objective over
//! the unconstrained population parameters, with the surface's own gradient where it has one
//! (the final Hessian then by central differences of that gradient), otherwise gradients and
//! the Hessian by central differences of the objective (each evaluation re-solving every
//! subject's mode from the last accepted point, so the objective is smooth to about the ODE
//! tolerance).

use nalgebra::{DMatrix, DVector};

/// Step of the central differences on the unconstrained scale (log, logit, Cholesky entries):
/// large enough that the ODE solver's relative error (1e-8 or below, times a few hundred
/// observations) stays below 1e-3 of the difference, small enough that the truncation error
/// (step^2 times the third derivative, on a log scale) is of the same order. Each subject's
/// gradient for the sandwich covariance (covariance.rs) uses it too.
pub(super) const GRADIENT_STEP: f64 = 1e-3;
/// Step of the second differences for the Hessian (error ~ noise / step^2 + step^2), and of
/// the central differences of a surface's own gradient (error ~ noise / step + step^2).
const HESSIAN_STEP: f64 = 5e-3;
/// The longest step of one iteration on the unconstrained scale (a factor e^2 on a log scale).
const MAX_STEP: f64 = 2.0;

/// An objective whose evaluations depend on where the search last stood (warm starts).
pub trait Surface {
    type Point;
    fn evaluate(&self, psi: &[f64]) -> Result<(f64, Self::Point), String>;
    /// Whether the surface computes its gradient itself (otherwise the search differences
    /// `evaluate`).
    fn has_gradient(&self) -> bool {
        false
    }
    /// The gradient at `psi` from its evaluated `point` (called only when `has_gradient`).
    fn gradient(&self, _psi: &[f64], _point: &Self::Point) -> Result<DVector<f64>, String> {
        Err("this objective has no gradient of its own".into())
    }
    /// Makes an evaluated point the current one.
    fn accept(&mut self, point: Self::Point);
}

/// Where the search ended.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub psi: Vec<f64>,
    pub converged: bool,
    pub reason: String,
    pub iterations: u32,
    /// Objective evaluations (each solves every subject's mode).
    pub evaluations: u32,
    /// Evaluations of the surface's own gradient (none when it is differenced).
    pub gradients: u32,
}

struct Counter<'a, S: Surface> {
    surface: &'a mut S,
    evaluations: u32,
    gradients: u32,
}

impl<S: Surface> Counter<'_, S> {
    fn value(&mut self, psi: &[f64]) -> Result<(f64, S::Point), String> {
        self.evaluations += 1;
        self.surface.evaluate(psi)
    }

    /// Makes `point` (evaluated at `psi`) the current one, and the gradient there.
    /// A surface gradient that cannot be had at this point (a singular mode Hessian, a
    /// non-finite term) falls back to the differences.
    fn accept(&mut self, psi: &[f64], point: S::Point) -> Result<DVector<f64>, String> {
        let own = (self.surface.has_gradient()).then(|| self.surface.gradient(psi, &point));
        self.surface.accept(point);
        if let Some(Ok(gradient)) = own {
            self.gradients += 1;
            return Ok(gradient);
        }
        let mut gradient = DVector::zeros(psi.len());
        for k in 0..psi.len() {
            let mut up = psi.to_vec();
            let mut down = psi.to_vec();
            up[k] += GRADIENT_STEP;
            down[k] -= GRADIENT_STEP;
            gradient[k] = (self.value(&up)?.0 - self.value(&down)?.0) / (2.0 * GRADIENT_STEP);
        }
        Ok(gradient)
    }
}

/// BFGS from `start`. Stops when an iteration changes the objective by less than `tolerance`
/// (relative) and moves every coordinate by less than 1e-4, or after `max_iterations`.
pub fn minimize<S: Surface>(
    surface: &mut S,
    start: &[f64],
    tolerance: f64,
    max_iterations: u32,
) -> Result<Minimum, String> {
    let mut counter = Counter {
        surface,
        evaluations: 0,
        gradients: 0,
    };
    let n = start.len();
    let mut psi = DVector::from_column_slice(start);
    let (mut value, point) = counter.value(start)?;
    let mut gradient = counter.accept(start, point)?;
    let mut inverse = DMatrix::identity(n, n);
    let mut first = true;
    for iteration in 1..=max_iterations {
        let mut direction = -(&inverse * &gradient);
        if direction.dot(&gradient) >= 0.0 {
            inverse = DMatrix::identity(n, n);
            direction = -gradient.clone();
        }
        let longest = direction.amax();
        if longest > MAX_STEP {
            direction *= MAX_STEP / longest;
        }
        let slope = direction.dot(&gradient);
        let mut length = 1.0;
        let accepted = loop {
            let trial = &psi + length * &direction;
            if let Ok((trial_value, point)) = counter.value(trial.as_slice())
                && trial_value <= value + 1e-4 * length * slope
            {
                break Some((trial, trial_value, point));
            }
            length *= 0.5;
            if length < 1e-6 {
                break None;
            }
        };
        let Some((next, next_value, point)) = accepted else {
            let stationary = gradient.amax() < 1e-2;
            return Ok(Minimum {
                psi: psi.as_slice().to_vec(),
                converged: stationary,
                reason: if stationary {
                    "no step decreases the objective at a stationary point".into()
                } else {
                    "the line search found no decrease (flat or noisy objective)".into()
                },
                iterations: iteration,
                evaluations: counter.evaluations,
                gradients: counter.gradients,
            });
        };
        let next_gradient = counter.accept(next.as_slice(), point)?;
        let step = &next - &psi;
        let change = value - next_value;
        psi = next;
        value = next_value;
        let difference = &next_gradient - &gradient;
        gradient = next_gradient;
        let curvature = difference.dot(&step);
        if curvature > 1e-12 {
            if first {
                inverse *= curvature / difference.dot(&difference);
                first = false;
            }
            let rho = 1.0 / curvature;
            let identity = DMatrix::<f64>::identity(n, n);
            let left = &identity - rho * &step * difference.transpose();
            let right = &identity - rho * &difference * step.transpose();
            inverse = &left * &inverse * &right + rho * &step * step.transpose();
        }
        if change <= tolerance * (1.0 + value.abs()) && step.amax() < 1e-4 {
            return Ok(Minimum {
                psi: psi.as_slice().to_vec(),
                converged: true,
                reason: "relative change of the objective below tolerance".into(),
                iterations: iteration,
                evaluations: counter.evaluations,
                gradients: counter.gradients,
            });
        }
    }
    Ok(Minimum {
        psi: psi.as_slice().to_vec(),
        converged: false,
        reason: format!("iteration limit ({max_iterations}) reached"),
        iterations: max_iterations,
        evaluations: counter.evaluations,
        gradients: counter.gradients,
    })
}

/// The Hessian of the objective at `psi`: central differences of the surface's own gradient
/// where it has one (2 n evaluations and gradients, counted in `evaluations` and
/// `gradients`), otherwise, or when the gradient fails at a shifted point, second differences
/// of the objective (2 n^2 evaluations).
pub fn hessian<S: Surface>(
    surface: &S,
    psi: &[f64],
    objective: f64,
    evaluations: &mut u32,
    gradients: &mut u32,
) -> Result<DMatrix<f64>, String> {
    if !surface.has_gradient() {
        return second_differences(surface, psi, objective, evaluations);
    }
    let n = psi.len();
    let h = HESSIAN_STEP;
    let mut columns = Vec::with_capacity(n);
    for k in 0..n {
        let mut pair = Vec::with_capacity(2);
        for shift in [h, -h] {
            let mut point = psi.to_vec();
            point[k] += shift;
            *evaluations += 1;
            let evaluated = surface.evaluate(&point)?.1;
            *gradients += 1;
            match surface.gradient(&point, &evaluated) {
                Ok(gradient) => pair.push(gradient),
                Err(_) => return second_differences(surface, psi, objective, evaluations),
            }
        }
        columns.push((&pair[0] - &pair[1]) / (2.0 * h));
    }
    let hessian = DMatrix::from_columns(&columns);
    Ok(0.5 * (&hessian + hessian.transpose()))
}

/// The Hessian by second differences of the objective.
fn second_differences<S: Surface>(
    surface: &S,
    psi: &[f64],
    objective: f64,
    evaluations: &mut u32,
) -> Result<DMatrix<f64>, String> {
    let n = psi.len();
    let h = HESSIAN_STEP;
    let mut at = |shifts: &[(usize, f64)]| -> Result<f64, String> {
        let mut point = psi.to_vec();
        for &(k, shift) in shifts {
            point[k] += shift;
        }
        *evaluations += 1;
        Ok(surface.evaluate(&point)?.0)
    };
    let mut hessian = DMatrix::zeros(n, n);
    for k in 0..n {
        hessian[(k, k)] = (at(&[(k, h)])? - 2.0 * objective + at(&[(k, -h)])?) / (h * h);
        for l in 0..k {
            let value =
                (at(&[(k, h), (l, h)])? - at(&[(k, h), (l, -h)])? - at(&[(k, -h), (l, h)])?
                    + at(&[(k, -h), (l, -h)])?)
                    / (4.0 * h * h);
            hessian[(k, l)] = value;
            hessian[(l, k)] = value;
        }
    }
    Ok(hessian)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock valley with a known minimum at (1, 1), and a quadratic whose Hessian is
    /// known exactly (second differences of a quadratic are exact up to rounding).
    struct Rosenbrock;

    impl Surface for Rosenbrock {
        type Point = ();
        fn evaluate(&self, psi: &[f64]) -> Result<(f64, ()), String> {
            let (x, y) = (psi[0], psi[1]);
            Ok(((1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2), ()))
        }
        fn accept(&mut self, _: ()) {}
    }

    #[test]
    fn bfgs_finds_the_rosenbrock_minimum() {
        let mut surface = Rosenbrock;
        let minimum = minimize(&mut surface, &[-1.2, 1.0], 1e-14, 500).unwrap();
        assert!(minimum.converged, "{}", minimum.reason);
        assert!((minimum.psi[0] - 1.0).abs() < 1e-3, "{:?}", minimum.psi);
        assert!((minimum.psi[1] - 1.0).abs() < 2e-3, "{:?}", minimum.psi);
        assert_eq!(minimum.gradients, 0);
    }

    /// The same valley with its exact gradient (-2(1 - x) - 400 x (y - x^2), 200 (y - x^2)):
    /// the search uses it instead of differences, one gradient per accepted point.
    struct RosenbrockWithGradient;

    impl Surface for RosenbrockWithGradient {
        type Point = ();
        fn evaluate(&self, psi: &[f64]) -> Result<(f64, ()), String> {
            Rosenbrock.evaluate(psi)
        }
        fn has_gradient(&self) -> bool {
            true
        }
        fn gradient(&self, psi: &[f64], _: &()) -> Result<DVector<f64>, String> {
            let (x, y) = (psi[0], psi[1]);
            let valley = y - x * x;
            Ok(DVector::from_vec(vec![
                -2.0 * (1.0 - x) - 400.0 * x * valley,
                200.0 * valley,
            ]))
        }
        fn accept(&mut self, _: ()) {}
    }

    #[test]
    fn bfgs_uses_the_surface_gradient() {
        let minimum = minimize(&mut RosenbrockWithGradient, &[-1.2, 1.0], 1e-14, 500).unwrap();
        assert!(minimum.converged, "{}", minimum.reason);
        assert!((minimum.psi[0] - 1.0).abs() < 1e-3, "{:?}", minimum.psi);
        assert!((minimum.psi[1] - 1.0).abs() < 2e-3, "{:?}", minimum.psi);
        assert_eq!(minimum.gradients, minimum.iterations + 1);
        // One evaluation per line-search trial and the start, none for gradients.
        assert!(
            minimum.evaluations <= 30 * minimum.iterations,
            "{minimum:?}"
        );
    }

    struct Quadratic;

    impl Surface for Quadratic {
        type Point = ();
        fn evaluate(&self, psi: &[f64]) -> Result<(f64, ()), String> {
            let (x, y) = (psi[0], psi[1]);
            Ok((3.0 * x * x + 2.0 * x * y + 5.0 * y * y, ()))
        }
        fn accept(&mut self, _: ()) {}
    }

    /// A surface that claims a gradient and cannot give it: the search and the Hessian fall
    /// back to differences of the objective and still find the minimum and the exact Hessian.
    struct FailingGradient;

    impl Surface for FailingGradient {
        type Point = ();
        fn evaluate(&self, psi: &[f64]) -> Result<(f64, ()), String> {
            Quadratic.evaluate(psi)
        }
        fn has_gradient(&self) -> bool {
            true
        }
        fn gradient(&self, _: &[f64], _: &()) -> Result<DVector<f64>, String> {
            Err("singular".into())
        }
        fn accept(&mut self, _: ()) {}
    }

    #[test]
    fn a_failing_surface_gradient_falls_back_to_differences() {
        let minimum = minimize(&mut FailingGradient, &[0.3, -0.2], 1e-14, 200).unwrap();
        assert!(minimum.converged, "{}", minimum.reason);
        assert!(
            minimum.psi.iter().all(|p| p.abs() < 1e-3),
            "{:?}",
            minimum.psi
        );
        assert_eq!(minimum.gradients, 0);
        let (mut evaluations, mut gradients) = (0, 0);
        let at = [0.3, -0.2];
        let value = Quadratic.evaluate(&at).unwrap().0;
        let hessian = hessian(
            &FailingGradient,
            &at,
            value,
            &mut evaluations,
            &mut gradients,
        );
        let expected = DMatrix::from_row_slice(2, 2, &[6.0, 2.0, 2.0, 10.0]);
        assert!((hessian.unwrap() - expected).amax() < 1e-6);
        // The first shifted point's evaluation, then the 8 of the second differences.
        assert_eq!(evaluations, 9);
    }

    /// The quadratic with its gradient (6x + 2y, 2x + 10y), linear, so its central
    /// differences are exact up to rounding too.
    struct QuadraticWithGradient;

    impl Surface for QuadraticWithGradient {
        type Point = ();
        fn evaluate(&self, psi: &[f64]) -> Result<(f64, ()), String> {
            Quadratic.evaluate(psi)
        }
        fn has_gradient(&self) -> bool {
            true
        }
        fn gradient(&self, psi: &[f64], _: &()) -> Result<DVector<f64>, String> {
            let (x, y) = (psi[0], psi[1]);
            Ok(DVector::from_vec(vec![
                6.0 * x + 2.0 * y,
                2.0 * x + 10.0 * y,
            ]))
        }
        fn accept(&mut self, _: ()) {}
    }

    #[test]
    fn the_hessian_of_a_quadratic_is_exact() {
        let expected = DMatrix::from_row_slice(2, 2, &[6.0, 2.0, 2.0, 10.0]);
        let at = [0.3, -0.2];
        let value = Quadratic.evaluate(&at).unwrap().0;
        let (mut evaluations, mut gradients) = (0, 0);
        let by_values = hessian(&Quadratic, &at, value, &mut evaluations, &mut gradients);
        assert!((by_values.unwrap() - &expected).amax() < 1e-6);
        assert_eq!((evaluations, gradients), (8, 0));
        let (mut evaluations, mut gradients) = (0, 0);
        let surface = &QuadraticWithGradient;
        let by_gradients = hessian(surface, &at, value, &mut evaluations, &mut gradients);
        assert!((by_gradients.unwrap() - &expected).amax() < 1e-9);
        assert_eq!((evaluations, gradients), (4, 4));
    }
}
