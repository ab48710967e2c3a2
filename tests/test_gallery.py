"""The gallery: every target refuted with its documented bound; monotone targets come out consistent."""
from fractions import Fraction

import numpy as np
import pytest

from counterexamples.bounds import certify_data
from counterexamples.gallery import GALLERY, get_target
from counterexamples.search import find_witness
from counterexamples.targets import expression_target
from counterexamples.witness import PairWitness
from theory.errors import BadInput


@pytest.mark.parametrize("name", [*GALLERY, "parity(5)", "decreasing(2)"])
def test_gallery_target_refuted_with_documented_bound(name):
    t = get_target(name)
    w = find_witness(t)
    assert w is not None and w.exact
    assert w.recheck(t.value) and t.in_domain(w.x) and t.in_domain(w.y)
    assert w.sup_error_lower_bound == t.documented_bound
    # the documented witness itself re-checks exactly and gives the documented bound
    x, y = t.documented_witness
    doc = PairWitness(x, y, t.value(x), t.value(y))
    assert doc.recheck(t.value) and doc.sup_error_lower_bound == t.documented_bound
    # on the target's dataset the bound is exact, the data are small, and the MSE bound is positive
    X, yv = t.dataset()
    assert X.shape[0] <= 400 and X.shape[1] == t.dim
    b = certify_data(X, yv)
    assert b.sup_error_lower_bound == t.documented_bound == b.optimal_sup_error
    assert 0 < b.mse_lower_bound < 0.25


def test_xor_is_exactly_one_half():
    t = get_target("xor")
    w = find_witness(t)
    assert (w.gx, w.gy, w.violation, w.sup_error_lower_bound) == (1, 0, 1, Fraction(1, 2))
    X, y = t.dataset()
    assert X.shape == (4, 2) and sorted(y.tolist()) == [0, 0, 1, 1]


@pytest.mark.parametrize("text", ["x0 + x1", "min(x0, x1)", "sigmoid(2*x0 + 3*x1 - 1)", "max(x0, x1)**3",
                                  "x0*x1", "relu(x0 - 0.5) + tanh(x1)"])
def test_monotone_targets_are_consistent(text):
    assert find_witness(expression_target(text)) is None


@pytest.mark.parametrize("text,bound", [("x0*(1-x1)", Fraction(1, 2)), ("1 - x0**2", Fraction(1, 2)),
                                        ("2*(x1 - x0)", Fraction(1))])
def test_expression_bounds_exact(text, bound):
    w = find_witness(expression_target(text))
    assert w.exact and w.sup_error_lower_bound == bound


def test_transcendental_target_gets_a_rigorous_lower_bound():
    t = expression_target("sin(3*x0)")
    w = find_witness(t)
    assert not w.exact and w.recheck(t.value)
    # sup over 0 <= a <= b <= 1 of sin(3a) - sin(3b) is 1 - sin(3)
    assert 1 - np.sin(3.0) - 1e-6 < float(w.violation) <= 1 - np.sin(3.0)


def test_box_option_changes_the_domain():
    w = find_witness(expression_target("1 - x0", Fraction(0), Fraction(4)))
    assert w.violation == 4


def test_unknown_gallery_name_suggests_nearest():
    with pytest.raises(BadInput, match="did you mean 'xor'"):
        get_target("xorr")
    with pytest.raises(BadInput):
        get_target("parity(1)")
