#!/usr/bin/env bash
# fit_stein.sh: `cartsim fit` on the Stein 2019 model (issue 6's benchmark).
#
# What it measures
#   A virtual population of IDS (default 100) Stein patients is simulated with `cartsim run`
#   (log-normal variability, omega 0.3, on foldx, cmax, alpha and fb around the published
#   values; log-additive residual error SD 0.56, as Stein et al. 2019 report), sampled at 20
#   times from day 1 to day 365; values below an LLOQ of 80 copies/ug are censored (CENS = 1).
#   Then, with 4 parameters (foldx, cmax, alpha, fb) and the residual SD estimated by maximum
#   likelihood (M3 for BLQ, sensitivity-equation gradients):
#     1. one ID, 1 thread: wall time of the whole command (model compile, fit, files and
#        figures), RUNS times; the median is the time per fit;
#     2. all IDS in parallel on THREADS threads: wall time, RUNS times, median.
#
# How to run (from the repository root): benches/fit_stein.sh
#   Environment: RUNS (5), IDS (100), THREADS (2).
# Requirements: cargo, awk, GNU time is not needed.

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-5}"
ids="${IDS:-100}"
threads="${THREADS:-2}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"
cargo build --release --quiet
cartsim="${CARGO_TARGET_DIR:-$repo/target}/release/cartsim"

# shellcheck source=benches/stein_dataset.sh
source "$repo/benches/stein_dataset.sh"
stein_dataset "$cartsim" "$scratch" "$ids" 2019 \
  "{foldx: {omega: 0.3}, cmax: {omega: 0.3}, alpha: {omega: 0.3}, fb: {omega: 0.3}}" 80
awk -F, -v first="$(awk -F, 'NR == 2 { print $1 }' "$scratch/data.csv")" 'NR == 1 || $1 == first' "$scratch/data.csv" > "$scratch/one.csv"

fit() {
  local data="$1" threads="$2"
  local started ended
  started=$(date +%s.%N)
  "$cartsim" fit models/stein2019_tisagenlecleucel.yaml --data "$data" \
    --estimate foldx,cmax,alpha,fb --threads "$threads" --out "$scratch/fit" > "$scratch/fit.log"
  ended=$(date +%s.%N)
  awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "== one ID (20 observations), 1 thread"
for _ in $(seq "$runs"); do fit "$scratch/one.csv" 1; done | tee "$scratch/one.times" | tr '\n' ' '; echo
echo "median_s=$(median < "$scratch/one.times")"
grep -o '"evaluations": [0-9]*' "$scratch/fit/fit.json" | head -1
echo "== $ids IDs, $threads threads"
for _ in $(seq "$runs"); do fit "$scratch/data.csv" "$threads"; done | tee "$scratch/all.times" | tr '\n' ' '; echo
echo "median_s=$(median < "$scratch/all.times")"
echo "converged: $(grep -c ": ok," "$scratch/fit.log") of $ids"; grep -v ": ok," "$scratch/fit.log" | cut -c1-300 || true
