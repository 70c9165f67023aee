"""The credit study's learning-rate sweep (bench/credit-lr-sweep.sh): per arm and rate, the final
accuracy on the large test set and the area under the 500-problem curve on the sweep's seed, and
per arm the rate with the highest final accuracy (the pick). Standard library only.

    python3 bench/credit_lr_sweep.py STUDY_OUT LRS ARMS SEED > lr-sweep.md
    python3 bench/credit_lr_sweep.py --pick STUDY_OUT LRS ARM SEED     (the arm's pick alone; exit 1 if none)
"""
import os
import sys

from credit_study_report import auc, final_accuracy, fmt, rows, series, with_scored_points


def scores(out, lrs, arm, seed):
    """Per rate: (final accuracy or None, whether it is from the large test set, the curve's AUC)."""
    result = {}
    for lr in lrs:
        run = os.path.join(out, f"lr-{lr}", f"{arm}-s{seed}")
        curve = with_scored_points(run, series(rows(os.path.join(run, "metrics.jsonl")), "eval", "val/accuracy"))
        final, large = final_accuracy(os.path.join(out, f"lr-{lr}"), arm, seed, curve)
        result[lr] = (final, large, auc(curve))
    return result


def pick(by_lr, complete=True):
    """The rate with the highest large-test-set accuracy; None when no rate has one, or (complete)
    unless every rate has one."""
    large = {lr: final for lr, (final, is_large, _) in by_lr.items() if final is not None and is_large}
    if not large or (complete and len(large) < len(by_lr)):
        return None
    return max(large, key=large.get)


def main():
    if sys.argv[1] == "--pick":
        out, lrs, arm, seed = sys.argv[2], sys.argv[3].split(), sys.argv[4], sys.argv[5]
        chosen = pick(scores(out, lrs, arm, seed))
        if chosen is None:
            sys.exit(f"no learning rate picked for {arm}: not every rate of '{' '.join(lrs)}' has a final score")
        print(chosen)
        return
    out, lrs, arms, seed = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
    print(f"Learning rate per arm, seed {seed}: final accuracy on the large test set (AUC of the"
          " 500-problem curve); the pick is the highest final accuracy.")
    print()
    head = ["arm"] + [f"lr {lr}" for lr in lrs] + ["pick"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for arm in arms:
        by_lr = scores(out, lrs, arm, seed)
        # the table spans every arm's rates; an arm not run at some of them is picked among the rest
        chosen = pick(by_lr, complete=False)
        # a pick that rounds level with another rate is shown to one more digit, so the row says why
        finals = [fmt(final) for final, _, _ in by_lr.values() if final is not None]
        digits = 4 if chosen is not None and finals.count(fmt(by_lr[chosen][0])) > 1 else 3
        cells = [arm]
        for final, large, area in by_lr.values():
            cells.append("not run" if final is None else f"{fmt(final, digits)} ({fmt(area)})" + ("" if large else " (curve)"))
        run_at_all = all(final is not None for final, _, _ in by_lr.values())
        cells.append("–" if chosen is None else chosen if run_at_all else f"{chosen} (of those run)")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
