#!/usr/bin/env bash
# SPRO's stability on the built-in task (docs/algorithms.md §7): a grid of beta x guards x learning
# rate, every run from the same warm start with the same seed, and a GRPO run per learning rate
# as the yardstick. Prints one table: final test accuracy, peak per-token KL to the reference,
# and whether the run collapsed.
#   bench/stability-grid.sh [OUT]        (default OUT: bench/out/stability-grid; ~30 min on 2 cores)
# Env: ITERATIONS (30), EVAL_EVERY (10), LRS ("1e-4 5e-4"), BETAS ("0.05 0.5"), SEED (1), SPRO.
ITERATIONS="${ITERATIONS:-30}"
EVAL_EVERY="${EVAL_EVERY:-10}"
source "$(dirname "$0")/rl-runs.sh"
OUT="${1:-$ROOT/bench/out/stability-grid}"
LRS="${LRS:-1e-4 5e-4}"
BETAS="${BETAS:-0.05 0.5}"
SEED="${SEED:-1}"
mkdir -p "$OUT"
warm_start "$OUT/warm"

# name | algorithm and loss keys (none: the paper's formulas). Every guard the line does not use is
# off explicitly: msaClip defaults to 0.2 since this grid picked it.
GUARDS=(
  "none|algorithm: {name: spro, msaClip: 0}"
  "mixed|algorithm: {name: spro, msaOnlyMixedGroups: true, msaClip: 0}"
  "clip|algorithm: {name: spro, msaClip: 0.2}"
  "filter|algorithm: {name: spro, minGroupAccuracy: 0.2, maxGroupAccuracy: 0.8, msaClip: 0}"
  "kl|algorithm: {name: spro, msaClip: 0}|loss: {klCoef: 0.05}"
  "all|algorithm: {name: spro, msaOnlyMixedGroups: true, msaClip: 0.2, minGroupAccuracy: 0.2, maxGroupAccuracy: 0.8}|loss: {klCoef: 0.05}"
)
runs=()
for lr in $LRS; do
  rl_run "$OUT/grpo-lr$lr" "$OUT/warm" "$SEED" "algorithm: {name: grpo}" "optimizer: {lr: $lr}"
  runs+=("$OUT/grpo-lr$lr")
  for beta in $BETAS; do
    for g in "${GUARDS[@]}"; do
      name="${g%%|*}"
      IFS='|' read -ra lines <<<"${g#*|}"
      # the beta goes into the algorithm line
      lines[0]="${lines[0]%\}}, beta: $beta}"
      rl_run "$OUT/spro-$name-b$beta-lr$lr" "$OUT/warm" "$SEED" "${lines[@]}" "optimizer: {lr: $lr}"
      runs+=("$OUT/spro-$name-b$beta-lr$lr")
    done
  done
done
"$SPRO" report "${runs[@]}" --out "$OUT/report" --baseline grpo | tee "$OUT/table.md"
