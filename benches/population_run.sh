#!/usr/bin/env bash
# population_run.sh: `cartsim run` end to end (simulation, metrics, percentile sketches, tables,
# figures) on the cart3 workload against the hand-coded baseline, and peak memory as n grows.
#
# What it measures
#   1. For each thread count in THREADS, RUNS interleaved pairs:
#      - baseline (benches/cart3/baseline): N subjects of BENCH/population/pop_N.csv, cart3
#        single dose, days 0..180 daily, Dopri5 rtol 1e-6 atol 10; no I/O, no metrics. Its own
#        JSON line gives the wall time of its simulation loop.
#      - `cartsim run` on a run file naming models/cart3.yaml (the same settings) with the same
#        pop_N.csv as its subject table: wall time of the whole command (reading, checking,
#        simulating, metrics, every table and figure, or none with FIGURES=none) and peak RSS.
#      It prints every run, the medians, the subjects per second of each and the throughput
#      ratio cartsim/baseline (1 = as fast as the hand-coded loop; the issue's goal is >= 0.8).
#   2. For each n in SCALE (default 100000 1000000; add 10000000 for the 1e7 point, about 15
#      minutes on 2 cores), `cartsim run` on n subjects sampled by cartsim itself with
#      cart3.json's variability, 2 threads: wall time and peak RSS (GNU time). With MERGE=1,
#      the same n also run as two shards and merged: merge's wall time and peak RSS, and
#      whether its tables are byte-identical to the unsharded run's.
#   The machine (cores, CPU), the commit and the load average before and after are printed:
#   timings on a shared machine are only comparable within one run of this script.
#
# How to run (from the repository root): benches/population_run.sh
#   Environment: RUNS (3), THREADS ("1 2"), N (10000; BENCH=../shared/bench has 100000),
#   SCALE ("100000 1000000"; "" skips), MERGE (unset; 1 adds the merge), FIGURES (png; none
#   skips drawing), PEAK (unset: the default Cmax on the solver's solution; grid: read off the
#   output grid), BENCH
#   (benches/cart3), CARGO_TARGET_DIR, BASELINE_TARGET_DIR (target/cart3-baseline).
# Requirements: cargo, GNU time (/usr/bin/time), awk, sed.

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-3}"
threads_list="${THREADS:-1 2}"
n="${N:-10000}"
scale="${SCALE-100000 1000000}"
figures="${FIGURES:-png}"
merge="${MERGE:-}"
bench="$(cd "${BENCH:-benches/cart3}" && pwd)"
population="$bench/population/pop_$n.csv"
if [[ ! -f "$population" ]]; then
  echo "population_run: $population not found (set BENCH to a folder that has it)" >&2
  exit 1
fi
baseline_target="${BASELINE_TARGET_DIR:-target/cart3-baseline}"
cartsim="${CARGO_TARGET_DIR:-target}/release/cartsim"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"
cargo build --release --quiet
CARGO_TARGET_DIR="$baseline_target" cargo build --release --quiet --manifest-path "$repo/benches/cart3/baseline/Cargo.toml"
baseline="$baseline_target/release/rust-baseline"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

metrics="{exposure: EM, tumor: T, lloq: 1e3, response: {below: 1e9, by: 28}, relapse: {above: 1e11}${PEAK:+, peak: $PEAK}}"
simulation='{end: 180, step: 1, solver: dopri5, rtol: 1e-6, atol: 10}'
cat > "$scratch/table.yaml" <<YAML
model: $repo/models/cart3.yaml
simulation: $simulation
population: {table: $population}
metrics: $metrics
YAML

# measure OUT COMMAND...: runs it under GNU time; prints "wall_s rss_mb".
measure() {
    local out="$1"; shift
    /usr/bin/time -f "%e %M" -o "$scratch/time" "$@" > "$out" 2>&1 || { cat "$out" >&2; exit 1; }
    awk '{ printf "%s %d\n", $1, $2 / 1024 }' "$scratch/time"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for threads in $threads_list; do
    echo "== $n subjects, $threads thread(s), figures: $figures"
    base_walls=(); run_walls=()
    for run in $(seq "$runs"); do
        line="$("$baseline" --root "$bench" --n "$n" --threads "$threads")"
        wall="$(sed -nE 's/.*"wall_s": ([0-9.eE+-]+).*/\1/p' <<<"$line")"
        base_walls+=("$wall")
        read -r run_wall rss < <(measure "$scratch/log" "$cartsim" run "$scratch/table.yaml" \
            --threads "$threads" --figures "$figures" --out "$scratch/out" --force)
        run_walls+=("$run_wall")
        echo "run $run: baseline ${wall} s | cartsim run ${run_wall} s, peak RSS ${rss} MB"
    done
    b="$(median "${base_walls[@]}")"; c="$(median "${run_walls[@]}")"
    awk -v b="$b" -v c="$c" -v n="$n" -v t="$threads" 'BEGIN {
        printf "median (%d thread(s)): baseline %.3f s (%.0f subjects/s), cartsim run %.3f s (%.0f subjects/s); throughput ratio cartsim/baseline %.2f\n", t, b, n / b, c, n / c, b / c }'
done

for big in $scale; do
    cat > "$scratch/sampled.yaml" <<YAML
model: $repo/models/cart3.yaml
simulation: $simulation
population:
  n: $big
  seed: 20261125
  variability: {rho: {omega: 0.3}, alpha: {omega: 0.3}, gamma: {omega: 0.3}, T0: {omega: 0.5}}
metrics: $metrics
YAML
    read -r wall rss < <(measure "$scratch/log" "$cartsim" run "$scratch/sampled.yaml" \
        --threads 2 --figures "$figures" --out "$scratch/out_big" --force)
    echo "== $big sampled subjects, 2 threads: wall ${wall} s, peak RSS ${rss} MB"
    if [[ -n "$merge" ]]; then
        for k in 1 2; do
            measure "$scratch/log" "$cartsim" run "$scratch/sampled.yaml" --shard "$k/2" \
                --threads 2 --figures none --out "$scratch/shard$k" --force > /dev/null
        done
        read -r wall rss < <(measure "$scratch/log" "$cartsim" merge "$scratch/shard1" \
            "$scratch/shard2" --figures "$figures" --out "$scratch/merged" --force)
        same=identical
        for table in metrics.csv subjects.csv summary.csv percentiles.csv; do
            cmp -s "$scratch/out_big/$table" "$scratch/merged/$table" || same="DIFFERENT ($table)"
        done
        echo "   merge of 2 shards: wall ${wall} s, peak RSS ${rss} MB; tables $same to the run's"
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
