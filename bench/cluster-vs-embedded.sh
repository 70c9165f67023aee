#!/usr/bin/env bash
# The same run on the embedded Flink cluster and on standalone session clusters (spro cluster
# start: a JobManager and 2 TaskManagers as separate JVMs), side by side: cluster start time,
# seconds per iteration in each mode and their ratio, and a screenshot of the cluster's web UI
# with the run's iteration jobs (headless Chromium, as in render-report.sh). Two clusters:
#   installed  this build's job jar on the cluster's classpath (the default): jobs stage nothing
#   staged     --no-project-jar: every job brings the 37 MB job jar and runs in a fresh class loader
#              (how every job ran before; how a cluster shared by several builds runs)
#   bench/cluster-vs-embedded.sh [OUT]     (default OUT: bench/out/cluster; ~5 min on 2 cores)
# Env: CONFIG (examples/tiny.yaml), ITERATIONS (4), PORT (8081), SPRO.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/bench/out/cluster}" && cd "${1:-$ROOT/bench/out/cluster}" && pwd)"
CONFIG="${CONFIG:-$ROOT/examples/tiny.yaml}"
ITERATIONS="${ITERATIONS:-4}"
PORT="${PORT:-8081}"
rm -rf "$OUT/embedded" "$OUT/cluster-run" "$OUT/installed-run" "$OUT/staged-run"
trap '"$SPRO" cluster stop --dir "$OUT/cluster" >/dev/null 2>&1 || true' EXIT

"$SPRO" train --config "$CONFIG" --run-dir "$OUT/embedded" --iterations "$ITERATIONS" > "$OUT/embedded.log" 2>&1

# on_cluster NAME [START-FLAGS...]: a fresh cluster, the run on it, the web UI, the cluster stopped
on_cluster() {
  local name="$1"
  shift
  "$SPRO" cluster start --dir "$OUT/cluster" --taskmanagers 2 --port "$PORT" "$@" | tee "$OUT/$name-start.log"
  "$SPRO" train --config "$CONFIG" --run-dir "$OUT/$name-run" --iterations "$ITERATIONS" \
    --flink-master "localhost:$PORT" > "$OUT/$name-run.log" 2>&1
  "$SPRO" cluster status --dir "$OUT/cluster"
  if command -v chromium >/dev/null 2>&1; then
    PROFILE=$(mktemp -d)
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$PROFILE" --hide-scrollbars --window-size=1400,800 \
      --virtual-time-budget=15000 --screenshot="$OUT/flink-web-ui-$name.png" "http://localhost:$PORT/#/job/completed" \
      >/dev/null 2>&1 || true
    rm -rf "$PROFILE"
  fi
  "$SPRO" cluster stop --dir "$OUT/cluster"
}
on_cluster installed
on_cluster staged --no-project-jar

# median seconds per iteration of each run (timing_s/step in metrics.jsonl)
median() {
  grep '"phase":"train"' "$1/metrics.jsonl" | sed 's/.*"timing_s\/step":\([0-9.]*\).*/\1/' | sort -g \
    | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
# model loads per iteration after the first (perf/model_loads): the reference stays resident or not
loads() {
  grep '"phase":"train"' "$1/metrics.jsonl" | tail -n +2 | sed 's/.*"perf\/model_loads":\([0-9]*\).*/\1/' | tr '\n' ' '
}
same() {
  cmp -s "$OUT/embedded/iter-$(printf %06d "$ITERATIONS")/checkpoint/model.safetensors" \
    "$OUT/$1/iter-$(printf %06d "$ITERATIONS")/checkpoint/model.safetensors" && echo yes || echo NO
}
E=$(median "$OUT/embedded")
I=$(median "$OUT/installed-run")
S=$(median "$OUT/staged-run")
printf '\n%-44s %s\n' "config" "$(basename "$CONFIG"), $ITERATIONS iterations"
printf '%-44s %s\n' "cluster start, installed (1 JM + 2 TMs)" "$(grep -o 'up in [0-9.]* s' "$OUT/installed-start.log")"
printf '%-44s %s\n' "cluster start, staged" "$(grep -o 'up in [0-9.]* s' "$OUT/staged-start.log")"
printf '%-44s %.2f s\n' "embedded: s/iteration (median)" "$E"
printf '%-44s %.2f s   model loads/iteration: %s\n' "session cluster, jar installed: s/iteration" "$I" "$(loads "$OUT/installed-run")"
printf '%-44s %.2f s   model loads/iteration: %s\n' "session cluster, jar staged: s/iteration" "$S" "$(loads "$OUT/staged-run")"
printf '%-44s %.2f\n' "installed / embedded" "$(awk -v c="$I" -v e="$E" 'BEGIN {print c / e}')"
printf '%-44s %.2f\n' "staged / embedded" "$(awk -v c="$S" -v e="$E" 'BEGIN {print c / e}')"
printf '%-44s %.2f\n' "staged / installed" "$(awk -v c="$S" -v i="$I" 'BEGIN {print c / i}')"
printf '%-44s %s / %s\n' "same final weights as embedded (installed / staged)" "$(same installed-run)" "$(same staged-run)"
