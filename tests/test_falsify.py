"""The falsification search: every refutation rechecks exactly, monotone networks are never refuted."""
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers import falsify
from checkers.kernel import Refuted, Unknown
from theory.activations import get_activation
from theory.architecture import parse_architecture
from theory.claims import Box, monotone_claim
from theory.exact import exact_forward
from theory.network import Act, Network, dense

RELU = Act(get_activation("relu"))


def random_net(rng, shape, act="relu", nonneg=False):
    layers = []
    for a, b in zip(shape[:-1], shape[1:]):
        w = rng.normal(size=(b, a))
        layers += [dense(np.abs(w) if nonneg else w, rng.normal(size=b)), Act(get_activation(act))]
    return Network.chain(layers[:-1], shape[0])


def assert_valid_witness(verdict, claim):
    w, net = verdict.witness, claim.network
    assert w.recheck(net, claim.box)
    assert all(a <= b for a, b in zip(w.x, w.y))
    assert all(a == b for j, (a, b) in enumerate(zip(w.x, w.y)) if j != w.input)
    lo, hi = (claim.box.lo, claim.box.hi) if claim.box else (0, 1)
    assert all(lo <= v <= hi for v in (*w.x, *w.y))
    fx, fy = exact_forward(net, w.x)[w.output], exact_forward(net, w.y)[w.output]
    assert fx > fy
    # the float network agrees with the exact values on the direction of the violation
    num = net.forward(np.array([[float(v) for v in w.x], [float(v) for v in w.y]]))[:, w.output]
    assert num[0] > num[1]


shapes = st.lists(st.integers(1, 6), min_size=2, max_size=4)


@given(seed=st.integers(0, 2**32 - 1), shape=shapes)
@settings(max_examples=25)
def test_mixed_sign_relu_refutations_recheck(seed, shape):
    net = random_net(np.random.default_rng(seed), shape)
    claim = monotone_claim(net)
    v = falsify.check(claim, timeout=5, samples=512, seed=seed % 7)
    assert v.verdict in ("refuted", "unknown")  # never proved
    if isinstance(v, Refuted):
        assert_valid_witness(v, claim)


def test_mixed_4_32_32_1_found_at_once():
    found, worst = 0, 0.0
    for seed in range(3):
        claim = monotone_claim(random_net(np.random.default_rng(seed), (4, 32, 32, 1)))
        t = time.perf_counter()
        v = falsify.check(claim)
        worst = max(worst, time.perf_counter() - t)
        found += isinstance(v, Refuted)
        if isinstance(v, Refuted):
            assert_valid_witness(v, claim)
    assert found == 3
    assert worst < 5.0  # measured about 0.1 s each


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "step", "softplus"])
def test_nonneg_networks_are_never_refuted(act):
    claim = monotone_claim(random_net(np.random.default_rng(1), (3, 8, 8, 2), act, nonneg=True))
    v = falsify.check(claim, timeout=5, samples=1024)
    assert isinstance(v, Unknown)
    assert "no violation found in" in v.reason


def test_symbolic_network_is_unknown():
    v = falsify.check(monotone_claim(parse_architecture("2-3-1:relu:any")))
    assert isinstance(v, Unknown) and "symbolic" in v.reason


def test_deterministic_given_seed():
    claim = monotone_claim(random_net(np.random.default_rng(5), (3, 10, 1)))
    a, b = falsify.check(claim, seed=3), falsify.check(claim, seed=3)
    assert a.verdict == b.verdict == "refuted"
    assert a.witness == b.witness


def test_box_is_respected():
    net = random_net(np.random.default_rng(2), (2, 16, 1))
    for box in (Box(Fraction(2), Fraction(3)), Box(Fraction(1, 3), Fraction(2, 3))):
        claim = monotone_claim(net, box=box)
        v = falsify.check(claim, samples=2048)
        if isinstance(v, Refuted):
            assert_valid_witness(v, claim)
    # a box with no float point inside it cannot be sampled
    v = falsify.check(monotone_claim(net, box=Box(Fraction(1, 3), Fraction(1, 3))))
    assert isinstance(v, Unknown)


def narrow_dip():
    """f(x0, x1) = x0 + x1 - 3 relu(x0 - 1/2) + 3 relu(x0 - 0.501): decreasing in x0 only on [0.5, 0.501]."""
    return Network.chain([dense([[1, 0], [1, 0], [0, 1], [1, 0]], [0, -0.5, 0, -0.501]), RELU,
                          dense([[1, -3, 1, 3]], [0])], 2)


def test_slope_search_finds_a_narrow_dip():
    claim = monotone_claim(narrow_dip(), inputs=[0])
    search = falsify._Search(claim, 10, 512, 0)
    best = {}
    assert search.random_stage(best) is None  # 512 random pairs miss the dip
    v = search.slope_stage(best)
    assert isinstance(v, Refuted)
    assert_valid_witness(v, claim)
    assert Fraction(1, 2) - Fraction(1, 100) <= v.witness.x[0] <= Fraction(501, 1000)
    # input 1 is increasing everywhere: nothing to find
    assert isinstance(falsify.check(monotone_claim(narrow_dip(), inputs=[1]), samples=512), Unknown)


def test_general_pairs_telescope_to_one_coordinate():
    # f = relu(2 - 2 x2) + relu(x0 + x1) = 2 - 2 x2 + x0 + x1 on [0, 1]^3: decreasing in x2 only
    net = Network.chain([dense([[0, 0, -2.0], [1.0, 1.0, 0]], [2.0, 0.0]), RELU, dense([[1.0, 1.0]])], 3)
    claim = monotone_claim(net)
    v = falsify._Search(claim, 10, 256, 0).general_stage()
    assert isinstance(v, Refuted) and v.witness.input == 2
    assert_valid_witness(v, claim)


def test_transcendental_witness_rechecks_by_intervals():
    net = Network.chain([dense([[1.0], [1.0]], [0.0, -1.0]), Act(get_activation("sigmoid")),
                         dense([[1.0, -2.0]])], 1)
    claim = monotone_claim(net)
    v = falsify.check(claim)
    assert isinstance(v, Refuted)
    assert_valid_witness(v, claim)


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    net = random_net(rng, (3, 7, 5, 2), "tanh")
    x = rng.uniform(size=(4, 3))
    g = falsify.input_gradient(net, falsify.forward_all(net, x), 1)
    h = 1e-6
    fd = np.stack([(net.forward(x + h * e)[:, 1] - net.forward(x - h * e)[:, 1]) / (2 * h) for e in np.eye(3)], 1)
    assert np.allclose(g, fd, atol=1e-5)
