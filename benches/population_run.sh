#!/usr/bin/env bash
# population_run.sh: `cartsim run` end to end (simulation, metrics, percentile sketches, tables,
# figures) on the cart3 workload, against the hand-coded baseline, with peak memory.
#
# What it measures
#   1. baseline (benches/cart3/baseline): N subjects from BENCH/population/pop_N.csv,
#      cart3 single dose, days 0..180 daily, Dopri5 rtol 1e-6 atol 10, THREADS threads; it does
#      no I/O and no metrics. Its own JSON line gives wall seconds and subjects per second.
#   2. `cartsim run` on a run file naming models/cart3.yaml (the same settings) with the same
#      pop_N.csv as its subject table: wall time of the whole command (reading, checking,
#      simulating, metrics, writing every table and figure) and peak RSS (/usr/bin/time -v).
#   3. `cartsim run` on BIG (default 1,000,000) subjects sampled by cartsim itself with cart3.json's
#      variability (log-normal omega 0.3 on rho, alpha, gamma and 0.5 on T0): wall time and peak
#      RSS, the memory target being 2 GB.
#   Each of 1 and 2 runs RUNS times alternating; the script prints every run and the medians.
#
# How to run (from the repository root): benches/population_run.sh
#   Environment: RUNS (3), THREADS (2), N (10000), BIG (1000000; 0 skips it), BENCH
#   (benches/cart3, which ships pop_1000 and pop_10000; ../shared/bench also has pop_100000),
#   CARGO_TARGET_DIR, BASELINE_TARGET_DIR (target/cart3-baseline).
# Requirements: cargo, GNU time (/usr/bin/time), awk.

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
n="${N:-10000}"
big="${BIG:-1000000}"
bench="$(cd "${BENCH:-benches/cart3}" && pwd)"
population="$bench/population/pop_$n.csv"
if [[ ! -f "$population" ]]; then
  echo "population_run: $population not found (set BENCH to a folder that has it)" >&2
  exit 1
fi
baseline_target="${BASELINE_TARGET_DIR:-target/cart3-baseline}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"
cargo build --release --quiet
CARGO_TARGET_DIR="$baseline_target" cargo build --release --quiet --manifest-path "$repo/benches/cart3/baseline/Cargo.toml"
baseline="$(find "$baseline_target/release" -maxdepth 1 -type f -perm -u+x | head -1)"

cat > "$scratch/table.yaml" <<YAML
model: $repo/models/cart3.yaml
simulation: {end: 180, step: 1, solver: dopri5, rtol: 1e-6, atol: 10}
population: {table: $population}
metrics: {exposure: EM, tumor: T, lloq: 1e3, response: {below: 1e9, by: 28}, relapse: {above: 1e11}}
YAML
cat > "$scratch/sampled.yaml" <<YAML
model: $repo/models/cart3.yaml
simulation: {end: 180, step: 1, solver: dopri5, rtol: 1e-6, atol: 10}
population:
  n: $big
  seed: 20261125
  variability: {rho: {omega: 0.3}, alpha: {omega: 0.3}, gamma: {omega: 0.3}, T0: {omega: 0.5}}
metrics: {exposure: EM, tumor: T, lloq: 1e3, response: {below: 1e9, by: 28}, relapse: {above: 1e11}}
YAML

measure() { # label, command...: prints "label wall_s rss_mb"
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$scratch/time" "$@" > "$scratch/out" 2>&1 || { cat "$scratch/out"; exit 1; }
    read -r wall rss < "$scratch/time"
    echo "$label wall_s=$wall peak_rss_mb=$((rss / 1024))"
}

echo "== $n subjects, $threads threads"
for run in $(seq "$runs"); do
    "$baseline" --root "$bench" --n "$n" --threads "$threads"
    measure "cartsim_run" "${CARGO_TARGET_DIR:-target}/release/cartsim" run "$scratch/table.yaml" --threads "$threads" --out "$scratch/out_table"
done
if [[ "$big" != 0 ]]; then
    echo "== $big sampled subjects, $threads threads"
    measure "cartsim_run_big" "${CARGO_TARGET_DIR:-target}/release/cartsim" run "$scratch/sampled.yaml" --threads "$threads" --out "$scratch/out_big"
    ls -la "$scratch/out_big"
fi
