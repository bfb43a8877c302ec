#!/usr/bin/env bash
# The installed tool without its clone: copies only the built `cartsim` binary into an empty
# folder put first on the PATH, works in another empty folder (no repository anywhere near) and
# runs what a new user would: `cartsim models`, a shipped model by name, and the library copied
# out and run. Exits 0 when every step does. Not part of `cargo test` (it runs 4,000 simulations).
#
#   tests/installed_binary.sh [BINARY]
#
# BINARY defaults to the release build, else the debug build, of $CARGO_TARGET_DIR (or target/).
set -euo pipefail
target=${CARGO_TARGET_DIR:-$(dirname "$0")/../target}
binary=${1:-}
if [[ -z $binary ]]; then
    for profile in release debug; do
        [[ -x $target/$profile/cartsim ]] && { binary=$target/$profile/cartsim; break; }
    done
fi
[[ -n $binary && -x $binary ]] || { echo "error: no built cartsim (cargo build --release, or give its path)" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/bin" "$scratch/work"
cp "$binary" "$scratch/bin/cartsim"
export PATH="$scratch/bin:$PATH"
cd "$scratch/work"

step() { echo "+ $*"; "$@"; }
[[ $(command -v cartsim) == "$scratch/bin/cartsim" ]] || { echo "error: another cartsim comes first on the PATH" >&2; exit 1; }
step cartsim --version
step cartsim models > models.txt
grep -q "stein2019_tisagenlecleucel.yaml" models.txt
step cartsim simulate stein2019 --out stein
test -s stein/trajectory.csv && test -s stein/trajectory.png && test -s stein/provenance.json
step cartsim models --copy lib
step cartsim run lib/runs/cd22_dose_finding.yaml
test -s output/cd22_dose_finding/summary.csv
echo "installed_binary.sh: every step passed"
