//! Profile-likelihood 95% intervals of an individual fit: for each estimated quantity, the
//! values where -2LL, with that quantity held and every other one re-optimised, stays within
//! the chi-square(1) 95% quantile of its minimum; each end found by bracketing outwards from
//! the Wald end and the Illinois variant of regula falsi on the estimation scale.

use super::estimate::{Problem, Scale, SearchSettings, search_holding};
use crate::diag::Diagnostic;
use crate::metrics::summary::PROFILE_RISE;

/// Which 95% intervals an individual fit reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intervals {
    /// Symmetric on the estimation scale: estimate +- t quantile x SE (records before the
    /// choice existed had these).
    #[default]
    Wald,
    /// Where the profile -2LL rises by 3.84 (chi-square, 1 df, 95%) above its minimum.
    Profile,
}

impl Intervals {
    /// The intervals in words, for records, summaries and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Intervals::Wald => {
                "Wald intervals on the estimation scale with the Student t quantile for n - p degrees of freedom"
            }
            Intervals::Profile => {
                "profile-likelihood intervals (-2LL within 3.84 of its minimum, the other estimates re-optimised)"
            }
        }
    }
}

/// Inner fits (points of the profile) per interval end at most, bracketing and refining
/// together: bracketing from the Wald end to a factor 1e3 takes at most a dozen, and the
/// Illinois refinement converges superlinearly.
pub const POINTS_PER_END: usize = 40;
/// An end is refined until the profile is within this of the 3.84 level (-2LL units): the
/// profile's slope there is about 2 sqrt(3.84) / SE, so the end is within 1e-8 SE of the
/// crossing, far below the inner fits' own convergence tolerance.
const LEVEL_TOLERANCE: f64 = 1e-8;
/// Or until the bracket is this narrow on the estimation scale.
const WIDTH_TOLERANCE: f64 = 1e-10;
/// How far an end is looked for on a log scale: a factor 1e3 (ln 1000) from the estimate.
const LOG_REACH: f64 = 6.907_755_278_982_137;
/// And on a logit scale: until the parameter is within 1e-6 of its range from the bound
/// (ln 1e6, the margin of `Scale::at_bound`).
const LOGIT_REACH: f64 = 13.815_510_557_964_274;
/// The first bracketing step when there is no standard error to start from.
const FALLBACK_STEP: f64 = 0.5;
/// A profile this far below the fit's minimum means the fit missed the optimum.
const LOWER_OPTIMUM: f64 = 1e-3;

/// Every quantity's profile interval on the natural scale, `[low, high]` (an open end is the
/// bound of a logit scale, NaN on a log scale), and what to say about them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileIntervals {
    pub ends: Vec<[f64; 2]>,
    pub notes: Vec<String>,
}

/// A point of the profile: the held coordinate, the rise of -2LL above the minimum, and the
/// re-optimised theta (the next point's warm start).
struct Point {
    u: f64,
    rise: f64,
    theta: Vec<f64>,
}

/// How one end came out, on the estimation scale.
enum End {
    Found(f64),
    /// The cap on profile points was hit: the last interpolated crossing.
    Capped(f64),
    /// No crossing within reach (or the profile could not be evaluated), and why.
    Open(String),
}

/// The profile of a fitted problem.
struct Profiler<'a> {
    problem: &'a Problem<'a>,
    optimum: &'a [f64],
    minimum: f64,
    settings: SearchSettings,
    /// The lowest rise seen (negative when the fit missed the optimum).
    lowest: std::cell::Cell<f64>,
}

impl Profiler<'_> {
    /// The profile at `u` for coordinate `k`, the others searched from `warm`.
    fn at(&self, k: usize, u: f64, warm: &[f64]) -> Result<Point, Diagnostic> {
        let mut start = warm.to_vec();
        start[k] = u;
        let found = search_holding(self.problem, &start, Some(k), self.settings)?;
        let rise = found.objective - self.minimum;
        self.lowest.set(self.lowest.get().min(rise));
        Ok(Point {
            u,
            rise,
            theta: found.theta,
        })
    }

    /// One end of coordinate `k`'s interval (`direction` -1 or +1), from a first step `step`.
    fn end(&self, k: usize, scale: Scale, direction: f64, mut step: f64) -> End {
        let limit = match scale {
            Scale::Log => self.optimum[k] + direction * LOG_REACH,
            Scale::Bounded { .. } => direction * LOGIT_REACH,
        };
        let mut inside = Point {
            u: self.optimum[k],
            rise: 0.0,
            theta: self.optimum.to_vec(),
        };
        let mut points = 0;
        while direction * (limit - inside.u) > 0.0 {
            if points == POINTS_PER_END {
                return End::Open(format!(
                    "no crossing within {POINTS_PER_END} profile points"
                ));
            }
            let u = match direction * (inside.u + direction * step - limit) > 0.0 {
                true => limit,
                false => inside.u + direction * step,
            };
            points += 1;
            let point = match self.at(k, u, &inside.theta) {
                Ok(point) => point,
                Err(e) => return End::Open(format!("the profile failed: {}", e.one_line())),
            };
            if point.rise >= PROFILE_RISE {
                return self.refine(k, inside, point, points);
            }
            inside = point;
            step *= 2.0;
        }
        End::Open(format!("-2LL rises only {:.3}", inside.rise))
    }

    /// The crossing of the 3.84 level between `below` and `above` by the Illinois method,
    /// `used` profile points already spent on this end.
    fn refine(&self, k: usize, mut below: Point, mut above: Point, mut used: usize) -> End {
        let (mut f_below, mut f_above) = (below.rise - PROFILE_RISE, above.rise - PROFILE_RISE);
        let mut kept_above = None;
        loop {
            let u = match f_above.is_finite() {
                true => above.u - f_above * (above.u - below.u) / (f_above - f_below),
                false => 0.5 * (above.u + below.u),
            };
            if (above.u - below.u).abs() < WIDTH_TOLERANCE {
                return End::Found(u);
            }
            if used == POINTS_PER_END {
                return End::Capped(u);
            }
            used += 1;
            let point = match self.at(k, u, &below.theta) {
                Ok(point) => point,
                Err(e) => return End::Open(format!("the profile failed: {}", e.one_line())),
            };
            let f = point.rise - PROFILE_RISE;
            if f.abs() < LEVEL_TOLERANCE {
                return End::Found(u);
            }
            if f < 0.0 {
                (below, f_below) = (point, f);
                if kept_above == Some(true) {
                    f_above /= 2.0;
                }
                kept_above = Some(true);
            } else {
                (above, f_above) = (point, f);
                if kept_above == Some(false) {
                    f_below /= 2.0;
                }
                kept_above = Some(false);
            }
        }
    }
}

/// The profile intervals of every coordinate of `optimum` (model parameters on `problem`'s
/// scales, then ln sigma; `names` in that order), its -2LL `minimum`; `theta_se` (NaN when
/// unknown) sets the first step, the distance to where a quadratic profile would cross 3.84.
pub fn profile_intervals(
    problem: &Problem,
    names: &[String],
    optimum: &[f64],
    minimum: f64,
    theta_se: &[f64],
    settings: SearchSettings,
) -> ProfileIntervals {
    let profiler = Profiler {
        problem,
        optimum,
        minimum,
        settings,
        lowest: std::cell::Cell::new(0.0),
    };
    let mut notes = Vec::new();
    let ends = (0..optimum.len())
        .map(|k| {
            let scale = problem.scales.get(k).copied().unwrap_or(Scale::Log);
            let step = match PROFILE_RISE.sqrt() * theta_se[k] {
                s if s.is_finite() && s > 0.0 => s,
                _ => FALLBACK_STEP,
            };
            [(-1.0, "lower"), (1.0, "upper")].map(|(direction, side)| {
                let end = profiler.end(k, scale, direction, step);
                let what = format!("`{}` {side}", names[k]);
                natural_end(end, scale, direction, &what, &mut notes)
            })
        })
        .collect();
    let lowest = profiler.lowest.get();
    if lowest < -LOWER_OPTIMUM {
        notes.push(format!(
            "profile: -2LL reached {:.4} below the fit's minimum: the fit missed the optimum and the intervals are too narrow",
            -lowest
        ));
    }
    ProfileIntervals { ends, notes }
}

/// An end on the natural scale, noting an open or capped one (`what` names the end).
fn natural_end(end: End, scale: Scale, direction: f64, what: &str, notes: &mut Vec<String>) -> f64 {
    match end {
        End::Found(u) => scale.to_parameter(u),
        End::Capped(u) => {
            notes.push(format!(
                "profile: the {what} end stopped at the cap of {POINTS_PER_END} profile points before -2LL met 3.84 within {LEVEL_TOLERANCE:e}"
            ));
            scale.to_parameter(u)
        }
        End::Open(why) => match scale {
            Scale::Log => {
                notes.push(format!(
                    "profile: the {what} end is open within a factor 1e3 of the estimate ({why})"
                ));
                f64::NAN
            }
            Scale::Bounded { low, high } => {
                notes.push(format!(
                    "profile: the {what} end is open up to the bound ({why}); the bound is reported"
                ));
                if direction < 0.0 { low } else { high }
            }
        },
    }
}
