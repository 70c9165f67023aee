# Shared by the RL benchmarks (sourced, not run): one warm start, then RL runs from it.
#   SPRO       the launcher (default: ./spro of this checkout)
#   ITERATIONS RL iterations per run        EVAL_EVERY  test accuracy every N iterations
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPRO="${SPRO:-$ROOT/spro}"
ITERATIONS="${ITERATIONS:-40}"
EVAL_EVERY="${EVAL_EVERY:-5}"

# warm_start DIR: the default config's supervised warm start, once; later calls reuse it.
warm_start() {
  local dir="$1"
  if [ ! -f "$dir/iter-000000/checkpoint/manifest.json" ]; then
    mkdir -p "$dir"
    printf 'flink: {restPort: 0}\n' > "$dir.yaml"
    "$SPRO" sft --config "$dir.yaml" --run-dir "$dir" > "$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
  fi
  grep -E "^eval +0 " "$dir.log" >&2 || true
}

# rl_run DIR WARM SEED YAML-LINES...: one RL run from the warm start's checkpoint (skipped when complete).
rl_run() {
  local dir="$1" warm="$2" seed="$3"
  shift 3
  {
    printf 'run: {name: %s, seed: %s, iterations: %s}\n' "$(basename "$dir")" "$seed" "$ITERATIONS"
    printf 'model: {checkpoint: %s}\n' "$warm/iter-000000/checkpoint"
    printf 'eval: {every: %s}\n' "$EVAL_EVERY"
    printf 'flink: {restPort: 0}\n'
    printf '%s\n' "$@"
  } > "$dir.yaml"
  echo "$(date +%T) $(basename "$dir"): $*" >&2
  "$SPRO" train --config "$dir.yaml" --run-dir "$dir" >> "$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
  grep -E "^eval +$ITERATIONS " "$dir.log" >&2 || true
}

# checkpoint_eval RUN ITERATION SIZE NAME: that checkpoint of the run scored greedily on SIZE test
# problems into NAME.json (`spro eval --json`, the run's own config; its log in NAME.log), once: a
# written score is kept.
checkpoint_eval() {
  local run="$1" at="$2" size="$3" name="$4"
  if [ ! -s "$name.json" ]; then
    "$SPRO" eval --checkpoint "$run/iter-$(printf %06d "$at")/checkpoint" --config "$run.yaml" --test-size "$size" --json \
      > "$name.json.tmp" 2> "$name.log" && mv "$name.json.tmp" "$name.json" || { tail -20 "$name.log" >&2; exit 1; }
  fi
}
