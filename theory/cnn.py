"""Convolutional layers on flattened vectors: convolution, average and max pooling, batch normalisation.

Flattened vectors stay the interface between layers (a layer maps R^n -> R^m).  An image of shape
(C, H, W) is the vector of length C*H*W in C order: entry ``(c*H + r)*W + q`` holds channel c, row r,
column q; outputs are flattened the same way.  Each layer carries its input shape explicitly.

Order (Wang et al., ICCV 2023, section "structural variants"; THEORY.md section 1):

- :class:`Conv2D` (cross-correlation, as in deep-learning libraries) is affine, z = K * h + b, and its
  equivalent dense matrix (:meth:`Conv2D.as_dense`) holds exactly the kernel entries; with a kernel >= 0
  it preserves order like any non-negative dense layer.
- :class:`AvgPool2D` is affine with weights 1/k^2 > 0: it preserves order.
- :class:`MaxPool2D` is not affine but max is non-decreasing in every argument
  (a <= b, c <= d |- max(a, c) <= max(b, d)), so it preserves order; for path signs it behaves like the
  non-negative linear map whose matrix is 0/1 window membership: an output is non-decreasing in x_i when
  every window member is, because max of non-decreasing functions is non-decreasing.
- :class:`BatchNorm` in evaluation mode is y = gamma (x - mean) / sqrt(var + eps) + beta, affine with the
  diagonal scale gamma / sqrt(var + eps); it preserves order iff every gamma >= 0.

Padding is zero padding (convolution only); pooling has no padding.  Batch norm parameters are per
channel when ``in_shape`` is given (broadcast over H x W), otherwise per feature of the flattened vector.

>>> import numpy as np
>>> conv = Conv2D(np.ones((1, 1, 2, 2)), np.zeros(1), (1, 2, 2))
>>> conv.forward(np.array([[1.0, 2.0, 3.0, 4.0]]))
array([[10.]])
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import ClassVar

import numpy as np

from theory.errors import BadInput
from theory.network import Dense, Layer, _as_matrix, to_fraction


def _shape3(shape, who: str) -> tuple[int, int, int]:
    try:
        out = tuple(int(s) for s in shape)
        ok = len(out) == 3 and all(s >= 1 and s == t for s, t in zip(out, shape))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise BadInput(f"{who} layer: in_shape must be three positive integers (C, H, W), got {shape!r}")
    return out


def _positive_int(v, name: str, who: str, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise BadInput(f"{who} layer: {name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


def _array(a, ndim: int, name: str, who: str) -> np.ndarray:
    try:
        arr = _as_matrix(a)
    except BadInput as err:
        raise BadInput(f"{who} layer: {name}: {err}") from None
    if arr.ndim != ndim:
        raise BadInput(f"{who} layer: {name} must be {ndim}-D, got shape {arr.shape}")
    if arr.dtype == object:
        try:
            arr = np.vectorize(to_fraction, otypes=[object])(arr) if arr.size else arr
        except (BadInput, TypeError, ValueError):
            raise BadInput(f"{who} layer: {name} contains NaN, infinite or non-numeric values") from None
    elif not np.isfinite(arr).all():
        raise BadInput(f"{who} layer: {name} contains NaN or infinite values")
    return arr


def _check_in(layer, in_dims) -> None:
    n = int(np.prod(layer.in_shape))
    if in_dims[0] != n:
        raise BadInput(f"{layer.kind} layer expects {n} inputs (in_shape {list(layer.in_shape)}) but receives {in_dims[0]}")


class _ViaDense(Layer):
    """A layer that is exactly a (cached) dense layer: forward, exact evaluation and signs go through it."""

    def as_dense(self) -> Dense:  # pragma: no cover - abstract
        raise NotImplementedError

    @cached_property
    def _float_weight(self) -> np.ndarray:
        return np.asarray(self.as_dense().weight, dtype=float)

    def out_dim(self, in_dims):
        _check_in(self, in_dims)
        return int(np.prod(self.out_shape))  # without building the dense matrix

    def forward(self, h):
        return h @ self._float_weight.T + np.asarray(self.as_dense().bias, dtype=float)

    def vjp(self, h, g):
        """Vector-Jacobian product g^T df/dh (for gradient search heuristics)."""
        return g @ self._float_weight

    def signs(self) -> np.ndarray:
        return self.as_dense().signs()


@dataclass(frozen=True, eq=False)
class Conv2D(_ViaDense):
    """2-D cross-correlation: z[o, r, q] = b[o] + sum_{c,i,j} K[o, c, i, j] h[c, r*s + i - p, q*s + j - p]
    (zero outside the image), kernel K of shape (O, C, kh, kw), stride s, zero padding p."""

    kernel: np.ndarray
    bias: np.ndarray
    in_shape: tuple
    stride: int = 1
    padding: int = 0
    kind: ClassVar[str] = "conv2d"

    def __post_init__(self):
        k = _array(self.kernel, 4, "kernel", "conv2d")
        b = _array(self.bias, 1, "bias", "conv2d")
        if b.shape[0] != k.shape[0]:
            raise BadInput(f"conv2d layer: bias of length {b.shape[0]} does not match {k.shape[0]} output channels")
        if k.dtype == object or b.dtype == object:
            k, b = (np.vectorize(to_fraction, otypes=[object])(a.astype(object)) for a in (k, b))
        shape = _shape3(self.in_shape, "conv2d")
        if k.shape[1] != shape[0]:
            raise BadInput(f"conv2d layer: kernel has {k.shape[1]} input channels, in_shape has {shape[0]}")
        if min(k.shape) < 1:
            raise BadInput(f"conv2d layer: kernel shape {k.shape} has an empty axis")
        stride = _positive_int(self.stride, "stride", "conv2d")
        padding = _positive_int(self.padding, "padding", "conv2d", minimum=0)
        for name, v in (("kernel", k), ("bias", b), ("in_shape", shape), ("stride", stride), ("padding", padding)):
            object.__setattr__(self, name, v)
        ho, wo = self.out_shape[1:]
        if ho < 1 or wo < 1:
            raise BadInput(f"conv2d layer: kernel {k.shape[2]}x{k.shape[3]} does not fit the padded input "
                           f"{shape[1] + 2 * padding}x{shape[2] + 2 * padding}")

    @property
    def out_shape(self) -> tuple[int, int, int]:
        _, h, w = self.in_shape
        o, _, kh, kw = self.kernel.shape
        p, s = self.padding, self.stride
        return o, (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1

    @cached_property
    def _dense(self) -> Dense:
        c, h, w = self.in_shape
        o, _, kh, kw = self.kernel.shape
        _, ho, wo = self.out_shape
        oo, rr, qq, cc, ii, jj = np.meshgrid(np.arange(o), np.arange(ho), np.arange(wo), np.arange(c),
                                             np.arange(kh), np.arange(kw), indexing="ij")
        r, q = rr * self.stride + ii - self.padding, qq * self.stride + jj - self.padding
        valid = (r >= 0) & (r < h) & (q >= 0) & (q < w)
        rows = ((oo * ho + rr) * wo + qq)[valid]
        cols = ((cc * h + r) * w + q)[valid]
        exact = self.kernel.dtype == object
        mat = np.full((o * ho * wo, c * h * w), Fraction(0), dtype=object) if exact else np.zeros((o * ho * wo, c * h * w))
        mat[rows, cols] = self.kernel[oo, cc, ii, jj][valid]
        return Dense(mat, np.repeat(self.bias, ho * wo))

    def as_dense(self) -> Dense:
        """The equivalent dense layer (same entries, so the same signs and the same exact values)."""
        return self._dense

    @property
    def n_params(self) -> int:
        return self.kernel.size


def _windows(in_shape, size: int, stride: int) -> np.ndarray:
    """Flat input indices of every pooling window: shape (C*Ho*Wo, size*size), rows in output order."""
    c, h, w = in_shape
    ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
    cc, rr, qq, ii, jj = np.meshgrid(np.arange(c), np.arange(ho), np.arange(wo), np.arange(size), np.arange(size),
                                     indexing="ij")
    idx = (cc * h + rr * stride + ii) * w + qq * stride + jj
    return idx.reshape(c * ho * wo, size * size)


class _Pool(Layer):
    def _validate(self):
        who = self.kind
        shape = _shape3(self.in_shape, who)
        size = _positive_int(self.size, "size", who)
        stride = _positive_int(size if self.stride is None else self.stride, "stride", who)
        if size > min(shape[1:]):
            raise BadInput(f"{who} layer: window {size}x{size} does not fit the input {shape[1]}x{shape[2]}")
        for name, v in (("in_shape", shape), ("size", size), ("stride", stride)):
            object.__setattr__(self, name, v)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        c, h, w = self.in_shape
        return c, (h - self.size) // self.stride + 1, (w - self.size) // self.stride + 1

    @cached_property
    def windows(self) -> np.ndarray:
        return _windows(self.in_shape, self.size, self.stride)


@dataclass(frozen=True, eq=False)
class AvgPool2D(_Pool, _ViaDense):
    """Average over each size x size window (stride defaults to size): affine with weights 1/size^2,
    held exactly (float64 when size^2 is a power of two, Fractions otherwise)."""

    in_shape: tuple
    size: int
    stride: int | None = None
    kind: ClassVar[str] = "avgpool2d"

    def __post_init__(self):
        self._validate()

    @cached_property
    def _dense(self) -> Dense:
        idx, k2 = self.windows, self.size * self.size
        shape = (idx.shape[0], int(np.prod(self.in_shape)))
        if k2 & (k2 - 1) == 0:  # 1/k^2 is a binary fraction: float64 holds it exactly
            mat, bias = np.zeros(shape), np.zeros(shape[0])
            mat[np.arange(shape[0])[:, None], idx] = 1.0 / k2
        else:
            mat, bias = np.full(shape, Fraction(0), dtype=object), np.full(shape[0], Fraction(0), dtype=object)
            mat[np.arange(shape[0])[:, None], idx] = Fraction(1, k2)
        return Dense(mat, bias)

    def as_dense(self) -> Dense:
        return self._dense


@dataclass(frozen=True, eq=False)
class MaxPool2D(_Pool):
    """Maximum over each size x size window (stride defaults to size)."""

    in_shape: tuple
    size: int
    stride: int | None = None
    kind: ClassVar[str] = "maxpool2d"

    def __post_init__(self):
        self._validate()

    def out_dim(self, in_dims):
        _check_in(self, in_dims)
        return int(np.prod(self.out_shape))

    def forward(self, h):
        return h[:, self.windows].max(axis=2)

    def vjp(self, h, g):
        """Route each output's gradient to the (first) maximal member of its window."""
        arg = h[:, self.windows].argmax(axis=2)
        src = np.take_along_axis(np.broadcast_to(self.windows, arg.shape + self.windows.shape[1:]),
                                 arg[..., None], axis=2)[..., 0]
        out = np.zeros_like(h)
        np.add.at(out, (np.arange(h.shape[0])[:, None], src), g)
        return out

    def signs(self) -> np.ndarray:
        """0/1 window membership (int8): max is non-decreasing in every member, like a non-negative map."""
        idx = self.windows
        s = np.zeros((idx.shape[0], int(np.prod(self.in_shape))), dtype=np.int8)
        s[np.arange(idx.shape[0])[:, None], idx] = 1
        return s


@dataclass(frozen=True, eq=False)
class BatchNorm(Layer):
    """Evaluation-mode batch normalisation y = gamma (x - mean) / sqrt(var + eps) + beta (requires
    var + eps > 0).  Parameters per channel when ``in_shape`` (C, H, W) is given, else per feature."""

    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    eps: float = 1e-5
    in_shape: tuple | None = None
    kind: ClassVar[str] = "batchnorm"

    def __post_init__(self):
        arrays = {name: _array(getattr(self, name), 1, name, "batchnorm") for name in ("gamma", "beta", "mean", "var")}
        n = arrays["gamma"].shape[0]
        if n < 1 or any(a.shape[0] != n for a in arrays.values()):
            raise BadInput(f"batchnorm layer: gamma, beta, mean, var must have one common positive length, got "
                           f"{[a.shape[0] for a in arrays.values()]}")
        if isinstance(self.eps, bool) or not isinstance(self.eps, (int, float, Fraction, np.floating, np.integer)):
            raise BadInput(f"batchnorm layer: eps must be a number, got {self.eps!r}")
        try:
            eps = to_fraction(self.eps)
        except BadInput:
            raise BadInput(f"batchnorm layer: eps must be finite, got {self.eps!r}") from None
        bad = [i for i, v in enumerate(arrays["var"]) if to_fraction(v) + eps <= 0]
        if bad:
            raise BadInput(f"batchnorm layer: var + eps must be > 0 (fails at entry {bad[0]})")
        if self.in_shape is not None:
            shape = _shape3(self.in_shape, "batchnorm")
            if shape[0] != n:
                raise BadInput(f"batchnorm layer: {n} parameters per channel but in_shape has {shape[0]} channels")
            object.__setattr__(self, "in_shape", shape)
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "eps", self.eps if isinstance(self.eps, Fraction) else float(self.eps))

    @property
    def n_features(self) -> int:
        return self.gamma.shape[0] * (1 if self.in_shape is None else self.in_shape[1] * self.in_shape[2])

    def per_feature(self, arr: np.ndarray) -> np.ndarray:
        """A per-parameter array expanded to one entry per feature of the flattened vector."""
        return arr if self.in_shape is None else np.repeat(arr, self.in_shape[1] * self.in_shape[2])

    def out_dim(self, in_dims):
        if in_dims[0] != self.n_features:
            raise BadInput(f"batchnorm layer expects {self.n_features} inputs but receives {in_dims[0]}")
        return self.n_features

    @cached_property
    def _float_params(self):
        f = lambda a: np.asarray(self.per_feature(a), dtype=float)  # noqa: E731
        scale = f(self.gamma) / np.sqrt(f(self.var) + float(self.eps))
        return scale, f(self.beta) - scale * f(self.mean)

    def forward(self, h):
        scale, shift = self._float_params
        return h * scale + shift

    def vjp(self, h, g):
        return g * self._float_params[0]

    def signs(self) -> np.ndarray:
        """diag(sign(gamma)): the scale gamma / sqrt(var + eps) has the sign of gamma."""
        return np.diag(np.sign(np.asarray(self.per_feature(self.gamma), dtype=float)).astype(np.int8))

    @property
    def n_params(self) -> int:
        return self.gamma.shape[0]


CNN_LAYERS = (Conv2D, AvgPool2D, MaxPool2D, BatchNorm)
