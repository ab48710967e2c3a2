"""Witnesses that an activation LACKS a property, each re-checkable without a solver, and the search for them.

Kinds of :class:`ActivationWitness` (``kind``), all about s = the catalogue activation named ``activation``:

- ``"decrease"`` (refutes NONDECREASING): points a < b with s(a) > s(b).
- ``"midpoint_above"`` (refutes CONVEX): a < b with s((a+b)/2) > (s(a) + s(b))/2.
- ``"midpoint_below"`` (refutes CONCAVE): a < b with s((a+b)/2) < (s(a) + s(b))/2.
- ``"not_affine"`` (refutes PIECEWISE_LINEAR): a < b < c inside one piece e on an open interval J where e is
  real-analytic, and (a, s(a)), (b, s(b)), (c, s(c)) not collinear.  If s had finitely many affine pieces,
  one of them would overlap J in an open subinterval, so e would be affine there, hence on all of J by the
  identity theorem for analytic functions: contradiction.
- ``"limit"`` (refutes BOUNDED_ABOVE / BOUNDED_BELOW): the piece unbounded towards ``end`` has limit +oo
  (resp. -oo) there.  No finite set of points can show unboundedness; the evidence is the limit, which
  recheck re-computes (exactly from the slope for an affine piece, by sympy's Gruntz algorithm otherwise).

Values are exact rationals for activations with an exact evaluator (piecewise-linear, softsign) and
outward-rounded mpmath intervals at 256 bits otherwise; a strict inequality counts only when it holds
between the enclosures (``theory.exact.certainly_greater``).  The search is numeric (numpy on a rational
grid); only what survives :meth:`ActivationWitness.recheck` is ever reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from mpmath.libmp import NoConvergence

from checkers.activation_pieces import Piece, analytic_on, limit_at, pieces_of
from theory.activations import Activation, Property, get_activation
from theory.exact import PREC, certainly_greater, iv, render, to_interval

KINDS = {"decrease": Property.NONDECREASING, "midpoint_above": Property.CONVEX,
         "midpoint_below": Property.CONCAVE, "not_affine": Property.PIECEWISE_LINEAR}


def value(act: Activation, q: Fraction):
    """s(q): an exact Fraction, or an interval enclosure (call inside :func:`_precise`)."""
    if act.exact is not None:
        return act.exact(q)
    if act.interval is None:
        raise ValueError(f"{act.spec} has no exact or interval evaluator")
    return act.interval(to_interval(q))


class _precise:
    def __enter__(self):
        self.old = iv.prec
        iv.prec = PREC

    def __exit__(self, *exc):
        iv.prec = self.old


def _combine(*vals):
    """Bring values to one arithmetic: all Fractions stay exact, otherwise all become intervals."""
    if all(isinstance(v, Fraction) for v in vals):
        return vals
    return tuple(to_interval(v) for v in vals)


@dataclass(frozen=True)
class ActivationWitness:
    activation: str  # the catalogue spec, e.g. "leaky_relu(-1/2)"
    property: Property  # the property this witness refutes
    kind: str
    points: tuple[Fraction, ...] = ()
    end: str | None = None  # "+oo" or "-oo" for kind "limit"
    # The activation itself when it is not a catalogue entry (JSON keeps only the spec, which replay
    # looks up in the catalogue).
    act: Activation | None = field(default=None, compare=False, repr=False)

    def _activation(self) -> Activation:
        return self.act if self.act is not None else get_activation(self.activation)

    def recheck(self) -> bool:
        """Re-establish the violation from the catalogue definition alone (no SMT solver)."""
        try:
            return self._why_not() is None
        except (ValueError, ArithmeticError, TypeError, NotImplementedError, NoConvergence):
            return False  # an enclosure that cannot be computed certifies nothing

    def _why_not(self) -> str | None:
        act = self._activation()
        if act.expr is None:
            return "the activation has no definition"
        pts = self.points
        if self.kind == "limit":
            return self._recheck_limit(act)
        if self.kind not in KINDS or KINDS[self.kind] is not self.property:
            return f"kind {self.kind!r} does not refute {self.property.value}"
        if any(x >= y for x, y in zip(pts, pts[1:])) or len(pts) != (3 if self.kind == "not_affine" else 2):
            return "points are not increasing or have the wrong count"
        with _precise():
            if self.kind == "decrease":
                sa, sb = value(act, pts[0]), value(act, pts[1])
                return None if certainly_greater(sa, sb) else "s(a) > s(b) is not certain"
            if self.kind in ("midpoint_above", "midpoint_below"):
                a, b = pts
                sm, sa, sb = _combine(value(act, (a + b) / 2), value(act, a), value(act, b))
                avg = (sa + sb) / 2
                ok = certainly_greater(sm, avg) if self.kind == "midpoint_above" else certainly_greater(avg, sm)
                return None if ok else "the midpoint inequality is not certain"
            return self._recheck_not_affine(act)

    def _recheck_not_affine(self, act: Activation) -> str | None:
        a, b, c = self.points
        home = [p for p in pieces_of(act.expr) if p.contains_inside(a) and p.contains_inside(c)]
        if len(home) != 1:
            return "the points do not lie inside one piece"
        piece = home[0]
        if analytic_on(piece.expr, piece) is not None:
            return "the piece is not known to be analytic"
        sa, sb, sc, right, left = _combine(value(act, a), value(act, b), value(act, c), c - b, b - a)
        cross = (sb - sa) * right - (sc - sb) * left
        if isinstance(cross, Fraction):
            return None if cross != 0 else "the points are collinear"
        zero = to_interval(Fraction(0))
        return None if (certainly_greater(cross, zero) or certainly_greater(zero, cross)) else "collinearity not excluded"

    def _recheck_limit(self, act: Activation) -> str | None:
        want = {Property.BOUNDED_ABOVE: "oo", Property.BOUNDED_BELOW: "-oo"}.get(self.property)
        if want is None or self.end not in ("+oo", "-oo"):
            return "a limit refutes only a bound"
        ps = pieces_of(act.expr)
        piece = ps[-1] if self.end == "+oo" else ps[0]
        lim = limit_at(piece, self.end)
        return None if str(lim) == want else f"limit is {lim}, not {want}"

    def to_json(self) -> dict:
        out = {"kind": self.kind, "activation": self.activation, "property": self.property.value,
               "points": [str(p) for p in self.points]}
        if self.end is not None:
            out["end"] = self.end
            ps = pieces_of(self._activation().expr)
            out["limit"] = str(limit_at(ps[-1] if self.end == "+oo" else ps[0], self.end))
        if self.points:
            act = self._activation()
            with _precise():
                pts = list(self.points)
                if self.kind.startswith("midpoint"):
                    pts = [self.points[0], (self.points[0] + self.points[1]) / 2, self.points[1]]
                out["at"] = [str(p) for p in pts]
                out["values"] = [render(value(act, p)) for p in pts]
        return out

    @classmethod
    def from_json(cls, obj: dict) -> "ActivationWitness":
        return cls(str(obj["activation"]), Property(obj["property"]), str(obj["kind"]),
                   tuple(Fraction(p) for p in obj.get("points", [])), obj.get("end"))


# --- the search --------------------------------------------------------------------------------------

def _grid(pieces: tuple[Piece, ...]) -> list[Fraction]:
    pts = {Fraction(k, 4) for k in range(-48, 49)} | {Fraction(k) for k in (-40, -25, 20, 30, 40)}
    for p in pieces:
        for b in (p.lo, p.hi):
            if b.is_Rational:
                q = Fraction(int(b.p), int(b.q))
                pts |= {q + d for d in (Fraction(0), Fraction(1, 1000), Fraction(-1, 1000), Fraction(1, 10),
                                        Fraction(-1, 10), Fraction(1, 2), Fraction(-1, 2))}
    return sorted(pts)


def _candidates(act: Activation, prop: Property, grid: list[Fraction], top: int = 8):
    xs = np.array([float(q) for q in grid])
    with np.errstate(all="ignore"):
        s = act.numpy(xs)
    i, j = np.triu_indices(len(xs), k=1)  # i < j, so xs[i] < xs[j]
    if prop is Property.NONDECREASING:
        gap = s[i] - s[j]
    else:
        mid = (xs[i] + xs[j]) / 2  # a float guess only: candidates are re-checked exactly
        with np.errstate(all="ignore"):
            sm = act.numpy(mid)
        gap = sm - (s[i] + s[j]) / 2
        if prop is Property.CONCAVE:
            gap = -gap
    gap = np.where(np.isfinite(gap), gap, -np.inf)
    score = gap / (1.0 + np.maximum(np.abs(xs[i]), np.abs(xs[j]))) ** 2  # prefer small, readable witnesses
    order = np.argsort(-score)[:top]
    return [(grid[i[k]], grid[j[k]]) for k in order if gap[k] > 0]


_PAIR_KIND = {Property.NONDECREASING: "decrease", Property.CONVEX: "midpoint_above",
              Property.CONCAVE: "midpoint_below"}


def search(act: Activation, prop: Property, pieces: tuple[Piece, ...]) -> ActivationWitness | None:
    """A re-checked witness that ``act`` lacks ``prop``, or None if the search finds none."""
    if prop in _PAIR_KIND:
        for a, b in _candidates(act, prop, _grid(pieces)):
            w = ActivationWitness(act.spec, prop, _PAIR_KIND[prop], (a, b), act=act)
            if w.recheck():
                return w
        return None
    if prop in (Property.BOUNDED_ABOVE, Property.BOUNDED_BELOW):
        for end, piece in (("+oo", pieces[-1]), ("-oo", pieces[0])):
            w = ActivationWitness(act.spec, prop, "limit", (), end, act=act)
            if w.recheck():
                return w
        return None
    if prop is Property.PIECEWISE_LINEAR:
        for piece in pieces:
            if piece.is_point or piece.affine() is not None:
                continue
            for pts in _inner_triples(piece):
                w = ActivationWitness(act.spec, prop, "not_affine", pts, act=act)
                if w.recheck():
                    return w
        return None
    return None


def _inner_triples(piece: Piece):
    lo, hi = piece.lo, piece.hi
    if lo.is_finite and hi.is_finite:
        a, b = Fraction(int(lo.p), int(lo.q)), Fraction(int(hi.p), int(hi.q))
        yield tuple(a + (b - a) * Fraction(k, 4) for k in (1, 2, 3))
        return
    base = Fraction(int(lo.p), int(lo.q)) if lo.is_finite else (
        Fraction(int(hi.p), int(hi.q)) - 4 if hi.is_finite else Fraction(-1))
    for step in (Fraction(1), Fraction(1, 2), Fraction(1, 8)):
        yield (base + step, base + 2 * step, base + 3 * step)
