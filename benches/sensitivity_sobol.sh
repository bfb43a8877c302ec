#!/usr/bin/env bash
# sensitivity_sobol.sh: wall time of `cartsim sensitivity --method sobol` on cart3.
#
# What it measures
#   Sobol' first-order and total indices of 6 parameters of cart3 (rho, alpha, gamma, T0 over
#   their variability's 5th-95th percentiles; eps and KT over explicit log ranges) for Cmax,
#   AUC0-28 and the tumor at day 28, with N = 4,096 base samples: N (k + 2) = 32,768
#   simulations of days 0..60 (Dopri5, rtol 1e-6, atol 10), then 1,000 bootstrap resamples per
#   metric. The run file is models/runs/cart3_sensitivity.yaml. Wall time of the whole command
#   (reading, checking, simulating, estimating, writing tables and figures), RUNS times.
#
# How to run (from the repository root): benches/sensitivity_sobol.sh
#   Environment: RUNS (1), THREADS (2), N (4096).
# Requirements: cargo, GNU time (/usr/bin/time).

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-1}"
threads="${THREADS:-2}"
n="${N:-4096}"
target="${CARGO_TARGET_DIR:-target}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"
cargo build --release --quiet
for run in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$scratch/time" "$target/release/cartsim" sensitivity \
        models/runs/cart3_sensitivity.yaml --method sobol --n "$n" --threads "$threads" \
        --out "$scratch/out" > "$scratch/log" 2>&1 || { cat "$scratch/log"; exit 1; }
    read -r wall rss < "$scratch/time"
    echo "sobol_cart3 n=$n threads=$threads wall_s=$wall peak_rss_mb=$((rss / 1024))"
done
cat "$scratch/log"
cat "$scratch/out/sobol.csv"
