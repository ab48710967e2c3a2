"""The falsification search: ordered pairs x <= y in the box with f_k(x) > f_k(y), found numerically and
reported only after the exact re-check.

A claim "f_k is non-decreasing in x_i" is refuted by one pair x, y that agree off coordinate i with
x_i <= y_i and f_k(x) > f_k(y).  The search, for a concrete network, in numpy batches:

1. **random one-coordinate pairs**: a base point p uniform in the box and a <= b uniform in [lo, hi];
   x = p with x_i = a, y = p with x_i = b (a quarter of them with b - a small, to catch local dips);
2. **random general pairs** (when every input is in the claim): x <= y uniform; a violation of
   f_k(x) <= f_k(y) telescopes along the path x = z_0 <= z_1 <= ... <= z_d = y that raises one
   coordinate at a time, so some consecutive z_t, z_{t+1} is a one-coordinate violation;
3. **slope search**: the partial derivative d f_k / d x_i by backpropagation through the layer graph
   (activation slopes by central differences) at random points; where it is negative, steps h along e_i
   on a geometric ladder give candidate pairs (p, p + h e_i);
4. **gradient-guided search**: from the most violating pairs found, projected normalized-gradient ascent
   of f_k(x) - f_k(y) over (p, a, b) with lo <= a <= b <= hi (useful where f is curved).

Candidates with f_k(x) > f_k(y) in floating point become :class:`~checkers.kernel.Witness` objects
(exact Fractions of the float coordinates) and go through :func:`~checkers.kernel.refuted_if_rechecked`
(exact rationals, or rigorous intervals for transcendental activations); the best few are tried in turn.
The search never proves anything: when nothing survives the recheck the answer is Unknown.
Deterministic given ``seed``.
"""
from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from checkers.kernel import Refuted, Unknown, Verdict, Witness, refuted_if_rechecked
from theory.claims import Claim, ClaimProperty
from theory.cnn import CNN_LAYERS
from theory.network import INPUT, Act, Add, Concat, Dense, Network

METHOD = "falsify"
RECHECK_TRIES = 5  # exact rechecks attempted per stage before moving on
GRAD_STARTS = 32
GRAD_STEPS = 60
SLOPE_H = 1e-6


def _box_floats(claim: Claim) -> tuple[float, float]:
    """The box as floats rounded inward, so every float point in [lo_f, hi_f] lies in the exact box."""
    if claim.box is None:
        return 0.0, 1.0
    lo, hi = float(claim.box.lo), float(claim.box.hi)
    if Fraction(lo) < claim.box.lo:
        lo = float(np.nextafter(lo, np.inf))
    if Fraction(hi) > claim.box.hi:
        hi = float(np.nextafter(hi, -np.inf))
    return lo, hi


_SUPPORTED = (Dense, Act, Add, Concat, *CNN_LAYERS)  # CNN layers: numeric forward, gradient via layer.vjp


def _supported(net: Network) -> bool:
    return all(isinstance(n.layer, _SUPPORTED) for n in net.nodes)


def forward_all(net: Network, x: np.ndarray) -> dict:
    """Every node's value on the batch x (n, d), for backpropagation."""
    vals = {INPUT: x}
    for n in net.nodes:
        vals[n.name] = n.layer.forward(*(vals[s] for s in n.inputs))
    return vals


def input_gradient(net: Network, vals: dict, k: int) -> np.ndarray:
    """d f_k / d x for each row of the batch, by reverse accumulation through the layer graph.  Slopes of
    activations by central differences (a search heuristic: exactness comes from the recheck)."""
    n = vals[INPUT].shape[0]
    grads = {net.output: np.zeros((n, net.output_dim))}
    grads[net.output][:, k] = 1.0
    for node in reversed(net.nodes):
        g = grads.pop(node.name, None)
        if g is None:
            continue
        layer, srcs = node.layer, node.inputs
        if isinstance(layer, Dense):
            parts = [g @ np.asarray(layer.weight, dtype=float)]
        elif isinstance(layer, Act):
            u = vals[srcs[0]]
            with np.errstate(all="ignore"):
                slope = (layer.activation.numpy(u + SLOPE_H) - layer.activation.numpy(u - SLOPE_H)) / (2 * SLOPE_H)
            parts = [g * np.nan_to_num(slope)]
        elif isinstance(layer, Add):
            parts = [g] * len(srcs)
        elif isinstance(layer, CNN_LAYERS):
            parts = [layer.vjp(vals[srcs[0]], g)]
        else:  # Concat
            sizes = np.cumsum([vals[s].shape[1] for s in srcs])[:-1]
            parts = np.split(g, sizes, axis=1)
        for s, part in zip(srcs, parts):
            grads[s] = grads[s] + part if s in grads else part
    return grads.get(INPUT, np.zeros_like(vals[INPUT]))


class _Search:
    def __init__(self, claim: Claim, timeout: float, samples: int, seed: int):
        self.claim, self.net = claim, claim.network
        self.lo, self.hi = _box_floats(claim)
        self.rng = np.random.default_rng(seed)
        self.samples = max(1, int(samples))
        self.start = time.perf_counter()
        self.deadline = self.start + timeout
        self.tried = 0
        self.failed_rechecks = 0

    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def f(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.net.forward(x)

    def pairs_along(self, i: int, n: int):
        d = self.net.input_dim
        p = self.rng.uniform(self.lo, self.hi, size=(n, d))
        ab = np.sort(self.rng.uniform(self.lo, self.hi, size=(n, 2)), axis=1)
        local = self.rng.random(n) < 0.25
        width = (self.hi - self.lo) * 10.0 ** self.rng.uniform(-4, -1, size=n)
        ab[local, 1] = np.minimum(ab[local, 0] + width[local], self.hi)
        x, y = p.copy(), p.copy()
        x[:, i], y[:, i] = ab[:, 0], ab[:, 1]
        return x, y

    def try_candidates(self, x, y, gap, i, k) -> Verdict | None:
        """Recheck the most violating candidates (gap = f_k(x) - f_k(y) > 0) exactly."""
        order = np.argsort(-gap)
        for idx in order[:RECHECK_TRIES]:
            if not gap[idx] > 0:
                break
            verdict = refuted_if_rechecked(Witness.make(x[idx], y[idx], k, i), self.claim, METHOD,
                                           time.perf_counter() - self.start)
            if isinstance(verdict, Refuted):
                return verdict
            self.failed_rechecks += 1
        return None

    def random_stage(self, best: dict) -> Verdict | None:
        outs = list(self.claim.outputs)
        for i in self.claim.inputs:
            done = 0
            while done < self.samples and not self.out_of_time():
                n = min(4096, self.samples - done)
                x, y = self.pairs_along(i, n)
                fx, fy = self.f(x), self.f(y)
                done += n
                self.tried += n
                for k in outs:
                    gap = np.nan_to_num(fx[:, k] - fy[:, k], nan=-np.inf)
                    best.setdefault((i, k), []).append((x, y, gap))
                    found = self.try_candidates(x, y, gap, i, k)
                    if found:
                        return found
        return None

    def general_stage(self) -> Verdict | None:
        """Random x <= y in general position; a violation telescopes to a one-coordinate one."""
        net, n = self.net, min(self.samples, 4096)
        if set(self.claim.inputs) != set(range(net.input_dim)) or self.out_of_time():
            return None
        lohi = np.sort(self.rng.uniform(self.lo, self.hi, size=(n, net.input_dim, 2)), axis=2)
        x, y = lohi[..., 0], lohi[..., 1]
        fx, fy = self.f(x), self.f(y)
        self.tried += n
        for k in self.claim.outputs:
            gap = np.nan_to_num(fx[:, k] - fy[:, k], nan=-np.inf)
            for idx in np.argsort(-gap)[:RECHECK_TRIES]:
                if not gap[idx] > 0:
                    break
                chain = np.repeat(x[idx][None, :], net.input_dim + 1, axis=0)
                for t in range(net.input_dim):
                    chain[t + 1:, t] = y[idx, t]
                vals = self.f(chain)[:, k]
                steps = vals[:-1] - vals[1:]
                t = int(np.argmax(steps))
                if steps[t] > 0:
                    verdict = refuted_if_rechecked(Witness.make(chain[t], chain[t + 1], k, t), self.claim, METHOD,
                                                   time.perf_counter() - self.start)
                    if isinstance(verdict, Refuted):
                        return verdict
                    self.failed_rechecks += 1
        return None

    def slope_stage(self, best: dict) -> Verdict | None:
        """Points where the partial derivative d f_k / d x_i is negative (by backpropagation), at random
        points and at the best pairs so far; from each, a geometric ladder of steps h along e_i."""
        span = self.hi - self.lo
        if span <= 0:
            return None
        n = min(self.samples, 4096)
        ladder = span * np.logspace(-7, -1, 13)
        for i in self.claim.inputs:
            for k in self.claim.outputs:
                if self.out_of_time():
                    return None
                pts = [self.rng.uniform(self.lo, self.hi, size=(n, self.net.input_dim))]
                if (i, k) in best:
                    pts += [b[0] for b in best[(i, k)]] + [b[1] for b in best[(i, k)]]
                p = np.vstack(pts)
                with np.errstate(all="ignore"):
                    g = input_gradient(self.net, forward_all(self.net, p), k)[:, i]
                self.tried += len(p)
                neg = p[np.argsort(g)[:GRAD_STARTS]][np.sort(g)[:GRAD_STARTS] < 0]
                if not len(neg):
                    continue
                xs = np.repeat(neg, len(ladder), axis=0)
                ys = xs.copy()
                h = np.tile(ladder, len(neg))
                up = xs[:, i] + h <= self.hi
                ys[up, i] = xs[up, i] + h[up]
                xs[~up, i] = np.maximum(ys[~up, i] - h[~up], self.lo)
                gap = np.nan_to_num(self.f(xs)[:, k] - self.f(ys)[:, k], nan=-np.inf)
                self.tried += len(xs)
                found = self.try_candidates(xs, ys, gap, i, k)
                if found:
                    return found
        return None

    def gradient_stage(self, best: dict) -> Verdict | None:
        """Projected normalized-gradient ascent of f_k(x) - f_k(y) from the most violating starts."""
        span = self.hi - self.lo
        if span <= 0:
            return None
        for (i, k), batches in best.items():
            if self.out_of_time():
                return None
            x = np.concatenate([b[0] for b in batches])
            gap = np.concatenate([b[2] for b in batches])
            top = np.argsort(-gap)[:GRAD_STARTS]
            p = x[top].copy()
            a = p[:, i].copy()
            b = np.concatenate([bb[1] for bb in batches])[top, i].copy()
            for step in range(GRAD_STEPS):
                if self.out_of_time():
                    return None
                lr = 0.1 * span * (1 - step / GRAD_STEPS) + 1e-4 * span
                xs, ys = p.copy(), p.copy()
                xs[:, i], ys[:, i] = a, b
                both = np.vstack([xs, ys])
                vals = forward_all(self.net, both)
                g = input_gradient(self.net, vals, k)
                gx, gy = g[:len(p)], g[len(p):]
                grad_p = gx - gy  # d/dp of f(x) - f(y), off coordinate i
                grad_p[:, i] = 0.0
                grad_a, grad_b = gx[:, i], -gy[:, i]
                norm = np.maximum(np.abs(np.column_stack([grad_p, grad_a, grad_b])).max(axis=1), 1e-300)[:, None]
                p = np.clip(p + lr * grad_p / norm, self.lo, self.hi)
                a = np.clip(a + lr * grad_a / norm[:, 0], self.lo, self.hi)
                b = np.clip(b + lr * grad_b / norm[:, 0], self.lo, self.hi)
                swap = a > b
                mid = (a[swap] + b[swap]) / 2
                a[swap], b[swap] = mid, mid
                self.tried += len(p)
            xs, ys = p.copy(), p.copy()
            xs[:, i], ys[:, i] = a, b
            gap = np.nan_to_num(self.f(xs)[:, k] - self.f(ys)[:, k], nan=-np.inf)
            found = self.try_candidates(xs, ys, gap, i, k)
            if found:
                return found
        return None


def check(claim: Claim, timeout: float = 10.0, samples: int = 4096, seed: int = 0) -> Verdict:
    """Search for x <= y in the box with f_k(x) > f_k(y); Refuted (rechecked exactly) or Unknown."""
    start = time.perf_counter()
    net = claim.network
    if claim.kind is not ClaimProperty.MONOTONE:
        return Unknown(f"the falsifier searches monotonicity violations only, not {claim.kind.value}", METHOD, 0.0)
    if not net.is_concrete:
        return Unknown("the network has symbolic weights or activations: nothing to sample", METHOD,
                       time.perf_counter() - start)
    if not _supported(net):
        kinds = sorted({n.layer.kind for n in net.nodes if not isinstance(n.layer, _SUPPORTED)})
        return Unknown(f"layer kinds {kinds} are not supported by the falsifier", METHOD, time.perf_counter() - start)
    search = _Search(claim, timeout, samples, seed)
    if search.hi < search.lo:
        return Unknown("the box contains no floating-point point to sample", METHOD, time.perf_counter() - start)
    best: dict = {}
    for stage in (lambda: search.random_stage(best), search.general_stage,
                  lambda: search.slope_stage(best), lambda: search.gradient_stage(best)):
        found = stage()
        if found is not None:
            return found
    note = f"; {search.failed_rechecks} numeric candidate(s) failed the exact re-check" if search.failed_rechecks else ""
    cut = " (time limit reached)" if search.out_of_time() else ""
    return Unknown(f"no violation found in {search.tried} ordered pairs{cut}{note}", METHOD,
                   time.perf_counter() - start)
