#!/usr/bin/env bash
# The credit study's test curves at a finer step than the runs evaluated (issue 17: "on 500 every
# 5 iterations for the curves"), from the checkpoints every run keeps: each missing point is the
# greedy evaluation a run does in place, on the run's own test problems (its config's eval
# testSize), so it scores the same (iteration 10 of the A3R3 study's grpo-s1: 0.178 in the run,
# 0.178 from its checkpoint). A point is written beside its run as <run>.curve-<N>.json (beside
# the run's real directory when OUT links it, as OUT/tuned does), and bench/credit_study_report.py
# merges it into the run's curve.
# About 15 seconds a point on 2 cores, against 5 minutes to run again with a smaller EVAL_EVERY.
# Resumable: a written point is kept.
#   bench/credit-curve.sh OUT [EVERY]     (EVERY: 5; OUT: a bench/credit-study.sh output)
# Env: ARMS and SEEDS (default: every <arm>-s<seed> run in OUT), SPRO.
source "$(dirname "$0")/rl-runs.sh"
OUT="${1:?usage: bench/credit-curve.sh OUT [EVERY]}"
EVERY="${2:-5}"
[[ "$EVERY" =~ ^[1-9][0-9]*$ ]] || { echo "EVERY must be a positive whole number of iterations, got '$EVERY'" >&2; exit 2; }

runs=()
if [ -n "${ARMS:-}" ] || [ -n "${SEEDS:-}" ]; then
  for seed in ${SEEDS:?set SEEDS with ARMS}; do
    for arm in ${ARMS:?set ARMS with SEEDS}; do runs+=("$OUT/$arm-s$seed"); done
  done
else
  shopt -s nullglob
  for dir in "$OUT"/*-s[0-9]*/; do runs+=("${dir%/}"); done
  shopt -u nullglob
  [ ${#runs[@]} -gt 0 ] || { echo "no runs (<arm>-s<seed>/) in $OUT: run bench/credit-study.sh $OUT first" >&2; exit 2; }
fi

for link in "${runs[@]}"; do
  [ -f "$link/metrics.jsonl" ] || { echo "no run at $link (metrics.jsonl missing): run the study first" >&2; exit 2; }
  run="$(readlink -f "$link")"
  [ -f "$run.yaml" ] || { echo "no config $run.yaml beside the run $run" >&2; exit 2; }
  # the run's own test set: the last eval testSize its config names (the study writes one)
  size=$(grep -o 'testSize: [0-9]*' "$run.yaml" | tail -1 | grep -o '[0-9]*$' || true)
  [ -n "$size" ] || { echo "$run.yaml names no eval testSize: cannot tell which test set its curve used" >&2; exit 2; }
  last=$(python3 -c 'import json,sys; print(max([json.loads(l)["iteration"] for l in open(sys.argv[1]) if l.strip() and "\"train\"" in l] or [0]) + 1)' "$run/metrics.jsonl")
  for ((at = EVERY; at <= last; at += EVERY)); do
    # a point the run evaluated itself is not scored again
    grep -q "\"iteration\":$at,\"phase\":\"eval\"" "$run/metrics.jsonl" && continue
    [ -s "$run.curve-$at.json" ] && continue
    ckpt="$run/iter-$(printf %06d "$at")/checkpoint"
    [ -f "$ckpt/manifest.json" ] || { echo "no checkpoint $ckpt: the run did not keep iteration $at" >&2; exit 2; }
    checkpoint_eval "$run" "$at" "$size" "$run.curve-$at"
    echo "$(date +%T) $(basename "$run") $at $(grep -o '"val/accuracy" : [0-9.]*' "$run.curve-$at.json")" >&2
  done
done
