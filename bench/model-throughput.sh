#!/usr/bin/env bash
# Model throughput, ours (DJL) next to the same model in PyTorch eager, measured in one run on this
# machine with the same thread count, and both against the fp32 matmul ceiling measured here.
#   bench/model-throughput.sh [threads]        (default: 2)
# Needs Debian's python3-torch with libopenblas0-pthread (installed here if missing: without the
# threaded OpenBLAS, Debian's torch falls back to a reference BLAS ~20x slower, which would flatter us).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
THREADS="${1:-2}"
JAR="$ROOT/runners/target/spro-runners-0.1.0-SNAPSHOT-all.jar"
PY=/usr/bin/python3

if ! "$PY" -c "import torch" 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "installing python3-torch and libopenblas0-pthread (Debian) ..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >/dev/null
fi
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT"/models/src -newer "$JAR" -type f -print -quit)" ]; then
  (cd "$ROOT" && mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl runners -am install) >&2
fi

OURS=$(mktemp) THEIRS=$(mktemp)
trap 'rm -f "$OURS" "$THEIRS"' EXIT
echo "measuring ours (DJL $THREADS threads) ..." >&2
java -Xmx8g -XX:+UseSerialGC -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$JAR" dev.spro.models.bench.ModelThroughputBench "$THREADS" small 25m > "$OURS"
echo "measuring PyTorch eager ($THREADS threads) ..." >&2
OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS" "$PY" "$ROOT/bench/torch_model_bench.py" "$THREADS" small 25m > "$THEIRS"

"$PY" - "$OURS" "$THEIRS" <<'PYEOF'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
theirs = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
key = lambda r: (r["what"], r.get("size"))
t = {key(r): r for r in theirs}
mm_o = next(r for r in ours if r["what"] == "matmul")["gflops"]
mm_t = next(r for r in theirs if r["what"] == "matmul")
print(f"fp32 matmul 1024^3 ceiling: DJL {mm_o:.1f} GFLOP/s, PyTorch {mm_t['gflops']:.1f} GFLOP/s (torch {mm_t['torch']}, {mm_t['threads']} threads)")
print(f"{'what':9} {'size':6} {'params':>11} {'ours tok/s':>11} {'torch tok/s':>12} {'ours/torch':>10} {'our GFLOP/s':>11} {'MFU':>6}")
for r in ours:
    if r["what"] == "matmul":
        continue
    p = t[key(r)]
    print(f"{r['what']:9} {r['size']:6} {r['params']:>11,} {r['tokens_per_s']:>11.0f} {p['tokens_per_s']:>12.0f} "
          f"{r['tokens_per_s'] / p['tokens_per_s']:>10.2f} {r['gflops']:>11.1f} {r['mfu']:>6.1%}")
print("batch 8, prompt 32 + response 96 tokens; train = forward + backward + clip + AdamW; "
      "generate = KV-cache sampling of 96 tokens; MFU = model FLOPs / matmul ceiling")
PYEOF
