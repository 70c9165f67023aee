#!/usr/bin/env bash
# SPRO against GRPO and PRIME on the built-in task: every run starts from the same warm-start
# checkpoint, with the same seeds and the same budget (iterations, prompts and samples per
# iteration, learning rate); the algorithm is the only difference. Prints one table (also in
# OUT/report/comparison.md, with charts in OUT/report/report.html): final test accuracy,
# iterations to reach GRPO's final accuracy, response length and entropy over the last
# iterations, seconds per iteration relative to GRPO; then the same over seeds (mean, range).
#   bench/compare-algorithms.sh [OUT]     (default OUT: bench/out/compare; ~5 min per seed on 2 cores)
# Env: SEEDS ("1 2 3"), ITERATIONS (40), EVAL_EVERY (5), ALGOS ("grpo spro prime"), SPRO.
# The SPRO runs use the default config's SPRO settings; the others change only algorithm.name.
source "$(dirname "$0")/rl-runs.sh"
OUT="${1:-$ROOT/bench/out/compare}"
SEEDS="${SEEDS:-1 2 3}"
ALGOS="${ALGOS:-grpo spro prime}"
mkdir -p "$OUT"
warm_start "$OUT/warm"
runs=()
for seed in $SEEDS; do
  for algo in $ALGOS; do
    rl_run "$OUT/$algo-s$seed" "$OUT/warm" "$seed" "algorithm: {name: $algo}"
    runs+=("$OUT/$algo-s$seed")
  done
done
"$SPRO" report "${runs[@]}" --out "$OUT/report" --baseline grpo | tee "$OUT/table.md"
