#!/usr/bin/env bash
# Real size: a Qwen2.5-0.5B-shaped model (`spro init`: 494M parameters, vocabulary 151,936, bf16 on
# disk) with the real Qwen tokenizer on GSM8K prompts, 4 prompts x 4 samples x 64 new tokens, two
# iterations on the embedded cluster with parallelism 2, the launcher's default JVM options. Prints
# the process's peak resident memory (sampled here, and per stage as the workers report it), seconds
# per stage, sampling and training tokens/s, model loads and bytes read per iteration, and the same
# shape in PyTorch fp32 on this CPU with the same threads and batches (sampling.batchRows, the micro-
# batch) as the ratio anchor, and PyTorch sampling all rows in one batch beside it; then crashes a run in
# iteration 1's gradient stage, resumes it and compares the final checkpoint's bytes.
#   bench/real-size.sh [OUT]        (default OUT: bench/out/real-size-full; ~20 min on 2 cores)
# Env: CHECK_RESUME=0 skips the crash and resume (~8 min); MODEL_THREADS sets model.threads (engine
# threads per worker JVM; default 0: all cores); PARALLELISM (default 2); SPRO_JAVA_OPTS as for the
# launcher.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
OUT="$(mkdir -p "${1:-$ROOT/bench/out/real-size-full}" && cd "${1:-$ROOT/bench/out/real-size-full}" && pwd)"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
VENV="$ROOT/bench/out/venv"
PROMPTS=4 SAMPLES=4 NEW_TOKENS=64 MICRO=2 BATCH_ROWS=8

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  echo "installing the torch CPU wheel into $VENV (from this machine's local wheels) ..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple torch >&2
fi
[ -d "$OUT/qwen2.5-0.5b" ] || "$SPRO" init --shape qwen2.5-0.5b --out "$OUT/qwen2.5-0.5b"
[ -f "$OUT/gsm8k-train.parquet" ] || "$SPRO" data gsm8k --in "$SHARED/data/gsm8k/train.jsonl" --out "$OUT/gsm8k-train.parquet"
cat > "$OUT/config.yaml" <<YAML
run: {name: real-size, seed: 1, iterations: 2}
data: {task: null, files: $OUT/gsm8k-train.parquet, batchSize: $PROMPTS}
model:
  checkpoint: $OUT/qwen2.5-0.5b
  tokenizer: $SHARED/data/tokenizers/qwen3/tokenizer.json
  eosToken: "<|endoftext|>"
  chatTemplate: chatml
  threads: ${MODEL_THREADS:-0}
sampling: {samplesPerPrompt: $SAMPLES, maxNewTokens: $NEW_TOKENS, batchRows: $BATCH_ROWS}
optimizer: {lr: 1.0e-6, microBatch: $MICRO}
loss: {entropyCoef: 0.001}
warmStart: {enabled: false}
eval: {every: 0}
flink: {parallelism: ${PARALLELISM:-2}, restPort: 0}
YAML

# Runs `spro ARGS...` and samples the JVM's resident set every second; prints the peak in GB.
run_measured() {
  local log=$1; shift
  "$SPRO" "$@" > "$log" 2>&1 &
  local launcher=$! peak=0
  while kill -0 "$launcher" 2>/dev/null; do
    local pid
    pid=$(pgrep -f "^java.*dev.spro.runners.SproCli $1 " | head -1 || true)
    if [ -n "$pid" ]; then
      local hwm
      hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    fi
    sleep 1
  done
  wait "$launcher" || true
  echo "$peak" | awk '{printf "%.1f", $1 / 1048576}'
}

echo "training: 2 iterations (log: $OUT/train.log) ..." >&2
rm -rf "$OUT/run"
PEAK=$(run_measured "$OUT/train.log" train --config "$OUT/config.yaml" --run-dir "$OUT/run")
[ -d "$OUT/run/iter-000002/checkpoint" ] || { tail -20 "$OUT/train.log"; echo "the run did not finish" >&2; exit 1; }

echo "PyTorch fp32 anchor ..." >&2
PROMPT_LEN=$(python3 -c "
import json
m = [json.loads(l) for l in open('$OUT/run/metrics.jsonl') if '\"train\"' in l]
print(round(sum(x['prompt_length/mean'] for x in m) / len(m)))")
TORCH=$(cd "$ROOT/bench" && "$VENV/bin/python" -W ignore torch_real_size.py 2 $((PROMPTS * SAMPLES)) "$PROMPT_LEN" "$NEW_TOKENS" "$MICRO" "$BATCH_ROWS" | tail -1)

SAME="not checked (CHECK_RESUME=0)" RESUME_PEAK="-"
if [ "${CHECK_RESUME:-1}" != 0 ]; then
  echo "crash in iteration 1's gradient stage, then resume ..." >&2
  rm -rf "$OUT/crashed"
  run_measured "$OUT/crash.log" train --config "$OUT/config.yaml" --run-dir "$OUT/crashed" --fail-at 1:gradient > /dev/null
  RESUME_PEAK=$(run_measured "$OUT/resume.log" resume "$OUT/crashed")
  SAME=$(cd "$OUT" && if diff <(cd run/iter-000002/checkpoint && sha256sum ./* ) <(cd crashed/iter-000002/checkpoint && sha256sum ./*) >/dev/null; then echo yes; else echo NO; fi)
fi

python3 - "$OUT/run/metrics.jsonl" "$PEAK" "$TORCH" "$SAME" "$RESUME_PEAK" $((PROMPTS * SAMPLES)) "${PARALLELISM:-2}" <<'PYEOF'
import json, sys
metrics, peak, torch, same, resume_peak, rows = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
workers = int(sys.argv[7])
lines = [json.loads(l) for l in open(metrics) if json.loads(l).get("phase") == "train"]
print(f"peak resident memory of the training JVM (sampled every second): {peak:.1f} GB (target <= 16 GB)")
print(f"PyTorch fp32 (torch {torch['torch']}, {torch['threads']} threads), same shape and batch: "
      f"sampling {torch['sampling_tokens_per_s']} tokens/s in batches of {torch['batch_rows']} rows as the run samples "
      f"({torch['sampling_one_batch_tokens_per_s']} in one batch of {rows}), training {torch['training_tokens_per_s']} tokens/s, "
      f"peak {torch['peak_rss_gb']} GB (policy, gradients and moments; no reference)")
for m in lines:
    k = m["iteration"]
    response = m["response_length/mean"] * rows
    tokens = (m["prompt_length/mean"] + m["response_length/mean"]) * rows
    # stage seconds are summed over the workers, which run side by side: wall time is about 1/P of it
    gen_wall, upd_wall = m["timing_s/gen"] / workers, m["timing_s/update_actor"] / workers
    s_tps, t_tps = response / gen_wall, tokens / upd_wall
    print(f"iteration {k}: step {m['timing_s/step']:.0f} s; worker-seconds gen {m['timing_s/gen']:.1f}, "
          f"ref {m['timing_s/ref']:.1f}, update {m['timing_s/update_actor']:.1f}")
    print(f"  peak memory per stage (GB): gen {m['perf/peak_memory_gb/gen']:.1f}, ref {m['perf/peak_memory_gb/ref']:.1f}, "
          f"update {m['perf/peak_memory_gb/update_actor']:.1f}; model loads {m['perf/model_loads']}, "
          f"bytes read {m['perf/model_bytes_read'] / 1e9:.2f} GB")
    print(f"  sampling {s_tps:.1f} tokens/s ({s_tps / torch['sampling_tokens_per_s']:.2f}x PyTorch), "
          f"training {t_tps:.1f} tokens/s ({t_tps / torch['training_tokens_per_s']:.2f}x PyTorch)")
print(f"crash in iteration 1's gradient stage, resumed (peak {resume_peak} GB): final checkpoint bytes identical: {same}")
PYEOF
