#!/usr/bin/env bash
# Renders a run report (spro report) in a real browser — Debian's headless Chromium, installed here
# if missing — takes a screenshot, and checks that the page drew its charts.
#   bench/render-report.sh runs/a/report/report.html [screenshot.png]
set -euo pipefail
PAGE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
SHOT="${2:-${PAGE%.html}.screenshot.png}"
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium ..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
# The flags keep Chromium off the network (this machine has none) and out of first-run screens.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$PROFILE" --hide-scrollbars \
  --window-size=1300,1900 --screenshot="$SHOT" "file://$PAGE" >/dev/null 2>&1
DOM=$(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$PROFILE" --dump-dom "file://$PAGE" 2>/dev/null)
IMAGES=$(grep -o '<img ' <<<"$DOM" | wc -l)
SIZE=$(stat -c %s "$SHOT")
echo "rendered $PAGE: $IMAGES charts in the DOM, screenshot $SHOT ($SIZE bytes)"
[ "$IMAGES" -ge 5 ] && [ "$SIZE" -gt 20000 ] || { echo "report did not render as expected" >&2; exit 1; }
