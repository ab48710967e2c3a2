"""Benchmark: exact dataset witness search (max over dominance pairs x <= y of g(x) - g(y)).

Target (issue 3): 10^6 points in 2-D within 10 s on this 2-core machine.  For comparison, the blocked
all-pairs scan (the replay's independent check) on the sizes where it is feasible.

    python3 benchmarks/bench_witness.py [--quick]
"""
from __future__ import annotations

import sys
import time

import numpy as np

from counterexamples.dominance import brute_dominated_max
from counterexamples.witness import max_violation


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main(quick: bool = False):
    rng = np.random.default_rng(0)
    cases = [(2, 10 ** 4), (2, 10 ** 5), (2, 10 ** 6), (3, 10 ** 5), (4, 10 ** 5), (5, 2 * 10 ** 4)]
    if quick:
        cases = [(2, 10 ** 4), (2, 10 ** 5), (3, 10 ** 4)]
    print("| d | n | witness search (s) | all-pairs scan (s) | violation |")
    print("|---|---|---|---|---|")
    for d, n in cases:
        X = rng.random((n, d))
        y = X.sum(axis=1) + 0.05 * rng.normal(size=n)  # nearly monotone: a small violation to find
        t, w = timed(max_violation, X, y)
        brute = "-"
        if n <= 2 * 10 ** 4:
            tb, m = timed(brute_dominated_max, X, y)
            assert abs(float((m - y).max()) - float(w.violation)) < 1e-12
            brute = f"{tb:.2f}"
        print(f"| {d} | {n:,} | {t:.2f} | {brute} | {float(w.violation):.6f} |", flush=True)


if __name__ == "__main__":
    main("--quick" in sys.argv)
