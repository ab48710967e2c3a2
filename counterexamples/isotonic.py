"""Isotonic regression over the componentwise partial order: the best any order-preserving function
(hence any network of the class nonneg) can do on a finite dataset (THEORY.md section 4).

**L-infinity.**  E_inf = max_{x <= y} (g(x) - g(y)) / 2, attained by
f*(x) = (max_{z <= x} g(z) + min_{z >= x} g(z)) / 2  (both terms by the dominance search).

**L2 (exact).**  The minimiser of sum_i (f_i - y_i)^2 subject to f_i <= f_j for x_i <= x_j, computed by
recursive partitioning with minimum cuts (Maxwell & Muckstadt 1985; Spouge, Wan & Wilbur 2003; Luss,
Rosset & Shahar 2012): a block V with mean m splits into the upper set U of V maximising
sum_{i in U} (y_i - m) (a maximum-closure problem, solved as a minimum s-t cut) and V \\ U; a block is
final when that maximum is 0.

**Exactness.**  The cuts of the fast path use scipy's C max-flow on capacities rounded to integers.
Whatever produced the partition, the answer is accepted only after an exact optimality check (the KKT
conditions, :func:`verify_l2`): (1) block means, computed in rationals, are monotone along every covering
pair of the order; (2) inside every block, no upper set has positive total of y_i - mean, decided by one
exact max-flow (networkx on integer capacities).  (2) is Gale's feasibility condition for multipliers
lambda_ij >= 0 on the order pairs inside blocks with y_i - f_i = (flow out of i) - (flow into i), which
with (1) are the KKT conditions of this convex QP, so the fit is the exact optimum.  If the check fails,
the partition is recomputed with exact cuts (networkx, rational capacities) and checked again.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Callable

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from counterexamples.dominance import dominated_argmax, dominating_argmin
from theory.errors import BadInput

L2_LIMIT = 6000  # distinct points; the covering relation is built from an n x n dominance matrix


def linf_fit(X: np.ndarray, y: np.ndarray, arg: np.ndarray | None = None) -> np.ndarray:
    """f*(x) = (max_{z <= x} g(z) + min_{z >= x} g(z)) / 2 on the data points (float64); ``arg`` may pass
    a precomputed ``dominated_argmax(X, y)``."""
    y = np.asarray(y, dtype=float)
    up = dominated_argmax(X, y) if arg is None else arg
    return (y[up] + y[dominating_argmin(X, y)]) / 2


@dataclass(frozen=True)
class L2Fit:
    fit: np.ndarray  # float64, per data point
    mse: Fraction  # exact minimum mean squared error
    blocks: int
    exact_cuts: bool  # True if the fast path failed the check and exact cuts were needed


def _group(X: np.ndarray):
    """Merge identical points: unique rows, inverse map, counts."""
    uniq, inv, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    return uniq, inv.ravel(), counts


def covering_pairs(U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The covering relation (transitive reduction) of the strict componentwise order on distinct points:
    pairs (a, b) with x_a < x_b and no x_c strictly between.  From the dominance matrix R by
    R & not(R @ R) (float32 BLAS; counts below 2^24 are exact)."""
    n = U.shape[0]
    R = np.ones((n, n), dtype=bool)
    for k in range(U.shape[1]):
        R &= U[:, None, k] <= U[None, :, k]
    np.fill_diagonal(R, False)
    Rf = R.astype(np.float32)
    two = (Rf @ Rf) > 0.5
    a, b = np.nonzero(R & ~two)
    return a, b


def _split_fast(nodes: np.ndarray, w: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    """Upper set U of the block (closed under the edges a -> b) maximising sum w over U, approximately:
    scipy max-flow on capacities rounded to integers.  Returns a boolean mask over ``nodes``."""
    m = nodes.shape[0]
    scale = float(np.abs(w).sum())
    if scale == 0:
        return np.zeros(m, dtype=bool)
    cap = np.rint(w * (2 ** 30 / scale)).astype(np.int64)
    s, t = m, m + 1
    pos, neg = np.flatnonzero(cap > 0), np.flatnonzero(cap < 0)
    big = 2 ** 30 + 1
    rows = np.concatenate([np.full(pos.size, s), neg, ea])
    cols = np.concatenate([pos, np.full(neg.size, t), eb])
    data = np.concatenate([cap[pos], -cap[neg], np.full(ea.size, big)]).astype(np.int32)
    G = csr_matrix((data, (rows, cols)), shape=(m + 2, m + 2))
    res = maximum_flow(G, s, t, method="dinic")
    residual = (G - res.flow).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, s, directed=True, return_predecessors=False)
    mask = np.zeros(m + 2, dtype=bool)
    mask[reach] = True
    return mask[:m]


def _closure_graph(weights: dict, edges) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(["s", "t"])
    for i, w in weights.items():
        if w > 0:
            G.add_edge("s", i, capacity=w)
        elif w < 0:
            G.add_edge(i, "t", capacity=-w)
    for a, b in edges:
        G.add_edge(a, b)  # no capacity attribute: infinite
    return G


def _split_exact(nodes, S, c, ea, eb) -> np.ndarray:
    """The exact maximum-closure split of a block: weights S_i - c_i * mean, scaled to integers."""
    mean = sum((S[k] for k in nodes), Fraction(0)) / int(c[nodes].sum())
    w = {k: S[k] - int(c[k]) * mean for k in nodes}
    den = lcm(*(v.denominator for v in w.values()))
    G = _closure_graph({k: int(v * den) for k, v in w.items()}, zip(nodes[ea], nodes[eb]))
    _, (side, _) = nx.minimum_cut(G, "s", "t")
    return np.array([k in side for k in nodes], dtype=bool)


def _partition(n: int, a: np.ndarray, b: np.ndarray, split) -> list[np.ndarray]:
    """Recursive partitioning; ``split(nodes, ea, eb)`` returns the upper-set mask of a block."""
    blocks, stack = [], [np.arange(n)]
    loc = np.full(n, -1)
    while stack:
        B = stack.pop()
        if B.size == 1:
            blocks.append(B)
            continue
        loc[B] = np.arange(B.size)
        keep = (loc[a] >= 0) & (loc[b] >= 0)
        mask = split(B, loc[a[keep]], loc[b[keep]])
        loc[B] = -1
        if mask.all() or not mask.any():
            blocks.append(B)
        else:
            stack += [B[~mask], B[mask]]
    return blocks


def verify_l2(blocks, S, c, a, b) -> bool:
    """The exact KKT check described in the module docstring.  S: exact sums per point, c: counts."""
    label = np.empty(len(S), dtype=np.int64)
    means = []
    for k, B in enumerate(blocks):
        label[B] = k
        means.append(sum((S[i] for i in B), Fraction(0)) / int(c[B].sum()))
    if any(means[label[i]] > means[label[j]] for i, j in zip(a, b)):
        return False
    weights, edges = {}, []
    for k, B in enumerate(blocks):
        if B.size < 2:
            continue
        w = {int(i): S[i] - int(c[i]) * means[k] for i in B}
        den = lcm(*(v.denominator for v in w.values()))
        weights.update({i: int(v * den) for i, v in w.items()})
    inside = label[a] == label[b]
    edges = [(int(i), int(j)) for i, j in zip(a[inside], b[inside]) if int(i) in weights]
    G = _closure_graph(weights, edges)
    total = sum(v for v in weights.values() if v > 0)
    if total == 0:
        return True
    return nx.maximum_flow_value(G, "s", "t") == total


def l2_isotonic(X: np.ndarray, y: np.ndarray, exact_y: Callable | None = None) -> L2Fit:
    """The exact L2 isotonic regression of (X, y) over the componentwise order."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    if n == 0:
        raise BadInput("no data points")
    exact_y = exact_y or (lambda i: Fraction(float(y[i])))
    U, inv, c = _group(X)
    u = U.shape[0]
    if u > L2_LIMIT:
        raise BadInput(f"exact L2 isotonic regression is limited to {L2_LIMIT} distinct points, got {u}")
    yq = [exact_y(i) for i in range(n)]
    S = [Fraction(0)] * u
    Q = [Fraction(0)] * u
    for i, k in enumerate(inv):
        S[k] += yq[i]
        Q[k] += yq[i] * yq[i]
    a, b = covering_pairs(U)
    Sf = np.array([float(v) for v in S])

    def fast(B, ea, eb):
        w = Sf[B] - c[B] * (Sf[B].sum() / c[B].sum())
        return _split_fast(B, w, ea, eb)

    blocks = _partition(u, a, b, fast)
    exact_cuts = False
    if not verify_l2(blocks, S, c, a, b):
        exact_cuts = True
        blocks = _partition(u, a, b, lambda B, ea, eb: _split_exact(B, S, c, ea, eb))
        if not verify_l2(blocks, S, c, a, b):
            raise AssertionError("internal error: the exact partition failed the KKT check")
    fit_u = np.empty(u)
    sse = Fraction(0)
    for B in blocks:
        tot, cnt = sum((S[i] for i in B), Fraction(0)), int(c[B].sum())
        mean = tot / cnt
        fit_u[B] = float(mean)
        sse += sum((Q[i] for i in B), Fraction(0)) - 2 * mean * tot + cnt * mean * mean
    return L2Fit(fit_u[inv], sse / n, len(blocks), exact_cuts)
