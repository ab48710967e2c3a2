"""Cross-validation: trained networks never beat the certified bounds, on every gallery target."""
import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from counterexamples.bounds import certify_data
from counterexamples.crossval import (ACTIVATIONS, Budget, InvariantViolation, check_free, check_nonneg,
                                      cross_validate, table, witness_miss)
from counterexamples.gallery import GALLERY, get_target
from counterexamples.trainer import train_one
from theory.claims import Box

SMALL = Budget(epochs=500, seeds=(0,), hiddens=((8, 8),), patience=150, nonneg_losses=("sup",))
UNIT = Box(Fraction(0), Fraction(1))


@pytest.fixture(scope="module")
def cv_nonneg():
    # every gallery target x every activation, nonneg (the soundness invariants), small budget, fixed seed
    return cross_validate(list(GALLERY), ACTIVATIONS, SMALL, free=False, strict=False)


def test_every_gallery_target_and_activation_is_checked(cv_nonneg):
    seen = {(r.target, r.activation) for r in cv_nonneg.rows}
    assert seen == {(t, a) for t in GALLERY for a in ACTIVATIONS}
    assert all(r.constraint == "nonneg" for r in cv_nonneg.rows)


def test_no_trained_nonneg_network_beats_a_certified_bound(cv_nonneg):
    assert cv_nonneg.violations == []
    for r in cv_nonneg.rows:
        b = cv_nonneg.bounds[r.target]
        assert r.sup_error >= float(b.sup_error_lower_bound) - 1e-9
        assert b.mse_lower_bound is not None and r.mse >= b.mse_lower_bound - 1e-9
        # the exact miss at the witness pair is at least the bound (rationals or rigorous intervals)
        assert r.witness_miss is not None and r.witness_miss[0] >= b.sup_error_lower_bound
        assert r.witness_miss[0] <= r.witness_miss[1]


def test_every_trained_nonneg_network_is_proved_order_preserving(cv_nonneg):
    assert {r.checker_verdict for r in cv_nonneg.rows} == {"proved"}
    assert cv_nonneg.unconfirmed == []


def test_bounds_are_tight_for_training_on_one_dimensional_not(cv_nonneg):
    # NOT on a 33-point grid: the sup bound 1/2 is reached closely by nonneg relu networks
    r = cv_nonneg.row("not", "relu", "nonneg")
    assert r.sup_error == pytest.approx(0.5, abs=0.02)


def test_nonneg_sigmoid_within_005_of_the_optimum_on_xor_and_free_fits():
    cv = cross_validate(["xor"], ["sigmoid"], Budget(epochs=1500, seeds=(0,), hiddens=((16, 16),)))
    assert cv.ok, cv.violations
    sup = cv.row("xor", "sigmoid", "nonneg", "sup")
    assert sup.checks["near optimum"][0] == "holds"
    assert 0.5 <= sup.sup_error <= 0.55
    mse = cv.row("xor", "sigmoid", "nonneg", "mse")
    assert mse.mse == pytest.approx(1 / 6, abs=0.01) and mse.mse >= 1 / 6 - 1e-12
    free = cv.row("xor", "sigmoid", "free")
    assert free.mse < 0.05 and free.checks["free fits"][0] == "holds"
    text = table(cv)
    assert len(text.splitlines()) == 2 + 3 and "| xor | sigmoid | nonneg (sup) | 1/2 |" in text


def test_softplus_reparametrization_also_satisfies_the_invariants():
    cv = cross_validate(["xor", "parity3"], ["tanh"], SMALL, constraint="softplus", free=False)
    assert cv.ok and {r.checker_verdict for r in cv.rows} == {"proved"}


def test_a_wrong_bound_is_reported_loudly():
    t = get_target("xor")
    X, y = t.dataset()
    bounds = certify_data(X, y)
    res = train_one(X, y, activation="sigmoid", constraint="project", loss="sup", epochs=800)
    assert check_nonneg("xor", UNIT, bounds, res).violated == []
    wrong = dataclasses.replace(bounds, sup_error_lower_bound=Fraction(9, 10), mse_lower_bound=0.3)
    row = check_nonneg("xor", UNIT, wrong, res)
    assert {v.split(":")[0] for v in row.violated} == {"sup >= bound", "mse >= bound", "misses at witness"}
    with pytest.raises(InvariantViolation, match="below the certified bound"):
        from counterexamples.crossval import _maybe_raise
        _maybe_raise(row, strict=True)


def test_free_network_that_does_not_fit_is_a_violation():
    t = get_target("xor")
    X, y = t.dataset()
    res = train_one(X, y, activation="sigmoid", constraint="free", epochs=1)
    assert check_free("xor", certify_data(X, y), res).violated


def test_witness_miss_is_exact_for_relu():
    t = get_target("xor")
    X, y = t.dataset()
    b = certify_data(X, y)
    res = train_one(X, y, activation="relu", constraint="project", epochs=300)
    lo, hi = witness_miss(res.network, b.witness)
    assert lo == hi  # relu networks evaluate to exact rationals
    fx, fy = res.network.forward(np.array([[float(v) for v in b.witness.x], [float(v) for v in b.witness.y]]))[:, 0]
    assert float(lo) == pytest.approx(max(abs(fx - float(b.witness.gx)), abs(fy - float(b.witness.gy))), abs=1e-12)
