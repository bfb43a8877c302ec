//! The regularized incomplete beta function I_x(a, b), the Beta(a, b) CDF, for BOIN's
//! elimination test.
//!
//! Evaluated by its continued fraction with the modified Lentz method, switching to
//! I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly (Press, Teukolsky,
//! Vetterling & Flannery, Numerical Recipes, 3rd ed., 2007, section 6.4).

/// Smallest magnitude allowed in the Lentz recursion, to avoid dividing by zero.
const TINY: f64 = 1e-300;
/// Relative change at which the continued fraction is taken to have converged.
const EPS: f64 = 1e-15;
/// Iterations allowed; the fraction needs O(sqrt(max(a, b))) of them.
const MAX_ITERATIONS: usize = 10_000;

/// I_x(a, b) = P(X <= x) for X ~ Beta(a, b). NaN when a or b is not positive and finite or x
/// is NaN; 0 for x <= 0 and 1 for x >= 1.
pub fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    let valid = |v: f64| v.is_finite() && v > 0.0;
    if !valid(a) || !valid(b) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    // x^a (1-x)^b / B(a, b), the factor in front of the continued fraction.
    let ln_front =
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction for I_x(a, b) (Numerical Recipes eq. 6.4.5), modified Lentz method.
fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..=MAX_ITERATIONS {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
        let even = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + even * d);
        c = clamp(1.0 + even / c);
        h *= d * c;
        // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
        let odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
        d = 1.0 / clamp(1.0 + odd * d);
        c = clamp(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}
