#!/usr/bin/env bash
# chain_states.sh: does the cost of a step grow smoothly with the number of states? cartsim
# against hand-written Rust on transit chains of 16, 17, 40 and 100 states.
#
# What it measures
#   The workload: a dose of 100 into the first of N transit compartments, transfer rate
#   ktr = N / MTT (MTT 10 days) along the chain, elimination ke = 0.1/day from the last one;
#   days 0..60 with daily output, Dopri5, rtol 1e-6, atol 1e-9. The script writes the model
#   file for each N (into a temporary folder).
#   - baseline: benches/chain/baseline, the chain's right-hand side as compiled Rust on
#     ode_solvers Dopri5 with SVector<f64, N> (fixed size for every N).
#   - cartsim: examples/bench_chain.rs, the model file loaded and compiled once through the
#     library, then cartsim::simulate::simulate SOLVES times on one thread. cartsim keeps
#     fixed-size vectors up to 16 states and its own slice stepper above (the cliff at 17 states
#     this script watches for).
#   Each program prints one JSON line per N (median over 5 batches of the time of one solve);
#   they run alternating, RUNS times each per N. The script prints every run, the median per
#   solve, the time per accepted step (both take the same steps), the ratio cartsim / baseline
#   and the last compartment at day 60 of both (agreeing to about 1e-6 relative).
#
# How to run (from anywhere)
#   benches/chain_states.sh
#   Environment overrides: RUNS (3), SOLVES (1000), STATES ("16 17 40 100"), CARGO_TARGET_DIR
#   (cartsim's build directory, default `target`), BASELINE_TARGET_DIR (target/chain-baseline).
#
# Requirements
#   cargo, awk and sed. The first run compiles both programs in release mode (a few minutes on
#   2 cores); the baseline's build goes to BASELINE_TARGET_DIR, outside its crate.

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

runs="${RUNS:-3}"
solves="${SOLVES:-1000}"
states="${STATES:-16 17 40 100}"
baseline_manifest="benches/chain/baseline/Cargo.toml"
baseline_target="${BASELINE_TARGET_DIR:-target/chain-baseline}"
cartsim_target="${CARGO_TARGET_DIR:-target}"
models="$(mktemp -d)"
trap 'rm -rf "$models"' EXIT

# chain_model N: the model file of a chain of N compartments (the baseline's constants).
chain_model() {
    local n="$1" i
    echo "name: chain_$n"
    echo "title: Transit chain of $n compartments (benchmark workload of benches/chain_states.sh)"
    echo "time_unit: day"
    echo "parameters:"
    echo "  MTT: {value: 10, unit: day, description: mean transit time}"
    echo "  ke:  {value: 0.1, unit: 1/day, description: elimination rate from the last compartment}"
    echo "derived:"
    echo "  ktr: $n / MTT"
    echo "states:"
    for ((i = 1; i <= n; i++)); do echo "  A$i: 0"; done
    echo "odes:"
    echo "  A1: -ktr * A1"
    for ((i = 2; i < n; i++)); do echo "  A$i: ktr * A$((i - 1)) - ktr * A$i"; done
    echo "  A$n: ktr * A$((n - 1)) - ke * A$n"
    echo "doses:"
    echo "  - {state: A1, amount: 100, time: 0}"
    echo "simulation: {end: 60, step: 1, solver: dopri5, rtol: 1e-6, atol: 1e-9}"
}

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cartsim commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
echo "workload: transit chains of $states states, $solves solves per batch, $runs runs each, 1 thread"

echo "== building (release)"
CARGO_TARGET_DIR="$baseline_target" cargo build --release --quiet --manifest-path "$baseline_manifest"
CARGO_TARGET_DIR="$cartsim_target" cargo build --release --quiet --example bench_chain
baseline_bin="$baseline_target/release/chain-baseline"
cartsim_bin="$cartsim_target/release/examples/bench_chain"

# field NAME JSON_LINE: the value of a number field of a one-line JSON object.
field() {
    local value
    value="$(sed -nE "s/.*\"$1\"[[:space:]]*:[[:space:]]*([-+0-9.eE]+).*/\1/p" <<<"$2")"
    if [[ -z "$value" ]]; then
        echo "chain_states: no field $1 in: $2" >&2
        exit 1
    fi
    echo "$value"
}

# median VALUES...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.6f", v[(NR + 1) / 2]; else printf "%.6f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

summary=()
for n in $states; do
    chain_model "$n" >"$models/chain_$n.yaml"
    echo "== $n states (runs alternating)"
    baseline_times=()
    cartsim_times=()
    for ((run = 1; run <= runs; run++)); do
        line="$("$baseline_bin" --states "$n" --solves "$solves")"
        echo "baseline $run: $line"
        baseline_times+=("$(field per_solve_us "$line")")
        baseline_steps="$(field steps "$line")"
        baseline_last="$(field last_state_at_end "$line")"
        line="$("$cartsim_bin" --model "$models/chain_$n.yaml" --solves "$solves")"
        echo "cartsim  $run: $line"
        cartsim_times+=("$(field per_solve_us "$line")")
        cartsim_steps="$(field steps "$line")"
        cartsim_last="$(field last_state_at_end "$line")"
    done
    summary+=("$(awk -v n="$n" -v b="$(median "${baseline_times[@]}")" -v c="$(median "${cartsim_times[@]}")" \
        -v bs="$baseline_steps" -v cs="$cartsim_steps" -v bl="$baseline_last" -v cl="$cartsim_last" 'BEGIN {
        d = (cl - bl) / bl; if (d < 0) d = -d
        printf "%7d %12.1f %12.1f %7.2f %9d %9d %11.1f %11.1f %12.2e", n, b, c, c / b, bs, cs,
            1000 * b / bs, 1000 * c / cs, d }')")
done

echo "== summary (median per solve; per step = per solve / accepted steps)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%7s %12s %12s %7s %9s %9s %11s %11s %12s\n" states baseline_us cartsim_us ratio \
    base_steps cs_steps base_ns/st cs_ns/st rel_diff_end
printf '%s\n' "${summary[@]}"
