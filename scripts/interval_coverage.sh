#!/usr/bin/env bash
# interval_coverage.sh: how often individual fits' 95% intervals cover the truth, Wald against
# profile likelihood (`cartsim fit --intervals wald|profile`), on simulated Stein patients.
#
# What it measures
#   IDS (default 100) virtual Stein patients are simulated with `cartsim run` (omega 0.3 on
#   foldx, cmax, alpha and fb; log-additive residual SD 0.56), sampled at 20 times from day 1
#   to 365, values below an LLOQ of 80 copies/ug censored (heavy censoring of the persistence
#   tail). Each ID is fitted on its own (foldx, cmax, alpha, fb and the residual SD, M3) with
#   Wald and with profile intervals; each ID's true parameters are the typical values times
#   exp(eta) from the run's subjects.csv. Prints, per parameter and interval kind, the fraction
#   of converged IDs whose interval covers the truth, with its binomial SE (a nominal 95%
#   interval should cover 0.95 within about 2 SE), and the wall time of each fit command.
#
# How to run (from the repository root): scripts/interval_coverage.sh
#   Environment: IDS (100), THREADS (2), SEED (2019). Needs cargo, awk, python3.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
ids="${IDS:-100}"
threads="${THREADS:-2}"
seed="${SEED:-2019}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cargo build --release --quiet
cartsim="${CARGO_TARGET_DIR:-$repo/target}/release/cartsim"
echo "== machine: $(nproc) cores, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cartsim commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (uncommitted changes)')"

# shellcheck source=benches/stein_dataset.sh
source "$repo/benches/stein_dataset.sh"
stein_dataset "$cartsim" "$scratch" "$ids" "$seed" \
  "{foldx: {omega: 0.3}, cmax: {omega: 0.3}, alpha: {omega: 0.3}, fb: {omega: 0.3}}" 80

for kind in wald profile; do
  started=$(date +%s.%N)
  "$cartsim" fit models/stein2019_tisagenlecleucel.yaml --data "$scratch/data.csv" \
    --estimate foldx,cmax,alpha,fb --intervals "$kind" --threads "$threads" \
    --out "$scratch/$kind" > /dev/null
  ended=$(date +%s.%N)
  awk -v k="$kind" -v a="$started" -v b="$ended" 'BEGIN { printf "%s fits: %.1f s\n", k, b - a }'
done

python3 - "$scratch" "$repo/models/stein2019_tisagenlecleucel.yaml" <<'PY'
import csv, math, re, sys
scratch, model = sys.argv[1], sys.argv[2]
typical = {}
for line in open(model):
    m = re.match(r"\s+(foldx|cmax|alpha|fb):\s*\{value:\s*([0-9.eE+-]+)", line)
    if m:
        typical[m.group(1)] = float(m.group(2))
subjects = list(csv.DictReader(open(f"{scratch}/population/subjects.csv")))
truth = {}
for row in subjects:
    key = row["ID"]  # the dataset's IDs are the run's (benches/stein_dataset.sh)
    truth[key] = {p: typical[p] * math.exp(float(row[f"eta_{p}"])) for p in typical}
print("parameter  kind     covered/n   coverage  SE")
for p in typical:
    for kind in ("wald", "profile"):
        covered = n = 0
        for row in csv.DictReader(open(f"{scratch}/{kind}/estimates.csv")):
            if row["parameter"] != p or row["converged"] != "1":
                continue
            low, high = row["ci95_low"], row["ci95_high"]
            low = float(low) if low else -math.inf
            high = float(high) if high else math.inf
            n += 1
            covered += low <= truth[row["ID"]][p] <= high
        c = covered / n if n else float("nan")
        se = math.sqrt(c * (1 - c) / n) if n else float("nan")
        print(f"{p:<10} {kind:<8} {covered:>4}/{n:<5}   {c:.3f}     {se:.3f}")
PY
