"""The class nonneg-convex (THEORY.md section 5): convexity and supermodularity witnesses, found and certified.

If every weight is >= 0 and every activation is convex and non-decreasing (relu, softplus, exp, leaky_relu
with 0 <= alpha <= 1, elu with 0 < alpha <= 1), every network f is order-preserving, convex and
supermodular (Runje & Shankaranarayana, ICML 2023; Topkis 1998).  Each property turns a violation of the
target g into a lower bound on the sup-error e = max |f - g| over the witness points:

- **Midpoint convexity.**  delta = g(m) - (g(x) + g(y))/2 > 0 with m = (x + y)/2.  If |f - g| <= e at
  x, y, m then g(m) - e <= f(m) <= (f(x) + f(y))/2 <= (g(x) + g(y))/2 + e (convexity of f), so
  delta <= 2e: **e >= delta/2**.
- **Supermodularity.**  Delta = g(x) + g(y) - g(x v y) - g(x ^ y) > 0 (v: componentwise max, ^: min).
  If |f - g| <= e at the four points then f(x) + f(y) - f(x v y) - f(x ^ y) >= Delta - 4e, and f
  supermodular makes the left side <= 0, so **e >= Delta/4**.
- The order bound delta/2 of the class nonneg (:mod:`counterexamples.witness`) still applies: nonneg-convex
  is a subclass.  The reported bound is the best of the three.

OR on {0,1}^2 is monotone, yet x = (1,0), y = (0,1) give Delta = 1 + 1 - 1 - 0 = 1: sup-error >= 1/4.

Searches.  On a finite dataset the search is exhaustive over the pairs of points whose midpoint, or whose
join and meet, are themselves data points.  Joins and meets are order operations, found through per-column
ranks; midpoints are arithmetic, found exactly on the columns' values scaled to integers (Python ints when
they do not fit 64 bits).  Scores are computed in exact integers when the values allow it, else in floats
with exact re-evaluation of the near-best candidates.  On a box (expressions, continuous gallery targets)
a dyadic grid (closed under midpoints of even pairs and under join/meet) seeds L-BFGS-B, and the found
points, snapped to simple rationals, are certified exactly (sympy rationals or rigorous intervals).
A witness is the certificate: how it was found does not matter.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
from scipy.optimize import minimize

from counterexamples.expressions import NotCertifiable
from counterexamples.targets import Target
from counterexamples.witness import PairWitness
from theory.exact import endpoints, render

CLASSES = ("nonneg", "nonneg-convex")
CLASS_HELP = {"nonneg": "weights >= 0, non-decreasing activations",
              "nonneg-convex": "weights >= 0, convex non-decreasing activations (relu, softplus, exp, ...)"}
PAIR_BLOCK = 2_000_000  # pairs scored per numpy pass
EXACT_CANDIDATES = 2000  # near-best float candidates re-evaluated exactly (cheap values)
SNAP_DENOMINATORS = (1, 2, 4, 8, 10, 16, 100, 1000, 2 ** 20)


def _lo(v) -> Fraction:
    return endpoints(v)[0]


def _hi(v) -> Fraction:
    return endpoints(v)[1]


def _fits(value, recorded) -> bool:
    lo, hi = endpoints(value)
    rlo, rhi = endpoints(recorded)
    return lo >= rlo and hi <= rhi


class _PointWitness:
    """Shared by the witnesses below: ``points()`` and ``values()`` line up; the violation is computed
    from the values (exact, or rigorous lower bounds from enclosures)."""

    @property
    def exact(self) -> bool:
        return all(isinstance(v, Fraction) for v in self.values())

    def recheck(self, value: Callable | None = None) -> bool:
        """No solver: same dimension, violation > 0, and (with ``value``, the target) fresh values at every
        point inside the recorded ones."""
        if len(self.x) != len(self.y) or not self.x:
            return False
        if value is not None and not all(_fits(value(p), v) for p, v in zip(self.points(), self.values())):
            return False
        return self.violation > 0


@dataclass(frozen=True)
class ConvexityWitness(_PointWitness):
    """x, y and m = (x + y)/2 with g(m) > (g(x) + g(y))/2; values exact Fractions or enclosing intervals;
    ``violation`` is then a rigorous lower bound.  ``rows`` (i, j, k) when from a dataset."""

    x: tuple
    y: tuple
    gx: object
    gy: object
    gm: object
    rows: tuple | None = None
    kind = "convexity"

    @property
    def midpoint(self) -> tuple:
        return tuple((a + b) / 2 for a, b in zip(self.x, self.y))

    @property
    def violation(self) -> Fraction:
        return _lo(self.gm) - (_hi(self.gx) + _hi(self.gy)) / 2

    @property
    def sup_error_lower_bound(self) -> Fraction:
        return self.violation / 2

    def points(self) -> tuple:
        return self.x, self.y, self.midpoint

    def values(self) -> tuple:
        return self.gx, self.gy, self.gm

    def to_json(self) -> dict:
        return {"x": [str(v) for v in self.x], "y": [str(v) for v in self.y],
                "midpoint": [str(v) for v in self.midpoint],
                "gx": render(self.gx), "gy": render(self.gy), "gmidpoint": render(self.gm)}


@dataclass(frozen=True)
class SupermodularityWitness(_PointWitness):
    """x, y with g(x) + g(y) > g(x v y) + g(x ^ y); ``rows`` (i, j, join row, meet row) from a dataset."""

    x: tuple
    y: tuple
    gx: object
    gy: object
    gjoin: object
    gmeet: object
    rows: tuple | None = None
    kind = "supermodularity"

    @property
    def join(self) -> tuple:
        return tuple(max(a, b) for a, b in zip(self.x, self.y))

    @property
    def meet(self) -> tuple:
        return tuple(min(a, b) for a, b in zip(self.x, self.y))

    @property
    def violation(self) -> Fraction:
        return _lo(self.gx) + _lo(self.gy) - _hi(self.gjoin) - _hi(self.gmeet)

    @property
    def sup_error_lower_bound(self) -> Fraction:
        return self.violation / 4

    def points(self) -> tuple:
        return self.x, self.y, self.join, self.meet

    def values(self) -> tuple:
        return self.gx, self.gy, self.gjoin, self.gmeet

    def to_json(self) -> dict:
        return {"x": [str(v) for v in self.x], "y": [str(v) for v in self.y],
                "join": [str(v) for v in self.join], "meet": [str(v) for v in self.meet],
                "gx": render(self.gx), "gy": render(self.gy), "gjoin": render(self.gjoin),
                "gmeet": render(self.gmeet)}


def violation_kind(w) -> str:
    """"order" | "convexity" | "supermodularity"."""
    return "order" if isinstance(w, PairWitness) else w.kind


def _complexity(w) -> int:
    return max(v.denominator for p in (w.x, w.y) for v in p)


def best_of(*witnesses):
    """The witness with the largest sup-error bound; ties go to the earlier argument (order first), then
    to simpler coordinates."""
    best = None
    for w in witnesses:
        if w is None or not w.violation > 0:
            continue
        if best is None or w.sup_error_lower_bound > best.sup_error_lower_bound or (
                w.sup_error_lower_bound == best.sup_error_lower_bound and
                violation_kind(w) == violation_kind(best) and _complexity(w) < _complexity(best)):
            best = w
    return best


# --- finite data -----------------------------------------------------------------------------------------

def _encoder(R: np.ndarray, ks: list[int]):
    """Point ids from per-column ranks: the data's rank rows get ids 0..p-1 (p distinct points); a query
    row of ranks gets its point's id, or -1 when no data point has those coordinates.  Columns are folded
    in one at a time (prefix codes stay below n * k), so no key overflows."""
    tables = []
    pid = R[:, 0].astype(np.int64)
    for c in range(1, R.shape[1]):
        comb = pid * ks[c] + R[:, c]
        table, pid = np.unique(comb, return_inverse=True)
        tables.append(table)
        pid = pid.astype(np.int64)

    def encode(Q: np.ndarray) -> np.ndarray:
        q = Q[:, 0].astype(np.int64)
        ok = q >= 0
        for c, table in enumerate(tables, start=1):
            comb = np.where(ok, q, 0) * ks[c] + np.maximum(Q[:, c], 0)
            pos = np.minimum(np.searchsorted(table, comb), len(table) - 1)
            ok &= (table[pos] == comb) & (Q[:, c] >= 0)
            q = np.where(ok, pos, -1)
        return np.where(ok, q, -1)

    return pid, encode


def _scaled_column(vals: list[Fraction]):
    """The sorted distinct column values as integers over a common denominator: int64 if they fit, else
    Python ints in an object array (exact either way)."""
    den = 1
    for v in vals:
        den = den * v.denominator // math.gcd(den, v.denominator)
    ints = [int(v * den) for v in vals]
    if max(abs(i) for i in ints) < 2 ** 60:
        return np.array(ints, dtype=np.int64)
    return np.array(ints, dtype=object)


def _pair_blocks(n: int):
    step = max(1, PAIR_BLOCK // max(n, 1))
    for s in range(0, n, step):
        a = np.arange(s, min(n, s + step))
        aa, bb = np.meshgrid(a, np.arange(n), indexing="ij")
        keep = bb > aa
        yield aa[keep], bb[keep]


@dataclass
class _Data:
    X: np.ndarray
    y: np.ndarray
    exact_x: Callable
    exact_y: Callable
    cheap: bool

    def __post_init__(self):
        n, d = self.X.shape
        self.R = np.empty((n, d), dtype=np.int64)
        self.ks, self.cols = [], []
        rows_x = [self.exact_x(i) for i in range(n)]
        for c in range(d):
            uniq, first, inv = np.unique(self.X[:, c], return_index=True, return_inverse=True)
            self.R[:, c] = inv.ravel()
            self.ks.append(len(uniq))
            self.cols.append([rows_x[int(i)][c] for i in first])
        self.rows_x = rows_x
        self.pid, self.encode = _encoder(self.R, self.ks)
        npts = int(self.pid.max()) + 1 if n else 0
        # the row of largest / smallest value at each distinct point (ties: first row)
        order = np.lexsort((-self.y, self.pid))
        start = np.searchsorted(self.pid[order], np.arange(npts))
        self.max_row = order[start]
        order = np.lexsort((self.y, self.pid))
        self.min_row = order[np.searchsorted(self.pid[order], np.arange(npts))]
        self.Y = None
        if self.cheap:
            vals = [self.exact_y(i) for i in range(n)]
            if all(isinstance(v, Fraction) for v in vals):
                col = _scaled_column(vals)
                if col.dtype == np.int64 and np.abs(col).max() < 2 ** 58:
                    self.Y = col
        self._cache = {}

    def value(self, i: int):
        if i not in self._cache:
            self._cache[i] = self.exact_y(int(i))
        return self._cache[i]


def _select(score: np.ndarray, tuples: np.ndarray, exact: bool):
    """Candidate indices: the exact maxima (integer scores) or those within float rounding of the best,
    deduplicated by their value tuples, best first."""
    if score.size == 0:
        return np.array([], dtype=np.int64)
    best = score.max()
    if exact:
        return np.flatnonzero(score == best)[:1]
    tol = 64 * np.finfo(float).eps * max(1.0, float(np.abs(tuples).max()))
    cand = np.flatnonzero(score >= best - tol)
    cand = cand[np.argsort(-score[cand], kind="stable")]
    _, first = np.unique(tuples[cand], axis=0, return_index=True)
    return cand[np.sort(first)]


def data_convexity(D: _Data, limit: int = EXACT_CANDIDATES) -> ConvexityWitness | None:
    """The pair of rows whose exact midpoint is a data point with the largest g(m) - (g(x)+g(y))/2."""
    n, d = D.X.shape
    scaled = [_scaled_column(col) for col in D.cols]
    doubled = [2 * s for s in scaled]
    yv = D.Y if D.Y is not None else D.y
    keep_s, keep_t = [], []
    for a, b in _pair_blocks(n):
        Q = np.empty((a.size, d), dtype=np.int64)
        for c in range(d):
            s = scaled[c][D.R[a, c]] + scaled[c][D.R[b, c]]
            pos = np.minimum(np.searchsorted(doubled[c], s), len(doubled[c]) - 1)
            hit = doubled[c][pos] == s
            Q[:, c] = np.where(hit, pos, -1)
        pid = D.encode(Q)
        ok = pid >= 0
        a, b, m = a[ok], b[ok], D.max_row[pid[ok]]
        if a.size == 0:
            continue
        score = 2 * yv[m] - yv[a] - yv[b]
        tuples = np.stack([D.y[a], D.y[b], D.y[m]], axis=1)
        sel = _select(score, tuples, D.Y is not None)
        keep_s.append(score[sel])
        keep_t.append(np.stack([a[sel], b[sel], m[sel]], axis=1))
    return _finish(keep_s, keep_t, D, limit, lambda i, j, k: ConvexityWitness(
        D.rows_x[i], D.rows_x[j], D.value(i), D.value(j), D.value(k), (i, j, k)))


def data_supermodularity(D: _Data, limit: int = EXACT_CANDIDATES) -> SupermodularityWitness | None:
    """The incomparable pair of rows whose join and meet are data points with the largest
    g(x) + g(y) - g(x v y) - g(x ^ y)."""
    n, d = D.X.shape
    yv = D.Y if D.Y is not None else D.y
    keep_s, keep_t = [], []
    for a, b in _pair_blocks(n):
        Ra, Rb = D.R[a], D.R[b]
        incomparable = (Ra < Rb).any(axis=1) & (Ra > Rb).any(axis=1)
        a, b, Ra, Rb = a[incomparable], b[incomparable], Ra[incomparable], Rb[incomparable]
        jid, mid = D.encode(np.maximum(Ra, Rb)), D.encode(np.minimum(Ra, Rb))
        ok = (jid >= 0) & (mid >= 0)
        a, b = a[ok], b[ok]
        if a.size == 0:
            continue
        j, m = D.min_row[jid[ok]], D.min_row[mid[ok]]
        score = yv[a] + yv[b] - yv[j] - yv[m]
        tuples = np.stack([D.y[a], D.y[b], D.y[j], D.y[m]], axis=1)
        sel = _select(score, tuples, D.Y is not None)
        keep_s.append(score[sel])
        keep_t.append(np.stack([a[sel], b[sel], j[sel], m[sel]], axis=1))
    return _finish(keep_s, keep_t, D, limit, lambda i, j, k, l: SupermodularityWitness(
        D.rows_x[i], D.rows_x[j], D.value(i), D.value(j), D.value(k), D.value(l), (i, j, k, l)))


def _finish(keep_s, keep_t, D: _Data, limit: int, build):
    if not keep_s:
        return None
    score, rows = np.concatenate(keep_s), np.concatenate(keep_t)
    if D.Y is not None:
        rows = rows[score == score.max()][:1]
    else:
        vals = D.y[rows]
        sel = _select(score, vals, False)
        rows = rows[sel[:limit]]
    best = None
    for r in rows:
        w = build(*map(int, r))
        if w.violation > 0 and (best is None or w.violation > best.violation):
            best = w
    return best


def data_witnesses(X: np.ndarray, y: np.ndarray, exact_x: Callable | None = None,
                   exact_y: Callable | None = None, cheap: bool = True, limit: int = EXACT_CANDIDATES):
    """(best convexity witness, best supermodularity witness) among the rows of a dataset, each None when
    there is none.  ``exact_x(i)``/``exact_y(i)`` give row i exactly (default: the doubles); with
    ``cheap=False`` exact values are computed only for the ``limit`` near-best candidates (targets whose
    exact evaluation is slow), so the result is then a certified lower bound, not necessarily the maximum."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    y = np.asarray(y, dtype=float).ravel()
    if X.shape[0] == 0:
        return None, None
    exact_x = exact_x or (lambda i: tuple(Fraction(float(v)) for v in X[i]))
    exact_y = exact_y or (lambda i: Fraction(float(y[i])))
    D = _Data(X, y, exact_x, exact_y, cheap)
    return data_convexity(D, limit), data_supermodularity(D, limit)


# --- targets on their domain -----------------------------------------------------------------------------

def certify_convexity(target: Target, x, y) -> ConvexityWitness | None:
    x, y = tuple(map(Fraction, x)), tuple(map(Fraction, y))
    m = tuple((a + b) / 2 for a, b in zip(x, y))
    if not all(target.in_domain(p) for p in (x, y, m)):
        return None
    try:
        w = ConvexityWitness(x, y, target.value(x), target.value(y), target.value(m))
    except (NotCertifiable, ZeroDivisionError, ValueError, ArithmeticError):
        return None
    return w if w.violation > 0 else None


def certify_supermodularity(target: Target, x, y) -> SupermodularityWitness | None:
    x, y = tuple(map(Fraction, x)), tuple(map(Fraction, y))
    jn, mt = tuple(map(max, x, y)), tuple(map(min, x, y))
    if not all(target.in_domain(p) for p in (x, y)):
        return None
    try:
        w = SupermodularityWitness(x, y, target.value(x), target.value(y), target.value(jn), target.value(mt))
    except (NotCertifiable, ZeroDivisionError, ValueError, ArithmeticError):
        return None
    return w if w.violation > 0 else None


def _grid(target: Target) -> np.ndarray:
    lo, hi, d = float(target.lo), float(target.hi), target.dim
    if target.domain == "vertices":
        return np.array(list(itertools.product([lo, hi], repeat=d)))
    m = next((k for k in (33, 17, 9, 5, 3, 2) if k ** d <= 1100), None)
    if m is None:
        return np.empty((0, d))  # more than 10 inputs: no grid (the order search still runs)
    axis = lo + (hi - lo) * np.arange(m) / (m - 1)
    return np.array(list(itertools.product(axis, repeat=d)))


def _snaps(target: Target, p: np.ndarray):
    exact = tuple(Fraction(float(v)) for v in p)
    yield exact
    for den in SNAP_DENOMINATORS:
        yield tuple(min(target.hi, max(target.lo, v.limit_denominator(den))) for v in exact)


def _improve(target: Target, w, certify, objective):
    """L-BFGS-B from the witness's x, y over the box, then snapped candidates certified exactly."""
    d, lo, hi = target.dim, float(target.lo), float(target.hi)
    z0 = np.array([float(v) for v in (*w.x, *w.y)])
    r = minimize(objective, z0, method="L-BFGS-B", bounds=[(lo, hi)] * (2 * d), options={"maxiter": 200})
    best = w
    for cx, cy in zip(_snaps(target, r.x[:d]), _snaps(target, r.x[d:])):
        best = best_of(best, certify(target, cx, cy))
    return best


def find_convex_witnesses(target: Target, limit: int = 30):
    """(convexity witness, supermodularity witness) for ``target`` on its domain, each certified exactly,
    or None where none was found (a search: absence is not a proof of convexity or supermodularity)."""
    pts = _grid(target)
    if pts.shape[0] == 0:
        return None, None
    g = target.evaluate(pts)
    ok = np.isfinite(g)
    pts, g = pts[ok], g[ok]
    exact_pts = [tuple(Fraction(float(v)) for v in p) for p in pts]
    cw, sw = data_witnesses(pts, g, lambda i: exact_pts[i], lambda i: target.value(exact_pts[i]),
                            cheap=False, limit=limit)
    cw = cw and certify_convexity(target, cw.x, cw.y)
    sw = sw and certify_supermodularity(target, sw.x, sw.y)
    if target.domain == "vertices":
        return cw, sw
    d = target.dim

    def conv_obj(z):
        x, y = z[:d], z[d:]
        v = target.evaluate(np.stack([x, y, (x + y) / 2]))
        val = v[2] - (v[0] + v[1]) / 2
        return -val if np.isfinite(val) else 0.0

    def sup_obj(z):
        x, y = z[:d], z[d:]
        v = target.evaluate(np.stack([x, y, np.maximum(x, y), np.minimum(x, y)]))
        val = v[0] + v[1] - v[2] - v[3]
        return -val if np.isfinite(val) else 0.0

    if cw is not None:
        cw = _improve(target, cw, certify_convexity, conv_obj)
    if sw is not None:
        sw = _improve(target, sw, certify_supermodularity, sup_obj)
    return cw, sw
