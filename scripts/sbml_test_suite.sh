#!/usr/bin/env bash
# The SBML Test Suite's semantic cases through `cartsim import` + `cartsim simulate`, each
# compared with its expected results (|sim - expected| <= atol + rtol |expected|, the case's
# tolerances). Reads the suite in place from ../shared/data/sbml-test-suite (commit no copy).
# Usage: scripts/sbml_test_suite.sh [CASE_NUMBER...]   (JOBS=N parallel cases, default 2)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
suite="${SBML_TEST_SUITE:-$here/../shared/data/sbml-test-suite}/semantic"
[ -d "$suite" ] || { echo "no SBML Test Suite at $suite" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-$here/target}"
(cd "$here" && cargo build --quiet)
work="$(mktemp -d "${TMPDIR:-/tmp}/sbml-suite.XXXXXX")"
python3 "$here/scripts/sbml_test_suite.py" "$target/debug/cartsim" "$suite" "$work" "$@"
