"""Exact evaluation: the arithmetic every witness is re-checked in.

Every float64 is an exact binary fraction, so weights and inputs convert to :class:`fractions.Fraction`
without rounding.  Piecewise-linear and rational activations (relu, step, softsign...) then give exact
rationals.  Transcendental activations (sigmoid, tanh, exp...) have no rational values; there the
evaluation switches to outward-rounded interval arithmetic (mpmath.iv, 256-bit endpoints, themselves exact
binary fractions), which *encloses* the true value.  A strict inequality between two results is certain
when it holds between the enclosures (see :func:`certainly_greater`).

>>> from theory.network import Network, dense, Act
>>> from theory.activations import get_activation
>>> net = Network.chain([dense([[1.0, -1.0]]), Act(get_activation("relu"))], input_dim=2)
>>> exact_forward(net, [Fraction(1, 3), Fraction(1, 7)])
[Fraction(4, 21)]
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence, Union

import mpmath

from theory.cnn import BatchNorm, MaxPool2D, _ViaDense
from theory.errors import BadInput
from theory.network import INPUT, Act, Add, Concat, Dense, Network, to_fraction  # noqa: F401 (re-exported)

PREC = 256
iv = mpmath.iv
Value = Union[Fraction, "mpmath.ctx_iv.ivmpf"]


def to_interval(v: Value):
    if isinstance(v, Fraction):
        return iv.mpf(v.numerator) / iv.mpf(v.denominator)
    return v


def _raw_to_fraction(raw) -> Fraction:
    """The exact value of an mpmath raw float (sign, mantissa, exponent, bitcount)."""
    sign, man, exp, _ = raw
    if man == 0:
        if exp != 0:
            raise BadInput("interval endpoint is not finite")
        return Fraction(0)
    value = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -value if sign else value


def endpoints(v) -> tuple[Fraction, Fraction]:
    """The exact rational endpoints of an mpmath interval (or a rational, twice)."""
    if isinstance(v, Fraction):
        return v, v
    lo, hi = v._mpi_
    return _raw_to_fraction(lo), _raw_to_fraction(hi)


def is_exact(v: Value) -> bool:
    return isinstance(v, Fraction)


def _dense(layer: Dense, h: list[Value]) -> list[Value]:
    w, b = layer.weight, layer.bias
    exact_in = all(isinstance(v, Fraction) for v in h)
    out = []
    for j in range(w.shape[0]):
        row = w[j]
        if exact_in:
            acc = to_fraction(b[j])
            for i, hv in enumerate(h):
                wi = row[i]
                if wi != 0:
                    acc += to_fraction(wi) * hv
        else:
            acc = to_interval(to_fraction(b[j]))
            for i, hv in enumerate(h):
                wi = row[i]
                if wi != 0:
                    acc += to_interval(to_fraction(wi)) * to_interval(hv)
        out.append(acc)
    return out


def _activate(layer: Act, h: list[Value]) -> list[Value]:
    act = layer.activation
    if act.expr is None:
        raise BadInput(f"activation {act.spec!r} has no values: exact evaluation needs a concrete activation")
    out = []
    for v in h:
        if isinstance(v, Fraction) and act.exact is not None:
            out.append(act.exact(v))
        elif act.interval is not None:
            out.append(act.interval(to_interval(v)))
        elif act.exact is not None:
            out.append(_piecewise_on_interval(act, v))
        else:
            raise BadInput(f"activation {act.spec!r} cannot be evaluated exactly")
    return out


def _piecewise_on_interval(act, v):
    """Enclosure of a piecewise-linear or rational activation on an interval: hull of its values at the
    endpoints and at every breakpoint inside (each piece is monotone, so extremes sit there)."""
    lo, hi = endpoints(v)
    points = [lo, hi] + [p for p in act.breakpoints if lo < p < hi]
    vals = [act.exact(p) for p in points]
    if act.spec == "step" and lo < 0 <= hi:
        vals += [Fraction(0), Fraction(1)]
    return hull(min(vals), max(vals))


def hull(lo: Fraction, hi: Fraction):
    """An interval containing [lo, hi] (endpoints rounded outward to the working precision; mpmath.iv does
    not convert Fractions itself)."""
    return iv.mpf([to_interval(lo).a, to_interval(hi).b])


def exact_forward(net: Network, x: Sequence) -> list[Value]:
    """f(x) in exact rationals (or rigorous intervals when an activation is transcendental)."""
    if len(x) != net.input_dim:
        raise BadInput(f"point has {len(x)} coordinates, the network takes {net.input_dim}")
    old = iv.prec
    iv.prec = PREC
    try:
        values: dict[str, list[Value]] = {INPUT: [to_fraction(v) for v in x]}
        for node in net.nodes:
            args = [values[s] for s in node.inputs]
            layer = node.layer
            if isinstance(layer, Dense):
                values[node.name] = _dense(layer, args[0])
            elif isinstance(layer, Act):
                values[node.name] = _activate(layer, args[0])
            elif isinstance(layer, Add):
                values[node.name] = [_sum(col) for col in zip(*args)]
            elif isinstance(layer, Concat):
                values[node.name] = [v for a in args for v in a]
            elif isinstance(layer, _ViaDense):  # convolution, average pooling: exactly their dense matrix
                values[node.name] = _dense(layer.as_dense(), args[0])
            elif isinstance(layer, MaxPool2D):
                values[node.name] = [_max([args[0][i] for i in row]) for row in layer.windows]
            elif isinstance(layer, BatchNorm):
                values[node.name] = _batchnorm(layer, args[0])
            else:
                raise BadInput(f"layer kind {layer.kind!r} has no exact evaluation (symbolic weights?)")
        return values[net.output]
    finally:
        iv.prec = old


def _max(vals):
    """max exactly for rationals; for enclosures the hull [max of lower ends, max of upper ends], which
    contains the max of any choice of values from the enclosures (max is non-decreasing in each argument)."""
    if all(isinstance(v, Fraction) for v in vals):
        return max(vals)
    ends = [endpoints(to_interval(v)) for v in vals]
    return hull(max(lo for lo, _ in ends), max(hi for _, hi in ends))


def _exact_sqrt(q: Fraction) -> Fraction | None:
    """sqrt(q) when it is rational (numerator and denominator perfect squares), else None."""
    if q < 0:
        return None
    n, d = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(n, d) if n * n == q.numerator and d * d == q.denominator else None


def _batchnorm(layer: BatchNorm, h: list[Value]) -> list[Value]:
    """gamma (x - mean) / sqrt(var + eps) + beta: exact when sqrt(var + eps) is rational, else a rigorous
    enclosure with mpmath.iv.sqrt (outward rounded)."""
    eps = to_fraction(layer.eps)
    gamma, beta, mean, var = (layer.per_feature(a) for a in (layer.gamma, layer.beta, layer.mean, layer.var))
    out = []
    for j, x in enumerate(h):
        g, b, m, q = to_fraction(gamma[j]), to_fraction(beta[j]), to_fraction(mean[j]), to_fraction(var[j]) + eps
        root = _exact_sqrt(q)
        if root is not None and isinstance(x, Fraction):
            out.append(g * (x - m) / root + b)
        else:
            den = to_interval(root) if root is not None else iv.sqrt(to_interval(q))
            out.append(to_interval(g) * (to_interval(x) - to_interval(m)) / den + to_interval(b))
    return out


def _sum(vals):
    if all(isinstance(v, Fraction) for v in vals):
        return sum(vals, Fraction(0))
    acc = iv.mpf(0)
    for v in vals:
        acc += to_interval(v)
    return acc


def certainly_greater(a: Value, b: Value) -> bool:
    """True only if a > b is certain: exactly for rationals, by disjoint enclosures otherwise."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a > b
    return endpoints(a)[0] > endpoints(b)[1]


def lower(v: Value) -> Fraction:
    """An exact rational lower bound of the value (the value itself when exact)."""
    return endpoints(v)[0]


def upper(v: Value) -> Fraction:
    return endpoints(v)[1]


def render(v: Value) -> str:
    """Exact rationals as "p/q"; intervals as "[lo, hi]" in decimal (enclosures)."""
    if isinstance(v, Fraction):
        return str(v)
    lo, hi = endpoints(v)
    return f"[{_dec(lo)}, {_dec(hi)}]"


def _dec(q: Fraction, digits: int = 30) -> str:
    return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits)
