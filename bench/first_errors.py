"""What kind of mistake a checkpoint makes on the built-in arithmetic task, from `spro sample` output.

    ./spro sample --checkpoint CKPT --config RUN.yaml --n 2 --temperature 1 --out s.jsonl < prompts.txt
    python3 bench/first_errors.py s.jsonl

Each response's first wrong step is classified: `slip@k` (step k forgot the carry of an addition,
the teacher's habit: a result ten too small), `other` (any other wrong result; `neg-other` when a
value is negative), `copy` (a step does not start from the previous result or the problem's next
operand), `format`, `answer` (right steps, wrong or missing `#### N`), or `right`. Used to tune the
credit study's task variants (bench/results/credit-study.md): a failure should be the habit, not
the model's imprecision.
"""
import collections
import json
import re
import sys


def carries(v, op, b):
    return op == "+" and v >= 0 and v % 10 + b % 10 >= 10


def classify(prompt, response):
    toks = re.findall(r"\d+|[+-]", prompt.strip().rstrip("="))
    nums, ops = [int(toks[0])], []
    for i in range(1, len(toks), 2):
        ops.append(toks[i])
        nums.append(int(toks[i + 1]))
    steps = response.split(";")
    v = nums[0]
    for k, (op, b) in enumerate(zip(ops, nums[1:])):
        m = re.fullmatch(r"(-?\d+)([+-])(\d+)=(-?\d+)", steps[k]) if k < len(steps) else None
        if not m:
            return "format"
        if int(m[1]) != v or m[2] != op or int(m[3]) != b:
            return "copy"
        right = v + b if op == "+" else v - b
        res = int(m[4])
        if res != right:
            if carries(v, op, b) and res == right - 10:
                return f"slip@{k}"
            return "neg-other" if v < 0 or right < 0 else "other"
        v = res
    tail = steps[len(ops)] if len(steps) > len(ops) else ""
    return "right" if tail.strip() == f"#### {v}" else "answer"


def main(path):
    counts = collections.Counter()
    for line in open(path):
        r = json.loads(line)
        counts[classify(r["prompt"], r["response"])] += 1
    n = sum(counts.values())
    print(f"{path}: {n} responses")
    for kind, c in counts.most_common():
        print(f"  {kind:10s} {c:5d}  {c / n:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
