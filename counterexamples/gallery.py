"""The gallery: targets no network of the class nonneg can fit, one per geometric fact of Wang et al.
(ICCV 2023; THEORY.md sections 2-3), each with a documented witness pair x <= y and the documented
sup-error lower bound (g(x) - g(y)) / 2.  Every documented figure is re-derived by the tests through
the witness search, never trusted as typed.

:data:`CONVEX_GALLERY` holds targets that are monotone (consistent with the class nonneg) but out of reach
of the class nonneg-convex (convex non-decreasing activations, THEORY.md section 5); their documented
witness is a pair x, y whose join and meet give a supermodularity violation Delta, bound Delta/4.  They are
kept apart from :data:`GALLERY` (the nonneg gallery that the demo and cross-validation iterate over);
:func:`get_target` finds both, :func:`target_class` names a target's class.

>>> get_target("xor").documented_bound
Fraction(1, 2)
>>> get_target("parity(5)").dim
5
"""
from __future__ import annotations

import difflib
import re
from fractions import Fraction

import sympy as sp

from counterexamples.expressions import symbols
from counterexamples.targets import Target
from theory.errors import BadInput

HALF = Fraction(1, 2)
ZERO, ONE = Fraction(0), Fraction(1)
MAX_BITS = 12


def _ind(cond) -> sp.Expr:
    return sp.Piecewise((sp.Integer(1), cond), (sp.Integer(0), True))


def _q(*vals) -> tuple[Fraction, ...]:
    return tuple(Fraction(v) for v in vals)


def xor_target(continuous: bool = False) -> Target:
    x0, x1 = symbols(2)
    expr = x0 + x1 - 2 * x0 * x1
    if continuous:
        return Target("xor-continuous", 2, ZERO, ONE, expr, "regression", Fraction(1, 2), "box",
                      "x0 + x1 - 2*x0*x1", "order preservation: g falls from (0,1) to (1,1)",
                      (_q(0, 1), _q(1, 1)))
    return Target("xor", 2, ZERO, ONE, expr, "classification", HALF, "vertices", "x0 XOR x1",
                  "order preservation: (0,1) <= (1,1) but XOR falls from 1 to 0", (_q(0, 1), _q(1, 1)))


def not_target() -> Target:
    (x0,) = symbols(1)
    return Target("not", 1, ZERO, ONE, 1 - x0, "regression", HALF, "box", "1 - x0",
                  "order preservation: 0 <= 1 but NOT falls from 1 to 0", (_q(0), _q(1)))


def decreasing_target(d: int = 3) -> Target:
    if not 1 <= d <= 64:
        raise BadInput(f"decreasing({d}): the dimension must be between 1 and 64")
    xs = symbols(d)
    expr = 1 - sp.Add(*xs) / d
    return Target("decreasing" if d == 3 else f"decreasing({d})", d, ZERO, ONE, expr, "regression", HALF, "box",
                  f"1 - (x0 + ... + x{d - 1})/{d}", "order preservation: decreasing along the diagonal",
                  (_q(*[0] * d), _q(*[1] * d)))


def parity_target(n: int = 3) -> Target:
    if not 2 <= n <= MAX_BITS:
        raise BadInput(f"parity({n}): the number of bits must be between 2 and {MAX_BITS}")
    xs = symbols(n)
    expr = (1 - sp.Mul(*[1 - 2 * x for x in xs])) / 2  # the parity of n bits, multilinear
    return Target(f"parity{n}", n, ZERO, ONE, expr, "classification", HALF, "vertices",
                  f"x0 XOR ... XOR x{n - 1}", "order preservation: adding a 1 bit flips the parity",
                  (_q(1, *[0] * (n - 1)), _q(1, 1, *[0] * (n - 2))))


def positive_slope_target() -> Target:
    x0, x1 = symbols(2)
    return Target("positive-slope", 2, ZERO, ONE, _ind(x1 > x0), "classification", HALF, "box",
                  "class 1 iff x1 > x0", "no decision boundary of positive slope",
                  (_q(0, HALF), _q(1, HALF)))


def closed_shape_target() -> Target:
    x0, x1 = symbols(2)
    r2 = Fraction(1, 16)
    expr = _ind((x0 - sp.Rational(1, 2)) ** 2 + (x1 - sp.Rational(1, 2)) ** 2 < sp.Rational(r2.numerator, r2.denominator))
    return Target("closed-shape", 2, ZERO, ONE, expr, "classification", HALF, "box",
                  "class 1 inside the disk of radius 1/4 around (1/2, 1/2)", "no closed decision region",
                  (_q(HALF, HALF), _q(1, 1)))


def disconnected_target() -> Target:
    x0, x1 = symbols(2)
    r2 = sp.Rational(9, 400)  # radius 3/20
    a, b = sp.Rational(1, 4), sp.Rational(3, 4)
    expr = _ind(sp.Or((x0 - a) ** 2 + (x1 - b) ** 2 < r2, (x0 - b) ** 2 + (x1 - a) ** 2 < r2))
    return Target("disconnected", 2, ZERO, ONE, expr, "classification", HALF, "box",
                  "class 1 on two disks of radius 3/20 around (1/4, 3/4) and (3/4, 1/4)",
                  "no disconnected decision region", (_q("1/4", "3/4"), _q("3/4", "3/4")))


GALLERY: dict[str, Target] = {t.name: t for t in (
    xor_target(), xor_target(continuous=True), not_target(), decreasing_target(), parity_target(3),
    positive_slope_target(), closed_shape_target(), disconnected_target())}



def or_target() -> Target:
    x0, x1 = symbols(2)
    return Target("or", 2, ZERO, ONE, x0 + x1 - x0 * x1, "classification", Fraction(1, 4), "vertices",
                  "x0 OR x1", "supermodularity: OR(1,0) + OR(0,1) - OR(1,1) - OR(0,0) = 1 > 0",
                  (_q(1, 0), _q(0, 1)))


def max_target() -> Target:
    x0, x1 = symbols(2)
    return Target("max", 2, ZERO, ONE, sp.Max(x0, x1), "regression", Fraction(1, 4), "box", "max(x0, x1)",
                  "supermodularity: max(1,0) + max(0,1) - max(1,1) - max(0,0) = 1 > 0", (_q(1, 0), _q(0, 1)))


CONVEX_GALLERY: dict[str, Target] = {t.name: t for t in (or_target(), max_target())}


def target_class(name: str) -> str:
    """The class a gallery target is documented against: "nonneg" or "nonneg-convex"."""
    return "nonneg-convex" if str(name).strip().lower() in CONVEX_GALLERY else "nonneg"


_FAMILY = re.compile(r"^(parity|decreasing)\s*(?:\(\s*(\d+)\s*\)|(\d+))$")


def get_target(name: str) -> Target:
    """A gallery target by name; ``parity(n)``/``parityN`` and ``decreasing(d)`` build family members.
    An unknown name raises BadInput suggesting the nearest one."""
    key = str(name).strip().lower()
    if key in GALLERY:
        return GALLERY[key]
    if key in CONVEX_GALLERY:
        return CONVEX_GALLERY[key]
    m = _FAMILY.match(key)
    if m:
        n = int(m.group(2) or m.group(3))
        return parity_target(n) if m.group(1) == "parity" else decreasing_target(n)
    known = [*GALLERY, *CONVEX_GALLERY]
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise BadInput(f"unknown gallery target {name!r}{hint}; known: {', '.join(known)}, parity(n), decreasing(d)")


def is_gallery_name(text: str) -> bool:
    key = str(text).strip().lower()
    return key in GALLERY or key in CONVEX_GALLERY or bool(_FAMILY.match(key))
