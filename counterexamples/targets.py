"""Targets: functions g on a domain (a box [lo, hi]^d, or its vertex set {lo, hi}^d) given by an exact
sympy expression in x0..x{d-1}.  A target knows how to evaluate itself fast (numpy, for search and
training), exactly or rigorously at rational points (for certificates), and which finite dataset stands
for it (the vertices, or a small dyadic grid whose coordinates are exact doubles)."""
from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy as sp

from counterexamples.expressions import exact_value, parse_expression, symbols
from theory.errors import BadInput

GRID_SIZES = (33, 17, 9, 5, 3, 2)  # points per axis: m - 1 is a power of two, so grid points are dyadic
MAX_DATASET = 400


@dataclass(frozen=True, eq=False)
class Target:
    name: str
    dim: int
    lo: Fraction
    hi: Fraction
    expr: sp.Expr
    kind: str = "regression"  # or "classification" (values 0/1: class 1 where g = 1)
    documented_bound: Fraction | None = None  # the documented sup-error lower bound (gallery targets)
    domain: str = "box"  # "box": [lo, hi]^d; "vertices": {lo, hi}^d
    definition: str = ""
    property: str = ""  # the geometric property of Wang et al. that it illustrates
    documented_witness: tuple | None = field(default=None, repr=False)  # (x, y) as tuples of Fractions

    @cached_property
    def _fn(self):
        return sp.lambdify(symbols(self.dim), self.expr, modules=["numpy"])

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """g at the rows of X (float64), vectorised."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != self.dim:
            raise BadInput(f"target {self.name!r} takes {self.dim} inputs, got points with {X.shape[1]}")
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self._fn(*[X[:, i] for i in range(self.dim)])
        return np.broadcast_to(np.asarray(out, dtype=float), (X.shape[0],)).copy()

    def value(self, point):
        """g at a rational point: a Fraction when the value is rational, else an enclosing interval."""
        return exact_value(self.expr, [Fraction(v) for v in point])

    def in_domain(self, point) -> bool:
        if len(point) != self.dim:
            return False
        if self.domain == "vertices":
            return all(v in (self.lo, self.hi) for v in point)
        return all(self.lo <= v <= self.hi for v in point)

    def grid_points(self) -> list[tuple[Fraction, ...]]:
        """The dataset's points as exact rationals: the vertices, or the dyadic grid."""
        if self.domain == "vertices":
            axis = [self.lo, self.hi]
        else:
            m = next(k for k in GRID_SIZES if k ** self.dim <= MAX_DATASET or k == 2)
            axis = [self.lo + (self.hi - self.lo) * Fraction(k, m - 1) for k in range(m)]
        return list(itertools.product(axis, repeat=self.dim))

    def dataset(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The finite dataset that stands for the target (deterministic; ``seed`` is accepted for API
        symmetry): XOR and parity -> the vertices; continuous targets -> a grid of at most 400 points."""
        pts = self.grid_points()
        X = np.array([[float(v) for v in p] for p in pts], dtype=float)
        return X, self.evaluate(X)

    def describe(self) -> str:
        dom = (f"{{{self.lo}, {self.hi}}}^{self.dim}" if self.domain == "vertices"
               else f"[{self.lo}, {self.hi}]^{self.dim}")
        return f"{self.definition or self.expr} on {dom}"


def expression_target(text: str, lo: Fraction = Fraction(0), hi: Fraction = Fraction(1),
                      dim: int | None = None) -> Target:
    """A target from a user expression on the box [lo, hi]^d (d inferred, or given by data)."""
    expr, d = parse_expression(text, dim)
    if lo > hi:
        raise BadInput(f"box {lo}:{hi} is empty: LO > HI")
    indicator = isinstance(expr, sp.Piecewise) and {v for v, _ in expr.args} <= {sp.Integer(0), sp.Integer(1)}
    kind = "classification" if indicator else "regression"
    return Target(text, d, Fraction(lo), Fraction(hi), expr, kind, None, "box", text, "")
