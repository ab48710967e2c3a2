"""The attaining networks: non-negative weights, reach the L-infinity optimum, proved order-preserving."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from checkers.cascade import prove
from checkers.kernel import Proved
from counterexamples.bounds import certify_data
from counterexamples.construct import sigmoid_network, threshold_network
from counterexamples.gallery import GALLERY
from theory.claims import monotone_claim
from theory.errors import BadInput
from theory.exact import exact_forward
from theory.network import Dense


def nonneg(net):
    return all(np.all(np.asarray(n.layer.weight, dtype=float) >= 0) for n in net.nodes if isinstance(n.layer, Dense))


@pytest.mark.parametrize("name", list(GALLERY))
def test_gallery_datasets_attained(name):
    X, y = GALLERY[name].dataset()
    b = certify_data(X, y, with_l2=False)
    for net, tol in ((threshold_network(X, b.linf_fit), 1e-9), (sigmoid_network(X, b.linf_fit), 1e-3)):
        assert nonneg(net)
        err = float(np.abs(net.forward(X).ravel() - y).max())
        assert abs(err - float(b.sup_error_lower_bound)) <= tol
        assert isinstance(prove(monotone_claim(net), method="structural"), Proved)


@given(st.integers(0, 2 ** 31), st.integers(1, 3))
def test_random_data_attained_exactly(seed, d):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    X = rng.integers(0, 4, size=(n, d)) / 4
    y = np.round(rng.normal(size=n), 3)
    b = certify_data(X, y, with_l2=False)
    net = threshold_network(X, b.linf_fit)
    assert nonneg(net)
    assert np.abs(net.forward(X).ravel() - b.linf_fit).max() <= 1e-9
    # exact rational evaluation reproduces the fit values exactly
    for i in rng.choice(n, min(n, 5), replace=False):
        assert exact_forward(net, [Fraction(v) for v in X[i]])[0] == Fraction(float(b.linf_fit[i]))
    sig = sigmoid_network(X, b.linf_fit)
    assert np.abs(sig.forward(X).ravel() - b.linf_fit).max() <= 1e-3


def test_constant_fit_and_non_monotone_fit():
    X = np.array([[0.0], [1.0]])
    net = threshold_network(X, np.array([0.25, 0.25]))
    assert np.allclose(net.forward(X).ravel(), 0.25)
    with pytest.raises(BadInput):
        threshold_network(X, np.array([1.0, 0.0]))
