"""Benchmark: exact L2 isotonic regression over the componentwise order (fast min-cut partitioning plus
the exact KKT check), and the L-infinity fit.

Target (issue 3): 2,000 points in 2-D within 30 s on this 2-core machine.

    python3 benchmarks/bench_isotonic.py [--quick]
"""
from __future__ import annotations

import sys
import time

import numpy as np

from counterexamples.isotonic import l2_isotonic, linf_fit


def main(quick: bool = False):
    rng = np.random.default_rng(0)
    cases = [(2, 500), (2, 1000), (2, 2000), (2, 4000), (3, 2000), (5, 2000)]
    if quick:
        cases = [(2, 500), (2, 2000)]
    print("| d | n | L2 exact (s) | blocks | exact cuts needed | MSE bound | L-inf fit (s) |")
    print("|---|---|---|---|---|---|---|")
    for d, n in cases:
        X = rng.random((n, d))
        y = X.sum(axis=1) + 0.5 * rng.normal(size=n)
        t = time.perf_counter()
        r = l2_isotonic(X, y)
        t2 = time.perf_counter() - t
        t = time.perf_counter()
        linf_fit(X, y)
        t3 = time.perf_counter() - t
        print(f"| {d} | {n:,} | {t2:.2f} | {r.blocks} | {r.exact_cuts} | {float(r.mse):.6f} | {t3:.3f} |", flush=True)


if __name__ == "__main__":
    main("--quick" in sys.argv)
