//! Hand-written Rust for the transit-chain workload of benches/chain_states.sh: the chain's
//! right-hand side as compiled Rust on ode_solvers Dopri5 with `SVector<f64, N>` (one fixed size
//! per chain length), the same call cartsim makes (dense output every `step` days, ending a
//! millionth of a step past the last output time), timed over many solves on one thread.
//!
//! Usage: chain-baseline --states 16|17|40|100 [--solves 2000]
//! Prints one JSON line: the median time of one solve over 5 batches, steps, the last state.

use ode_solvers::{Dopri5, OutputType, SVector, System};
use std::time::Instant;

/// The workload, as in benches/chain_states.sh's model file: a dose into the first of `N`
/// transit compartments, transfer rate ktr = N / MTT between them, elimination ke from the last.
const MTT: f64 = 10.0;
const KE: f64 = 0.1;
const DOSE: f64 = 100.0;
const END: f64 = 60.0;
const STEP: f64 = 1.0;
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-9;

struct Chain<const N: usize> {
    ktr: f64,
}

impl<const N: usize> System<f64, SVector<f64, N>> for Chain<N> {
    #[inline(always)]
    fn system(&self, _t: f64, y: &SVector<f64, N>, dy: &mut SVector<f64, N>) {
        dy[0] = -self.ktr * y[0];
        for i in 1..N - 1 {
            dy[i] = self.ktr * y[i - 1] - self.ktr * y[i];
        }
        dy[N - 1] = self.ktr * y[N - 2] - KE * y[N - 1];
    }
}

/// One solve: accepted steps and the last compartment at the end.
fn solve<const N: usize>() -> (u32, f64) {
    let mut y0 = SVector::<f64, N>::zeros();
    y0[0] = DOSE;
    let hair = (1e-6 * STEP).max(8.0 * f64::EPSILON * END);
    let x_end = END + hair;
    let chain = Chain::<N> {
        ktr: N as f64 / MTT,
    };
    let mut solver = Dopri5::from_param(
        chain,
        0.0,
        x_end,
        STEP,
        y0,
        RTOL,
        ATOL,
        0.9,
        0.04,
        0.2,
        10.0,
        x_end,
        0.0,
        100_000,
        1000,
        OutputType::Dense,
    );
    let stats = solver.integrate().expect("the chain integrates");
    let last = solver.y_out()[(END / STEP) as usize][N - 1];
    (stats.accepted_steps, last)
}

fn run<const N: usize>(solves: usize) {
    let mut batches = Vec::new();
    let mut outcome = (0, 0.0);
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..solves {
            outcome = std::hint::black_box(solve::<N>());
        }
        batches.push(started.elapsed().as_secs_f64() / solves as f64);
    }
    batches.sort_by(f64::total_cmp);
    let per_solve = batches[batches.len() / 2];
    println!(
        "{{\"peer\": \"baseline\", \"states\": {N}, \"solves\": {solves}, \"per_solve_us\": {:.3}, \"steps\": {}, \"last_state_at_end\": {:e}}}",
        1e6 * per_solve,
        outcome.0,
        outcome.1
    );
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        let at = arguments.iter().position(|a| a == flag)?;
        arguments.get(at + 1)?.parse::<usize>().ok()
    };
    let solves = value("--solves").unwrap_or(2000);
    match value("--states") {
        Some(16) => run::<16>(solves),
        Some(17) => run::<17>(solves),
        Some(40) => run::<40>(solves),
        Some(100) => run::<100>(solves),
        other => {
            eprintln!("chain-baseline: --states must be 16, 17, 40 or 100 (got {other:?})");
            std::process::exit(2);
        }
    }
}
