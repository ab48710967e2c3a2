"""Certified bounds on finite data: what no network of the class nonneg can beat, and the fits that
attain it (THEORY.md sections 2 and 4).

- sup-error >= violation / 2 for every order-preserving f (the witness pair), and this is exact on data:
  the L-infinity isotonic fit f* reaches it, so ``optimal_sup_error == sup_error_lower_bound``;
- MSE >= the exact L2 isotonic optimum (``mse_lower_bound``), reached by the L2 isotonic fit.

>>> import numpy as np
>>> b = certify_data(np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]), np.array([0., 1., 1., 0.]))
>>> b.sup_error_lower_bound, b.mse_lower_bound_exact
(Fraction(1, 2), Fraction(1, 6))
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from counterexamples.data import Dataset
from counterexamples.dominance import dominated_argmax
from counterexamples.isotonic import L2_LIMIT, l2_isotonic, linf_fit
from counterexamples.witness import PairWitness, max_violation
from theory.errors import BadInput


@dataclass(frozen=True, eq=False)
class DataBounds:
    witness: PairWitness | None
    violation: Fraction  # 0 when the data are monotone
    sup_error_lower_bound: Fraction  # violation / 2
    optimal_sup_error: Fraction  # the L-infinity optimum over monotone functions (= the bound)
    mse_lower_bound: float | None  # None when the data have more than L2_LIMIT distinct points
    mse_lower_bound_exact: Fraction | None
    linf_fit: np.ndarray
    l2_fit: np.ndarray | None
    n: int

    @property
    def refuted(self) -> bool:
        return self.witness is not None


def certify_dataset(ds: Dataset, with_l2: bool = True) -> DataBounds:
    """Bounds for a :class:`~counterexamples.data.Dataset` (exact values from its CSV text)."""
    if ds.y is None:
        raise BadInput("the data have no y column and no target supplies values")
    X, y = ds.X, ds.y
    arg = dominated_argmax(X, y)
    w = max_violation(X, y, ds.exact_x, ds.exact_y, arg)
    viol = w.violation if w is not None else Fraction(0)
    fit = linf_fit(X, y, arg)
    achieved = float(np.abs(fit - y).max())
    if abs(achieved - float(viol / 2)) > 1e-9 * max(1.0, float(np.abs(y).max())):
        raise AssertionError(f"internal error: L-inf fit error {achieved} differs from violation/2 = {float(viol / 2)}")
    mse = l2 = None
    if with_l2 and np.unique(X, axis=0).shape[0] <= L2_LIMIT:
        r = l2_isotonic(X, y, ds.exact_y)
        mse, l2 = r.mse, r.fit
    return DataBounds(w, viol, viol / 2, viol / 2, None if mse is None else float(mse), mse, fit, l2, ds.n)


def certify_data(X: np.ndarray, y: np.ndarray, with_l2: bool = True) -> DataBounds:
    """Bounds for float arrays (each double taken as its exact binary fraction)."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    y = np.asarray(y, dtype=float).ravel()
    if X.shape[0] != y.shape[0]:
        raise BadInput(f"X has {X.shape[0]} rows but y has {y.shape[0]} values")
    if X.shape[0] == 0:
        raise BadInput("no data points")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise BadInput("data contain NaN or infinite values")
    return certify_dataset(Dataset(X, y), with_l2)
