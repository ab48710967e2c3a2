"""Benchmark: the class nonneg-convex on data and expressions (THEORY.md section 5).

Target (task F): exact search for midpoint-convexity and supermodularity witnesses over the points of a
CSV with n up to ~2,000 points in 2-D within a few seconds.  Data: points on an integer grid (so many
pairs have their midpoint, join and meet in the data), values with three decimals (exact rationals),
shuffled.  Timed: the search alone (:func:`counterexamples.convexity.data_witnesses`, exact integer scoring)
and the whole ``refute(csv, klass="nonneg-convex")`` (CSV reading, order witness, both searches, exact
re-check).  Also the certified search on a few expressions over [0, 1]^d.

    python3 benchmarks/bench_convexity.py [--quick]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from counterexamples.convexity import data_witnesses, violation_kind
from counterexamples.data import load_csv
from counterexamples.refutation import refute


def grid_csv(path: Path, n: int, d: int, rng) -> None:
    side = int(np.ceil(n ** (1 / d)))
    pts = np.stack(np.meshgrid(*[np.arange(side)] * d, indexing="ij"), -1).reshape(-1, d)
    pts = pts[rng.permutation(len(pts))[:n]]
    vals = rng.integers(0, 1000, size=n) / 1000
    lines = [",".join([f"x{i}" for i in range(d)] + ["y"])]
    lines += [",".join([*map(str, p), f"{v:.3f}"]) for p, v in zip(pts, vals)]
    path.write_text("\n".join(lines) + "\n")


def main(quick: bool = False):
    rng = np.random.default_rng(0)
    cases = [(2, 500), (2, 1000), (2, 2000), (2, 4000), (3, 2000)]
    if quick:
        cases = [(2, 500), (2, 2000)]
    print("| d | n | search (s) | refute end-to-end (s) | order bound | convexity bound | supermodularity bound |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for d, n in cases:
            f = Path(tmp) / f"g{d}_{n}.csv"
            grid_csv(f, n, d, rng)
            ds = load_csv(str(f))
            t = time.perf_counter()
            cw, sw = data_witnesses(ds.X, ds.y, ds.exact_x, ds.exact_y)
            ts = time.perf_counter() - t
            t = time.perf_counter()
            res = refute(str(f), klass="nonneg-convex")
            te = time.perf_counter() - t
            b = [res.found[k].sup_error_lower_bound if res.found[k] else 0
                 for k in ("order", "convexity", "supermodularity")]
            assert cw.sup_error_lower_bound == b[1] and sw.sup_error_lower_bound == b[2]
            print(f"| {d} | {n} | {ts:.2f} | {te:.2f} | {b[0]} | {b[1]} | {b[2]} |")
    print()
    print("| expression on [0,1]^d | seconds | kind | sup-error lower bound |")
    print("|---|---|---|---|")
    for text in ("min(x0, x1)", "max(x0, x1)", "x0 + x1 - x0*x1", "sqrt(x0 + x1 + x2)", "x0**2 + x1"):
        t = time.perf_counter()
        res = refute(text, klass="nonneg-convex")
        te = time.perf_counter() - t
        w = res.witness
        kind = violation_kind(w) if w else "consistent"
        b = f"{float(w.sup_error_lower_bound):.6g}" if w else "0"
        print(f"| `{text}` | {te:.2f} | {kind} | {b} |")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
