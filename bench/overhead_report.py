"""Summarises runs' timeline.jsonl (bench/overhead.sh): seconds per iteration and where they went.

    python3 bench/overhead_report.py RUN_DIR...

For each run, the medians over its iteration jobs after the first (which pays for class loading
and the first model loads): wall seconds per iteration; the shares of compute (each stage's slowest
task, summed over the stages), I/O (model loads and stage commits) and the rest; Flink's phases
(until the JobManager has the job, until it runs, running, until the driver has the result). Runs
named NAME-embedded and NAME-cluster are paired: cluster / embedded of the median wall time, and
the difference split into compute and the rest.
"""
import json
import os
import statistics
import sys


def lines(run):
    with open(os.path.join(run, "timeline.jsonl")) as f:
        rows = [json.loads(l) for l in f if l.strip()]
    rows.sort(key=lambda r: r["iteration"])
    return rows[1:] if len(rows) > 1 else rows


def med(rows, key):
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else float("nan")


def main(runs):
    print("| run | iterations | s/iteration | compute | I/O | rest | rest s | submit s | schedule s | run s | return s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    walls = {}
    for run in runs:
        rows = lines(run)
        name = os.path.basename(os.path.normpath(run))
        wall = med(rows, "wall_s")
        walls[name] = wall
        share = lambda k: statistics.median([r[k] / r["wall_s"] for r in rows])
        print(f"| {name} | {len(rows)} | {wall:.2f} | {share('compute_s'):.0%} | {share('io_s'):.0%} | {share('rest_s'):.0%} | "
              f"{med(rows, 'rest_s'):.2f} | {med(rows, 'submit_s'):.2f} | {med(rows, 'schedule_s'):.2f} | {med(rows, 'run_s'):.2f} | {med(rows, 'return_s'):.2f} |")
    print()
    by_name = {os.path.basename(os.path.normpath(run)): lines(run) for run in runs}
    for name, wall in walls.items():
        if name.endswith("-cluster") and name[:-8] + "-embedded" in walls:
            emb = by_name[name[:-8] + "-embedded"]
            clu = by_name[name]
            # what the cluster adds: its compute (two TaskManagers share the cores) and the rest
            print(f"{name[:-8]}: cluster / embedded = {wall / walls[name[:-8] + '-embedded']:.2f}; cluster - embedded = "
                  f"{wall - walls[name[:-8] + '-embedded']:.2f} s, of which compute {med(clu, 'compute_s') - med(emb, 'compute_s'):+.2f} s, "
                  f"rest {med(clu, 'rest_s') - med(emb, 'rest_s'):+.2f} s")
    if "default-embedded" in by_name and "default-cluster" in walls:
        # the targets (#15), at the default config
        rows = by_name["default-embedded"]
        share = statistics.median([(r["wall_s"] - r["compute_s"]) / r["wall_s"] for r in rows])
        ratio = walls["default-cluster"] / walls["default-embedded"]
        print(f"targets: non-compute share at the default config embedded {share:.0%} (target <= 15%: "
              f"{'met' if share <= 0.15 else 'not met'}); cluster / embedded {ratio:.2f} (target <= 1.3: "
              f"{'met' if ratio <= 1.3 else 'not met'})")
    print()
    print("compute by stage (median s of the slowest task):")
    for run in runs:
        rows = lines(run)
        stages = rows[0].get("compute_by_stage_s", {}).keys()
        parts = ", ".join(f"{s.split('/')[0].replace('spro.', '')}{'/apply' if 'apply' in s else ''} "
                          f"{statistics.median([r['compute_by_stage_s'][s] for r in rows]):.2f}" for s in stages)
        print(f"  {os.path.basename(os.path.normpath(run))}: {parts}; model loads "
              f"{med(rows, 'model_load_s'):.2f}, commits {med(rows, 'commit_s'):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
