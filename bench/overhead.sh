#!/usr/bin/env bash
# Where an iteration's wall time goes, embedded and on a session cluster, for the tiny config and
# the default one (from its warm start): each run's timeline.jsonl (one line per iteration job:
# the driver's clock, Flink's job and vertex timestamps from the REST API, the stages' own clocks)
# summarised by bench/overhead_report.py — seconds per iteration, the shares of compute (the
# slowest task of each stage), I/O (model loads, stage commits) and the rest (translation,
# submission, scheduling, barriers, shuffles, Beam's file writes), and cluster / embedded.
#   bench/overhead.sh [OUT]      (default OUT: bench/out/overhead; ~8 min on 2 cores)
# Env: ITERATIONS (6; the first of each run is left out of the medians), PORT (8081), SPRO.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/bench/out/overhead}" && cd "${1:-$ROOT/bench/out/overhead}" && pwd)"
ITERATIONS="${ITERATIONS:-6}"
PORT="${PORT:-8081}"
trap '"$SPRO" cluster stop --dir "$OUT/cluster" >/dev/null 2>&1 || true' EXIT

# the default config's warm start, once (its iterations then start from it, without evaluations)
if [ ! -f "$OUT/warm/iter-000000/checkpoint/manifest.json" ]; then
  printf 'run: {name: warm}\nflink: {restPort: 0}\neval: {every: 0}\n' > "$OUT/warm.yaml"
  "$SPRO" sft --config "$OUT/warm.yaml" --run-dir "$OUT/warm" > "$OUT/warm.log" 2>&1 || { tail -20 "$OUT/warm.log" >&2; exit 1; }
fi
printf 'run: {name: default}\nmodel: {checkpoint: %s}\nflink: {restPort: 0}\neval: {every: 0}\n' \
  "$OUT/warm/iter-000000/checkpoint" > "$OUT/default.yaml"
cp "$ROOT/examples/tiny.yaml" "$OUT/tiny.yaml"

rm -rf "$OUT"/{tiny,default}-{embedded,cluster}
for cfg in tiny default; do
  "$SPRO" train --config "$OUT/$cfg.yaml" --run-dir "$OUT/$cfg-embedded" --iterations "$ITERATIONS" \
    > "$OUT/$cfg-embedded.log" 2>&1 || { tail -20 "$OUT/$cfg-embedded.log" >&2; exit 1; }
done
"$SPRO" cluster start --dir "$OUT/cluster" --taskmanagers 2 --port "$PORT" > "$OUT/cluster-start.log"
for cfg in tiny default; do
  "$SPRO" train --config "$OUT/$cfg.yaml" --run-dir "$OUT/$cfg-cluster" --iterations "$ITERATIONS" \
    --flink-master "localhost:$PORT" > "$OUT/$cfg-cluster.log" 2>&1 || { tail -20 "$OUT/$cfg-cluster.log" >&2; exit 1; }
done
"$SPRO" cluster stop --dir "$OUT/cluster" > /dev/null

python3 "$ROOT/bench/overhead_report.py" "$OUT"/{tiny,default}-{embedded,cluster} | tee "$OUT/overhead.md"
