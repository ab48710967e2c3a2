"""Dominance maxima: for every point q, the point p <= q (componentwise, p = q allowed) of largest value.

This is the workhorse of the witness search (max over dominance pairs x <= y of g(x) - g(y)) and of the
L-infinity isotonic fit (max_{z <= x} g(z) and min_{z >= x} g(z)).

Algorithm: offline divide and conquer over the lexicographic order (Bentley, "Multidimensional
divide-and-conquer", CACM 23(4), 1980; in competitive programming "CDQ divide and conquer").  After a
lexicographic sort, p <= q with p != q implies that p comes first.  Split every group in two halves: a
pair (p in the left half, q in the right half) already has p_0 <= q_0, so the cross pairs form a
(d-1)-dimensional problem in which left points are sources and right points are queries; pairs inside one
half are handled at the next level.  In one dimension a sort plus a prefix maximum answers every query.
Every level is vectorised over all groups at once (a segmented prefix maximum is one
``np.maximum.accumulate`` on keys offset by the group index), so the cost is O(n log^{d-1} n) element
operations in O(log^{d-1} n) numpy passes: 10^6 points in 2-D take a few seconds.

Ties are exact: coordinates are compared as floats (exact comparisons of binary fractions), identical
points are merged before the recursion, and within a subproblem sources sort before queries at equal
coordinates, so p <= q is detected whenever it holds.

>>> import numpy as np
>>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
>>> dominated_argmax(X, np.array([0., 1., 1., 0.])).tolist()   # (1,1) sees (1,0): ties go to the later row
[0, 1, 2, 2]
"""
from __future__ import annotations

import numpy as np


BRUTE_WORK = 2 * 10 ** 8  # n^2 d below which all-pairs beats the O(n log^{d-1} n) recursion for d >= 4


def _brute_best(X: np.ndarray, score: np.ndarray) -> np.ndarray:
    """For each row q, the largest score among rows p <= q, by blocked all-pairs comparison."""
    n, d = X.shape
    out = np.empty(n, dtype=np.int64)
    block = max(1, 4_000_000 // max(1, n * d))
    for a in range(0, n, block):
        dom = np.all(X[None, :, :] <= X[a:a + block, None, :], axis=2)
        out[a:a + block] = np.where(dom, score[None, :], -1).max(axis=1)
    return out


def _ranks(X: np.ndarray) -> np.ndarray:
    """Dense integer ranks per column (equal values, equal ranks)."""
    out = np.empty(X.shape, dtype=np.int64)
    for j in range(X.shape[1]):
        out[:, j] = np.unique(X[:, j], return_inverse=True)[1].ravel()
    return out


def _unique_rows(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique rows, inverse index) of an integer matrix, with a fast path through one int64 key."""
    n, d = R.shape
    radix = R.max(axis=0).astype(object) + 1 if n else np.ones(d, dtype=object)
    total = 1
    for r in radix:
        total *= int(r)
    if total < 2 ** 62:
        key = np.zeros(n, dtype=np.int64)
        for j in range(d):
            key = key * int(radix[j]) + R[:, j]
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        return R[first], inv.ravel()
    uniq, inv = np.unique(R, axis=0, return_inverse=True)
    return uniq, inv.ravel()


def _solve_1d(group, coord, score, src, qry, ids, best, n_score):
    """The one-dimensional case: sort by (group, coordinate, sources first), segmented prefix maximum."""
    span = int(coord.max()) + 1
    key = (group * span + coord) * 2 + (~src)  # < 2 n^2: fits int64 for n < 2^31
    order = np.argsort(key)
    group, src, qry, score, ids = group[order], src[order], qry[order], score[order], ids[order]
    first = np.empty(group.shape[0], dtype=bool)
    first[0] = True
    first[1:] = group[1:] != group[:-1]
    base = (np.cumsum(first) - 1) * (n_score + 1)
    code = base + np.where(src, score + 1, 0)
    res = np.maximum.accumulate(code) - base - 1  # -1: no source so far in this group
    tgt = ids[qry]
    best[tgt] = np.maximum(best[tgt], res[qry])


def _solve(group, coords, score, src, qry, ids, best, n_score):
    """For each query element, best[ids] = max(best[ids], max score of a source in the same group with
    coords <= its coords).  Groups are arbitrary int64 labels; coords integer ranks (m, k)."""
    m, k = coords.shape
    if m == 0 or not src.any() or not qry.any():
        return
    if k == 1:
        _solve_1d(group, coords[:, 0], score, src, qry, ids, best, n_score)
        return
    keys = [~src] + [coords[:, j] for j in reversed(range(k))] + [group]
    order = np.lexsort(keys)  # by group, then coords lexicographically, sources first on ties
    group, coords, score, src, qry, ids = (group[order], coords[order], score[order], src[order],
                                           qry[order], ids[order])
    first = np.empty(m, dtype=bool)
    first[0] = True
    first[1:] = group[1:] != group[:-1]
    idx = np.arange(m)
    start = np.maximum.accumulate(np.where(first, idx, 0))
    last = np.empty(m, dtype=bool)
    last[-1] = True
    last[:-1] = first[1:]
    end = np.minimum.accumulate(np.where(last, idx + 1, m)[::-1])[::-1]  # one past the group's end
    pos = idx - start
    size = end - start
    if k == 2:
        _split_2d(start, coords[:, 1], score, src, qry, ids, best, n_score, int(size.max()))
        return
    s = 1
    while s < size.max():
        block_start = start + (pos // (2 * s)) * (2 * s)
        left = (pos % (2 * s)) < s
        has_right = block_start + s < end
        sel = has_right & ((src & left) | (qry & ~left))
        if sel.any():
            _solve(block_start[sel], coords[sel, 1:], score[sel], (src & left)[sel], (qry & ~left)[sel],
                   ids[sel], best, n_score)
        s *= 2


def _split_2d(start, c1, score, src, qry, ids, best, n_score, max_size):
    """The two-coordinate case of :func:`_solve` without per-level sorting.  Elements arrive sorted by
    (group, c0, c1, sources first), so an element's index is its position and ``start`` its group's
    first position.  The layout lists every block (a range of positions) at the same range of indices,
    ordered by (c1, position); each level is a segmented prefix maximum, then a stable split of every
    block into its halves by counting (as in :func:`_solve_2d`, for groups of any sizes)."""
    m = c1.shape[0]
    idx = np.arange(m)
    layout = np.lexsort((idx, c1, start))  # by group, then c1, then position
    w = 1 << max(0, (max_size - 1).bit_length())
    stride = n_score + 1
    while w >= 2:
        s = w // 2
        e = layout
        rel = e - start[e]
        ps = start[e] + (rel // w) * w  # the block's first position = its first layout index
        left = (rel % w) < s
        base = ps * stride
        res = np.maximum.accumulate(base + np.where(left & src[e], score[e] + 1, 0)) - base - 1
        q = ~left & qry[e]
        tgt = ids[e[q]]
        best[tgt] = np.maximum(best[tgt], res[q])
        if w == 2:
            break
        lf = left.astype(np.int64)
        before = np.cumsum(lf) - lf
        zb = before - before[ps]
        new = np.where(left, ps + zb, ps + s + (idx - ps - zb))
        nxt = np.empty_like(layout)
        nxt[new] = layout
        layout = nxt
        w = s


def _solve_2d(x1: np.ndarray, score: np.ndarray) -> np.ndarray:
    """The 2-D case without per-level sorting, top down, on distinct points given in lexicographic order
    (so a point's index is its position) by their second coordinates ``x1``.  Returns, per point, the
    best score among the points below it (its own included).

    Points are padded to N = 2^k; blocks of size w are ranges of positions, laid out as the rows of an
    (N/w, w) array, each row listing its points by (x1, position), so left-half sources precede
    right-half queries on ties.  Each level is a row-wise prefix maximum, then a stable split of every
    row into its two halves (by counting), which keeps the x1 order for the next level.  O(N) numpy work
    per level, log2 N levels."""
    u = x1.shape[0]
    best = score.copy()
    if u < 2:
        return best
    N = 1 << (u - 1).bit_length()
    pos = np.arange(N)
    order = np.concatenate([np.argsort(x1, kind="stable"), np.arange(u, N)])  # padding goes last
    p = order.copy()
    sc = np.concatenate([score, np.full(N - u, -1)])[order] + 1  # 0 means "no source"
    w = N
    while w >= 2:
        s = w // 2
        P, S = p.reshape(-1, w), sc.reshape(-1, w)
        left = (P & (w - 1)) < s
        acc = np.maximum.accumulate(np.where(left, S, 0), axis=1) - 1  # -1: no source yet
        right = ~left
        tgt = P[right]
        keep = tgt < u
        tgt, val = tgt[keep], acc[right][keep]
        best[tgt] = np.maximum(best[tgt], val)
        if w == 2:
            break
        cl = np.cumsum(left, axis=1)
        newcol = np.where(left, cl - 1, s + np.arange(w) - cl)
        flat = (newcol + (pos[:N // w] * w)[:, None]).ravel()
        nxt_p, nxt_s = np.empty_like(p), np.empty_like(sc)
        nxt_p[flat], nxt_s[flat] = p, sc
        p, sc = nxt_p, nxt_s
        w = s
    return best


def dominated_argmax(X: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row q of X, the index of a row p <= q (componentwise, p = q included) of largest value.

    Exact for float data (only comparisons are used).  Ties between equal values go to the later row."""
    X = np.asarray(X, dtype=float)
    values = np.asarray(values, dtype=float)
    if X.ndim != 2 or values.shape != (X.shape[0],):
        raise ValueError("dominated_argmax needs X of shape (n, d) and values of shape (n,)")
    n, d = X.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    score = np.empty(n, dtype=np.int64)
    score[order] = np.arange(n)
    if d == 2:
        lex = np.lexsort((X[:, 1], X[:, 0]))
        Xs = X[lex]
        new = np.ones(n, dtype=bool)
        new[1:] = np.any(Xs[1:] != Xs[:-1], axis=1)  # identical points are adjacent: merge them
        starts = np.flatnonzero(new)
        ubest = _solve_2d(Xs[starts, 1], np.maximum.reduceat(score[lex], starts))
        inv = np.empty(n, dtype=np.int64)
        inv[lex] = np.cumsum(new) - 1
        return order[ubest[inv]]
    if d >= 4 and n * n * d <= BRUTE_WORK:  # many dimensions, few points: all pairs is cheaper
        return order[_brute_best(X, score)]
    uniq, inv = _unique_rows(_ranks(X))
    u = uniq.shape[0]
    ubest = np.full(u, -1, dtype=np.int64)
    np.maximum.at(ubest, inv, score)  # the best duplicate of each point, itself included
    src = np.ones(u, dtype=bool)
    _solve(np.zeros(u, dtype=np.int64), uniq, ubest.copy(), src, src.copy(), np.arange(u), ubest, n)
    return order[ubest[inv]]


def dominating_argmin(X: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row q, the index of a row p >= q of smallest value (the mirror image of the above)."""
    return dominated_argmax(-np.asarray(X, dtype=float), -np.asarray(values, dtype=float))


def brute_dominated_max(X: np.ndarray, values: np.ndarray) -> np.ndarray:
    """max_{p <= q} values[p] for each q by blocked all-pairs comparison: O(n^2 d), for tests and replay."""
    X = np.asarray(X, dtype=float)
    values = np.asarray(values, dtype=float)
    n = X.shape[0]
    out = np.empty(n)
    block = max(1, 4_000_000 // max(1, n * X.shape[1]))
    for a in range(0, n, block):
        q = X[a:a + block]
        dom = np.all(X[None, :, :] <= q[:, None, :], axis=2)  # dom[i, p]: p <= q_i
        out[a:a + block] = np.where(dom, values[None, :], -np.inf).max(axis=1)
    return out
