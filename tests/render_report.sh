#!/usr/bin/env bash
# Renders a report in headless Chromium to a PNG screenshot and a PDF (and the PDF's pages to
# PNGs with pdftoppm), for looking at by eye. Not part of `cargo test`: CI needs no browser.
#
#   tests/render_report.sh REPORT.html [OUT_DIR]
#
# Needs Debian's `chromium` and `poppler-utils` (apt-get install -y chromium poppler-utils).
# Writes OUT_DIR/screenshot.png (1280 px wide, laptop screen), OUT_DIR/report.pdf and
# OUT_DIR/page-N.png.
set -euo pipefail
report=$(realpath "${1:?usage: tests/render_report.sh REPORT.html [OUT_DIR]}")
out=${2:-/tmp/cartsim-render}
mkdir -p "$out"
for tool in chromium pdftoppm; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed (apt-get install -y chromium poppler-utils)" >&2; exit 1; }
done
flags=(--headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars)
chromium "${flags[@]}" --window-size=1280,2400 --screenshot="$out/screenshot.png" "file://$report" 2>/dev/null
chromium "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$report" 2>/dev/null
pdftoppm -r 60 -png "$out/report.pdf" "$out/page"
echo "wrote $out/screenshot.png, $out/report.pdf and $(ls "$out"/page-*.png | wc -l) page images"
