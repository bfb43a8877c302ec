#!/usr/bin/env bash
# The shipped models exported to SBML and simulated in libRoadRunner, compared with cartsim to
# 1e-6 relative (see roadrunner_check.py). Installs libroadrunner from PyPI into a virtual
# environment (ROADRUNNER_VENV, default ${TMPDIR:-/tmp}/cartsim-roadrunner) on first use.
# Not part of `cargo test`. Usage: scripts/roadrunner_check.sh [MODEL...] (file stems)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${ROADRUNNER_VENV:-${TMPDIR:-/tmp}/cartsim-roadrunner}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import roadrunner" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet libroadrunner
fi
target="${CARGO_TARGET_DIR:-$here/target}"
(cd "$here" && cargo build --quiet)
work="$(mktemp -d "${TMPDIR:-/tmp}/roadrunner-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" "$here/scripts/roadrunner_check.py" "$target/debug/cartsim" "$here/models" "$work" "$@"
