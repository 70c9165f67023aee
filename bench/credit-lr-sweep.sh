#!/usr/bin/env bash
# The credit study's learning rate per arm, picked on a seed of its own (issue 17, "a learning rate
# picked per arm on a separate seed"): every arm in ARMS at every rate in LRS, from the study's
# warm start, on SWEEP_SEED, scored on FINAL_SIZE problems at the end; the rate with the highest
# score is the arm's pick (bench/credit_lr_sweep.py writes OUT/lr-sweep.md). Then, with
# TUNED_SEEDS, every arm runs at its pick on those seeds, and OUT/tuned/ links each arm's runs at
# its own rate, so bench/credit_study_report.py compares the arms each at its best rate
# (OUT/tuned/table.md, charts in OUT/tuned/charts/).
#   bench/credit-lr-sweep.sh STUDY_OUT    (a bench/credit-study.sh output with its warm start)
# Env: LRS ("5e-5 1e-4 2e-4"), SWEEP_SEED (6: none of the study's seeds 1-5), ARMS (grpo
#      spro-guard), TUNED_SEEDS (none; the study's are "1 2 3 4 5"), and the task variables of
#      bench/credit-study.sh, set as for the study.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:?usage: bench/credit-lr-sweep.sh STUDY_OUT}"
LRS="${LRS:-5e-5 1e-4 2e-4}"
SWEEP_SEED="${SWEEP_SEED:-6}"
ARMS="${ARMS:-grpo spro-guard}"
[ -f "$OUT/warm/iter-000000/checkpoint/manifest.json" ] || { echo "no warm start in $OUT: run bench/credit-study.sh $OUT first" >&2; exit 2; }
for lr in $LRS; do
  dir="$OUT/lr-$lr"
  mkdir -p "$dir"
  # the study's warm start, shared: the same starting weights for every rate
  [ -e "$dir/warm" ] || ln -s ../warm "$dir/warm"
  [ -e "$dir/warm.log" ] || ln -s ../warm.log "$dir/warm.log"
  # REPORT=0: the sweep's table is lr-sweep.md below; a per-rate table would hold only these arms
  LR="$lr" SEEDS="$SWEEP_SEED" ARMS="$ARMS" CHECKPOINTS="" REPORT=0 "$HERE/credit-study.sh" "$dir" > /dev/null
done
python3 "$HERE/credit_lr_sweep.py" "$OUT" "$LRS" "$ARMS" "$SWEEP_SEED" | tee "$OUT/lr-sweep.md"

TUNED_SEEDS="${TUNED_SEEDS:-}"
[ -n "$TUNED_SEEDS" ] || exit 0
mkdir -p "$OUT/tuned"
for arm in $ARMS; do
  pick=$(python3 "$HERE/credit_lr_sweep.py" --pick "$OUT" "$LRS" "$arm" "$SWEEP_SEED")
  # At the study's own rate the study's runs are the tuned runs (the same seeds, warm start and
  # config): they are scored at the checkpoints there rather than run a second time. REPORT=0 as
  # above: the report of one arm would replace the table of the directory it ran in.
  dir="lr-$pick"
  grep -qx "optimizer: {lr: $pick}" "$OUT/$arm-s${TUNED_SEEDS%% *}.yaml" 2>/dev/null && dir="."
  LR="$pick" SEEDS="$TUNED_SEEDS" ARMS="$arm" REPORT=0 "$HERE/credit-study.sh" "$OUT/$dir" > /dev/null
  for seed in $TUNED_SEEDS; do
    for f in "$OUT/$dir/$arm-s$seed" "$OUT/$dir/$arm-s$seed".*.json; do
      [ -e "$f" ] && ln -sfn "../$dir/$(basename "$f")" "$OUT/tuned/$(basename "$f")"
    done
  done
done
python3 "$HERE/credit_study_report.py" "$OUT/tuned" "$ARMS" "$TUNED_SEEDS" "$OUT/tuned/charts" | tee "$OUT/tuned/table.md"
