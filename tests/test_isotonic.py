"""Isotonic regression: exact L2 against an independent solver, L-infinity optimum = violation / 2."""
from fractions import Fraction

import numpy as np
from hypothesis import given, strategies as st
from scipy.optimize import minimize

from counterexamples.bounds import certify_data
from counterexamples.isotonic import covering_pairs, l2_isotonic, linf_fit


def slsqp_isotonic_mse(X, y):
    """Independent solver: scipy SLSQP with every pairwise constraint f_i <= f_j for x_i <= x_j."""
    n = len(y)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j and np.all(X[i] <= X[j])]
    eye = np.eye(n)
    cons = [{"type": "ineq", "fun": (lambda f, i=i, j=j: f[j] - f[i]), "jac": (lambda f, i=i, j=j: eye[j] - eye[i])}
            for i, j in pairs]
    r = minimize(lambda f: ((f - y) ** 2).sum(), np.full(n, y.mean()), jac=lambda f: 2 * (f - y),
                 constraints=cons, method="SLSQP", options={"ftol": 1e-15, "maxiter": 2000})
    f = r.x
    assert all(f[i] <= f[j] + 1e-7 for i, j in pairs)
    return float(((f - y) ** 2).mean())


@st.composite
def small_data(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(2, 12))
    X = np.array(draw(st.lists(st.lists(st.integers(0, 3), min_size=d, max_size=d), min_size=n, max_size=n)),
                 dtype=float)
    y = np.array(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), dtype=float) / 8
    return X, y


@given(small_data())
def test_l2_matches_independent_solver(data):
    X, y = data
    r = l2_isotonic(X, y)
    assert abs(float(r.mse) - slsqp_isotonic_mse(X, y)) < 1e-6
    # the fit is monotone and its MSE is the reported one
    assert all(r.fit[i] <= r.fit[j] + 1e-12 for i in range(len(y)) for j in range(len(y)) if np.all(X[i] <= X[j]))
    assert abs(float(((r.fit - y) ** 2).mean()) - float(r.mse)) < 1e-12


@given(small_data(), st.integers(0, 2 ** 31))
def test_l2_bound_is_never_above_any_monotone_function(data, seed):
    X, y = data
    bound = float(l2_isotonic(X, y).mse)
    rng = np.random.default_rng(seed)
    candidates = [linf_fit(X, y), np.full(len(y), y.mean())]
    for _ in range(20):  # random monotone functions: non-negative combinations of coordinates and of maxima
        w = rng.random(X.shape[1])
        candidates.append(X @ w + rng.normal())
        candidates.append(rng.random() * X.max(axis=1) + X @ w * rng.random() + rng.normal())
    for f in candidates:
        assert float(((f - y) ** 2).mean()) >= bound - 1e-12


def test_linf_optimum_is_half_the_violation():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(200, 2)).astype(float)
    y = rng.normal(size=200)
    b = certify_data(X, y)
    fit = b.linf_fit
    assert abs(float(np.abs(fit - y).max()) - float(b.violation) / 2) < 1e-12
    assert b.optimal_sup_error == b.sup_error_lower_bound == b.violation / 2
    assert all(fit[i] <= fit[j] for i in range(200) for j in range(200) if np.all(X[i] <= X[j]))


def test_xor_exact_values():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    b = certify_data(X, np.array([0.0, 1.0, 1.0, 0.0]))
    assert b.sup_error_lower_bound == Fraction(1, 2)
    assert b.mse_lower_bound_exact == Fraction(1, 6)
    assert np.allclose(b.l2_fit, [0, 2 / 3, 2 / 3, 2 / 3])


def test_covering_pairs_of_a_chain_and_an_antichain():
    a, b = covering_pairs(np.array([[0.0], [1.0], [2.0]]))
    assert sorted(zip(a.tolist(), b.tolist())) == [(0, 1), (1, 2)]  # not (0, 2)
    a, b = covering_pairs(np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert a.size == 0


def test_l2_medium_size_verified():
    rng = np.random.default_rng(5)
    X = rng.random((300, 2))
    y = X.sum(axis=1) + rng.normal(size=300) * 0.3
    r = l2_isotonic(X, y)
    assert 1 < r.blocks < 300
    assert float(r.mse) <= float(((y - y.mean()) ** 2).mean())


def _exact_inputs(X, y):
    from counterexamples.isotonic import _group

    U, inv, c = _group(X)
    S = [Fraction(0)] * U.shape[0]
    for i, k in enumerate(inv):
        S[k] += Fraction(float(y[i]))
    return U, c, S


def test_kkt_check_rejects_wrong_partitions():
    from counterexamples.isotonic import verify_l2

    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([2.0, 0.0, 1.0])
    U, c, S = _exact_inputs(X, y)
    a, b = covering_pairs(U)
    singles = [np.array([0]), np.array([1]), np.array([2])]
    assert not verify_l2(singles, S, c, a, b)  # means 2 > 0 along a covering pair: infeasible
    # the optimum pools the first two points (mean 1) and keeps 1: pooled {0,1}, {2}
    assert verify_l2([np.array([0, 1]), np.array([2])], S, c, a, b)
    y2 = np.array([0.0, 1.0, 2.0])  # monotone: one block is feasible but not optimal (an upper set gains)
    U, c, S = _exact_inputs(X, y2)
    assert not verify_l2([np.array([0, 1, 2])], S, c, a, b)


@given(small_data())
def test_exact_cut_partition_agrees_with_fast_path(data):
    from counterexamples.isotonic import _partition, _split_exact, verify_l2

    X, y = data
    U, c, S = _exact_inputs(X, y)
    a, b = covering_pairs(U)
    blocks = _partition(U.shape[0], a, b, lambda B, ea, eb: _split_exact(B, S, c, ea, eb))
    assert verify_l2(blocks, S, c, a, b)
    mse = Fraction(0)
    for B in blocks:
        mean = sum((S[i] for i in B), Fraction(0)) / int(c[B].sum())
        fit = {int(i): mean for i in B}
        mse += sum((Fraction(float(v)) - fit[int(k)]) ** 2 for v, k in zip(y, np.unique(X, axis=0, return_inverse=True)[1].ravel()) if int(k) in fit)
    assert mse / len(y) == l2_isotonic(X, y).mse
