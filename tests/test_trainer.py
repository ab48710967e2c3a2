"""The numpy trainer: derivatives from sympy, exact back-propagation, constraints, the returned Network."""
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from checkers.cascade import prove
from counterexamples.trainer import _MLP, _loss_grad, derivative, errors, train, train_one
from theory.activations import X as S
from theory.activations import catalogue, get_activation
from theory.claims import Box, monotone_claim
from theory.errors import BadInput
from theory.network import Act, Dense

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("act", [a for a in catalogue() if a.expr is not None], ids=lambda a: a.spec)
def test_derivative_matches_sympy_and_finite_differences(act):
    d = derivative(act)
    z = np.array([-50.0, -3.3, -0.7, 0.3, 0.9, 2.2, 7.5, 50.0])
    got = d(z)
    assert got.shape == z.shape and np.isfinite(got).all()
    # away from breakpoints: central finite differences of the numpy activation
    h = 1e-6
    fd = (act.numpy(z + h) - act.numpy(z - h)) / (2 * h)
    smooth = np.all(np.abs(z[:, None] - np.array([float(b) for b in act.breakpoints] or [1e9])) > 1e-3, axis=1)
    assert np.allclose(got[smooth], fd[smooth], atol=1e-5, rtol=1e-5)
    # and at a rational point, the exact sympy derivative
    exact = float(sp.diff(act.expr, S).subs(S, sp.Rational(3, 10)))
    assert got[3] == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_derivative_does_not_overflow_far_out():
    d = derivative(get_activation("sigmoid"))
    out = d(np.array([-1000.0, 1000.0]))
    assert np.all(out == 0.0) or np.all(out < 1e-17)


@pytest.mark.parametrize("constraint", ["project", "softplus", "free"])
@pytest.mark.parametrize("loss", ["mse", "sup"])
def test_backprop_gradient_matches_finite_differences(constraint, loss):
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (7, 2))
    y = rng.uniform(0, 1, 7)
    model = _MLP((2, 5, 4, 1), get_activation("tanh"), constraint, np.random.default_rng(0), X, 0.5)

    def value():
        _, hs, _ = model.forward(X)
        return _loss_grad(hs[-1][:, 0] - y, loss, 16)[0]

    ws, hs, zs = model.forward(X)
    _, g = _loss_grad(hs[-1][:, 0] - y, loss, 16)
    g_raw, g_bias = model.backward(ws, hs, zs, g[:, None])
    for params, grads in ((model.raw, g_raw), (model.bias, g_bias)):
        for q, gq in zip(params, grads):
            for idx in [(0,) * q.ndim, tuple(s - 1 for s in q.shape)]:
                old = q[idx]
                q[idx] = old + 1e-6
                up = value()
                q[idx] = old - 1e-6
                down = value()
                q[idx] = old
                assert gq[idx] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8)


@pytest.mark.parametrize("constraint", ["project", "softplus"])
def test_nonneg_training_keeps_weights_nonneg_and_is_proved(constraint):
    r = train_one(XOR_X, XOR_Y, activation="sigmoid", constraint=constraint, epochs=400)
    dense = [n.layer for n in r.network.nodes if isinstance(n.layer, Dense)]
    assert len(dense) == 3 and all(layer.weight.min() >= 0 for layer in dense)
    assert [n.layer.activation.spec for n in r.network.nodes if isinstance(n.layer, Act)] == ["sigmoid"] * 2
    v = prove(monotone_claim(r.network, box=Box(Fraction(0), Fraction(1))), method="structural")
    assert v.verdict == "proved"
    # order-preserving, so it cannot beat the XOR bound 1/2
    assert r.sup_error >= 0.5


def test_free_network_fits_xor_and_errors_are_measured_on_the_network():
    r = train_one(XOR_X, XOR_Y, activation="tanh", constraint="free", epochs=2000)
    assert r.mse < 0.05 and r.sup_error < 0.2
    sup, mse = errors(r.network, XOR_X, XOR_Y)
    assert (sup, mse) == (r.sup_error, r.mse)
    assert len(r.history["loss"]) == r.epochs and r.history["mse"][-1] >= 0


def test_nonneg_sigmoid_reaches_the_l2_optimum_on_xor():
    # the L2 isotonic optimum on XOR is 1/6 (pool (0,1), (1,0), (1,1) at 2/3)
    r = train_one(XOR_X, XOR_Y, activation="sigmoid", constraint="project", loss="mse", epochs=3000)
    assert 1 / 6 - 1e-12 <= r.mse <= 1 / 6 + 0.01


def test_early_stopping_and_best_of_seeds():
    r = train_one(XOR_X, XOR_Y, activation="relu", constraint="free", epochs=5000, tol=1e-6)
    assert r.epochs < 5000 and r.history["loss"].min() <= 1e-6
    best = train(XOR_X, XOR_Y, activation="relu", constraint="project", seeds=(0, 1, 2), hiddens=((4,), (8, 8)),
                 epochs=300, loss="sup")
    singles = [train_one(XOR_X, XOR_Y, activation="relu", constraint="project", seed=s, hidden=h, epochs=300,
                         loss="sup").sup_error for h in ((4,), (8, 8)) for s in (0, 1, 2)]
    assert best.sup_error == min(singles)


def test_deterministic_for_a_seed():
    a = train_one(XOR_X, XOR_Y, activation="softplus", epochs=200, seed=5)
    b = train_one(XOR_X, XOR_Y, activation="softplus", epochs=200, seed=5)
    assert a.mse == b.mse and a.epochs == b.epochs


@pytest.mark.parametrize("kwargs, word", [
    (dict(constraint="positive"), "constraint"), (dict(loss="l1"), "loss"), (dict(hidden=(0,)), "hidden"),
    (dict(epochs=0), "epochs"), (dict(activation="relux"), "activation"),
    (dict(activation="any-nondecreasing"), "differentiate")])
def test_bad_input(kwargs, word):
    with pytest.raises(BadInput, match=word):
        train_one(XOR_X, XOR_Y, **kwargs)
    with pytest.raises(BadInput):
        train_one(XOR_X, XOR_Y[:3])
