"""Dataset witness search: the dominance divide and conquer against brute force, exact maxima, ties."""
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import given, strategies as st

from counterexamples.dominance import brute_dominated_max, dominated_argmax, dominating_argmin
from counterexamples.witness import PairWitness, max_violation


def brute_violation(X, y):
    """max over all pairs p <= q of y[p] - y[q], in exact rationals (0 if none is positive)."""
    best = Fraction(0)
    for p, q in product(range(len(y)), repeat=2):
        if np.all(X[p] <= X[q]):
            best = max(best, Fraction(float(y[p])) - Fraction(float(y[q])))
    return best


@st.composite
def datasets(draw, max_n=40):
    d = draw(st.integers(1, 4))
    n = draw(st.integers(1, max_n))
    grid = draw(st.integers(1, 4))  # few distinct coordinates: many ties and duplicate points
    X = np.array(draw(st.lists(st.lists(st.integers(0, grid), min_size=d, max_size=d), min_size=n, max_size=n)),
                 dtype=float) / grid
    y = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 1 / 3, 0.5, 1.0, -0.7]), min_size=n, max_size=n)))
    return X, y


@given(datasets())
def test_dominated_argmax_matches_brute_force(data):
    X, y = data
    arg = dominated_argmax(X, y)
    assert np.all(X[arg] <= X)  # every answer is below its query
    assert np.array_equal(y[arg], brute_dominated_max(X, y))
    low = dominating_argmin(X, y)
    assert np.all(X[low] >= X)
    assert np.array_equal(y[low], -brute_dominated_max(-X, -y))


@given(datasets(max_n=25))
def test_max_violation_is_the_exact_maximum(data):
    X, y = data
    w = max_violation(X, y)
    expected = brute_violation(X, y)
    if expected == 0:
        assert w is None
    else:
        assert w is not None and w.violation == expected
        assert w.recheck()
        assert all(a <= b for a, b in zip(w.x, w.y))
        assert w.gx == Fraction(float(y[w.i])) and w.gy == Fraction(float(y[w.j]))


def test_equal_inputs_with_different_labels_are_a_violation():
    X = np.array([[0.5, 0.5], [0.5, 0.5]])
    w = max_violation(X, np.array([0.0, 1.0]))
    assert w.x == w.y and w.violation == 1 and w.sup_error_lower_bound == Fraction(1, 2)


def test_monotone_data_have_no_witness():
    rng = np.random.default_rng(3)
    X = rng.random((500, 3))
    assert max_violation(X, X.sum(axis=1)) is None


def test_large_2d_against_blocked_brute_force():
    rng = np.random.default_rng(7)
    X = np.round(rng.random((3000, 2)), 2)  # ties in both coordinates
    y = rng.random(3000)
    assert np.array_equal(y[dominated_argmax(X, y)], brute_dominated_max(X, y))


def test_exactness_beyond_float_differences():
    # 0.1 - 0.0 and 0.3 - 0.2 are equal in decimals but not as doubles: the exact winner is chosen
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.3, 0.2, 0.1, 0.0])
    w = max_violation(X, y)
    assert w.violation == Fraction(0.3) - Fraction(0.0)


def test_witness_recheck_rejects_unordered_pairs():
    w = PairWitness((Fraction(1),), (Fraction(0),), Fraction(1), Fraction(0))
    assert not w.recheck()
    ok = PairWitness((Fraction(0),), (Fraction(1),), Fraction(1), Fraction(0))
    assert ok.recheck(lambda p: Fraction(1) - p[0])
    assert not ok.recheck(lambda p: p[0])  # recorded values do not match the target


@pytest.mark.parametrize("d", [2, 3])
def test_dominance_scales(d):
    rng = np.random.default_rng(d)
    X = rng.random((20000, d))
    y = rng.random(20000)
    arg = dominated_argmax(X, y)
    sample = rng.choice(20000, 200, replace=False)
    for q in sample:  # spot-check against a direct scan
        below = np.all(X <= X[q], axis=1)
        assert y[arg[q]] == y[below].max()


def test_high_dimensional_recursion_matches_brute_force(monkeypatch):
    import counterexamples.dominance as dom

    monkeypatch.setattr(dom, "BRUTE_WORK", 0)  # force the divide and conquer for d >= 4
    rng = np.random.default_rng(11)
    for d in (4, 5):
        for _ in range(20):
            n = int(rng.integers(1, 60))
            X = rng.integers(0, 3, size=(n, d)).astype(float)
            y = rng.integers(0, 4, size=n).astype(float)
            arg = dom.dominated_argmax(X, y)
            assert np.all(X[arg] <= X)
            assert np.array_equal(y[arg], brute_dominated_max(X, y))
