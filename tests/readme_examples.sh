#!/usr/bin/env bash
# readme_examples.sh: runs the README's example commands as written, in a copy of the
# repository's committed files, with the built binary on the PATH as `cartsim`; exits 1 naming
# the first command that fails. Not part of `cargo test` (it takes a few minutes).
#
# How to run (from the repository root, after `cargo build --release`):
#   tests/readme_examples.sh [BINARY]     (default: $CARGO_TARGET_DIR or target, release/cartsim)
#   CALIBRATE=1 also runs the calibration example (about 14 minutes on 2 cores).
# The README's `patients.csv` is the user's own file: here it is 20 simulated Stein patients
# (benches/stein_dataset.sh).

set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$(realpath "${1:-${CARGO_TARGET_DIR:-$repo/target}/release/cartsim}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/repo"
ln -s "$binary" "$work/bin/cartsim"
export PATH="$work/bin:$PATH"
git -C "$repo" archive HEAD | tar -x -C "$work/repo"
cd "$work/repo"

step() {
  echo "\$ $*"
  if ! "$@" > "$work/log" 2>&1; then
    cat "$work/log"
    echo "readme_examples: FAILED: $*" >&2
    exit 1
  fi
}

step cartsim --version
step cartsim simulate models/stein2019_tisagenlecleucel.yaml
step cartsim simulate models/stein2019_tisagenlecleucel.yaml --params fast_contraction --out fast
step cartsim models
step cartsim simulate stein2019 --out stein
step cartsim models --copy lib
step cartsim run lib/runs/cd22_dose_finding.yaml
step cartsim completions bash
step cartsim man
step cartsim run models/runs/cd22_dose_finding.yaml
step cartsim simulate models/onecomp_iv_bolus.yaml --data tests/fixtures/data/onecomp.csv
# shellcheck source=benches/stein_dataset.sh
source benches/stein_dataset.sh
mkdir -p "$work/patients"
step stein_dataset cartsim "$work/patients" 20 7 "{foldx: {omega: 0.5}, cmax: {omega: 0.3}}" 40
cp "$work/patients/data.csv" patients.csv
step cartsim fit models/stein2019_tisagenlecleucel.yaml --data patients.csv \
    --estimate foldx,cmax,alpha,fb --error log-additive --blq m3
step cartsim fit models/theophylline_oral_1cmt.yaml --data tests/data/theoph/theoph.csv \
    --estimate ka,cl,v --output conc --error additive --population
for method in local morris sobol; do
  step cartsim sensitivity models/runs/cart3_sensitivity.yaml --method "$method"
done
step cartsim trial models/trials/cd22_phase1.yaml
step cartsim report output/cd22_dose_finding
step cartsim report output/stein2019_fit --format md
step cartsim run models/runs/cd22_dose_finding.yaml --report --force
step cartsim trial models/trials/cd22_phase1.yaml --report --force
step cartsim check models/*.yaml models/runs/*.yaml models/trials/*.yaml models/calibrations/*.yaml
if [ "${CALIBRATE:-0}" = 1 ]; then
  step cartsim calibrate models/calibrations/cd22_fry2018.yaml
  step cartsim run output/cd22_fry2018/calibrated.yaml --out output/cd22_calibrated
  step cartsim trial models/trials/cd22_phase1.yaml --run output/cd22_fry2018/calibrated.yaml
fi
echo "readme_examples: every example ran"
