#!/usr/bin/env bash
# cart3_vs_baseline.sh: wall time of cartsim against the hand-coded Rust baseline on the cart3
# benchmark workload.
#
# What it measures
#   Both programs simulate the same virtual population (10,000 subjects from
#   benches/cart3/population/pop_10000.csv: rho, alpha, gamma, T0 per subject) of the
#   three-state CAR T model cart3: one 1e7-cell bolus into E at day 0, daily output over days
#   0..180, Dopri5 with rtol 1e-6 and atol 10, subjects spread over a rayon pool of 2 threads.
#   - baseline: benches/cart3/baseline, the right-hand side as compiled Rust on ode_solvers
#     Dopri5 (the speed limit for this method; see benches/cart3/README.md).
#   - cartsim: examples/bench_cart3.rs, models/cart3.yaml loaded and compiled once through the
#     library, then cartsim::simulate::simulate per subject.
#   Each program times only its simulation loop (not reading files, parsing or compiling) and
#   prints one JSON line. The two are run RUNS times, alternating, after both release builds.
#   The script prints every run, the median wall time of each, the ratio
#   cartsim_time / baseline_time (above 1: cartsim is slower) and both median_EM_day28 values
#   (median over subjects of E + M at day 28), which should agree to about 1e-6 relative.
#
# How to run (from anywhere; it works from the repository root)
#   benches/cart3_vs_baseline.sh
#   Environment overrides: RUNS (3), THREADS (2), N (10000; 1000 also ships, 100000 needs
#   BENCH), BENCH (benches/cart3; a folder with the same layout, e.g. ../shared/bench, which also
#   holds pop_100000.csv), CARGO_TARGET_DIR (cartsim's build directory, cargo's usual default
#   `target`), BASELINE_TARGET_DIR (target/cart3-baseline).
#
# Requirements
#   cargo, awk and sed (everything else is in the repository). The baseline crate directory may
#   be read-only: its build goes to BASELINE_TARGET_DIR, outside it. The first run compiles both
#   programs in release mode, which takes a few minutes on 2 cores.

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

runs="${RUNS:-3}"
threads="${THREADS:-2}"
n="${N:-10000}"
bench="${BENCH:-benches/cart3}"
population="$bench/population/pop_$n.csv"
baseline_manifest="$bench/baseline/Cargo.toml"
baseline_target="${BASELINE_TARGET_DIR:-target/cart3-baseline}"
cartsim_target="${CARGO_TARGET_DIR:-target}"

for needed in "$baseline_manifest" "$population" "$bench/cart3.json"; do
    if [[ ! -f "$needed" ]]; then
        echo "cart3_vs_baseline: $needed not found (N=$n: only 1000 and 10000 ship; set BENCH for others)" >&2
        exit 1
    fi
done

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')"
echo "cartsim commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
echo "workload: cart3, $n subjects, $threads threads, $runs runs each"

echo "== building (release)"
CARGO_TARGET_DIR="$baseline_target" cargo build --release --quiet --manifest-path "$baseline_manifest"
CARGO_TARGET_DIR="$cartsim_target" cargo build --release --quiet --example bench_cart3
# Run the built binaries directly, so that no rebuild can happen between timed runs.
baseline_bin="$baseline_target/release/rust-baseline"
cartsim_bin="$cartsim_target/release/examples/bench_cart3"

# field NAME JSON_LINE: the value of a number field of a one-line JSON object.
field() {
    local value
    value="$(sed -nE "s/.*\"$1\"[[:space:]]*:[[:space:]]*([-+0-9.eE]+).*/\1/p" <<<"$2")"
    if [[ -z "$value" ]]; then
        echo "cart3_vs_baseline: no field $1 in: $2" >&2
        exit 1
    fi
    echo "$value"
}

# median VALUES...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.6f", v[(NR + 1) / 2]; else printf "%.6f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== runs (alternating)"
baseline_walls=()
cartsim_walls=()
baseline_em28=""
cartsim_em28=""
for ((run = 1; run <= runs; run++)); do
    line="$("$baseline_bin" --root "$bench" --n "$n" --threads "$threads")"
    echo "baseline $run: $line"
    baseline_walls+=("$(field wall_s "$line")")
    baseline_em28="$(field median_EM_day28 "$line")"

    line="$("$cartsim_bin" --population "$population" --threads "$threads" --repeats 1)"
    echo "cartsim  $run: $line"
    cartsim_walls+=("$(field wall_s "$line")")
    cartsim_em28="$(field median_EM_day28 "$line")"
done

baseline_median="$(median "${baseline_walls[@]}")"
cartsim_median="$(median "${cartsim_walls[@]}")"
echo "== summary"
awk -v b="$baseline_median" -v c="$cartsim_median" -v n="$n" 'BEGIN {
    printf "baseline median wall: %.6f s (%.0f subjects/s)\n", b, n / b
    printf "cartsim  median wall: %.6f s (%.0f subjects/s)\n", c, n / c
    printf "ratio cartsim_time / baseline_time: %.2f\n", c / b
}'
awk -v b="$baseline_em28" -v c="$cartsim_em28" 'BEGIN {
    d = (c - b) / b; if (d < 0) d = -d
    printf "median_EM_day28: baseline %.10e, cartsim %.10e, relative difference %.2e\n", b, c, d
}'
