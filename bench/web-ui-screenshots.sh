#!/usr/bin/env bash
# Screenshots of the Flink web UI for the README (docs/flink-job-*.png): a run's iteration job on a
# `spro cluster` session cluster — its graph, whose operators carry the stages' Beam names, and its
# Configuration tab, where the job describes itself (run, iteration, what it does, algorithm).
# Headless Chromium (Debian's package, installed if missing), kept off the network.
#   bench/web-ui-screenshots.sh [OUT]      (default OUT: docs; ~2 min on 2 cores)
# Env: CONFIG (examples/tiny.yaml), PORT (8081), SPRO.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/docs}" && cd "${1:-$ROOT/docs}" && pwd)"
CONFIG="${CONFIG:-$ROOT/examples/tiny.yaml}"
PORT="${PORT:-8081}"
WORK="$(mktemp -d)"
trap '"$SPRO" cluster stop --dir "$WORK/cluster" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
command -v chromium >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null

"$SPRO" cluster start --dir "$WORK/cluster" --taskmanagers 2 --port "$PORT" >/dev/null
"$SPRO" train --config "$CONFIG" --run-dir "$WORK/run" --iterations 2 --flink-master "localhost:$PORT" > "$WORK/train.log" 2>&1
# the finished job of iteration 1
JID=$(curl -s "http://localhost:$PORT/jobs/overview" | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
print(next(j["jid"] for j in jobs if j["name"].endswith("-iter-000001") and j["state"] == "FINISHED"))')

shot() { # shot PAGE FILE WIDTH HEIGHT
  local profile
  profile=$(mktemp -d)
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars --window-size="$3,$4" \
    --virtual-time-budget=15000 --timeout=30000 --screenshot="$2" "http://localhost:$PORT/#/job/completed/$JID/$1" >/dev/null 2>&1
  rm -rf "$profile"
  echo "$2"
}
shot overview "$OUT/flink-job-graph.png" 1600 1400
shot configuration "$OUT/flink-job-configuration.png" 1400 1900
