#!/usr/bin/env bash
# singh_auto.sh: `auto` on a stiff model against `bdf` and `dopri5`.
#
# What it measures
#   The stiff Singh 2021 ide-cel model (models/singh2021_idecel.yaml, dose150: one bolus at
#   day 0, days 0..365 daily, rtol 1e-8, atol 1e-6) simulated through the library by
#   examples/bench_singh.rs, one process per method, the methods interleaved RUNS times; each
#   process prints the median of REPEATS solves, its steps and evaluations, `auto`'s switch time,
#   and the largest relative deviation of its result from a Dop853 reference at rtol 1e-12.
#   The script prints every run, then the median over runs per method and auto / bdf.
#
# How to run (from anywhere)
#   benches/singh_auto.sh
#   Environment overrides: RUNS (5), REPEATS (7), PARAMS (dose150), CARGO_TARGET_DIR (default
#   `target`).

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

runs="${RUNS:-5}"
repeats="${REPEATS:-7}"
params="${PARAMS:-dose150}"
cartsim_target="${CARGO_TARGET_DIR:-target}"

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cartsim commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"

echo "== building (release)"
CARGO_TARGET_DIR="$cartsim_target" cargo build --release --quiet --example bench_singh
bin="$cartsim_target/release/examples/bench_singh"

declare -A times
echo "== runs (interleaved)"
for ((run = 1; run <= runs; run++)); do
    for method in auto bdf dopri5; do
        line="$("$bin" --solver "$method" --repeats "$repeats" --params "$params")"
        echo "$run $line"
        times[$method]+="$(sed -nE 's/.*median ([0-9.]+) ms.*/\1/p' <<<"$line") "
    done
done

# median VALUES...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== summary (median over runs of each run's median solve)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for method in auto bdf dopri5; do
    # shellcheck disable=SC2086
    echo "$method: $(median ${times[$method]}) ms"
done
# shellcheck disable=SC2086
awk -v a="$(median ${times[auto]})" -v b="$(median ${times[bdf]})" \
    'BEGIN { printf "auto / bdf: %.2f\n", a / b }'
