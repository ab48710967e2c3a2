"""SMT-LIB terms and piecewise-linear activations for the SMT encodings.

An activation whose sympy definition is a Piecewise of linear pieces with single-threshold conditions
(relu, leaky_relu, hardtanh, relu6, step, identity, abs) becomes an ordered tuple of :class:`Piece`, read
off the catalogue's own definition (never typed in), and then an SMT-LIB if-then-else term.  Exact
rationals throughout.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import sympy as sp

from theory.activations import X, Activation


# --- SMT-LIB terms ------------------------------------------------------------------------------------

def num(q: Fraction) -> str:
    """An exact rational as an SMT-LIB real term: 3/7 -> (/ 3.0 7.0), -2 -> (- 2.0)."""
    q = Fraction(q)
    mag = f"{abs(q.numerator)}.0" if q.denominator == 1 else f"(/ {abs(q.numerator)}.0 {q.denominator}.0)"
    return f"(- {mag})" if q < 0 else mag


def _sum(terms: Sequence[str]) -> str:
    if not terms:
        return "0.0"
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def _scaled(w: Fraction, v: str) -> str:
    return v if w == 1 else f"(* {num(w)} {v})"


# --- piecewise-linear activations ---------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """``a*x + b`` where ``x op c`` holds (op None: everywhere) and no earlier piece applies."""

    op: str | None
    c: Fraction | None
    a: Fraction
    b: Fraction

    def holds(self, q: Fraction) -> bool:
        if self.op is None:
            return True
        return {">=": q >= self.c, ">": q > self.c, "<=": q <= self.c, "<": q < self.c}[self.op]

    def value(self, q: Fraction) -> Fraction:
        return self.a * q + self.b

    def term(self, v: str) -> str:
        lin = [_scaled(self.a, v)] if self.a != 0 else []
        if self.b != 0 or not lin:
            lin.append(num(self.b))
        return _sum(lin)


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
_PIECES: dict[str, tuple[Piece, ...] | None] = {}


def _rational(e) -> Fraction | None:
    e = sp.nsimplify(e) if e.is_Float else e
    return Fraction(int(e.p), int(e.q)) if e.is_Rational else None


def _linear(expr) -> tuple[Fraction, Fraction] | None:
    expr = sp.sympify(expr)
    if not expr.free_symbols <= {X}:
        return None
    a, b = sp.diff(expr, X), expr.subs(X, 0)
    qa, qb = _rational(sp.sympify(a)), _rational(sp.sympify(b))
    if qa is None or qb is None or sp.expand(expr - (a * X + b)) != 0:
        return None
    return qa, qb


def _condition(cond) -> tuple[str | None, Fraction | None] | None:
    if cond is sp.true:
        return None, None
    if isinstance(cond, sp.core.relational.Relational) and cond.rel_op in _FLIP:
        lhs, rhs, op = cond.lhs, cond.rhs, cond.rel_op
        if rhs == X and lhs != X:
            lhs, rhs, op = rhs, lhs, _FLIP[op]
        c = _rational(rhs) if lhs == X else None
        if c is not None:
            return op, c
    return None


def pieces_of(act: Activation) -> tuple[Piece, ...] | None:
    """The activation as an ordered list of linear pieces, read off its sympy definition; None when it is
    not piecewise-linear with single-threshold conditions (then no exact encoding is attempted)."""
    if act.spec in _PIECES:
        return _PIECES[act.spec]
    expr, out = act.expr, None
    if expr is not None:
        if expr == sp.Abs(X):
            expr = sp.Piecewise((X, X >= 0), (-X, True))
        branches = expr.args if isinstance(expr, sp.Piecewise) else ((expr, sp.true),)
        pieces = []
        for e, cond in branches:
            lin, c = _linear(e), _condition(cond)
            if lin is None or c is None:
                pieces = None
                break
            pieces.append(Piece(c[0], c[1], lin[0], lin[1]))
        if pieces and pieces[-1].op is None:
            out = tuple(pieces)
    _PIECES[act.spec] = out
    return out


def piece_index(pieces: Sequence[Piece], q: Fraction) -> int:
    return next(m for m, p in enumerate(pieces) if p.holds(q))


def image(pieces: Sequence[Piece], lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """An enclosure of s([lo, hi]): every piece is linear between consecutive thresholds, so the extremes
    are values at the thresholds and endpoints (or one-sided limits there, taken with the midpoint's piece)."""
    pts = sorted({lo, hi, *(p.c for p in pieces if p.c is not None and lo < p.c < hi)})
    vals = [pieces[piece_index(pieces, q)].value(q) for q in pts]
    for p, q in zip(pts, pts[1:]):
        mid = pieces[piece_index(pieces, (p + q) / 2)]
        vals += [mid.value(p), mid.value(q)]
    return min(vals), max(vals)


def _ite(pieces: Sequence[Piece], v: str) -> str:
    out = pieces[-1].term(v)
    for p in reversed(pieces[:-1]):
        out = f"(ite ({p.op} {v} {num(p.c)}) {p.term(v)} {out})"
    return out
