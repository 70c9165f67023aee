"""The credit study's learning-rate sweep (bench/credit-lr-sweep.sh): per arm and rate, the final
accuracy on the large test set and the area under the 500-problem curve on the sweep's seed, and
per arm the rate with the highest final accuracy (the pick). Standard library only.

    python3 bench/credit_lr_sweep.py STUDY_OUT LRS ARMS SEED > lr-sweep.md
"""
import os
import sys

from credit_study_report import auc, final_accuracy, fmt, rows, series


def main():
    out, lrs, arms, seed = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
    print(f"Learning rate per arm, seed {seed}: final accuracy on the large test set (AUC of the"
          " 500-problem curve); the pick is the highest final accuracy.")
    print()
    head = ["arm"] + [f"lr {lr}" for lr in lrs] + ["pick"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for arm in arms:
        cells, scores = [arm], {}
        for lr in lrs:
            curve = series(rows(os.path.join(out, f"lr-{lr}", f"{arm}-s{seed}", "metrics.jsonl")), "eval", "val/accuracy")
            final, large = final_accuracy(os.path.join(out, f"lr-{lr}"), arm, seed, curve)
            if final is None:
                cells.append("–")
                continue
            if large:
                scores[lr] = final
            cells.append(f"{fmt(final)} ({fmt(auc(curve))})" + ("" if large else " (curve)"))
        cells.append(max(scores, key=scores.get) if len(scores) == len(lrs) else "– (not all run)")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
