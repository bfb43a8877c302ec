//! The likelihood of observations given predictions: residual error models (additive,
//! proportional, combined, log-additive), below-LLOQ handling (M3, drop, LLOQ/2), and the
//! derivatives the estimator needs. Everything is in -2 log-likelihood units.

use std::f64::consts::PI;

/// How the residual SD depends on the prediction f; `sigma` are the error parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorModel {
    /// y = f + e, sd = sigma[0]
    Additive,
    /// y = f (1 + e), sd = sigma[0] |f|
    Proportional,
    /// sd = sqrt(sigma[0]^2 + (sigma[1] f)^2)
    Combined,
    /// ln y = ln f + e, sd = sigma[0] on the log scale (y, f and LLOQ must be positive)
    LogAdditive,
}

impl ErrorModel {
    /// Names of the error parameters, in `sigma` order.
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            ErrorModel::Combined => &["sigma_additive", "sigma_proportional"],
            ErrorModel::Additive => &["sigma_additive"],
            ErrorModel::Proportional => &["sigma_proportional"],
            ErrorModel::LogAdditive => &["sigma_log"],
        }
    }

    /// Starting residual SDs when none are given: 0.5 log-additive, 0.3 proportional, and 10%
    /// of the median uncensored observation (in absolute value) additive.
    pub fn starting_sigma(self, subjects: &[crate::data::DataSubject]) -> Vec<f64> {
        let mut observed: Vec<f64> = (subjects.iter())
            .flat_map(|s| s.observations.iter())
            .filter(|o| !o.censored && o.value.is_finite())
            .map(|o| o.value.abs())
            .collect();
        observed.sort_by(f64::total_cmp);
        let median = observed.get(observed.len() / 2).copied().unwrap_or(1.0);
        let additive = (0.1 * median).max(f64::MIN_POSITIVE);
        match self {
            ErrorModel::LogAdditive => vec![0.5],
            ErrorModel::Proportional => vec![0.3],
            ErrorModel::Additive => vec![additive],
            ErrorModel::Combined => vec![0.1 * additive, 0.3],
        }
    }

    /// Transforms an observation or prediction to the scale the error is additive on.
    pub fn scale(self, value: f64) -> f64 {
        match self {
            ErrorModel::LogAdditive => value.ln(),
            _ => value,
        }
    }

    /// The residual SD at prediction `f` (on the error's scale) and its derivatives: (sd,
    /// d sd/d f, d sd/d sigma_k).
    pub fn sd(self, f: f64, sigma: &[f64]) -> (f64, f64, [f64; 2]) {
        match self {
            ErrorModel::Additive | ErrorModel::LogAdditive => (sigma[0], 0.0, [1.0, 0.0]),
            ErrorModel::Proportional => (sigma[0] * f.abs(), sigma[0] * f.signum(), [f.abs(), 0.0]),
            ErrorModel::Combined => {
                let sd = sigma[0].hypot(sigma[1] * f);
                let sd_safe = sd.max(f64::MIN_POSITIVE);
                (
                    sd,
                    sigma[1] * sigma[1] * f / sd_safe,
                    [sigma[0] / sd_safe, sigma[1] * f * f / sd_safe],
                )
            }
        }
    }
}

/// What to do with observations below the limit of quantification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlqMethod {
    /// Beal's M3: the likelihood of a BLQ observation is P(y < LLOQ).
    M3,
    /// Leave BLQ observations out.
    Drop,
    /// Replace a BLQ observation by LLOQ/2 and treat it as observed.
    HalfLloq,
}

/// ln of the standard normal CDF, accurate far into the lower tail.
pub fn log_normal_cdf(x: f64) -> f64 {
    if x > -30.0 {
        (0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)).ln()
    } else {
        // Asymptotic series: Phi(x) = phi(x)/|x| (1 - 1/x^2 + 3/x^4 - ...), relative error
        // below 1e-8 for x < -30.
        let x2 = x * x;
        -0.5 * x2 - (-x).ln() - 0.5 * (2.0 * PI).ln() + (1.0 - 1.0 / x2 + 3.0 / (x2 * x2)).ln()
    }
}

/// The standard normal density over the CDF, phi(x) / Phi(x) (the inverse Mills ratio at -x).
fn normal_hazard(x: f64) -> f64 {
    let log_density = -0.5 * x * x - 0.5 * (2.0 * PI).ln();
    (log_density - log_normal_cdf(x)).exp()
}

/// One observation as the likelihood sees it (on the natural scale).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datum {
    pub value: f64,
    pub censored: bool,
    pub lloq: f64,
}

/// -2 log-likelihood of one observation, and its derivatives with respect to the prediction
/// (on the natural scale) and to each sigma: (value, d/d f, d/d sigma).
pub fn contribution(
    datum: &Datum,
    prediction: f64,
    model: ErrorModel,
    sigma: &[f64],
) -> (f64, f64, [f64; 2]) {
    let log = model == ErrorModel::LogAdditive;
    let f = model.scale(prediction);
    // d(scaled f)/d(prediction)
    let chain = if log { 1.0 / prediction } else { 1.0 };
    let (sd, sd_f, sd_sigma) = model.sd(f, sigma);
    if datum.censored {
        let z = (model.scale(datum.lloq) - f) / sd;
        let value = -2.0 * log_normal_cdf(z);
        let hazard = normal_hazard(z);
        // d z / d f = (-sd - (lloq - f) sd_f) / sd^2 = -(1 + z sd_f) / sd
        let dz_df = -(1.0 + z * sd_f) / sd;
        let d_f = -2.0 * hazard * dz_df * chain;
        let d_sigma = sd_sigma.map(|d| -2.0 * hazard * (-z * d / sd));
        return (value, d_f, d_sigma);
    }
    let r = (model.scale(datum.value) - f) / sd;
    let value = r * r + 2.0 * sd.ln() + (2.0 * PI).ln();
    // d/d f of r^2 + 2 ln sd, with r = (y - f)/sd: -2 r / sd - 2 r^2 sd_f / sd + 2 sd_f / sd
    let d_f = (-2.0 * r - 2.0 * r * r * sd_f + 2.0 * sd_f) / sd * chain;
    let d_sigma = sd_sigma.map(|d| (2.0 - 2.0 * r * r) * d / sd);
    (value, d_f, d_sigma)
}

/// The curvature of one observation's -2LL in the prediction (natural scale), as the Laplace
/// approximation of a population likelihood needs it: the expected (Fisher) information of an
/// observed value, which is what makes FOCE "with interaction" when the SD depends on the
/// prediction; and for a censored value the exact second derivative of -2 ln P(y < LLOQ)
/// (central differences of the exact first derivative, step 1e-5 relative: error about 1e-10
/// relative, far below what the approximation itself neglects).
pub fn curvature(datum: &Datum, prediction: f64, model: ErrorModel, sigma: &[f64]) -> f64 {
    if datum.censored {
        let step = 1e-5 * prediction.abs().max(f64::MIN_POSITIVE);
        let up = contribution(datum, prediction + step, model, sigma).1;
        let down = contribution(datum, prediction - step, model, sigma).1;
        return (up - down) / (2.0 * step);
    }
    let chain = if model == ErrorModel::LogAdditive {
        1.0 / prediction
    } else {
        1.0
    };
    let (sd, sd_f, _) = model.sd(model.scale(prediction), sigma);
    (2.0 + 4.0 * sd_f * sd_f) / (sd * sd) * chain * chain
}

/// Applies the BLQ method: which data enter the likelihood, and as what.
pub fn prepare(data: &[Datum], method: BlqMethod) -> Vec<Option<Datum>> {
    data.iter()
        .map(|d| match (d.censored, method) {
            (false, _) | (true, BlqMethod::M3) => Some(*d),
            (true, BlqMethod::Drop) => None,
            (true, BlqMethod::HalfLloq) => Some(Datum {
                value: 0.5 * d.lloq,
                censored: false,
                lloq: d.lloq,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_normal_cdf_matches_known_values_and_is_continuous_at_the_switch() {
        // Phi(0) = 1/2; Phi(-1.959963984540054) = 0.025; Phi(-10) = 7.619853024160527e-24
        // (Abramowitz & Stegun 26.2, and R pnorm(-10)).
        assert!((log_normal_cdf(0.0) - 0.5f64.ln()).abs() < 1e-15);
        assert!((log_normal_cdf(-1.959963984540054) - 0.025f64.ln()).abs() < 1e-12);
        assert!((log_normal_cdf(-10.0) - 7.619853024160527e-24f64.ln()).abs() < 1e-10);
        let (below, above) = (log_normal_cdf(-30.0 - 1e-9), log_normal_cdf(-30.0 + 1e-9));
        assert!((below - above).abs() < 1e-6, "{below} vs {above}");
    }

    /// Derivatives against central differences (step 1e-6 relative; agreement to 1e-6
    /// relative is what the step's truncation and rounding errors allow).
    #[test]
    fn derivatives_match_finite_differences() {
        let cases = [
            (ErrorModel::Additive, [0.7, 0.0]),
            (ErrorModel::Proportional, [0.2, 0.0]),
            (ErrorModel::Combined, [0.5, 0.15]),
            (ErrorModel::LogAdditive, [0.56, 0.0]),
        ];
        for (model, sigma) in cases {
            for datum in [
                Datum {
                    value: 3.1,
                    censored: false,
                    lloq: 1.0,
                },
                Datum {
                    value: 1.0,
                    censored: true,
                    lloq: 1.0,
                },
            ] {
                for f in [0.4, 2.5, 8.0] {
                    let (_, d_f, d_sigma) = contribution(&datum, f, model, &sigma);
                    let h = 1e-6 * f;
                    let numeric = (contribution(&datum, f + h, model, &sigma).0
                        - contribution(&datum, f - h, model, &sigma).0)
                        / (2.0 * h);
                    assert!(
                        (d_f - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                        "{model:?} f={f}: {d_f} vs {numeric}"
                    );
                    for k in 0..model.parameter_names().len() {
                        let mut up = sigma;
                        let mut down = sigma;
                        up[k] += 1e-7;
                        down[k] -= 1e-7;
                        let numeric = (contribution(&datum, f, model, &up).0
                            - contribution(&datum, f, model, &down).0)
                            / 2e-7;
                        assert!(
                            (d_sigma[k] - numeric).abs() < 1e-5 * (1.0 + numeric.abs()),
                            "{model:?} sigma {k}: {} vs {numeric}",
                            d_sigma[k]
                        );
                    }
                }
            }
        }
    }

    /// The curvature against closed forms for an additive error: an observed value's Fisher
    /// information 2/sd^2 (also its exact second derivative, sd being constant), and a censored
    /// value's exact second derivative of -2 ln Phi((LLOQ - f)/sd), 2 h (h + z)/sd^2 with
    /// z = (LLOQ - f)/sd and h = phi(z)/Phi(z). Central differences of the exact first
    /// derivative are accurate to about 1e-9 here.
    #[test]
    fn curvature_matches_closed_forms() {
        let sigma = [0.7, 0.0];
        let observed = Datum {
            value: 3.0,
            censored: false,
            lloq: 1.0,
        };
        let information = curvature(&observed, 2.5, ErrorModel::Additive, &sigma);
        assert!((information - 2.0 / 0.49).abs() < 1e-12);
        let censored = Datum {
            value: 1.0,
            censored: true,
            lloq: 1.0,
        };
        for f in [0.2, 1.0, 2.5] {
            let z: f64 = (1.0 - f) / 0.7;
            let h = normal_hazard(z);
            let exact = 2.0 * h * (h + z) / 0.49;
            let numeric = curvature(&censored, f, ErrorModel::Additive, &sigma);
            assert!(
                (numeric - exact).abs() < 1e-6 * exact,
                "f={f}: {numeric} vs {exact}"
            );
        }
    }
}
