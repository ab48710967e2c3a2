"""Witness pairs: x <= y (componentwise) with g(x) > g(y), and the exact search for the largest one on data.

A pair with violation delta = g(x) - g(y) > 0 proves that every order-preserving f, hence every network
of the class nonneg (Wang et al., ICCV 2023), has max(|f(x) - g(x)|, |f(y) - g(y)|) >= delta / 2:
f(x) <= f(y), so (g(x) - f(x)) + (f(y) - g(y)) >= delta and one of the two terms is >= delta / 2.

On a finite dataset the search is exact: for every point q, M(q) = max_{p <= q} g(p) comes from the
dominance divide and conquer (:mod:`counterexamples.dominance`), and the largest violation is
max_q M(q) - g(q).  Differences are computed in floats only to find candidates: rounding is monotone, so
the exact maximiser is among the pairs whose float difference is within a few ulps of the best one, and
those are compared in exact rationals.

>>> import numpy as np
>>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
>>> w = max_violation(X, np.array([0., 1., 1., 0.]))
>>> w.violation, w.x, w.y
(Fraction(1, 1), (Fraction(1, 1), Fraction(0, 1)), (Fraction(1, 1), Fraction(1, 1)))
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from counterexamples.dominance import dominated_argmax
from theory.exact import endpoints, render


@dataclass(frozen=True)
class PairWitness:
    """x <= y with g(x) > g(y).  ``gx``/``gy`` are exact Fractions, or intervals enclosing the values;
    ``violation`` is then an exact rational lower bound of g(x) - g(y).  ``i``/``j`` are row indices when
    the pair comes from a dataset."""

    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]
    gx: object
    gy: object
    i: int | None = None
    j: int | None = None

    @property
    def violation(self) -> Fraction:
        """g(x) - g(y) when exact, else the lower bound lower(gx) - upper(gy)."""
        return endpoints(self.gx)[0] - endpoints(self.gy)[1]

    @property
    def exact(self) -> bool:
        return isinstance(self.gx, Fraction) and isinstance(self.gy, Fraction)

    @property
    def sup_error_lower_bound(self) -> Fraction:
        return self.violation / 2

    def recheck(self, value: Callable | None = None) -> bool:
        """Exact re-check, no solver: same dimension, x <= y componentwise, violation > 0, and, when
        ``value`` (point -> Fraction or interval) is given, the recorded g(x), g(y) are re-derived:
        the fresh enclosures must lie inside the recorded ones."""
        if len(self.x) != len(self.y) or not self.x:
            return False
        if any(a > b for a, b in zip(self.x, self.y)):
            return False
        if value is not None:
            for point, recorded in ((self.x, self.gx), (self.y, self.gy)):
                lo, hi = endpoints(value(point))
                rlo, rhi = endpoints(recorded)
                if lo < rlo or hi > rhi:
                    return False
        return self.violation > 0

    def to_json(self) -> dict:
        return {"x": [str(v) for v in self.x], "y": [str(v) for v in self.y], "gx": render(self.gx),
                "gy": render(self.gy)}


def max_violation(X: np.ndarray, y: np.ndarray, exact_x: Callable | None = None,
                  exact_y: Callable | None = None, arg: np.ndarray | None = None) -> PairWitness | None:
    """The pair x <= y of the dataset with the largest violation y(x) - y(y), exactly; None when the data
    are monotone (no violation).  Equal inputs with different values count (x = y as points).

    ``exact_x(i)``/``exact_y(i)`` give the exact values of row i (default: the doubles themselves);
    ``arg`` may pass a precomputed ``dominated_argmax(X, y)``."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.shape[0] == 0:
        return None
    exact_x = exact_x or (lambda i: tuple(Fraction(float(v)) for v in X[i]))
    exact_y = exact_y or (lambda i: Fraction(float(y[i])))
    arg = dominated_argmax(X, y) if arg is None else arg
    viol = y[arg] - y
    best = float(viol.max())
    if best <= 0:
        return None  # the float order of values is the exact one, so no pair rises
    tol = 8 * np.finfo(float).eps * float(np.abs(y).max())
    cand = np.flatnonzero(viol >= best - tol)
    pairs = np.stack([y[arg[cand]], y[cand]], axis=1)
    _, first = np.unique(pairs, axis=0, return_index=True)  # equal float pairs have equal exact values
    top, top_q = None, None
    for k in cand[first]:
        q = exact_y(int(arg[k])) - exact_y(int(k))
        if top_q is None or q > top_q:
            top, top_q = int(k), q
    i, j = int(arg[top]), top
    w = PairWitness(exact_x(i), exact_x(j), exact_y(i), exact_y(j), i, j)
    if not w.recheck():
        raise AssertionError("internal error: the dataset witness failed its exact re-check")
    return w
