"""Witness search for a target on its domain: sampling plus local optimisation, then certification.

Search: the target is evaluated (numpy) on the box corners, a dyadic grid and a scrambled Sobol sample;
the exact dataset search (:func:`~counterexamples.witness.max_violation`) finds the best ordered pair
among them; L-BFGS-B then improves the best pairs over the box, parametrised so that x <= y always
(x = lo + (hi - lo) u, y = x + (hi - x) v, u, v in [0, 1]^d).  On a vertex domain ({lo, hi}^d) the
search is exhaustive.

Certification: each candidate pair (as found, and with coordinates snapped to simple rationals) is
evaluated exactly with sympy rationals, or enclosed in rigorous intervals when the value is irrational;
the reported violation is the exact value or a rigorous lower bound.  How the pair was found does not
matter: the pair is the certificate.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from counterexamples.dominance import dominated_argmax
from counterexamples.expressions import NotCertifiable
from counterexamples.targets import Target
from counterexamples.witness import PairWitness, max_violation

SNAP_DENOMINATORS = (1, 2, 4, 8, 10, 16, 100, 1000, 2 ** 20)


def _certify(target: Target, x: tuple, y: tuple) -> PairWitness | None:
    if any(a > b for a, b in zip(x, y)) or not (target.in_domain(x) and target.in_domain(y)):
        return None
    try:
        w = PairWitness(tuple(x), tuple(y), target.value(x), target.value(y))
    except (NotCertifiable, ZeroDivisionError, ValueError, ArithmeticError):
        return None
    return w if w.violation > 0 else None


def _candidates(target: Target, xf: np.ndarray, yf: np.ndarray):
    lo, hi = target.lo, target.hi
    exact = (tuple(Fraction(float(v)) for v in xf), tuple(Fraction(float(v)) for v in yf))
    yield exact
    for den in SNAP_DENOMINATORS:
        snap = [tuple(min(hi, max(lo, Fraction(v).limit_denominator(den))) for v in p) for p in exact]
        yield snap[0], snap[1]


def _objective(target: Target, d: int, lo: float, hi: float):
    def pair(z):
        u, v = z[:d], z[d:]
        x = lo + (hi - lo) * u
        return x, x + (hi - x) * v

    def f(z):
        x, y = pair(z)
        g = target.evaluate(np.stack([x, y]))
        val = g[0] - g[1]
        return -val if np.isfinite(val) else 0.0

    def invert(x, y):
        u = (x - lo) / (hi - lo) if hi > lo else np.zeros(d)
        span = hi - x
        v = np.divide(y - x, span, out=np.zeros(d), where=span > 0)
        return np.clip(np.concatenate([u, v]), 0, 1)

    return f, pair, invert


def find_witness(target: Target, samples: int = 4096, seed: int = 0, restarts: int = 4) -> PairWitness | None:
    """The best certified witness pair found for ``target`` on its domain, or None (no violation found:
    as far as the search shows, the target is order-preserving)."""
    d = target.dim
    if target.domain == "vertices":
        pts = np.array(list(itertools.product([float(target.lo), float(target.hi)], repeat=d)))
        g = target.evaluate(pts)
        w = max_violation(pts, g)
        if w is None:
            return None
        return _certify(target, w.x, w.y)
    lo, hi = float(target.lo), float(target.hi)
    parts = []
    if d <= 12:
        parts.append(np.array(list(itertools.product([lo, hi], repeat=d))))
    m = next((k for k in (33, 17, 9, 5, 3) if k ** d <= 4096), None)
    if m is not None:
        axis = lo + (hi - lo) * np.arange(m) / (m - 1)
        parts.append(np.array(list(itertools.product(axis, repeat=d))))
    sob = qmc.Sobol(d, scramble=True, seed=seed).random(samples)
    parts.append(lo + (hi - lo) * sob)
    pts = np.concatenate(parts)
    g = target.evaluate(pts)
    ok = np.isfinite(g)
    pts, g = pts[ok], g[ok]
    if pts.shape[0] == 0:
        return None
    best = None
    w = max_violation(pts, g)
    starts = []
    if w is not None:
        starts.append((pts[w.i], pts[w.j]))
        best = _better(best, _certify(target, w.x, w.y))
    # further starts: the largest float violations at other upper points
    arg = dominated_argmax(pts, g)
    viol = g[arg] - g
    for j in np.argsort(-viol)[1:restarts]:
        if viol[j] > 0:
            starts.append((pts[arg[j]], pts[j]))
    f, pair, invert = _objective(target, d, lo, hi)
    for x0, y0 in starts:
        r = minimize(f, invert(x0, y0), method="L-BFGS-B", bounds=[(0, 1)] * (2 * d),
                     options={"maxiter": 200})
        x, y = pair(np.clip(r.x, 0, 1))
        y = np.maximum(x, np.minimum(y, hi))
        for cx, cy in _candidates(target, x, y):
            best = _better(best, _certify(target, cx, cy))
    if w is not None:
        for cx, cy in _candidates(target, pts[w.i], pts[w.j]):
            best = _better(best, _certify(target, cx, cy))
    return best


def _complexity(w: PairWitness) -> int:
    return max(v.denominator for v in (*w.x, *w.y))


def _better(a: PairWitness | None, b: PairWitness | None) -> PairWitness | None:
    """The larger certified violation; on a tie, the pair with simpler coordinates."""
    if b is None:
        return a
    if a is None or b.violation > a.violation or (b.violation == a.violation and _complexity(b) < _complexity(a)):
        return b
    return a
