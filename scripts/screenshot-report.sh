#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium (Debian's `chromium` package) and writes a PNG, so the page
# can be looked at as a person would see it.
#   scripts/screenshot-report.sh [RUN_FOLDER] [OUT.png]     default: the newest runs/* folder, report.png inside it
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:-$(ls -d runs/*/ 2>/dev/null | sort | tail -n 1)}"
run="${run%/}"
[ -n "$run" ] && [ -f "$run/report.html" ] || { echo "no report.html found (run npm start first)" >&2; exit 1; }
out="${2:-$run/report.png}"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install chromium" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep a headless Chromium from reaching for the network, which this machine does not have.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1320,2600 \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$run/report.html")" >/dev/null 2>&1
echo "$out"
