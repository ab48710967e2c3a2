"""A small numpy trainer for MLPs, with weights kept non-negative or left free.

The network is f(x) = W_L s(... s(W_1 x + b_1) ...) + b_L with one catalogue activation s on every hidden
layer and a linear output.  Training is full-batch Adam (Kingma & Ba, ICLR 2015) on

- ``mse``: the mean squared error (1/n) sum_i (f(x_i) - y_i)^2, or
- ``sup``: a smooth stand-in for the sup-error max_i |f(x_i) - y_i|, the power mean
  L_p = ((1/n) sum_i |e_i|^p)^(1/p), which is within a factor n^(1/p) of the max (p = 16 by default).

Non-negativity of every weight (biases stay free), the class ``nonneg`` of Wang et al. (ICCV 2023):

- ``project``: after each Adam step, W <- max(W, 0) (projected gradient; the result is exactly >= 0);
- ``softplus``: W = softplus(V) = log(1 + e^V) > 0, and Adam updates V (dW/dV = sigmoid(V));
- ``free``: no constraint.

Back-propagation needs s'(z).  It is derived from the activation's sympy definition (``sympy.diff``,
Piecewise included) and compiled with ``lambdify``, never typed in by hand; where the compiled formula
overflows (e.g. e^{-z} / (1 + e^{-z})^2 for z << 0) it is re-evaluated at z clipped to [-40, 40], where every
catalogue derivative has already reached its limit to double precision.

The result is a :class:`theory.network.Network` (``Network.chain`` of ``dense`` and ``Act`` layers), the very
object the checkers prove order-preserving.  Errors are always measured on that Network's forward pass.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from theory.activations import X as SYMBOL
from theory.activations import Activation, get_activation
from theory.errors import BadInput
from theory.network import Act, Dense, Network, dense

from threadpoolctl import threadpool_limits  # small matrices: one BLAS thread beats several on a loaded machine

CONSTRAINTS = ("project", "softplus", "free")
CONSTRAINT_ALIASES = {"nonneg": "project", "projection": "project", "reparam": "softplus"}
LOSSES = ("mse", "sup")
_CLIP = 40.0
FIRST_GAIN = 4.0  # first-layer init gain (in units of the data spread): steeper units fit sharp labels
_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {}


def derivative(act: Activation) -> Callable[[np.ndarray], np.ndarray]:
    """s'(z) as a numpy function, from ``sympy.diff(act.expr)`` (cached per activation spec).

    >>> d = derivative(get_activation("relu"))
    >>> d(np.array([-1.0, 0.0, 2.0]))
    array([0., 1., 1.])
    """
    if act.expr is None:
        raise BadInput(f"activation {act.spec!r} has no definition to differentiate; pick a concrete one")
    fn = _DERIVATIVES.get(act.spec)
    if fn is None:
        expr = sp.diff(act.expr, SYMBOL)
        compiled = sp.lambdify(SYMBOL, expr, modules=["scipy", "numpy"])

        def fn(z, _f=compiled):
            z = np.asarray(z, dtype=float)
            with np.errstate(all="ignore"):
                out = np.array(np.broadcast_to(_f(z), z.shape), dtype=float)
                bad = ~np.isfinite(out)
                if bad.any():
                    zc = np.clip(z[bad], -_CLIP, _CLIP)
                    out[bad] = np.broadcast_to(_f(zc), zc.shape)
            return out

        _DERIVATIVES[act.spec] = fn
    return fn


def normalize_constraint(constraint: str) -> str:
    c = CONSTRAINT_ALIASES.get(constraint, constraint)
    if c not in CONSTRAINTS:
        raise BadInput(f"unknown constraint {constraint!r}; choose one of {', '.join(CONSTRAINTS)} (or nonneg)")
    return c


def errors(net: Network, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(sup-error, MSE) of ``net`` on the data: max_i |f(x_i) - y_i| and (1/n) sum_i (f(x_i) - y_i)^2."""
    e = net.forward(np.asarray(X, dtype=float))[:, 0] - np.asarray(y, dtype=float)
    return float(np.max(np.abs(e))), float(np.mean(e * e))


@dataclass(frozen=True)
class TrainResult:
    """One trained network and how it got there.  ``history`` holds per-epoch arrays ``loss``,
    ``sup_error`` and ``mse`` (on the training data, from the training forward pass)."""

    network: Network
    activation: str
    constraint: str
    loss: str
    hidden: tuple[int, ...]
    seed: int
    epochs: int
    seconds: float
    sup_error: float
    mse: float
    history: dict = field(hash=False, compare=False, repr=False)

    @property
    def nonneg(self) -> bool:
        return self.constraint != "free"

    def to_state(self) -> dict:
        """Plain arrays and strings (picklable: activations hold lambdas), for worker processes."""
        layers = [(n.layer.weight, n.layer.bias) for n in self.network.nodes if isinstance(n.layer, Dense)]
        meta = {k: getattr(self, k) for k in ("activation", "constraint", "loss", "hidden", "seed", "epochs",
                                               "seconds", "sup_error", "mse")}
        return {"layers": layers, "input_dim": self.network.input_dim, "source": self.network.source,
                "history": self.history, **meta}

    @classmethod
    def from_state(cls, state: dict) -> "TrainResult":
        act = get_activation(state["activation"])
        layers = []
        for i, (w, b) in enumerate(state["layers"]):
            layers.append(dense(w, b))
            if i < len(state["layers"]) - 1:
                layers.append(Act(act))
        net = Network.chain(layers, input_dim=state["input_dim"], source=state["source"])
        meta = {k: state[k] for k in ("activation", "constraint", "loss", "hidden", "seed", "epochs", "seconds",
                                      "sup_error", "mse")}
        return cls(net, history=state["history"], **meta)


class _MLP:
    """Parameters, forward and backward pass of the chain; ``raw`` are what Adam updates (V under
    the softplus reparametrization, W itself otherwise)."""

    def __init__(self, sizes, act: Activation, constraint: str, rng: np.random.Generator, X: np.ndarray,
                 y_mean: float = 0.0):
        self.act, self.dact, self.constraint = act.numpy, derivative(act), constraint
        self.raw, self.bias = [], []
        h = X
        last = len(sizes) - 2
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            # Glorot scale, measured in units of each input's spread over the data (so a unit's
            # pre-activation varies by O(1) across the data whatever the box)
            spread = h.std(axis=0)
            spread = np.where(spread > 1e-12, spread, 1.0)
            w = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out)) / spread[:, None]
            if i == 0:
                w *= FIRST_GAIN
            if constraint != "free":
                w = np.abs(w)
            if i < last:
                # each hidden unit's hyperplane passes through a random data point: the kinks / the
                # steep parts of the units are spread over the data instead of all sitting at its mean
                anchors = h[rng.integers(0, h.shape[0], size=n_out)]
                b = -np.einsum("ki,ik->k", anchors, w)
            else:
                b = np.full(n_out, float(y_mean)) - h.mean(axis=0) @ w
            self.raw.append(_inv_softplus(w) if constraint == "softplus" else w)
            self.bias.append(b)
            z = h @ w + b
            h = self.act(z) if i < last else z

    def weights(self) -> list[np.ndarray]:
        if self.constraint == "softplus":
            return [np.logaddexp(0.0, v) for v in self.raw]
        return self.raw

    def forward(self, X):
        ws = self.weights()
        hs, zs = [X], []
        h = X
        for i, (w, b) in enumerate(zip(ws, self.bias)):
            z = h @ w + b
            zs.append(z)
            h = self.act(z) if i < len(ws) - 1 else z
            hs.append(h)
        return ws, hs, zs

    def backward(self, ws, hs, zs, g_out):
        """Gradients of the loss w.r.t. raw parameters and biases, given dL/df = g_out (n, 1)."""
        g_raw, g_bias = [None] * len(ws), [None] * len(ws)
        g = g_out
        for i in range(len(ws) - 1, -1, -1):
            if i < len(ws) - 1:
                g = g * self.dact(zs[i])
            gw = hs[i].T @ g
            if self.constraint == "softplus":
                gw = gw * _sigmoid(self.raw[i])
            g_raw[i], g_bias[i] = gw, g.sum(axis=0)
            if i:
                g = g @ ws[i].T
        return g_raw, g_bias

    def network(self, act: Activation, source: str) -> Network:
        layers = []
        ws = self.weights()
        for i, (w, b) in enumerate(zip(ws, self.bias)):
            layers.append(dense(np.array(w.T), np.array(b)))
            if i < len(ws) - 1:
                layers.append(Act(act))
        return Network.chain(layers, input_dim=ws[0].shape[0], source=source)


def _sigmoid(v):
    return 0.5 * (1.0 + np.tanh(0.5 * v))


def _inv_softplus(w):
    w = np.maximum(w, 1e-3)
    return w + np.log(-np.expm1(-w))


def _loss_grad(e: np.ndarray, loss: str, p: int):
    n = e.shape[0]
    if loss == "mse":
        return float(np.mean(e * e)), (2.0 / n) * e
    m = float(np.max(np.abs(e)))
    if m == 0.0:
        return 0.0, np.zeros_like(e)
    r = e / m
    mean_p = float(np.mean(r ** p))
    value = m * mean_p ** (1.0 / p)
    return value, (r ** (p - 1)) * (mean_p ** (1.0 / p - 1.0)) / n


def train_one(X, y, *, activation: str = "sigmoid", constraint: str = "project", hidden: Sequence[int] = (16, 16),
              loss: str = "mse", epochs: int = 2000, lr: float = 0.05, seed: int = 0, patience: int = 300,
              tol: float = 1e-8, p: int = 16, progress: Callable[[int], None] | None = None) -> TrainResult:
    """Train one network by full-batch Adam; stop early when the loss has not improved by a relative
    1e-4 for ``patience`` epochs or falls below ``tol``.  Returns the best iterate (lowest loss)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise BadInput(f"training data must be X (n, d) and y (n,), got {X.shape} and {y.shape}")
    constraint = normalize_constraint(constraint)
    if loss not in LOSSES:
        raise BadInput(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    hidden = tuple(int(h) for h in hidden)
    if not hidden or min(hidden) < 1:
        raise BadInput(f"hidden layer sizes must be positive integers, got {hidden}")
    if epochs < 1:
        raise BadInput(f"epochs must be at least 1, got {epochs}")
    act = get_activation(activation)
    limit = threadpool_limits(1, user_api="blas")
    with limit:
        return _train(X, y, act, activation, constraint, hidden, loss, epochs, lr, seed, patience, tol, p, progress)


def _train(X, y, act, activation, constraint, hidden, loss, epochs, lr, seed, patience, tol, p, progress):
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    model = _MLP((X.shape[1], *hidden, 1), act, constraint, rng, X, float(np.mean(y)))
    params = model.raw + model.bias
    m1 = [np.zeros_like(q) for q in params]
    m2 = [np.zeros_like(q) for q in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    hist_loss, hist_sup, hist_mse = [], [], []
    best, best_params = np.inf, None
    ref, ref_at = np.inf, 0
    for epoch in range(1, epochs + 1):
        ws, hs, zs = model.forward(X)
        e = hs[-1][:, 0] - y
        value, g = _loss_grad(e, loss, p)
        if not np.isfinite(value):
            break
        hist_loss.append(value)
        hist_sup.append(float(np.max(np.abs(e))))
        hist_mse.append(float(np.mean(e * e)))
        if value < best:
            best = value
            best_params = [q.copy() for q in params]
        if value < ref * (1 - 1e-4):
            ref, ref_at = value, epoch
        if value <= tol or epoch - ref_at >= patience:
            break
        g_raw, g_bias = model.backward(ws, hs, zs, g[:, None])
        grads = g_raw + g_bias
        c1, c2 = 1 - b1 ** epoch, 1 - b2 ** epoch
        for q, gq, a, v in zip(params, grads, m1, m2):
            a *= b1
            a += (1 - b1) * gq
            v *= b2
            v += (1 - b2) * gq * gq
            q -= lr * (a / c1) / (np.sqrt(v / c2) + eps)
        if constraint == "project":
            for w in model.raw:
                np.maximum(w, 0.0, out=w)
        if progress is not None:
            progress(1)
    if best_params is not None:
        for q, saved in zip(params, best_params):
            q[...] = saved
    source = f"trained:{activation}:{constraint}:{'-'.join(map(str, (X.shape[1], *hidden, 1)))}:seed{seed}"
    net = model.network(act, source)
    sup, mse = errors(net, X, y)
    history = {"loss": np.array(hist_loss), "sup_error": np.array(hist_sup), "mse": np.array(hist_mse)}
    return TrainResult(net, act.spec, constraint, loss, hidden, int(seed), len(hist_loss),
                       time.perf_counter() - start, sup, mse, history)


def train(X, y, *, activation: str = "sigmoid", constraint: str = "project",
          hiddens: Sequence[Sequence[int]] = ((16, 16),), seeds: Sequence[int] = (0,), loss: str = "mse",
          epochs: int = 2000, lr: float = 0.05, patience: int = 300, p: int = 16,
          progress: Callable[[int], None] | None = None) -> TrainResult:
    """Train one network per (width, seed) and return the best by the training objective
    (sup-error for ``loss="sup"``, MSE otherwise)."""
    best = None
    for hidden in hiddens:
        for seed in seeds:
            r = train_one(X, y, activation=activation, constraint=constraint, hidden=hidden, loss=loss,
                          epochs=epochs, lr=lr, seed=seed, patience=patience, p=p, progress=progress)
            key = r.sup_error if loss == "sup" else r.mse
            if best is None or key < (best.sup_error if loss == "sup" else best.mse):
                best = r
    if best is None:
        raise BadInput("nothing to train: give at least one width and one seed")
    return best


__all__ = ["CONSTRAINTS", "LOSSES", "TrainResult", "derivative", "errors", "normalize_constraint", "train",
           "train_one"]
