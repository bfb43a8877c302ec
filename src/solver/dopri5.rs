//! Dormand-Prince 5(4) on plain slices for models above the fixed vector sizes: ode_solvers'
//! `Dopri5` step for step (the same tableau, error norm, step-size controller, stiffness test,
//! dense output and `solout` calls, each operation in the same order, so the same numbers bit
//! for bit), with its stage buffers allocated once per call instead of a vector per operation.

use super::results::{Points, Results};
use ode_solvers::dop_shared::{IntegrationError, Stats};

/// What the stepper needs from a model: the right-hand side and the call at each step end and
/// dense point (ode_solvers' `solout`; `true` stops the solver).
pub(super) trait SliceSystem {
    fn rhs(&self, x: f64, y: &[f64], dy: &mut [f64]);
    fn step_end(&mut self, x: f64, y: &[f64]) -> bool;
}

/// One call's settings, as ode_solvers' `Dopri5::from_param` takes them (from local time 0,
/// no initial step given, the maximum step the whole span, safety 0.9, beta 0.04, step factors
/// 0.2 to 10).
pub(super) struct Settings {
    pub x_end: f64,
    pub dx: f64,
    pub rtol: f64,
    pub atol: f64,
    pub max_steps: u32,
    pub stiffness_check: u32,
    pub dense: bool,
}

const A: [&[f64]; 6] = [
    &[1.0 / 5.0],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
/// Dense output and error weights of stages 1, 3, 4, 5, 6 and 7 (stage 2's are zero).
const D: [f64; 6] = [
    -12715105075.0 / 11282082432.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];
const E: [f64; 6] = [
    71.0 / 57600.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// Hairer's stiffness test: h * |lambda| above this 15 accepted steps in a row (6 below resets).
const STIFF_THRESHOLD: f64 = 3.25;
const STIFF_STEPS: u32 = 15;
const NON_STIFF_RESET: u32 = 6;

/// ode_solvers' PI step-size controller.
struct Controller {
    alpha: f64,
    beta: f64,
    facc1: f64,
    facc2: f64,
    fac_old: f64,
    h_max: f64,
    reject: bool,
    posneg: f64,
}

const SAFETY: f64 = 0.9;

impl Controller {
    fn new(h_max: f64, posneg: f64) -> Controller {
        let beta = 0.04;
        Controller {
            alpha: 0.2 - beta * 0.75,
            beta,
            facc1: 1.0 / 0.2,
            facc2: 1.0 / 10.0,
            fac_old: 1.0e-4,
            h_max: h_max.abs(),
            reject: false,
            posneg,
        }
    }

    fn accept(&mut self, err: f64, h: f64, h_new: &mut f64) -> bool {
        let fac11 = err.powf(self.alpha);
        let mut fac = fac11 * self.fac_old.powf(-self.beta);
        fac = self.facc2.max(self.facc1.min(fac / SAFETY));
        *h_new = h / fac;
        if err <= 1.0 {
            self.fac_old = err.max(1.0e-4);
            if h_new.abs() > self.h_max {
                *h_new = self.posneg * self.h_max;
            }
            if self.reject {
                *h_new = self.posneg * h_new.abs().min(h.abs());
            }
            self.reject = false;
            true
        } else {
            *h_new = h / self.facc1.min(fac11 / SAFETY);
            self.reject = true;
            false
        }
    }
}

fn sign(a: f64, b: f64) -> f64 {
    if b > 0.0 { a.abs() } else { -a.abs() }
}

/// nalgebra's dot product of `a - b` with itself, in its order (eight running sums).
fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0; 8];
    let whole = a.len() / 8 * 8;
    for (a8, b8) in a[..whole].chunks_exact(8).zip(b[..whole].chunks_exact(8)) {
        for lane in 0..8 {
            let d = a8[lane] - b8[lane];
            sums[lane] += d * d;
        }
    }
    let mut result = 0.0;
    for lane in 0..4 {
        result += sums[lane] + sums[lane + 4];
    }
    for (ai, bi) in a[whole..].iter().zip(&b[whole..]) {
        let d = ai - bi;
        result += d * d;
    }
    result
}

/// The stage derivatives, states and dense-output coefficients of one call.
struct Buffers {
    k: [Vec<f64>; 7],
    y: Vec<f64>,
    y_next: Vec<f64>,
    y_stiff: Vec<f64>,
    rcont: [Vec<f64>; 5],
}

impl Buffers {
    fn new(y: &[f64]) -> Buffers {
        let zeros = || vec![0.0; y.len()];
        Buffers {
            k: std::array::from_fn(|_| zeros()),
            y: y.to_vec(),
            y_next: zeros(),
            y_stiff: zeros(),
            rcont: std::array::from_fn(|_| zeros()),
        }
    }

    /// The dense-output state at `theta` of the last step.
    fn interpolate(&self, theta: f64) -> impl Iterator<Item = f64> + '_ {
        let theta1 = 1.0 - theta;
        let [r0, r1, r2, r3, r4] = &self.rcont;
        (0..r0.len()).map(move |i| {
            r0[i] + (r1[i] + (r2[i] + (r3[i] + r4[i] * theta1) * theta) * theta1) * theta
        })
    }
}

/// ode_solvers' initial step.
fn initial_step<S: SliceSystem>(system: &S, y: &[f64], s: &Settings, h_max: f64) -> f64 {
    let mut f0 = vec![0.0; y.len()];
    system.rhs(0.0, y, &mut f0);
    let posneg = sign(1.0, s.x_end);
    let (mut d0, mut d1) = (0.0, 0.0);
    for (&y_i, &f0_i) in y.iter().zip(&f0) {
        let sci = s.atol + y_i.abs() * s.rtol;
        d0 += (y_i / sci) * (y_i / sci);
        d1 += (f0_i / sci) * (f0_i / sci);
    }
    let tol = 1.0e-10;
    let mut h0 = if d0 < tol || d1 < tol {
        1.0e-6
    } else {
        0.01 * (d0 / d1).sqrt()
    };
    h0 = sign(h0.min(h_max), posneg);
    let y1: Vec<f64> = y.iter().zip(&f0).map(|(y_i, f_i)| y_i + f_i * h0).collect();
    let mut f1 = vec![0.0; y.len()];
    system.rhs(h0, &y1, &mut f1);
    let mut d2: f64 = 0.0;
    for i in 0..y.len() {
        let sci = s.atol + y[i].abs() * s.rtol;
        d2 += ((f1[i] - f0[i]) / sci) * ((f1[i] - f0[i]) / sci);
    }
    d2 = d2.sqrt() / h0;
    let h1 = if d1.sqrt().max(d2.abs()) <= 1.0e-15 {
        1.0e-6_f64.max(h0.abs() * 1.0e-3)
    } else {
        (0.01 / d1.sqrt().max(d2)).powf(1.0 / 5.0)
    };
    sign((100.0 * h0.abs()).min(h1.min(h_max)), posneg)
}

/// The six new stages of a step of size `h` from (`x`, `y`), with `k[0]` the derivative there:
/// `y_next` the new state, `k[1]` its derivative (stage 7 moved there, as ode_solvers does).
fn stages<S: SliceSystem>(system: &S, b: &mut Buffers, x: f64, h: f64) {
    for s in 1..7 {
        let (done, rest) = b.k.split_at_mut(s);
        // A whole vector per coefficient, as nalgebra does: each state's sum in the same order.
        b.y_next.copy_from_slice(&b.y);
        for (k_j, a) in done.iter().zip(A[s - 1]) {
            for (y_next, k) in b.y_next.iter_mut().zip(k_j) {
                *y_next += k * h * a;
            }
        }
        system.rhs(x + h * C[s], &b.y_next, &mut rest[0]);
        if s == 5 {
            b.y_stiff.copy_from_slice(&b.y_next);
        }
    }
    b.k.swap(1, 6);
}

/// The weighted sums `(k1 w1 + k3 w3 + k4 w4 + k5 w5 + k6 w6 + k7 w7) * h` of every state
/// (stage 7 sits in `k[1]`), passed to `each(i, sum)`.
fn weighted(k: &[Vec<f64>; 7], w: &[f64; 6], h: f64, mut each: impl FnMut(usize, f64)) {
    let n = k[0].len();
    let (k1, k3, k4, k5, k6, k7) = (
        &k[0][..n],
        &k[2][..n],
        &k[3][..n],
        &k[4][..n],
        &k[5][..n],
        &k[1][..n],
    );
    for i in 0..n {
        each(
            i,
            (k1[i] * w[0]
                + k3[i] * w[1]
                + k4[i] * w[2]
                + k5[i] * w[3]
                + k6[i] * w[4]
                + k7[i] * w[5])
                * h,
        );
    }
}

/// ode_solvers' `Dopri5::integrate` from local time 0 and state `y0`, its results in `points`.
pub(super) fn integrate<S: SliceSystem>(
    system: &mut S,
    y0: &[f64],
    s: &Settings,
    points: &mut Points,
) -> Result<Stats, IntegrationError> {
    let dim = y0.len();
    let mut stats = Stats {
        num_eval: 0,
        accepted_steps: 0,
        rejected_steps: 0,
    };
    let posneg = sign(1.0, s.x_end);
    let mut controller = Controller::new(s.x_end, posneg);
    let mut b = Buffers::new(y0);
    let (mut x, mut xd) = (0.0_f64, 0.0_f64);
    let (mut n_step, mut last, mut h_new) = (0_u32, false, 0.0);
    let (mut non_stiff, mut iasti) = (0_u32, 0_u32);
    let mut h = initial_step(system, y0, s, controller.h_max);
    stats.num_eval += 2;
    if !s.dense {
        points.push(y0.iter().copied());
    }
    system.rhs(x, &b.y, &mut b.k[0]);
    stats.num_eval += 1;
    while !last {
        if n_step > s.max_steps {
            return Err(IntegrationError::MaxNumStepReached { x, n_step });
        }
        if 0.1 * h.abs() <= f64::EPSILON * x.abs() {
            return Err(IntegrationError::StepSizeUnderflow { x });
        }
        if (x + 1.01 * h - s.x_end) * posneg > 0.0 {
            h = s.x_end - x;
            last = true;
        }
        n_step += 1;
        stages(system, &mut b, x, h);
        stats.num_eval += 6;
        if s.dense {
            let r4 = &mut b.rcont[4][..dim];
            weighted(&b.k, &D, h, |i, sum| r4[i] = sum);
        }
        let mut err = 0.0;
        let (y, y_next) = (&b.y[..dim], &b.y_next[..dim]);
        weighted(&b.k, &E, h, |i, estimate| {
            let sc_i = s.atol + y[i].abs().max(y_next[i].abs()) * s.rtol;
            err += (estimate / sc_i) * (estimate / sc_i);
        });
        err = (err / dim as f64).sqrt();
        if !controller.accept(err, h, &mut h_new) {
            last = false;
            if stats.accepted_steps >= 1 {
                stats.rejected_steps += 1;
            }
            h = h_new;
            continue;
        }
        stats.accepted_steps += 1;
        if stats.accepted_steps.is_multiple_of(s.stiffness_check) || iasti > 0 {
            let num = squared_distance(&b.k[1], &b.k[5]);
            let den = squared_distance(&b.y_next, &b.y_stiff);
            let h_lamb = if den > 0.0 {
                h * (num / den).sqrt()
            } else {
                0.0
            };
            if h_lamb > STIFF_THRESHOLD {
                iasti += 1;
                non_stiff = 0;
                if iasti == STIFF_STEPS {
                    return Err(IntegrationError::StiffnessDetected { x });
                }
            } else {
                non_stiff += 1;
                if non_stiff == NON_STIFF_RESET {
                    iasti = 0;
                }
            }
        }
        if s.dense {
            let [r0, r1, r2, r3, _] = &mut b.rcont;
            for i in 0..dim {
                let ydiff = b.y_next[i] - b.y[i];
                let bspl = b.k[0][i] * h - ydiff;
                r0[i] = b.y[i];
                r1[i] = ydiff;
                r2[i] = bspl;
                r3[i] = -b.k[1][i] * h + ydiff - bspl;
            }
        }
        b.k.swap(0, 1);
        std::mem::swap(&mut b.y, &mut b.y_next);
        let x_old = x;
        x += h;
        if s.dense {
            xd = dense_points(system, &b, s, (x_old, x, h), xd, points);
        } else {
            points.push(b.y.iter().copied());
        }
        if system.step_end(x, points.last().unwrap_or(&b.y)) {
            last = true;
        }
        if last {
            return Ok(stats);
        }
        h = h_new;
    }
    Ok(stats)
}

/// ode_solvers' dense output after a step from `x_old` to `x` of size `h_old`: the dense
/// points it passed (each followed by a `solout` call), and one at `x_end` when the next dense
/// point is within 1e-9 of it. Returns the next dense point's time.
fn dense_points<S: SliceSystem>(
    system: &mut S,
    b: &Buffers,
    s: &Settings,
    (x_old, x, h_old): (f64, f64, f64),
    mut xd: f64,
    points: &mut Points,
) -> f64 {
    while xd.abs() <= x.abs() {
        if x_old.abs() <= xd.abs() && x.abs() >= xd.abs() {
            points.push(b.interpolate((xd - x_old) / h_old));
            xd += s.dx;
        }
        if system.step_end(xd, points.last().unwrap_or(&b.y)) {
            break;
        }
    }
    if (xd - s.x_end).abs() < 1.0e-9 {
        points.push(b.interpolate((s.x_end - x_old) / h_old));
        xd += s.dx;
    }
    xd
}

#[cfg(test)]
mod tests;
