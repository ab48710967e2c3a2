"""An activation's sympy expression cut into pieces, and the symbolic facts the activation checker uses.

A catalogue activation s: R -> R is given by a sympy expression in ``theory.activations.X``.  Rewriting
``Abs``/``Max``/``Min`` as ``Piecewise`` and folding (``sympy.piecewise_fold``) gives finitely many
pieces (e_i, I_i): s = e_i on I_i, the I_i intervals (or single points) partitioning R in order
(``Piecewise.as_expr_set_pairs``).  Everything the checker proves is reduced to facts about single pieces:

- :func:`analytic_on`: e is real-analytic on an open neighbourhood of the closure of I (a composition of
  entire functions, integer powers with a non-vanishing base, ``log`` of a positive argument).  Hence e
  is continuous on the closure, so one-sided limits at breakpoints are values e(b), and by the identity
  theorem e cannot be affine on a subinterval without being affine on all of I.
- :func:`sign_on`: e >= 0 (or > 0) on the closure of I, proved by sympy's assumption system after the
  substitution x = lo + t or x = hi - t with t >= 0 (so that sympy knows the domain), on several
  algebraically equal forms (as given, factored, simplified, rewritten in exp); for rational functions,
  ``solve_univariate_inequality`` as a decision procedure.  None means "not established", never "false".
- :func:`limit_at`: lim e at +-oo (exact for affine pieces, Gruntz's algorithm ``sympy.limit`` otherwise).

These are pure functions of sympy expressions, memoized in-process (``functools.lru_cache``) so that the
whole catalogue is established in seconds; a replay in a fresh process recomputes everything.

:func:`parse_srepr` turns stored expressions back into sympy objects without ``eval`` of arbitrary text
(a certificate file is untrusted input).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from theory.activations import X

_T = sp.Symbol("t", nonnegative=True)
_ENTIRE = (sp.exp, sp.erf, sp.erfc, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.atan)


@dataclass(frozen=True)
class Piece:
    """s = ``expr`` on the interval from ``lo`` to ``hi`` (sympy numbers or +-oo); a point when lo == hi."""

    expr: sp.Expr
    lo: sp.Expr
    hi: sp.Expr
    lo_closed: bool
    hi_closed: bool

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi

    @property
    def interval(self) -> sp.Set:
        if self.is_point:
            return sp.FiniteSet(self.lo)
        return sp.Interval(self.lo, self.hi, not self.lo_closed, not self.hi_closed)

    @property
    def closure(self) -> sp.Set:
        return sp.Interval(self.lo, self.hi)

    def contains_inside(self, q) -> bool:
        """q lies in the open interior of the piece (where s = expr on a neighbourhood)."""
        q = sp.Rational(q.numerator, q.denominator) if hasattr(q, "numerator") else sp.sympify(q)
        return bool(self.lo < q) and bool(q < self.hi)

    def affine(self) -> tuple[sp.Rational, sp.Rational] | None:
        """(slope, intercept) when expr is a*x + b with rational a, b; else None."""
        try:
            poly = sp.Poly(self.expr, X)
        except sp.PolynomialError:
            return None
        if poly.degree() > 1 or not all(c.is_Rational for c in poly.all_coeffs()):
            return None
        coeffs = poly.all_coeffs()
        return (coeffs[0], coeffs[1]) if len(coeffs) == 2 else (sp.Integer(0), coeffs[0])

    def to_json(self) -> dict:
        return {"interval": str(self.interval), "expr": sp.srepr(self.expr), "text": str(self.expr)}


@lru_cache(maxsize=512)
def pieces_of(expr: sp.Expr) -> tuple[Piece, ...]:
    """The pieces of s in increasing order; raises ValueError if they do not partition R into intervals."""
    folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    if folded.free_symbols - {X}:
        raise ValueError(f"expression has symbols other than x: {folded.free_symbols - {X}}")
    pairs = folded.as_expr_set_pairs() if isinstance(folded, sp.Piecewise) else [(folded, sp.S.Reals)]
    out = []
    for e, s in pairs:
        if s is sp.S.EmptySet:
            continue
        if s == sp.S.Reals:
            out.append(Piece(e, -sp.oo, sp.oo, False, False))
        elif isinstance(s, sp.Interval):
            out.append(Piece(e, s.inf, s.sup, not s.left_open, not s.right_open))
        elif isinstance(s, sp.FiniteSet) and len(s) == 1:
            p = next(iter(s))
            out.append(Piece(e, p, p, True, True))
        else:
            raise ValueError(f"piece on {s} is not an interval")
    out.sort(key=lambda p: (p.lo, p.hi))
    if not out or out[0].lo != -sp.oo or out[-1].hi != sp.oo:
        raise ValueError("pieces do not cover the real line")
    for left, right in zip(out, out[1:]):
        if left.hi != right.lo or left.hi_closed == right.lo_closed:
            raise ValueError(f"pieces on {left.interval} and {right.interval} do not meet exactly once")
    return tuple(out)


def _substitutions(piece: Piece):
    """Expressions in t >= 0 (or x itself) sweeping supersets of the closure of the piece."""
    if piece.lo == -sp.oo and piece.hi == sp.oo:
        return [X]
    subs = []
    if piece.lo != -sp.oo:
        subs.append(piece.lo + _T)  # [lo, oo) contains the closure
    if piece.hi != sp.oo:
        subs.append(piece.hi - _T)  # (-oo, hi] contains the closure
    return subs


def _forms(e: sp.Expr):
    yield "as given", e
    yield "factor(together)", sp.factor(sp.together(e))
    yield "simplify", sp.simplify(e)
    r = e.rewrite(sp.exp)
    yield "factor(together(rewrite exp))", sp.factor(sp.together(r))
    yield "simplify(rewrite exp)", sp.simplify(r)


@lru_cache(maxsize=4096)
def sign_on(e: sp.Expr, piece: Piece, strict: bool = False) -> str | None:
    """How e >= 0 (e > 0 when ``strict``) was established on the closure of the piece, or None."""
    e = sp.sympify(e)
    if piece.is_point:
        v = sp.simplify(e.subs(X, piece.lo))
        ok = v.is_positive if strict else v.is_nonnegative
        return "value at the point" if ok else None
    if not e.has(X):
        ok = e.is_positive if strict else e.is_nonnegative
        return "constant" if ok else None
    for sub in _substitutions(piece):
        shifted = e.subs(X, sub) if sub is not X else e
        for name, form in _forms(shifted):
            ok = form.is_positive if strict else form.is_nonnegative
            if ok:
                where = "x real" if sub is X else f"x = {sub}, t >= 0"
                return f"sympy assumptions on {name} form ({where})"
    if e.is_rational_function(X):
        try:
            bad = sp.solve_univariate_inequality(e <= 0 if strict else e < 0, X, relational=False,
                                                 domain=piece.closure)
        except (NotImplementedError, ValueError, TypeError):
            return None
        if bad is sp.S.EmptySet:
            return "solve_univariate_inequality: the violation set is empty"
    return None


def nonzero_on(e: sp.Expr, piece: Piece) -> bool:
    return sign_on(e, piece, strict=True) is not None or sign_on(-e, piece, strict=True) is not None


@lru_cache(maxsize=4096)
def analytic_on(e: sp.Expr, piece: Piece) -> str | None:
    """None if e is real-analytic on a neighbourhood of the closure of the piece, else the reason not."""
    e = sp.sympify(e)
    if not e.has(X):
        return None if (e.is_real and e.is_finite) else f"constant {e} is not a finite real"
    if e == X:
        return None
    if isinstance(e, (sp.Add, sp.Mul)):
        for arg in e.args:
            why = analytic_on(arg, piece)
            if why:
                return why
        return None
    if isinstance(e, sp.Pow):
        base, expo = e.args
        if expo.has(X):
            if base.has(X) or not base.is_positive:
                return f"{e}: variable exponent needs a constant positive base"
            return analytic_on(expo, piece)
        why = analytic_on(base, piece)
        if why:
            return why
        if expo.is_Integer and expo >= 0:
            return None
        if expo.is_Integer:
            return None if nonzero_on(base, piece) else f"{e}: base {base} may vanish on {piece.closure}"
        return None if sign_on(base, piece, strict=True) else f"{e}: base {base} may be <= 0 on {piece.closure}"
    if isinstance(e, _ENTIRE):
        return analytic_on(e.args[0], piece)
    if isinstance(e, sp.log):
        why = analytic_on(e.args[0], piece)
        if why:
            return why
        return None if sign_on(e.args[0], piece, strict=True) else f"{e}: argument may be <= 0 on {piece.closure}"
    return f"{type(e).__name__} is not among the functions known to be analytic"


@lru_cache(maxsize=1024)
def limit_at(piece: Piece, end: str) -> sp.Expr:
    """lim of the piece's expression at ``end`` ("+oo" or "-oo")."""
    point = sp.oo if end == "+oo" else -sp.oo
    aff = piece.affine()
    if aff is not None:
        slope, intercept = aff
        if slope == 0:
            return intercept
        return point if slope > 0 else -point
    return sp.limit(piece.expr, X, point)


def clear_caches() -> None:
    """Forget every memoized result (for honest replay timings and tests)."""
    for fn in (pieces_of, sign_on, analytic_on, limit_at):
        fn.cache_clear()


# --- parsing stored expressions ----------------------------------------------------------------------

_ALLOWED = {
    "Symbol", "Integer", "Rational", "Float", "Add", "Mul", "Pow", "exp", "log", "erf", "erfc", "tanh",
    "sinh", "cosh", "sin", "cos", "atan", "Abs", "Half", "One", "Zero", "NegativeOne", "E", "pi",
    "Exp1", "Pi", "real", "True", "False", "Piecewise", "ExprCondPair", "StrictLessThan", "LessThan",
    "StrictGreaterThan", "GreaterThan", "BooleanTrue", "true", "false", "precision", "x", "t",
    "nonnegative", "Infinity", "NegativeInfinity", "oo",
}
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHARS = re.compile(r"^[A-Za-z0-9_(),'= .\-]*$")


def parse_srepr(text: str) -> sp.Expr:
    """Parse an ``srepr`` string made only of whitelisted sympy names; raises ValueError otherwise."""
    if not isinstance(text, str) or not _CHARS.match(text) or "__" in text:
        raise ValueError("stored expression has forbidden characters")
    unquoted = re.sub(r"'[^']*'", "''", text)
    if "." in unquoted:
        raise ValueError("stored expression has forbidden characters")
    for name in _TOKEN.findall(unquoted):
        if name not in _ALLOWED:
            raise ValueError(f"stored expression uses {name!r}, which is not allowed")
    namespace = {n: getattr(sp, n) for n in _ALLOWED if hasattr(sp, n)}
    namespace.update(true=sp.true, false=sp.false)
    return eval(text, {"__builtins__": {}}, namespace)  # noqa: S307 - whitelisted names, no attributes
