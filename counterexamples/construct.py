"""Tightness: an explicit network of the class nonneg that attains a monotone fit on the data.

Write the fit (monotone on the data, e.g. the L-infinity optimum f*) with distinct values
v_0 < v_1 < ... < v_K as f = v_0 + sum_{k>=1} (v_k - v_{k-1}) 1[x in U_k], with the upper sets
U_k = union over generators p of {x >= p}, where the generators of level k are the minimal data points
with f(p) >= v_k.  On a data point q, q in U_k iff some data point p <= q has f(p) >= v_k iff
f(q) >= v_k (f is monotone), so the network reproduces f on the data.  The indicators use only
non-negative weights (THEORY.md section 4; Mikulincer & Reichman, NeurIPS 2022):

    1[x_i >= c]     = step(x_i - c)                                  (layer 1: one unit per threshold)
    1[x >= p]       = step(sum_i 1[x_i >= p_i] - d + 1/2)            (layer 2: one unit per generator)
    1[x in U_k]     = step(sum_{p generates level k} 1[x >= p] - 1/2)  (layer 3: one unit per level)
    f(x)            = v_0 + sum_k (v_k - v_{k-1}) 1[x in U_k]        (output, weights > 0)

A point p generates level k exactly when maxbelow(p) < v_k <= f(p), where maxbelow(p) is the largest fit
value at data points strictly below p, so levels are found without enumerating upper sets.

Weights are exact rationals (step: H(0) = 1, so the thresholds are exact).  The steep-sigmoid version
replaces step(z) by sigmoid(s z) after shifting layer 1 by half the smallest gap between coordinate
values, so that every pre-activation on the data is at least a margin away from 0.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from theory.activations import get_activation
from theory.errors import BadInput
from theory.network import Act, Network, dense


def _levels(X: np.ndarray, fit: np.ndarray):
    """(values v_0 < ... < v_K, generators: list of (point index, first level, last level))."""
    X = np.asarray(X, dtype=float)
    fit = np.asarray(fit, dtype=float)
    if X.ndim != 2 or fit.shape != (X.shape[0],) or X.shape[0] == 0:
        raise BadInput("threshold_network needs points X of shape (n, d) and one fit value per point")
    if not (np.isfinite(X).all() and np.isfinite(fit).all()):
        raise BadInput("points and fit values must be finite")
    n = X.shape[0]
    below = np.full(n, -np.inf)  # max fit over data points strictly below (as points)
    block = max(1, 2_000_000 // max(1, n * X.shape[1]))
    for s in range(0, n, block):
        q = X[s:s + block]
        le = np.all(X[None, :, :] <= q[:, None, :], axis=2)
        eq = np.all(X[None, :, :] == q[:, None, :], axis=2)
        strict = le & ~eq
        bad = le & (fit[None, :] > fit[s:s + block, None])
        if bad.any():
            raise BadInput("the fit is not monotone on the data: no order-preserving network attains it")
        below[s:s + block] = np.where(strict, fit[None, :], -np.inf).max(axis=1)
    values = np.unique(fit)
    gens = []
    seen = set()
    for p in range(n):
        key = tuple(X[p])
        if key in seen:
            continue
        seen.add(key)
        first = int(np.searchsorted(values, below[p], side="right"))  # first level with v_k > maxbelow
        last = int(np.searchsorted(values, fit[p], side="right")) - 1
        first = max(first, 1)
        if first <= last:
            gens.append((p, first, last))
    return values, gens


def _layers(X: np.ndarray, fit: np.ndarray):
    """The four affine maps (weights, biases) as exact Fractions, shared by both versions."""
    X = np.asarray(X, dtype=float)
    values, gens = _levels(X, fit)
    d = X.shape[1]
    K = len(values) - 1
    thresholds = sorted({(i, float(X[p, i])) for p, _, _ in gens for i in range(d)})
    tindex = {t: k for k, t in enumerate(thresholds)}
    q = Fraction
    W1 = [[q(1) if j == i else q(0) for j in range(d)] for i, _ in thresholds]
    b1 = [-q(c) for _, c in thresholds]
    W2 = [[q(0)] * len(thresholds) for _ in gens]
    for r, (p, _, _) in enumerate(gens):
        for i in range(d):
            W2[r][tindex[(i, float(X[p, i]))]] = q(1)
    b2 = [q(-d) + q(1, 2)] * len(gens)
    W3 = [[q(1) if first <= k <= last else q(0) for (_, first, last) in gens] for k in range(1, K + 1)]
    b3 = [q(-1, 2)] * K
    vq = [q(float(v)) for v in values]
    W4 = [[vq[k] - vq[k - 1] for k in range(1, K + 1)]]
    b4 = [vq[0]]
    return (W1, b1), (W2, b2), (W3, b3), (W4, b4), d, K


def threshold_network(X: np.ndarray, fit: np.ndarray) -> Network:
    """A nonneg network of step units (exact rational weights, all >= 0) with f(X[i]) = fit[i]."""
    (W1, b1), (W2, b2), (W3, b3), (W4, b4), d, K = _layers(X, fit)
    step = Act(get_activation("step"))
    if K == 0:  # a constant fit
        return Network.chain([dense(np.zeros((1, d), dtype=object) + Fraction(0), b4)], input_dim=d,
                             source="threshold-network")
    layers = [dense(np.array(W1, dtype=object), np.array(b1, dtype=object)), step,
              dense(np.array(W2, dtype=object), np.array(b2, dtype=object)), step,
              dense(np.array(W3, dtype=object), np.array(b3, dtype=object)), step,
              dense(np.array(W4, dtype=object), np.array(b4, dtype=object))]
    return Network.chain(layers, input_dim=d, source="threshold-network")


def sigmoid_network(X: np.ndarray, fit: np.ndarray, margin: float = 40.0) -> Network:
    """The steep-sigmoid version: every step(z) becomes sigmoid(s z) with s * (distance of z from 0 on the
    data) >= ``margin``; each unit is then within e^-margin of its step value on the data.  Weights are
    floats, all >= 0 (the scales s are positive)."""
    X = np.asarray(X, dtype=float)
    (W1, b1), (W2, b2), (W3, b3), (W4, b4), d, K = _layers(X, fit)
    if K == 0:
        return threshold_network(X, fit)
    gaps = [np.diff(np.unique(X[:, i])) for i in range(d)]
    gaps = np.concatenate(gaps) if gaps else np.array([])
    delta = float(gaps.min()) / 2 if gaps.size else 1.0
    s1, s23 = margin / delta, 2 * margin  # layer 1: |z + delta| >= delta; layers 2, 3: |z| >= 1/2
    f = lambda M: np.array(M, dtype=object).astype(float)  # noqa: E731
    sig = Act(get_activation("sigmoid"))
    layers = [dense(s1 * f(W1), s1 * (f(b1) + delta)), sig,
              dense(s23 * f(W2), s23 * f(b2)), sig,
              dense(s23 * f(W3), s23 * f(b3)), sig,
              dense(f(W4), f(b4))]
    return Network.chain(layers, input_dim=d, source="sigmoid-network")
