#!/usr/bin/env bash
# One RL iteration of a Qwen2.5-0.5B-shaped model (from `spro init`: 494M parameters, vocabulary
# 151,936, bf16 on disk) with the real Qwen tokenizer on GSM8K prompts, embedded Flink, parallelism 2,
# and the process's real peak memory (VmHWM: resident set, heap and native) sampled by stage.
# A first step of the real-size benchmark (bench/real-size.sh of the "Real size" issue): it shows
# whether the gradient step completes and what it costs, at a batch the current sampler can hold.
#   bench/real-size-gradient.sh [OUT]        (default OUT: bench/out/real-size; ~10 min on 2 cores)
# Env: PROMPTS (2), SAMPLES (2), NEW_TOKENS (32), SPRO, SPRO_JAVA_OPTS (-Xmx6g).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/bench/out/real-size}" && cd "${1:-$ROOT/bench/out/real-size}" && pwd)"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
export SPRO_JAVA_OPTS="${SPRO_JAVA_OPTS:--Xmx6g}"
PROMPTS="${PROMPTS:-2}" SAMPLES="${SAMPLES:-2}" NEW_TOKENS="${NEW_TOKENS:-32}"

[ -d "$OUT/qwen2.5-0.5b" ] || "$SPRO" init --shape qwen2.5-0.5b --out "$OUT/qwen2.5-0.5b"
[ -f "$OUT/gsm8k-train.parquet" ] || "$SPRO" data gsm8k --in "$SHARED/data/gsm8k/train.jsonl" --out "$OUT/gsm8k-train.parquet"
cat > "$OUT/config.yaml" <<YAML
run: {name: real-size, seed: 1, iterations: 1}
data: {task: null, files: $OUT/gsm8k-train.parquet, batchSize: $PROMPTS}
model:
  checkpoint: $OUT/qwen2.5-0.5b
  tokenizer: $SHARED/data/tokenizers/qwen3/tokenizer.json
  eosToken: "<|endoftext|>"
  chatTemplate: chatml
sampling: {samplesPerPrompt: $SAMPLES, maxNewTokens: $NEW_TOKENS, batchRows: 4}
optimizer: {lr: 1.0e-6, microBatch: 2}
loss: {entropyCoef: 0.001}
warmStart: {enabled: false}
eval: {every: 0}
flink: {parallelism: 2, restPort: 0}
YAML
rm -rf "$OUT/run"
"$SPRO" train --config "$OUT/config.yaml" --run-dir "$OUT/run" > "$OUT/train.log" 2>&1 &
LAUNCHER=$!
PEAK=0
: > "$OUT/memory.tsv"
while kill -0 "$LAUNCHER" 2>/dev/null; do
  PID=$(pgrep -f "dev.spro.runners.SproCli train --config $OUT/config.yaml" | head -1 || true)
  if [ -n "$PID" ] && [ -r "/proc/$PID/status" ]; then
    HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status" 2>/dev/null || true)
    STAGE=$(ls "$OUT/run/iter-000000" 2>/dev/null | tr '\n' ' ' || true)
    echo -e "$(date +%s)\t${HWM:-0}\t$STAGE" >> "$OUT/memory.tsv"
    if [ -n "$HWM" ] && [ "$HWM" -gt "$PEAK" ]; then PEAK=$HWM; fi
  fi
  sleep 2
done
wait "$LAUNCHER" && RC=0 || RC=$?
echo "exit code: $RC"
printf "peak resident memory of the training JVM: %.1f GB\n" "$(echo "$PEAK / 1048576" | bc -l)"
grep -E '"phase":"train"' "$OUT/run/metrics.jsonl" 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    for k in ["timing_s/gen", "timing_s/ref", "timing_s/update_actor", "timing_s/step", "actor/grad_norm",
              "perf/max_memory_allocated_gb", "perf/model_loads", "perf/model_bytes_read"]:
        print(f"{k:32s} {m.get(k)}")
' || tail -20 "$OUT/train.log"
