"""Golden vectors of the credit study's advantage estimators (CreditArmsTest), written from the
formulas of docs/algorithms.md with Python's exact fractions, independently of the Java code.

    python3 transforms/src/test/python/credit_arms_vectors.py

The group is the page's test vector (section 6): G = 3, lengths 2, 3, 4, beta 1/2, rewards
[1, 0, 0]; first wrong tokens [-1, 1, 2] for the oracle.
"""
from fractions import Fraction as F
import math

L = [[F(4, 10), F(-2, 10)], [F(2, 10), F(6, 10), F(-4, 10)], [F(-2, 10), F(4, 10), F(6, 10), F(6, 10)]]
REWARDS = [1, 0, 0]
BETA = F(1, 2)
FIRST_ERRORS = [-1, 1, 2]
EPS = 1e-6


def outcome():
    g = len(REWARDS)
    mean = F(sum(REWARDS), g)
    std = math.sqrt(float(sum((r - mean) ** 2 for r in REWARDS) / (g - 1)))
    return [float(r - mean) / (std + EPS) for r in REWARDS]


def msa(process):
    """Masked step advantage of per-step process rewards: value minus the mean over alive responses."""
    out = [[0.0] * len(row) for row in process]
    for t in range(max(len(r) for r in process)):
        alive = [i for i in range(len(process)) if t < len(process[i])]
        if len(alive) < 2:
            continue
        mean = sum(process[i][t] for i in alive) / len(alive)
        for i in alive:
            out[i][t] = float(process[i][t] - mean)
    return out


def spro_like(process):
    a = outcome()
    m = msa(process)
    return [[a[i] + m[i][t] for t in range(len(m[i]))] for i in range(len(m))]


def nosum():
    return spro_like([[BETA * l for l in row] for row in L])


def klpen():
    return spro_like([[BETA * sum(row[:t]) for t in range(len(row))] for row in L])


def klbonus():
    a = outcome()
    out = [[a[i]] * len(L[i]) for i in range(len(L))]
    for t in range(max(len(r) for r in L)):
        alive = [i for i in range(len(L)) if t < len(L[i])]
        if len(alive) < 2:
            continue
        mean = sum(L[i][t] for i in alive) / len(alive)
        weight = (1 - F(1, len(alive))) * BETA
        for i in alive:
            out[i][t] += float(weight * (L[i][t] - mean))
    return out


def oracle():
    a = outcome()
    return [[0.0 if a[i] < 0 and 0 <= FIRST_ERRORS[i] and t < FIRST_ERRORS[i] else a[i] for t in range(len(L[i]))]
            for i in range(len(L))]


for name, rows in [("spro-nosum", nosum()), ("spro-klpen", klpen()), ("grpo-klbonus", klbonus()), ("oracle", oracle())]:
    print(name, "{" + ", ".join("{" + ", ".join("%.6f" % v for v in row) + "}" for row in rows) + "}")
