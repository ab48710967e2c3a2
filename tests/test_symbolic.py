"""The symbolic checker: proofs by the sign of the (divided-difference) Jacobian, and their replay."""
import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers import symbolic, symbolic_replay
from checkers.kernel import REPLAYERS, Proved, ReplayContext, Unknown, verdict_to_json
from checkers.replay import replay
from theory.activations import get_activation
from theory.architecture import parse_architecture
from theory.claims import monotone_claim
from theory.network import Act, Add, Network, Node, dense


def random_net(rng, shape, acts, nonneg):
    layers = []
    for n, (a, b) in enumerate(zip(shape[:-1], shape[1:])):
        w = rng.normal(size=(b, a))
        layers += [dense(np.abs(w) if nonneg else w, rng.normal(size=b)), Act(get_activation(acts[n % len(acts)]))]
    return Network.chain(layers[:-1], shape[0])


def cert(v, claim):
    return json.loads(json.dumps(verdict_to_json(v, claim)))


def pair_steps(obj):
    out, todo = [], [obj["proof"]]
    while todo:
        s = todo.pop()
        todo += s.get("premises", [])
        if s["check"].get("kind") == "sympy_jacobian":
            out.append(s)
    return out


SMOOTH = ["sigmoid", "tanh", "softplus", "exp", "elu"]


@given(seed=st.integers(0, 2**32 - 1), shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       acts=st.lists(st.sampled_from(SMOOTH), min_size=1, max_size=3))
@settings(max_examples=20)
def test_nonneg_smooth_networks_are_proved(seed, shape, acts):
    claim = monotone_claim(random_net(np.random.default_rng(seed), shape, acts, nonneg=True))
    v = symbolic.check(claim)
    assert isinstance(v, Proved), v
    assert len(pair_steps(cert(v, claim))) == len(claim.pairs)


def test_certificate_replays():
    claim = monotone_claim(random_net(np.random.default_rng(3), (2, 4, 3, 2), ["sigmoid", "exp"], nonneg=True))
    v = symbolic.check(claim)
    assert isinstance(v, Proved)
    assert replay(cert(v, claim)) == []


def pairs_with_a_violation(net, n=10_000, seed=0):
    rng = np.random.default_rng(seed)
    bad = set()
    for i in range(net.input_dim):
        x = rng.uniform(size=(n, net.input_dim))
        y = x.copy()
        y[:, i] = np.maximum(x[:, i], rng.uniform(size=n))
        fx, fy = net.forward(x), net.forward(y)
        tol = 1e-9 * (1 + np.abs(fx))
        for k in range(net.output_dim):
            if (fx[:, k] - fy[:, k] > tol[:, k]).any():
                bad.add((i, k))
    return bad


@given(seed=st.integers(0, 2**32 - 1), shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       act=st.sampled_from(["relu", "sigmoid", "step"]), sparse=st.booleans())
@settings(max_examples=25)
def test_mixed_sign_proofs_survive_sampling(seed, shape, act, sparse):
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(shape[:-1], shape[1:]):
        w = rng.normal(size=(b, a))
        if sparse:  # zeros and a bias toward positive signs make some pairs provable
            w = np.where(rng.random(w.shape) < 0.4, 0.0, np.abs(w) * np.where(rng.random(w.shape) < 0.8, 1, -1))
        layers += [dense(w, rng.normal(size=b)), Act(get_activation(act))]
    net = Network.chain(layers[:-1], shape[0])
    bad = pairs_with_a_violation(net)
    for i in range(net.input_dim):
        for k in range(net.output_dim):
            v = symbolic.check(monotone_claim(net, inputs=[i], outputs=[k]))
            assert v.verdict in ("proved", "unknown")
            if v.verdict == "proved":
                assert (i, k) not in bad


def test_architecture_sigmoid_nonneg_is_proved_for_every_network():
    claim = monotone_claim(parse_architecture("2-3-1:sigmoid:nonneg"))
    v = symbolic.check(claim)
    assert v.verdict == "proved"
    obj = cert(v, claim)
    steps = pair_steps(obj)
    assert {(s["check"]["input"], s["check"]["output"]) for s in steps} == {(0, 0), (1, 0)}
    a = next(s for s in steps if s["check"]["input"] == 0)["check"]["assumptions"]
    assert a["w_L0_0_0"] == "nonnegative" and a["d_L1_2"] == "nonnegative" and a["w_L2_0_1"] == "nonnegative"
    assert replay(obj) == []


def test_architecture_sigmoid_any_is_unknown():
    v = symbolic.check(monotone_claim(parse_architecture("2-3-1:sigmoid:any")))
    assert v.verdict == "unknown"
    assert "J_{k,i} >= 0" in v.reason


@pytest.mark.parametrize("arch,verdict", [
    ("2-3-1:any-nondecreasing:nonneg", "proved"),
    ("2-3-1:any-nondecreasing:nonpos", "proved"),  # two non-positive layers: products of two signs are >= 0
    ("2-3-3-1:any-nondecreasing:nonpos", "unknown"),  # three: every path is <= 0
    ("2-3-3-1:step:nonneg", "proved"),  # the secant form needs no derivative
    ("2-3-1:relu:nonneg", "proved"),
    ("2-3-1:gelu:nonneg", "unknown"),  # gelu is not non-decreasing: its slopes are merely real
    ("2-3-1:leaky_relu(-1/2):nonneg", "unknown"),
])
def test_architectures(arch, verdict):
    claim = monotone_claim(parse_architecture(arch))
    v = symbolic.check(claim)
    assert v.verdict == verdict, v
    if verdict == "proved":
        assert replay(cert(v, claim)) == []


def test_residual_add_is_supported():
    relu = Act(get_activation("relu"))
    net = Network(2, (Node("a", dense([[1.0, 0.5], [0.25, 2.0]]), ("input",)), Node("b", relu, ("a",)),
                      Node("c", dense([[1.0, -0.5], [0.0, 1.0]]), ("b",)), Node("d", Add(), ("b", "c")),
                      Node("e", dense([[1.0, 1.0]]), ("d",))))
    # J = [1 1] (I + C) D1 A with I + C = [[2, -1/2], [0, 2]]: the monomial d_0 has 2*1 + ... >= 0?  The
    # entry for x0 is 2*1*d0 + (-1/2 + 2)*1/4*d1 >= 0 and for x1 2*0.5*d0 + 1.5*2*d1 >= 0.
    claim = monotone_claim(net)
    v = symbolic.check(claim)
    assert v.verdict == "proved"
    assert replay(cert(v, claim)) == []


def test_tampered_certificates_fail_replay():
    claim = monotone_claim(parse_architecture("2-3-1:sigmoid:nonneg"))
    obj = cert(symbolic.check(claim), claim)
    step = next(s for s in pair_steps(obj) if s["check"]["input"] == 0)
    original = step["check"]["srepr"]
    ctx = ReplayContext(claim)
    run = REPLAYERS["sympy_jacobian"]
    assert run(step["check"], ctx) is None
    # a different expression (one path dropped)
    step["check"]["srepr"] = sp.srepr(sp.Symbol("d_L1_0") * sp.Symbol("w_L0_0_0") * sp.Symbol("w_L2_0_0"))
    assert "differs" in run(step["check"], ctx)
    # a stored assumption that the model does not give
    step["check"]["srepr"] = original
    step["check"]["assumptions"]["w_L0_0_0"] = "real"
    assert "differs from the model" in run(step["check"], ctx)
    step["check"]["assumptions"]["w_L0_0_0"] = "nonnegative"
    # code instead of an expression is rejected without being run
    step["check"]["srepr"] = "__import__('os').system('false')"
    assert "does not parse" in run(step["check"], ctx)
    step["check"]["srepr"] = original
    assert replay(obj) == []  # restored: the certificate holds again
    w = "Symbol('w_L2_0_0', nonnegative=True)"
    assert w in original
    step["check"]["srepr"] = original.replace(w, f"Mul(Integer(-1), {w})", 1)
    assert replay(obj) != []


def test_certificate_of_one_network_fails_for_another():
    rng = np.random.default_rng(0)
    good = random_net(rng, (2, 3, 1), ["tanh"], nonneg=True)
    claim = monotone_claim(good)
    v = symbolic.check(claim)
    layers = [n.layer for n in good.nodes]
    w = layers[2].weight.copy()
    w[0, 1] = -w[0, 1]
    other = Network.chain([layers[0], layers[1], dense(w, layers[2].bias)], 2)
    ctx = ReplayContext(monotone_claim(other))
    problems = [REPLAYERS["sympy_jacobian"](s["check"], ctx) for s in pair_steps(cert(v, claim))]
    assert all(p and "differs" in p for p in problems)


def test_concrete_jacobian_entry_is_the_path_sum():
    net = Network.chain([dense([[1.0, 2.0], [3.0, 0.0]]), Act(get_activation("sigmoid")), dense([[0.5, 0.25]])], 2)
    syms = symbolic.Symbols(net)
    J = symbolic.jacobian(net, syms, [0, 1])
    d0, d1 = syms.slopes["L1"]
    assert sp.expand(J[0][0] - (sp.Rational(1, 2) * d0 + sp.Rational(3, 4) * d1)) == 0
    assert sp.expand(J[0][1] - d0) == 0
    assert sp.expand(symbolic_replay.jacobian_by_differentiation(net, syms, 0, 0) - J[0][0]) == 0


def test_jacobian_latex():
    text = symbolic.jacobian_latex(parse_architecture("2-2-1:sigmoid:nonneg"), 0, 1)
    assert text.startswith(r"\frac{\partial f_{1}}{\partial x_{2}} = \sum_{j_{1}} w^{(2)}_{1 j_{1}}")
    assert r"w^{(2)}_{1 1} \operatorname{sigmoid}'(z^{(1)}_{1}) w^{(1)}_{1 2}" in text
    assert r"w^{(2)}_{1 2} \operatorname{sigmoid}'(z^{(1)}_{2}) w^{(1)}_{2 2}" in text
    big = symbolic.jacobian_latex(parse_architecture("3-8-8-1:relu:nonneg"), 0, 0)
    assert r"\left[W^{(3)} D^{(2)} W^{(2)} D^{(1)} W^{(1)}\right]_{1 1}" in big
    concrete = Network.chain([dense([[1.0, -2.0]]), Act(get_activation("tanh")), dense([[0.5]])], 2)
    assert symbolic.jacobian_latex(concrete, 0, 1).endswith(r"0.5 \operatorname{tanh}'(z^{(1)}_{1}) \left(-2.0\right)")


def test_size_guard():
    v = symbolic.check(monotone_claim(parse_architecture("2-301-1:sigmoid:nonneg")))
    assert isinstance(v, Unknown) and "limit" in v.reason
