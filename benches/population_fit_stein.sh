#!/usr/bin/env bash
# population_fit_stein.sh: `cartsim fit --population` on 60 Stein patients (issue 7's benchmark).
#
# What it measures
#   60 virtual Stein patients are simulated with `cartsim run` (log-normal variability: omega
#   0.5 on foldx, 0.3 on cmax and alpha, 0.7 on fb, CV 31-79%; log-additive residual error SD
#   0.56), sampled at 20 times from day 1 to 365 and day 0, values below an LLOQ of 40 copies/ug
#   censored. Then a fit (FOCE-I, SAEM, or both) of the typical values of foldx, cmax, alpha and
#   fb, their variability (diagonal Omega), and the residual SD (M3 for BLQ, sensitivity
#   gradients), from starting values 30-50% off, on THREADS threads: wall time of the whole
#   command (fit, covariance, 200-replicate VPC, files and figures), RUNS times, the median, the
#   work the fit reports, and its estimates beside the truth. With several SEEDS, each seed is
#   a new simulated population (the recovery across seeds issue 18 asks for).
#
# How to run (from the repository root): benches/population_fit_stein.sh
#   Environment: RUNS (3), THREADS (2), REPLICATES (200), METHODS ("focei"; "focei saem" for
#   both), SEEDS ("2019"), COMPARE (the path of another cartsim binary, e.g. a release build
#   of an older commit: each run then times it and this build in turn, on the same data, and
#   prints both medians, their ratio and both sets of estimates).

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
replicates="${REPLICATES:-200}"
methods="${METHODS:-focei}"
seeds="${SEEDS:-2019}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --release --quiet
cartsim="${CARGO_TARGET_DIR:-$repo/target}/release/cartsim"
# shellcheck source=benches/stein_dataset.sh
source "$repo/benches/stein_dataset.sh"

compare="${COMPARE:-}"
fit() {
  local binary="$1" out="$2" started ended
  started=$(date +%s.%N)
  "$binary" fit models/stein2019_tisagenlecleucel.yaml --data "$scratch/data.csv" \
    --estimate foldx,cmax,alpha,fb --set foldx=5850 --set cmax=16800 --set alpha=0.208 \
    --set fb=0.00474 --population --omega 0.5 --sigma 1 --replicates "$replicates" \
    --method "$method" --threads "$threads" --out "$scratch/$out" --force > "$scratch/$out.log"
  ended=$(date +%s.%N)
  awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "truth: $(grep -E '^  (foldx|cmax|alpha|fb):' models/stein2019_tisagenlecleucel.yaml | sed -E 's/^  ([a-z]+): *\{value: *([^,]+),.*/\1 \2/' | tr '\n' ' ')omega 0.5 0.3 0.3 0.7, sigma_log 0.56"
for seed in $seeds; do
  stein_dataset "$cartsim" "$scratch" 60 "$seed" \
    "{foldx: {omega: 0.5}, cmax: {omega: 0.3}, alpha: {omega: 0.3}, fb: {omega: 0.7}}" 40
  for method in $methods; do
    echo "== seed $seed, $method, 60 IDs, $threads threads, $replicates VPC replicates"
    : > "$scratch/times"; : > "$scratch/compare_times"
    for _ in $(seq "$runs"); do
      fit "$cartsim" fit >> "$scratch/times"
      if [ -n "$compare" ]; then fit "$compare" compare >> "$scratch/compare_times"; fi
    done
    echo "this build: $(tr '\n' ' ' < "$scratch/times")median_s=$(median < "$scratch/times")"
    head -n 3 "$scratch/fit.log"
    if [ -n "$compare" ]; then
      echo "COMPARE ($compare): $(tr '\n' ' ' < "$scratch/compare_times")median_s=$(median < "$scratch/compare_times")"
      awk -v a="$(median < "$scratch/times")" -v b="$(median < "$scratch/compare_times")" \
        'BEGIN { printf "time ratio (this build / COMPARE): %.3f\n", a / b }'
      head -n 3 "$scratch/compare.log"
      paste -d, <(cut -d, -f1,3,5 "$scratch/fit/estimates.csv") \
        <(cut -d, -f3,5 "$scratch/compare/estimates.csv") |
        sed '1s/estimate,rse_percent,estimate,rse_percent$/estimate,rse_percent,estimate_compare,rse_percent_compare/' | column -t -s,
    else
      cut -d, -f1,3,5 "$scratch/fit/estimates.csv" | column -t -s,
    fi
  done
done
