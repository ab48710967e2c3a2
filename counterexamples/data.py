"""Finite datasets: points x in R^d with values y, floats for search and exact rationals for proofs.

A CSV file has the header ``x0,...,x{d-1},y`` (the ``y`` column may be absent when a target supplies the
values).  Cells are read as text and kept: the exact value of a cell is the rational number it writes
(``0.1`` is 1/10), while the search runs on the nearest doubles.  Rounding to doubles is monotone, so
every order x <= y between exact values also holds between the doubles; the converse holds when the
rounding is one-to-one on each column, which :func:`load_csv` checks (it fails only for cells written
with more digits than a double holds).  So the dominance pairs of the doubles are exactly those of the
data as written, and every reported witness is re-checked on the exact values.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from checkers.kernel import file_sha256
from theory.errors import BadInput


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points ``X`` (n, d) and values ``y`` (n,) as float64; ``text`` keeps the CSV cells (exact values)."""

    X: np.ndarray
    y: np.ndarray | None
    source: str = "arrays"
    sha256: str | None = None
    x_text: np.ndarray | None = None  # (n, d) str
    y_text: np.ndarray | None = None  # (n,) str

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    def exact_x(self, i: int) -> tuple[Fraction, ...]:
        if self.x_text is not None:
            return tuple(Fraction(str(v).strip()) for v in self.x_text[i])
        return tuple(Fraction(float(v)) for v in self.X[i])

    def exact_y(self, i: int) -> Fraction:
        if self.y_text is not None:
            return Fraction(str(self.y_text[i]).strip())
        return Fraction(float(self.y[i]))

    def with_values(self, y: np.ndarray) -> "Dataset":
        """The same points with new values (e.g. a target evaluated on them)."""
        return Dataset(self.X, np.asarray(y, dtype=float), self.source, self.sha256, self.x_text, None)


def load_csv(path: str, need_y: bool = True) -> Dataset:
    """Read a CSV dataset (header x0..x{d-1}[,y]); every problem raises BadInput with a one-line message."""
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"data file {path!r} not found")
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise BadInput(f"data file {path!r} cannot be read as CSV ({type(err).__name__})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise BadInput(f"data file {path!r} is empty (expected a header x0,...,x{{d-1}},y)")
    header = [h.strip() for h in rows[0]]
    has_y = bool(header) and header[-1] == "y"
    xs = header[:-1] if has_y else header
    expected = [f"x{i}" for i in range(len(xs))]
    if not xs or xs != expected:
        raise BadInput(f"data file {path!r}: header {','.join(header)!r} does not match x0,...,x{{d-1}},y")
    if need_y and not has_y:
        raise BadInput(f"data file {path!r}: header has no y column (expected {','.join(expected + ['y'])})")
    body = rows[1:]
    if not body:
        raise BadInput(f"data file {path!r} has a header but no rows")
    width = len(header)
    for k, r in enumerate(body, start=2):
        if len(r) != width:
            raise BadInput(f"data file {path!r}, line {k}: {len(r)} values, the header has {width}")
    text = np.array([[c.strip() for c in r] for r in body], dtype=str)
    if (text == "").any():
        k, j = map(int, np.argwhere(text == "")[0])
        raise BadInput(f"data file {path!r}, line {k + 2}: missing value in column {header[j]}")
    try:
        values = text.astype(float)
    except ValueError:
        for k, r in enumerate(text):
            for j, c in enumerate(r):
                try:
                    float(c)
                except ValueError:
                    raise BadInput(f"data file {path!r}, line {k + 2}: column {header[j]} value {str(c)!r} "
                                   "is not a number") from None
        raise
    if not np.isfinite(values).all():
        k, j = map(int, np.argwhere(~np.isfinite(values))[0])
        raise BadInput(f"data file {path!r}, line {k + 2}: column {header[j]} is not finite ({text[k, j]!r})")
    for j in range(width):
        _check_injective(values[:, j], text[:, j], path, header[j])
    d = len(xs)
    return Dataset(values[:, :d], values[:, d] if has_y else None, str(p.resolve()), file_sha256(p),
                   text[:, :d], text[:, d] if has_y else None)


def _check_injective(col: np.ndarray, cells: np.ndarray, path: str, name: str) -> None:
    """Distinct exact cell values must stay distinct as doubles (else the float order is not the exact
    order).  Neighbours in float order that are equal as doubles but written differently are compared
    exactly; equality is transitive, so checking neighbours covers every group of equal doubles."""
    order = np.argsort(col, kind="stable")
    c = col[order]
    same = np.flatnonzero(c[1:] == c[:-1])
    if same.size == 0:
        return
    t = cells[order]
    differ = same[t[same] != t[same + 1]]
    for k in differ:
        if Fraction(str(t[k])) != Fraction(str(t[k + 1])):
            raise BadInput(f"data file {path!r}: column {name} values {str(t[k])!r} and {str(t[k + 1])!r} differ "
                           "by less than double precision; round them to 15 significant digits")
