#!/usr/bin/env bash
# outputs_unchanged.sh: proves a refactoring changed no table or figure. Runs two cartsim binaries
# (OLD, NEW) on the same commands and compares every CSV and PNG they write byte for byte (JSON
# records may gain fields and hold wall times and paths, so they are not compared).
#
# Commands: `simulate` on every shipped model, `simulate --data` on the onecomp fixture, `run` on
# every shipped run file, a two-shard `run` of cd22_dose_finding and its `merge`, the README's
# individual and population theophylline fits, and `sensitivity` local, morris and sobol on the
# cart3 sensitivity run file. Reads only files of this repository.
#
# How to run (from the repository root):
#   OLD=/tmp/cartsim-old NEW=target/release/cartsim scripts/outputs_unchanged.sh
# Build OLD from the fixed commit first, e.g.
#   git worktree add /tmp/base <commit> && (cd /tmp/base && cargo build --release) &&
#   cp /tmp/base/target/release/cartsim /tmp/cartsim-old
# Exit status 0 when every CSV and PNG is identical, 1 otherwise.

set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
old="$(realpath "${OLD:?set OLD to the binary built at the fixed commit}")"
new="$(realpath "${NEW:-${CARGO_TARGET_DIR:-target}/release/cartsim}")"
scratch="$(mktemp -d)"
# Binaries before run files said `simulation:` read only `output:`: for OLD, the shipped run
# files are rewritten in place for the duration of its runs and restored afterwards.
mkdir -p "$scratch/originals"
cp models/runs/*.yaml "$scratch/originals/"
restore() { cp "$scratch/originals/"*.yaml models/runs/; }
trap 'restore; rm -rf "$scratch"' EXIT

# name|arguments (folders are given with --out OUT, which the loop replaces)
jobs=()
for model in models/*.yaml; do
    jobs+=("simulate_$(basename "$model" .yaml)|simulate $model --out OUT")
done
jobs+=("simulate_data|simulate models/onecomp_iv_bolus.yaml --data tests/fixtures/data/onecomp.csv --out OUT")
for run in models/runs/*.yaml; do
    jobs+=("run_$(basename "$run" .yaml)|run $run --threads 2 --out OUT")
done
jobs+=("shard1|run models/runs/cd22_dose_finding.yaml --shard 1/2 --threads 2 --out OUT")
jobs+=("shard2|run models/runs/cd22_dose_finding.yaml --shard 2/2 --threads 2 --out OUT")
jobs+=("fit_individual|fit models/theophylline_oral_1cmt.yaml --data tests/data/theoph/theoph.csv --estimate ka,cl,v --output conc --error additive --threads 2 --out OUT")
jobs+=("fit_population|fit models/theophylline_oral_1cmt.yaml --data tests/data/theoph/theoph.csv --estimate ka,cl,v --output conc --error additive --population --threads 2 --out OUT")
for method in local morris sobol; do
    jobs+=("sensitivity_$method|sensitivity models/runs/cart3_sensitivity.yaml --method $method --n 64 --threads 2 --out OUT")
done

status=0
run_all() { # binary side
    local binary="$1" side="$2"
    for job in "${jobs[@]}"; do
        local name="${job%%|*}" arguments="${job#*|}"
        local out="$scratch/$side/$name"
        # shellcheck disable=SC2086
        "$binary" ${arguments//OUT/$out} >"$scratch/$side.$name.log" 2>&1
        echo "$?" >"$scratch/$side.$name.status"
    done
    "$binary" merge "$scratch/$side/shard1" "$scratch/$side/shard2" --out "$scratch/$side/merged" \
        >"$scratch/$side.merged.log" 2>&1
    echo "$?" >"$scratch/$side.merged.status"
}
sed -i 's/^simulation: {/output: {/' models/runs/*.yaml
run_all "$old" old
restore
run_all "$new" new

for status_file in "$scratch"/old.*.status; do
    name="$(basename "$status_file" .status)"; name="${name#old.}"
    a="$(cat "$status_file")"; b="$(cat "$scratch/new.$name.status")"
    if [ "$a" != "$b" ]; then
        echo "DIFFERENT exit status: $name (old $a, new $b)"; status=1
    fi
done
compared=0
while IFS= read -r file; do
    relative="${file#"$scratch/old/"}"
    compared=$((compared + 1))
    if [ ! -f "$scratch/new/$relative" ]; then
        echo "MISSING in new: $relative"; status=1
    elif ! cmp -s "$file" "$scratch/new/$relative"; then
        echo "DIFFERENT: $relative"; status=1
    fi
done < <(find "$scratch/old" -type f \( -name '*.csv' -o -name '*.png' \) | sort)
while IFS= read -r file; do
    relative="${file#"$scratch/new/"}"
    [ -f "$scratch/old/$relative" ] || { echo "NEW file: $relative"; status=1; }
done < <(find "$scratch/new" -type f \( -name '*.csv' -o -name '*.png' \) | sort)
for side in old new; do
    for status_file in "$scratch"/$side.*.status; do
        [ "$(cat "$status_file")" = 0 ] || echo "note: $(basename "$status_file" .status) exited $(cat "$status_file")"
    done
done
echo "compared $compared CSV and PNG files of ${#jobs[@]} commands and one merge: $([ $status = 0 ] && echo identical || echo DIFFERENCES)"
exit $status
