#!/usr/bin/env bash
# The same run on the embedded Flink cluster and on a standalone session cluster (spro cluster
# start: a JobManager and 2 TaskManagers as separate JVMs), side by side: cluster start time,
# seconds per iteration in each mode and their ratio, and a screenshot of the cluster's web UI
# with the run's iteration jobs (headless Chromium, as in render-report.sh).
#   bench/cluster-vs-embedded.sh [OUT]     (default OUT: bench/out/cluster; ~3 min on 2 cores)
# Env: CONFIG (examples/tiny.yaml), ITERATIONS (4), PORT (8081), SPRO.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/bench/out/cluster}" && cd "${1:-$ROOT/bench/out/cluster}" && pwd)"
CONFIG="${CONFIG:-$ROOT/examples/tiny.yaml}"
ITERATIONS="${ITERATIONS:-4}"
PORT="${PORT:-8081}"
rm -rf "$OUT/embedded" "$OUT/cluster-run"
trap '"$SPRO" cluster stop --dir "$OUT/cluster" >/dev/null 2>&1 || true' EXIT

"$SPRO" train --config "$CONFIG" --run-dir "$OUT/embedded" --iterations "$ITERATIONS" > "$OUT/embedded.log" 2>&1
START=$(date +%s.%N)
"$SPRO" cluster start --dir "$OUT/cluster" --taskmanagers 2 --port "$PORT" | tee "$OUT/cluster-start.log"
"$SPRO" train --config "$CONFIG" --run-dir "$OUT/cluster-run" --iterations "$ITERATIONS" \
  --flink-master "localhost:$PORT" > "$OUT/cluster-run.log" 2>&1
"$SPRO" cluster status --dir "$OUT/cluster"

if command -v chromium >/dev/null 2>&1; then
  PROFILE=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$PROFILE" --hide-scrollbars --window-size=1400,800 \
    --virtual-time-budget=15000 --screenshot="$OUT/flink-web-ui.png" "http://localhost:$PORT/#/job/completed" >/dev/null 2>&1
  rm -rf "$PROFILE"
  echo "web UI screenshot: $OUT/flink-web-ui.png"
fi

# median seconds per iteration of each run (timing_s/step in metrics.jsonl)
median() {
  grep '"phase":"train"' "$1/metrics.jsonl" | sed 's/.*"timing_s\/step":\([0-9.]*\).*/\1/' | sort -g \
    | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
E=$(median "$OUT/embedded")
C=$(median "$OUT/cluster-run")
SAME=$(cmp -s "$OUT/embedded/iter-$(printf %06d "$ITERATIONS")/checkpoint/model.safetensors" \
  "$OUT/cluster-run/iter-$(printf %06d "$ITERATIONS")/checkpoint/model.safetensors" && echo yes || echo NO)
printf '\n%-34s %s\n' "config" "$(basename "$CONFIG"), $ITERATIONS iterations"
printf '%-34s %s\n' "cluster start (1 JM + 2 TMs)" "$(grep -o 'up in [0-9.]* s' "$OUT/cluster-start.log")"
printf '%-34s %.2f s\n' "embedded: s/iteration (median)" "$E"
printf '%-34s %.2f s\n' "session cluster: s/iteration" "$C"
printf '%-34s %.2f\n' "cluster / embedded" "$(awk -v c="$C" -v e="$E" 'BEGIN {print c / e}')"
printf '%-34s %s\n' "same final weights (bytes)" "$SAME"
