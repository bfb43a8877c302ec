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
cartsim="$repo/target/release/cartsim"

cat > "$scratch/population.yaml" <<YAML
model: $repo/models/stein2019_tisagenlecleucel.yaml
simulation: {end: 365, step: 1, outputs: [total]}
population:
  n: $ids
  seed: 2019
  variability: {foldx: {omega: 0.3}, cmax: {omega: 0.3}, alpha: {omega: 0.3}, fb: {omega: 0.3}}
  residual: {output: total, model: exponential, sd: 0.56}
metrics: {exposure: total}
YAML
"$cartsim" run "$scratch/population.yaml" --out "$scratch/population" --save-trajectories > /dev/null
# trajectories.csv: scenario,subject,time,output,value,observation -> NONMEM rows.
awk -F, -v lloq=80 '
  BEGIN { print "ID,TIME,DV,AMT,EVID,CMT,MDV,CENS,LLOQ";
          split("1 3 5 7 9 11 14 17 21 28 42 56 84 112 140 180 230 280 330 365", days, " ");
          for (k in days) keep[days[k]] = 1 }
  NR > 1 && $4 == "total" && ($3 in keep) {
    censored = ($6 < lloq);
    printf "%d,%s,%s,.,0,.,0,%d,%s\n", $2 + 1, $3, censored ? lloq : $6, censored, lloq }
' "$scratch/population/trajectories.csv" > "$scratch/all.csv"
awk -F, -v first="$(awk -F, 'NR == 2 { print $1 }' "$scratch/all.csv")" 'NR == 1 || $1 == first' "$scratch/all.csv" > "$scratch/one.csv"
echo "dataset: $(($(wc -l < "$scratch/all.csv") - 1)) observations of $ids IDs," \
     "$(awk -F, 'NR > 1 && $8 == 1' "$scratch/all.csv" | wc -l) below the LLOQ"

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
for _ in $(seq "$runs"); do fit "$scratch/all.csv" "$threads"; done | tee "$scratch/all.times" | tr '\n' ' '; echo
echo "median_s=$(median < "$scratch/all.times")"
echo "converged: $(grep -c ": ok," "$scratch/fit.log") of $ids"; grep -v ": ok," "$scratch/fit.log" | cut -c1-300 || true
