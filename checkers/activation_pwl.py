"""Exact decisions for piecewise-linear activations with z3 over the reals (linear real arithmetic).

A piecewise-linear s (every piece a*x + b with rational a, b; see ``checkers.activation_pieces``) is
encoded as a nested ``If`` over its pieces, and the *negation* of a property is asked of z3:

- NONDECREASING: exists a <= b with s(a) > s(b).
- CONVEX:        exists a, b with s((a+b)/2) > (s(a) + s(b))/2   (midpoint convexity);
- CONCAVE:       exists a, b with s((a+b)/2) < (s(a) + s(b))/2.

The queries are linear, so z3 decides them exactly.  ``unsat`` proves the property: for CONVEX because a
midpoint-convex function that is bounded on every bounded interval (as a piecewise-linear function with
finitely many pieces is) is convex (Jensen 1906; Bernstein & Doetsch 1915), and dually for CONCAVE.
``sat`` gives a model (a, b) of exact rationals, which the caller turns into a witness and re-checks
without the solver.  The SMT-LIB text of each query is stored in the certificate; replay regenerates it
from the activation's expression, compares, and re-solves it.
"""
from __future__ import annotations

from fractions import Fraction

import z3

from checkers.activation_pieces import Piece
from theory.activations import Property

QUERIED = (Property.NONDECREASING, Property.CONVEX, Property.CONCAVE)


def _q(v) -> str:
    """A sympy rational as an SMT-LIB real term."""
    num, den = int(v.p), int(v.q)
    mag = f"{abs(num)}.0" if den == 1 else f"(/ {abs(num)}.0 {den}.0)"
    return f"(- {mag})" if num < 0 else mag


def _in(piece: Piece, v: str) -> str:
    conds = []
    if piece.lo.is_finite:
        conds.append(f"({'>=' if piece.lo_closed else '>'} {v} {_q(piece.lo)})")
    if piece.hi.is_finite:
        conds.append(f"({'<=' if piece.hi_closed else '<'} {v} {_q(piece.hi)})")
    return "true" if not conds else conds[0] if len(conds) == 1 else f"(and {' '.join(conds)})"


def define_s(pieces: tuple[Piece, ...]) -> str:
    """``(define-fun s ((v Real)) Real ...)``: s as nested ite; ValueError if a piece is not affine."""
    terms = []
    for p in pieces:
        aff = p.affine()
        if aff is None:
            raise ValueError(f"piece {p.expr} is not affine")
        for end in (p.lo, p.hi):
            if not (end.is_Rational or end.is_infinite):
                raise ValueError(f"piece on {p.interval} has an irrational endpoint")
        slope, intercept = aff
        terms.append((_in(p, "v"), f"(+ (* {_q(slope)} v) {_q(intercept)})"))
    body = terms[-1][1]
    for cond, val in reversed(terms[:-1]):
        body = f"(ite {cond} {val} {body})"
    return f"(define-fun s ((v Real)) Real {body})"


def negation(pieces: tuple[Piece, ...], prop: Property) -> str:
    """The SMT-LIB2 text of the negated property (deterministic: written here, not by z3's printer)."""
    if prop is Property.NONDECREASING:
        goal = "(assert (<= a b))\n(assert (> (s a) (s b)))"
    elif prop in (Property.CONVEX, Property.CONCAVE):
        rel = ">" if prop is Property.CONVEX else "<"
        goal = f"(assert ({rel} (s (/ (+ a b) 2.0)) (/ (+ (s a) (s b)) 2.0)))"
    else:
        raise ValueError(f"{prop.value} is not decided by the piecewise-linear z3 query")
    return "\n".join(["(set-logic QF_LRA)", "(declare-fun a () Real)", "(declare-fun b () Real)",
                      define_s(pieces), goal, "(check-sat)", ""])


def solve(text: str, timeout: float) -> tuple[str, tuple[Fraction, Fraction] | None]:
    """z3's answer to a stored query, and on ``sat`` the model's (a, b) as exact rationals."""
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(z3.parse_smt2_string(text))
    answer = str(solver.check())
    if answer != "sat":
        return answer, None
    model = solver.model()
    values = {}
    for decl in model.decls():
        val = model[decl]
        if isinstance(val, z3.RatNumRef):
            values[decl.name()] = val.as_fraction()
    return answer, (Fraction(values.get("a", 0)), Fraction(values.get("b", 0)))
