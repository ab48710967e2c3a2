"""The activation catalogue: each activation as data.

An :class:`Activation` carries a sympy expression s(x) (its mathematical definition), a fast numpy
evaluator, an exact evaluator (rationals for piecewise-linear and rational activations, outward-rounded
intervals otherwise) and the properties its author *expects* (``declared``).  Declared properties are
claims, not facts: ``checkers.activation_facts`` proves or refutes each of them with sympy and z3, and only
what it proves is ever used by a proof.  A property that cannot be established stays UNKNOWN, which never
reads as FALSE (cvxpy-style atoms, but "unknown" is its own answer).

Conventions: step(x) = 1 for x >= 0 and 0 for x < 0 (Heaviside with H(0) = 1);
leaky_relu(alpha)(x) = x for x >= 0, alpha*x otherwise; elu(alpha)(x) = x for x > 0, alpha*(e^x - 1)
otherwise; gelu(x) = x/2 (1 + erf(x/sqrt 2)); silu(x) = x sigmoid(x).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Mapping

import mpmath
import numpy as np
import sympy as sp

from theory.errors import BadInput

X = sp.Symbol("x", real=True)


class Property(enum.Enum):
    """A property an activation s: R -> R may have."""

    NONDECREASING = "nondecreasing"  # a <= b implies s(a) <= s(b)
    CONVEX = "convex"
    CONCAVE = "concave"
    BOUNDED_BELOW = "bounded_below"
    BOUNDED_ABOVE = "bounded_above"
    PIECEWISE_LINEAR = "piecewise_linear"


class Truth(enum.Enum):
    """Three-valued: UNKNOWN is an answer in its own right and never means FALSE."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


def _T(*props: Property) -> dict[Property, Truth]:
    return {p: Truth.TRUE for p in props}


@dataclass(frozen=True)
class Activation:
    """An elementwise activation s: R -> R.

    ``expr`` is s as a sympy expression in :data:`X` (None only for ``any-nondecreasing``, an arbitrary
    unknown function of which the *claim* assumes monotonicity).  ``exact`` maps a Fraction to a Fraction
    when s is rational-valued on rationals (piecewise-linear, softsign); otherwise None and ``interval``
    maps an mpmath interval to an enclosure of its image.
    """

    name: str
    expr: sp.Expr | None
    numpy: Callable[[np.ndarray], np.ndarray]
    exact: Callable[[Fraction], Fraction] | None
    interval: Callable | None
    declared: Mapping[Property, Truth] = field(default_factory=dict, hash=False, compare=False)
    params: tuple = ()
    breakpoints: tuple[Fraction, ...] = ()  # where a piecewise definition switches pieces
    assumed: frozenset[Property] = frozenset()  # hypotheses of a claim (only for any-nondecreasing)

    @property
    def spec(self) -> str:
        """The name the catalogue parses back, e.g. ``leaky_relu(0.1)``."""
        if not self.params:
            return self.name
        return f"{self.name}({','.join(str(p) for p in self.params)})"

    def declares(self, prop: Property) -> Truth:
        return self.declared.get(prop, Truth.UNKNOWN)

    def __repr__(self) -> str:
        return f"Activation({self.spec})"


# --- numpy and exact helpers -------------------------------------------------------------------------

def _sigmoid_np(z):
    out = np.empty_like(z, dtype=float)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _softplus_np(z):
    return np.logaddexp(0.0, z)


def _gelu_np(z):
    from scipy.special import erf

    return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))


def _iv_sigmoid(v):
    return 1 / (1 + mpmath.iv.exp(-v))


def _iv_tanh(v):
    # tanh v = 1 - 2/(e^{2v}+1): v occurs once, so the enclosure is tight.
    return 1 - 2 / (mpmath.iv.exp(2 * v) + 1)


def _iv_softplus(v):
    return mpmath.iv.log(1 + mpmath.iv.exp(v))


def _iv_elu(alpha):
    a = Fraction(alpha)

    def neg_piece(v):
        return mpmath.iv.mpf(a.numerator) / a.denominator * (mpmath.iv.exp(v) - 1)

    def f(v):
        if v.a > 0:
            return v
        if v.b <= 0:
            return neg_piece(v)
        # The interval straddles the breakpoint 0: hull of the two pieces' images (elu is continuous).
        left, right = neg_piece(mpmath.iv.mpf([v.a, 0])), mpmath.iv.mpf([0, v.b])
        return mpmath.iv.mpf([min(left.a, right.a), max(left.b, right.b)])

    return f


def _iv_erf_point(x):
    """An enclosure of erf at the exact binary number x (mpmath's own iv.erf does not converge).

    For 0 <= x <= 10: erf x = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)) (Abramowitz &
    Stegun 7.1.6), all terms positive; once the term ratio 2x^2/(2n+3) is <= 1/2 the tail is at most twice
    the next term.  For x > 10: 1 - e^{-x^2}/(x sqrt(pi)) <= erf x <= 1 (A&S 7.1.13).  erf is odd."""
    iv = mpmath.iv
    if x < 0:
        return -_iv_erf_point(-x)
    v = iv.mpf(x)
    if x > 10:
        return iv.mpf([(1 - iv.exp(-v * v) / (v * iv.sqrt(iv.pi))).a, 1])
    term, total, n = v, v, 0
    eps = mpmath.mpf(2) ** (-(iv.prec + 20))
    while True:
        n += 1
        term = term * 2 * v * v / (2 * n + 1)
        total = total + term
        if 2 * x * x <= (2 * n + 3) / 2 and term.b < eps:
            break
    nxt = term * 2 * v * v / (2 * n + 3)
    total = total + iv.mpf([0, (2 * nxt).b])
    return 2 / iv.sqrt(iv.pi) * iv.exp(-v * v) * total


def _iv_erf(v):
    """erf on an interval: erf is increasing, so enclose it at the two endpoints."""
    return mpmath.iv.mpf([_iv_erf_point(v.a).a, _iv_erf_point(v.b).b])


def _iv_gelu(v):
    return v / 2 * (1 + _iv_erf(v / mpmath.iv.sqrt(2)))


def _iv_silu(v):
    return v * _iv_sigmoid(v)


def _relu_q(q: Fraction) -> Fraction:
    return q if q > 0 else Fraction(0)


def _leaky_q(alpha: Fraction):
    return lambda q: q if q >= 0 else alpha * q


def _hardtanh_q(q: Fraction) -> Fraction:
    return max(Fraction(-1), min(Fraction(1), q))


def _relu6_q(q: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(6), q))


def _step_q(q: Fraction) -> Fraction:
    return Fraction(1) if q >= 0 else Fraction(0)


def _softsign_q(q: Fraction) -> Fraction:
    return q / (1 + abs(q))


# --- the catalogue -----------------------------------------------------------------------------------

P = Property


def _parse_param(text: str) -> Fraction:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise BadInput(f"activation parameter {text!r} is not a number") from None


def _leaky_relu(alpha: Fraction) -> Activation:
    a = sp.Rational(alpha.numerator, alpha.denominator)
    af = float(alpha)
    declared = _T(P.PIECEWISE_LINEAR)
    if 0 <= alpha <= 1:
        declared |= _T(P.NONDECREASING, P.CONVEX)
    elif alpha > 1:
        declared |= _T(P.NONDECREASING, P.CONCAVE)
    else:
        declared |= {P.NONDECREASING: Truth.FALSE, P.CONVEX: Truth.TRUE}
    return Activation(
        "leaky_relu", sp.Piecewise((X, X >= 0), (a * X, True)),
        lambda z: np.where(z >= 0, z, af * z), _leaky_q(alpha), None, declared,
        params=(alpha,), breakpoints=(Fraction(0),))


def _elu(alpha: Fraction) -> Activation:
    a = sp.Rational(alpha.numerator, alpha.denominator)
    af = float(alpha)
    declared: dict = {}
    if 0 < alpha <= 1:
        declared = _T(P.NONDECREASING, P.CONVEX, P.BOUNDED_BELOW)
    elif alpha == 0:
        declared = _T(P.NONDECREASING, P.CONVEX, P.BOUNDED_BELOW, P.PIECEWISE_LINEAR)
    elif alpha > 1:
        declared = _T(P.NONDECREASING, P.BOUNDED_BELOW)
        declared[P.CONVEX] = Truth.FALSE
    else:
        declared = {P.NONDECREASING: Truth.FALSE}
    return Activation(
        "elu", sp.Piecewise((X, X > 0), (a * (sp.exp(X) - 1), True)),
        lambda z: np.where(z > 0, z, af * np.expm1(np.minimum(z, 0.0))), None, _iv_elu(alpha), declared,
        params=(alpha,), breakpoints=(Fraction(0),))


def _fixed() -> dict[str, Activation]:
    acts = [
        Activation("identity", X, lambda z: z, lambda q: q, lambda v: v,
                   _T(P.NONDECREASING, P.CONVEX, P.CONCAVE, P.PIECEWISE_LINEAR)),
        Activation("relu", sp.Piecewise((X, X >= 0), (0, True)), lambda z: np.maximum(z, 0.0), _relu_q, None,
                   _T(P.NONDECREASING, P.CONVEX, P.BOUNDED_BELOW, P.PIECEWISE_LINEAR),
                   breakpoints=(Fraction(0),)),
        Activation("softplus", sp.log(1 + sp.exp(X)), _softplus_np, None, _iv_softplus,
                   _T(P.NONDECREASING, P.CONVEX, P.BOUNDED_BELOW)),
        Activation("sigmoid", 1 / (1 + sp.exp(-X)), _sigmoid_np, None, _iv_sigmoid,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE)),
        Activation("tanh", sp.tanh(X), np.tanh, None, _iv_tanh,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE)),
        Activation("hardtanh", sp.Piecewise((-1, X < -1), (X, X <= 1), (1, True)),
                   lambda z: np.clip(z, -1.0, 1.0), _hardtanh_q, None,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE, P.PIECEWISE_LINEAR),
                   breakpoints=(Fraction(-1), Fraction(1))),
        Activation("relu6", sp.Piecewise((0, X < 0), (X, X <= 6), (6, True)),
                   lambda z: np.clip(z, 0.0, 6.0), _relu6_q, None,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE, P.PIECEWISE_LINEAR),
                   breakpoints=(Fraction(0), Fraction(6))),
        Activation("step", sp.Piecewise((0, X < 0), (1, True)), lambda z: (z >= 0).astype(float), _step_q, None,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE, P.PIECEWISE_LINEAR),
                   breakpoints=(Fraction(0),)),
        Activation("exp", sp.exp(X), np.exp, None, mpmath.iv.exp,
                   _T(P.NONDECREASING, P.CONVEX, P.BOUNDED_BELOW)),
        Activation("softsign", X / (1 + sp.Abs(X)), lambda z: z / (1.0 + np.abs(z)), _softsign_q, None,
                   _T(P.NONDECREASING, P.BOUNDED_BELOW, P.BOUNDED_ABOVE)),
        Activation("gelu", X / 2 * (1 + sp.erf(X / sp.sqrt(2))), _gelu_np, None, _iv_gelu,
                   {P.NONDECREASING: Truth.FALSE, P.BOUNDED_BELOW: Truth.TRUE}),
        Activation("silu", X / (1 + sp.exp(-X)), lambda z: z * _sigmoid_np(z), None, _iv_silu,
                   {P.NONDECREASING: Truth.FALSE, P.BOUNDED_BELOW: Truth.TRUE}),
        Activation("abs", sp.Abs(X), np.abs, abs, None,
                   {P.NONDECREASING: Truth.FALSE, P.CONVEX: Truth.TRUE, P.BOUNDED_BELOW: Truth.TRUE,
                    P.PIECEWISE_LINEAR: Truth.TRUE}, breakpoints=(Fraction(0),)),
    ]
    return {a.name: a for a in acts}


ANY_NONDECREASING = Activation(
    "any-nondecreasing", None, lambda z: _not_concrete(), None, None, {},
    assumed=frozenset({P.NONDECREASING}))


def _not_concrete():
    raise BadInput("'any-nondecreasing' stands for every non-decreasing activation and cannot be evaluated")


_FIXED = _fixed()
_PARAMETRIC = {"leaky_relu": (_leaky_relu, Fraction(1, 100)), "elu": (_elu, Fraction(1))}
NAMES = tuple(sorted([*_FIXED, *_PARAMETRIC, ANY_NONDECREASING.name]))
_SPEC = re.compile(r"^\s*([a-z_][a-z0-9_\-]*)\s*(?:\(\s*([^()]*)\s*\))?\s*$")


def get_activation(spec: str) -> Activation:
    """Look up an activation by name, with an optional parameter: ``relu``, ``leaky_relu(0.1)``.

    >>> get_activation("leaky_relu(-1/2)").params
    (Fraction(-1, 2),)
    >>> get_activation("relu").exact(Fraction(-3))
    Fraction(0, 1)
    """
    m = _SPEC.match(spec.lower()) if isinstance(spec, str) else None
    if not m:
        raise BadInput(f"unknown activation {spec!r}; known: {', '.join(NAMES)}")
    name, arg = m.group(1), m.group(2)
    if name == ANY_NONDECREASING.name and arg is None:
        return ANY_NONDECREASING
    name = name.replace("-", "_")
    if name in _FIXED and arg is None:
        return _FIXED[name]
    if name in _PARAMETRIC:
        build, default = _PARAMETRIC[name]
        return build(default if arg is None else _parse_param(arg))
    import difflib

    near = difflib.get_close_matches(name, NAMES, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise BadInput(f"unknown activation {spec!r}{hint}; known: {', '.join(NAMES)}")


def catalogue() -> list[Activation]:
    """Every catalogue entry, with the parametric ones at their default and at telling parameters."""
    extra = [_leaky_relu(Fraction(1, 100)), _leaky_relu(Fraction(-1, 2)), _elu(Fraction(1)), _elu(Fraction(2))]
    return [*_FIXED.values(), *extra]
