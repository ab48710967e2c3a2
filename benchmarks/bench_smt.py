"""Benchmark: exact SMT verdicts (checkers.smt) on random mixed-sign ReLU MLPs, next to Marabou.

Instances: shapes 2-8-1, 2-16-16-1, 4-32-32-1, 8-64-64-1, weights N(0, 1/fan_in), biases N(0, 0.01), fixed
seeds, box [0,1]^d, claim "every output non-decreasing in every input".  negproof: ``checkers.smt.check``
(exact rationals; rounded-weight surrogate first, its witness re-checked exactly).  Marabou (maraboupy,
optional): two copies of the network in one InputQuery, x <= y by input equations, f(x) - f(y) >= 1e-9
as the output bound (Marabou has no strict inequalities); its sat assignment is re-checked exactly too.
Also times the compositional architecture proofs 8-64-64-1 and 8-128-128-128-4 (any-nondecreasing, nonneg).

    python benchmarks/bench_smt.py [--quick] [--timeout S]
"""
from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checkers.kernel import Witness  # noqa: E402
from checkers.smt import check  # noqa: E402
from theory.activations import get_activation  # noqa: E402
from theory.architecture import parse_architecture  # noqa: E402
from theory.claims import Box, monotone_claim  # noqa: E402
from theory.network import Act, Network, dense  # noqa: E402

SHAPES = ["2-8-1", "2-16-16-1", "4-32-32-1", "8-64-64-1"]
BOX = Box(Fraction(0), Fraction(1))
REDIRECT = "/dev/null"


def mlp(shape: list[int], seed: int):
    rng = np.random.default_rng(seed)
    mats, layers = [], []
    for i in range(len(shape) - 1):
        w = rng.normal(size=(shape[i + 1], shape[i])) / np.sqrt(shape[i])
        b = rng.normal(size=shape[i + 1]) * 0.1
        mats.append((w, b))
        layers.append(dense(w, b))
        if i < len(shape) - 2:
            layers.append(Act(get_activation("relu")))
    return Network.chain(layers, shape[0], source=f"mlp{'-'.join(map(str, shape))}/seed{seed}"), mats


def marabou(mats, d: int, timeout: float):
    """(verdict, seconds, note) from Marabou on the two-copy query."""
    try:
        from maraboupy import MarabouCore
    except ImportError as err:
        return "n/a", 0.0, f"maraboupy not importable: {err}"
    q = MarabouCore.InputQuery()
    n = [0]

    def new():
        n[0] += 1
        return n[0] - 1

    copies = []
    for _ in range(2):
        xs = [new() for _ in range(d)]
        h = xs
        for li, (w, b) in enumerate(mats):
            zs = [new() for _ in range(w.shape[0])]
            for j, z in enumerate(zs):
                eq = MarabouCore.Equation(MarabouCore.Equation.EQ)
                for i, v in enumerate(h):
                    eq.addAddend(float(w[j, i]), v)
                eq.addAddend(-1.0, z)
                eq.setScalar(-float(b[j]))
                q.addEquation(eq)
            if li < len(mats) - 1:
                hs = [new() for _ in zs]
                for z, r in zip(zs, hs):
                    MarabouCore.addReluConstraint(q, z, r)
                h = hs
            else:
                h = zs
        copies.append((xs, h))
    diff = new()
    q.setNumberOfVariables(n[0])
    (xa, fa), (xb, fb) = copies
    for v in xa + xb:
        q.setLowerBound(v, 0.0)
        q.setUpperBound(v, 1.0)
    for i in range(d):
        eq = MarabouCore.Equation(MarabouCore.Equation.LE)
        eq.addAddend(1.0, xa[i])
        eq.addAddend(-1.0, xb[i])
        eq.setScalar(0.0)
        q.addEquation(eq)
    eq = MarabouCore.Equation(MarabouCore.Equation.EQ)
    eq.addAddend(1.0, fa[0])
    eq.addAddend(-1.0, fb[0])
    eq.addAddend(-1.0, diff)
    eq.setScalar(0.0)
    q.addEquation(eq)
    q.setLowerBound(diff, 1e-9)
    for i, v in enumerate(xa + xb):
        q.markInputVariable(v, i)
    q.markOutputVariable(diff, 0)
    opts = MarabouCore.Options()
    opts._timeoutInSeconds = int(timeout)
    opts._verbosity = 0
    start = time.perf_counter()
    code, vals, _ = MarabouCore.solve(q, opts, REDIRECT)
    secs = time.perf_counter() - start
    note = ""
    if code == "sat":
        x = [vals[v] for v in xa]
        y = [max(a, vals[v]) for a, v in zip(x, xb)]
        return code, secs, x, y
    return code, secs, note


def run(quick: bool, timeout: float):
    rows = []
    shapes = SHAPES[:2] if quick else SHAPES
    for sh in shapes:
        shape = [int(s) for s in sh.split("-")]
        net, mats = mlp(shape, seed=0)
        claim = monotone_claim(net, box=BOX)
        v = check(claim, timeout=timeout)
        ours = v.verdict + ("" if v.verdict != "refuted" else f" (x{v.witness.input})")
        m = marabou(mats, shape[0], timeout)
        mverdict, msecs = m[0], m[1]
        if mverdict == "sat":
            w = Witness.make(m[2], m[3], 0)
            mverdict = "sat, exact re-check " + ("holds" if w.recheck(net, BOX) else "FAILS")
        elif len(m) > 2 and m[2]:
            mverdict = f"{mverdict} ({m[2]})"
        rows.append((sh, ours, v.seconds, mverdict, msecs))
        print(f"{sh:>10}  negproof {ours:<16} {v.seconds:7.2f} s   marabou {mverdict:<28} {msecs:7.2f} s", flush=True)
    arch = ["8-64-64-1:any-nondecreasing:nonneg"] + ([] if quick else ["8-128-128-128-4:any-nondecreasing:nonneg"])
    arows = []
    for a in arch:
        v = check(monotone_claim(parse_architecture(a)), timeout=max(timeout, 60))
        arows.append((a, v.verdict, v.seconds))
        print(f"{a:>42}  {v.verdict} {v.seconds:.2f} s", flush=True)
    return rows, arows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="two small shapes, 20 s per instance")
    ap.add_argument("--timeout", type=float, default=None)
    args = ap.parse_args()
    timeout = args.timeout or (20.0 if args.quick else 120.0)
    rows, arows = run(args.quick, timeout)
    print("\n| shape | negproof smt | s | Marabou | s |\n|---|---|---|---|---|")
    for sh, ours, s, mv, ms in rows:
        print(f"| {sh} | {ours} | {s:.2f} | {mv} | {ms:.2f} |")
    print("\n| architecture | verdict | s |\n|---|---|---|")
    for a, verdict, s in arows:
        print(f"| {a} | {verdict} | {s:.2f} |")


if __name__ == "__main__":
    main()
