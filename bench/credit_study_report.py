"""The credit study's tables and charts (bench/credit-study.sh), from the runs' metrics.jsonl and
their final evaluations: standard library only, so it runs wherever the study ran.

    python3 bench/credit_study_report.py OUT ARMS SEEDS CHARTS_DIR > table.md

OUT/<arm>-s<seed>/metrics.jsonl     the run's lines (phase train / eval, verl's names)
OUT/<arm>-s<seed>.final.json        `spro eval --json` of its last checkpoint on the large test set
OUT/<arm>-s<seed>.at-<N>.json       the same of its checkpoint at iteration N (CHECKPOINTS)
<run>.curve-<N>.json                 its checkpoint at iteration N on the curve's test set, scored
                                    afterwards (bench/credit-curve.sh; <run> is the run's real
                                    directory, which OUT may link): merged into the curve

Intervals are 95% bootstrap intervals over seeds (10,000 resamples, fixed seed), of an arm's mean
and of its paired difference to GRPO (the runs of one seed share the warm start and the seed).
"""
import json
import math
import os
import random
import sys

BOOT = 10_000
DELTA = 0.03  # the difference the study should resolve (3 points)
Z = 2.8  # z_{0.975} + z_{0.80} = 1.96 + 0.84: n = Z^2 sd_d^2 / delta^2 = 7.85 sd_d^2 / delta^2


def rows(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a damaged line: the run's own reader names it
    return out


def series(lines, phase, key):
    pts = sorted((r["iteration"], r[key]) for r in lines if r.get("phase") == phase and isinstance(r.get(key), (int, float)))
    return pts


def with_scored_points(run_dir, curve):
    """The run's curve with the points bench/credit-curve.sh scored from its checkpoints; a point
    the run evaluated itself wins (the two agree: the same greedy evaluation of the same weights)."""
    real = os.path.realpath(run_dir)
    points = dict(curve)
    parent, name = os.path.split(real)
    prefix = name + ".curve-"
    for entry in os.listdir(parent) if os.path.isdir(parent) else []:
        if entry.startswith(prefix) and entry.endswith(".json"):
            at = entry[len(prefix):-len(".json")]
            if at.isdigit() and int(at) not in points:
                with open(os.path.join(parent, entry)) as f:
                    points[int(at)] = json.load(f)["val/accuracy"]
    return sorted(points.items())


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def sd(xs):
    if len(xs) < 2:
        return float("nan")
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def boot_ci(xs, seed=17):
    if not xs:
        return (float("nan"), float("nan"))
    if len(xs) == 1:
        return (xs[0], xs[0])
    rnd = random.Random(seed)
    means = sorted(mean([rnd.choice(xs) for _ in xs]) for _ in range(BOOT))
    return (means[int(0.025 * BOOT)], means[int(0.975 * BOOT) - 1])


def fmt(x, digits=3):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def large_accuracy(out, arm, seed, name):
    """Accuracy of OUT/<arm>-s<seed>.<name>.json (`spro eval --json`), None when not there."""
    path = os.path.join(out, f"{arm}-s{seed}.{name}.json")
    if os.path.exists(path):
        with open(path) as f:
            m = json.load(f)
        for key in ("val/accuracy", "accuracy"):
            if key in m:
                return m[key]
    return None


def final_accuracy(out, arm, seed, curve):
    acc = large_accuracy(out, arm, seed, "final")
    if acc is not None:
        return acc, True
    return (curve[-1][1], False) if curve else (None, False)


def scored_checkpoints(out, arms, done):
    """The iterations N with an OUT/<arm>-s<seed>.at-<N>.json of some run, ascending."""
    found = set()
    for name in os.listdir(out):
        for arm in arms:
            for s in done[arm]:
                prefix = f"{arm}-s{s}.at-"
                if name.startswith(prefix) and name.endswith(".json") and name[len(prefix):-5].isdigit():
                    found.add(int(name[len(prefix):-5]))
    return sorted(found)


def checkpoint_points(out, arms, done, last):
    """(file name part, column label) of every scored checkpoint, the final one last."""
    return [(f"at-{n}", str(n)) for n in scored_checkpoints(out, arms, done)] + [("final", f"{last} (final)")]


def print_checkpoint_head(title, points):
    print()
    print(title)
    print()
    head = ["arm"] + [f"iteration {label}" for _, label in points]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))


def print_checkpoint_table(out, arms, done, last):
    """Accuracy on the large test set at each scored checkpoint: mean and paired difference to GRPO."""
    points = checkpoint_points(out, arms, done, last)
    if len(points) < 2:
        return
    print_checkpoint_head("Accuracy on the large test set at each scored checkpoint (mean over seeds [95% CI];"
                          " paired difference to GRPO [95% CI]):", points)
    for arm in arms:
        cells = [arm]
        for name, _ in points:
            accs, diffs = [], []
            for s in done[arm]:
                a = large_accuracy(out, arm, s, name)
                g = large_accuracy(out, "grpo", s, name)
                if a is not None:
                    accs.append(a)
                    if g is not None:
                        diffs.append(a - g)
            if not accs:
                cells.append("–")
                continue
            lo, hi = boot_ci(accs)
            cell = f"{fmt(mean(accs))} [{fmt(lo)}, {fmt(hi)}] ({len(accs)})"
            if arm != "grpo" and diffs:
                dlo, dhi = boot_ci(diffs)
                cell += f"; {mean(diffs):+.3f} [{dlo:+.3f}, {dhi:+.3f}]"
            cells.append(cell)
        print("| " + " | ".join(cells) + " |")


def print_paired_to_base(out, arms, done, base, last):
    """The paired difference of `base` (SPRO) to each other arm on the large test set at each scored
    checkpoint: the issue's question is whether SPRO beats its placebo and the explicit KL bonus,
    which a difference to GRPO answers only indirectly."""
    others = [a for a in arms if a != base and done[a]]
    if base not in arms or not done[base] or not others:
        return
    points = checkpoint_points(out, arms, done, last)
    print_checkpoint_head(f"{base} minus each arm on the large test set, paired by seed (mean [95% CI] (seeds)):", points)
    for arm in others:
        cells = [arm]
        for name, _ in points:
            diffs = []
            for s in (s for s in done[base] if s in done[arm]):
                a, b = large_accuracy(out, arm, s, name), large_accuracy(out, base, s, name)
                if a is not None and b is not None:
                    diffs.append(b - a)
            if diffs:
                lo, hi = boot_ci(diffs)
                cells.append(f"{mean(diffs):+.3f} [{lo:+.3f}, {hi:+.3f}] ({len(diffs)})")
            else:
                cells.append("–")
        print("| " + " | ".join(cells) + " |")


SPEED_FRACTIONS = (0.5, 0.75, 0.9, 1.0)


def print_speed_profile(arms, runs, done, target):
    """Iterations to fractions of GRPO's final accuracy on the curves, per arm: where along the run
    a gain in speed is (the table's speed-up is the last column, the paper's measure). A seed that
    never reaches a target is left out of that mean and counted in (k of n)."""
    if target is None or not done.get("grpo"):
        return
    targets = [f * target for f in SPEED_FRACTIONS]
    print()
    print("Iterations to fractions of GRPO's final accuracy on the curves (mean over the seeds that reach it"
          " (k of n); speed-up against GRPO's mean):")
    print()
    head = ["arm"] + [f"{f:.0%} ({fmt(t)})" for f, t in zip(SPEED_FRACTIONS, targets)]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    grpo_means = []
    for t in targets:
        reached = [r for r in (first_reach(runs[("grpo", s)][1], t) for s in done["grpo"]) if r is not None]
        grpo_means.append(mean(reached) if reached else None)
    for arm in arms:
        if not done[arm]:
            continue
        cells = [arm]
        for t, g in zip(targets, grpo_means):
            reached = [r for r in (first_reach(runs[(arm, s)][1], t) for s in done[arm]) if r is not None]
            if not reached:
                cells.append(f"not reached (0 of {len(done[arm])})")
                continue
            cell = f"{fmt(mean(reached), 1)} ({len(reached)} of {len(done[arm])})"
            if arm != "grpo" and g:
                cell += f", {g / mean(reached):.2f}×"
            cells.append(cell)
        print("| " + " | ".join(cells) + " |")


def first_reach(curve, target):
    """The first evaluated iteration after the start at or above target (the start does not count)."""
    for it, acc in curve:
        if it > 0 and acc >= target - 1e-12:
            return it
    return None


def auc(curve):
    """Mean accuracy over the evaluated iterations (trapezoids, normalised by the span)."""
    if len(curve) < 2:
        return curve[0][1] if curve else float("nan")
    area = sum((b[0] - a[0]) * (a[1] + b[1]) / 2 for a, b in zip(curve, curve[1:]))
    return area / (curve[-1][0] - curve[0][0])


def last_mean(lines, key, k=5):
    pts = series(lines, "train", key)
    return mean([v for _, v in pts[-k:]]) if pts else float("nan")


def all_mean(lines, key):
    pts = series(lines, "train", key)
    return mean([v for _, v in pts]) if pts else float("nan")


def svg_chart(title, arm_curves, grpo_curves, path):
    """Mean test accuracy per iteration with its 95% bootstrap band; GRPO's mean dashed beside it."""
    w, h, left, right, top, bottom = 520, 300, 50, 20, 30, 40
    its = sorted({it for c in arm_curves + grpo_curves for it, _ in c})
    if not its:
        return
    x0, x1 = its[0], max(its[-1], its[0] + 1)

    def band(curves):
        pts = []
        for it in its:
            vals = [dict(c).get(it) for c in curves]
            vals = [v for v in vals if v is not None]
            if vals:
                lo, hi = boot_ci(vals)
                pts.append((it, mean(vals), lo, hi))
        return pts

    def X(it):
        return left + (it - x0) / (x1 - x0) * (w - left - right)

    def Y(v):
        return top + (1 - v) * (h - top - bottom)

    own, ref = band(arm_curves), band(grpo_curves)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{left}" y="18" font-size="13">{title}</text>']
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    for it in its:
        parts.append(f'<text x="{X(it):.1f}" y="{h - bottom + 15}" text-anchor="middle">{it}</text>')
    parts.append(f'<text x="{(w + left) / 2}" y="{h - 8}" text-anchor="middle">iteration (greedy test accuracy; band: 95% bootstrap over seeds)</text>')
    if own:
        poly = " ".join(f"{X(i):.1f},{Y(hi):.1f}" for i, _, _, hi in own) + " " + " ".join(
            f"{X(i):.1f},{Y(lo):.1f}" for i, _, lo, _ in reversed(own))
        parts.append(f'<polygon points="{poly}" fill="#1f77b4" fill-opacity="0.2"/>')
        parts.append('<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="'
                     + " ".join(f"{X(i):.1f},{Y(m):.1f}" for i, m, _, _ in own) + '"/>')
    if ref and grpo_curves is not arm_curves:
        parts.append('<polyline fill="none" stroke="#555" stroke-dasharray="4 3" points="'
                     + " ".join(f"{X(i):.1f},{Y(m):.1f}" for i, m, _, _ in ref) + '"/>')
        parts.append(f'<text x="{w - right}" y="18" text-anchor="end" fill="#555">dashed: grpo</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    out, arms, seeds, charts = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
    os.makedirs(charts, exist_ok=True)
    runs = {}
    for arm in arms:
        for seed in seeds:
            lines = rows(os.path.join(out, f"{arm}-s{seed}", "metrics.jsonl"))
            curve = series(lines, "eval", "val/accuracy")
            if curve:
                curve = with_scored_points(os.path.join(out, f"{arm}-s{seed}"), curve)
                runs[(arm, seed)] = (lines, curve)
    done = {arm: [s for s in seeds if (arm, s) in runs] for arm in arms}
    grpo_finals = {s: final_accuracy(out, "grpo", s, runs[("grpo", s)][1])[0] for s in done.get("grpo", [])}
    grpo_curves = [runs[("grpo", s)][1] for s in done.get("grpo", [])]
    # the paper's speed measure: iterations to GRPO's final accuracy, on the curves' own test set
    target = mean([c[-1][1] for c in grpo_curves]) if grpo_curves else None
    grpo_reach = mean([first_reach(c, target) for c in grpo_curves if target is not None and first_reach(c, target) is not None])

    head = ["arm", "seeds", "final acc [95% CI]", "final - grpo, paired [95% CI]", "seeds for ±3 pts", "best [95% CI]",
            f"iters to {fmt(target)}", "speed-up vs grpo", "AUC", "length", "re-checks", "entropy", "KL to ref",
            "peak KL", "localisation l_t", "localisation A_t"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for arm in arms:
        ss = done[arm]
        if not ss:
            print(f"| {arm} | 0 |" + " – |" * (len(head) - 2))
            continue
        finals, diffs, bests, reach, aucs = [], [], [], [], []
        large = True
        for s in ss:
            lines, curve = runs[(arm, s)]
            f, from_large = final_accuracy(out, arm, s, curve)
            large &= from_large
            finals.append(f)
            if s in grpo_finals and grpo_finals[s] is not None:
                diffs.append(f - grpo_finals[s])
            bests.append(max(v for _, v in curve))
            r = first_reach(curve, target) if target is not None else None
            reach.append(r)
            aucs.append(auc(curve))
        lo, hi = boot_ci(finals)
        dlo, dhi = boot_ci(diffs) if arm != "grpo" else (None, None)
        reached = [r for r in reach if r is not None]
        need = math.ceil(Z * Z * sd(diffs) ** 2 / DELTA ** 2) if arm != "grpo" and len(diffs) >= 2 else None
        metric = lambda key, f=last_mean: mean([f(runs[(arm, s)][0], key) for s in ss])
        peak_kl = max(max([v for _, v in series(runs[(arm, s)][0], "train", "actor/kl_ref")] or [float("nan")]) for s in ss)
        cells = [
            arm, str(len(ss)),
            f"{fmt(mean(finals))} [{fmt(lo)}, {fmt(hi)}]" + ("" if large else " (curve)"),
            "–" if arm == "grpo" or not diffs else f"{mean(diffs):+.3f} [{dlo:+.3f}, {dhi:+.3f}]",
            "–" if need is None else str(need),
            "{} [{}, {}]".format(fmt(mean(bests)), *map(fmt, boot_ci(bests))),
            f"{fmt(mean(reached), 1)} ({len(reached)} of {len(ss)})" if reached else f"not reached (0 of {len(ss)})",
            fmt(grpo_reach / mean(reached), 2) if reached and grpo_reach and not math.isnan(grpo_reach) else "–",
            fmt(mean(aucs)),
            fmt(metric("response_length/mean"), 1),
            fmt(metric("response_length/recheck_steps"), 2),
            fmt(metric("actor/entropy")),
            fmt(metric("actor/kl_ref"), 4),
            fmt(peak_kl, 4),
            fmt(metric("credit/localisation_auroc_log_ratio", all_mean)),
            fmt(metric("credit/localisation_auroc_advantage", all_mean)),
        ]
        print("| " + " | ".join(cells) + " |")
        svg_chart(f"{arm} ({len(ss)} seed{'' if len(ss) == 1 else 's'})", [runs[(arm, s)][1] for s in ss], grpo_curves, os.path.join(charts, f"{arm}.svg"))
    last = max((c[-1][0] for _, c in runs.values()), default=0)
    print_speed_profile(arms, runs, done, target)
    print_checkpoint_table(out, arms, done, last)
    print_paired_to_base(out, arms, done, "spro-guard", last)


if __name__ == "__main__":
    main()
