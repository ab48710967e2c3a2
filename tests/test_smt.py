"""The SMT checker: exact verdicts on small piecewise-linear networks, the compositional architecture proof,
timeouts, purity of the encoding, replay (and tampering), and the cvc5 cross-check of the SMT-LIB text."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.kernel import Proved, Refuted, Unknown, verdict_to_json
from checkers.replay import replay
from checkers.smt import check, cvc5_answers, encode, solve, z3_check
from theory.activations import get_activation
from theory.architecture import parse_architecture
from theory.claims import Box, monotone_claim
from theory.exact import exact_forward
from theory.network import Act, Network, dense

BOX = Box(Fraction(0), Fraction(1))
RELU = Act(get_activation("relu"))


def _net(*layers, d=2):
    return Network.chain(list(layers), input_dim=d)


def _difference_net():
    """f(x) = relu(x0 - x1): decreasing in x1."""
    return _net(dense([[1.0, -1.0]]), RELU)


def _nonneg_net():
    return _net(dense([[0.5, 0.25], [1.0, 0.0], [0.75, 2.0]], [-0.5, 0.0, 0.25]), RELU,
                dense([[1.0, 0.5, 0.25]]), Act(get_activation("hardtanh")), dense([[2.0]], [1.0]))


def test_nonneg_network_is_proved_first_by_its_sign_pattern():
    claim = monotone_claim(_nonneg_net(), box=BOX)
    v = check(claim)
    assert isinstance(v, Proved)
    queries = [s for s in v.certificate.steps() if s.check.get("kind") == "smt_query"]
    assert [q.check["mode"] for q in queries] == ["signs"]
    assert "on R^d" in queries[0].statement
    assert replay(verdict_to_json(v, claim)) == []


def test_mixed_network_the_sign_abstraction_cannot_prove_is_decided_exactly():
    # f = relu(x0 + x1) - relu(x0 + x1 - 10) is non-decreasing on [0,1]^2 (the second unit is never
    # active there) though its sign pattern is mixed: only the exact encoding proves it
    net = _net(dense([[1.0, 1.0], [1.0, 1.0]], [0.0, -10.0]), RELU, dense([[1.0, -1.0]]))
    claim = monotone_claim(net, box=BOX)
    v = check(claim)
    assert isinstance(v, Proved)
    assert [s.check["mode"] for s in v.certificate.steps() if s.check.get("kind") == "smt_query"] == ["exact"]
    assert replay(verdict_to_json(v, claim)) == []


def test_nonneg_pwl_network_is_proved_exactly_and_replays():
    claim = monotone_claim(_nonneg_net(), box=BOX)
    v = solve(encode(claim))
    assert isinstance(v, Proved)
    queries = [s for s in v.certificate.steps() if s.check.get("kind") == "smt_query"]
    assert len(queries) == 1 and queries[0].check["inputs"] == [0, 1]
    assert queries[0].check["smtlib"].startswith("(set-logic QF_LRA)")
    assert replay(verdict_to_json(v, claim)) == []


def test_difference_network_is_refuted_with_an_exact_witness():
    claim = monotone_claim(_difference_net(), box=BOX)
    v = check(claim)
    assert isinstance(v, Refuted)
    w = v.witness
    assert w.input == 1 and w.output == 0
    assert w.recheck(claim.network, BOX)
    fx, fy = exact_forward(claim.network, w.x)[0], exact_forward(claim.network, w.y)[0]
    assert fx > fy and w.x[0] == w.y[0] and w.x[1] < w.y[1]
    assert replay(verdict_to_json(v, claim)) == []


def test_default_box_is_used_and_said():
    v = solve(encode(monotone_claim(_nonneg_net())))
    assert isinstance(v, Proved)
    assert v.certificate.claim.box == BOX
    assert "default box" in v.certificate.proof.statement


def test_architectures():
    assert isinstance(check(monotone_claim(parse_architecture("2-8-8-1:any-nondecreasing:nonneg"))), Proved)
    assert isinstance(check(monotone_claim(parse_architecture("2-8-8-1:relu:nonneg"))), Proved)
    mixed = check(monotone_claim(parse_architecture("2-4-1:relu:any")))
    assert isinstance(mixed, Unknown) and "abstraction is satisfiable" in mixed.reason
    # two non-positive layers compose to order-preserving; three reverse the order (sat: not proved)
    assert isinstance(check(monotone_claim(parse_architecture("2-4-1:any-nondecreasing:nonpos"))), Proved)
    assert isinstance(check(monotone_claim(parse_architecture("2-4-4-1:any-nondecreasing:nonpos"))), Unknown)
    # gelu is not non-decreasing: nothing is assumed about it, so no proof
    assert isinstance(check(monotone_claim(parse_architecture("2-4-1:gelu:nonneg"))), Unknown)


def test_architecture_certificate_records_lemmas_hypotheses_and_replays():
    claim = monotone_claim(parse_architecture("2-3-3-2:any-nondecreasing:nonneg"))
    v = check(claim, split="output")
    assert isinstance(v, Proved)
    steps = v.certificate.steps()
    lemmas = {s.check.get("lemma") for s in steps if s.rule == "lemma"}
    assert {"nonneg_scale", "sum_ordered", "monotone_activation", "congruence"} <= lemmas
    assert sum(s.check.get("kind") == "smt_query" for s in steps) == 2
    assert any(s.check.get("kind") == "hypothesis" and s.check.get("statement") == ">= 0" for s in steps)
    assert replay(verdict_to_json(v, claim)) == []


def test_tampered_certificate_fails_replay():
    claim = monotone_claim(parse_architecture("2-3-1:any-nondecreasing:nonneg"))
    cert = verdict_to_json(check(claim), claim)
    query = next(p for p in cert["proof"]["premises"] if p["check"].get("kind") == "smt_query")
    # drop the order hypothesis x <= y: the stored query becomes satisfiable
    query["check"]["smtlib"] = "\n".join(l for l in query["check"]["smtlib"].splitlines()
                                         if "(>= din_" not in l)
    failures = replay(cert)
    assert any("z3 answered sat" in f for f in failures)
    assert any("not this claim's query" in f for f in failures)


def test_encode_is_pure_and_standard():
    claim = monotone_claim(parse_architecture("2-4-1:relu:nonneg"))
    a, b = encode(claim).to_smtlib(), encode(claim).to_smtlib()
    assert a == b
    assert "(set-logic QF_UFLRA)" in a and "(check-sat)" in a and "(declare-fun s1 (Real) Real)" in a
    concrete = encode(monotone_claim(_difference_net(), box=BOX), "pair")
    assert len(concrete.queries) == 2 and concrete.to_smtlib().count("(reset)") == 1


def test_timeouts_give_unknown():
    claim = monotone_claim(parse_architecture("8-64-64-1:any-nondecreasing:nonneg"))
    v = solve(encode(claim), 0.001)
    assert isinstance(v, Unknown) and "timeout" in v.reason
    assert isinstance(check(claim, timeout=0.0), Unknown)


def test_sigmoid_network_uses_the_abstraction():
    rng = np.random.default_rng(1)
    sig = Act(get_activation("sigmoid"))
    pos = _net(dense(rng.random((3, 2))), sig, dense(rng.random((1, 3))))
    mixed = _net(dense([[1.0, -1.0]]), sig)
    v = check(monotone_claim(pos, box=BOX))
    assert isinstance(v, Proved) and "R^d" in v.certificate.proof.statement
    u = check(monotone_claim(mixed, box=BOX))
    assert isinstance(u, Unknown) and "never refute" in " ".join(encode(monotone_claim(mixed, box=BOX)).notes)


def test_cvc5_agrees_with_z3_on_a_sample_of_queries():
    claims = [
        monotone_claim(_difference_net(), box=BOX),  # exact, sat
        monotone_claim(_nonneg_net(), box=BOX),  # exact, unsat
        monotone_claim(parse_architecture("2-4-3-1:any-nondecreasing:nonneg")),  # abstract, unsat
        monotone_claim(parse_architecture("2-3-1:relu:any")),  # abstract, sat
        monotone_claim(_net(dense([[1.0, -0.5], [0.3, 0.2]]), Act(get_activation("leaky_relu(0.1)")),
                            dense([[1.0, 1.0]])), box=Box(Fraction(-1), Fraction(1))),
    ]
    seen = set()
    for claim in claims:
        enc = encode(claim, "pair")
        z3_side = [z3_check(q.smtlib, 30)[0] for q in enc.queries]
        assert cvc5_answers(enc.to_smtlib(), 30) == z3_side
        seen.update(z3_side)
    assert seen == {"sat", "unsat"}


def _dyadic_net(draw_w, d, h):
    w0 = np.array(draw_w[: h * d]).reshape(h, d) / 4
    w1 = np.array(draw_w[h * d: h * d + h]).reshape(1, h) / 4
    return _net(dense(w0, [0.25] * h), RELU, dense(w1), d=d)


@settings(max_examples=12)
@given(st.integers(1, 3), st.integers(1, 3), st.lists(st.integers(-4, 4), min_size=12, max_size=12))
def test_random_mixed_sign_relu_nets(d, h, ws):
    claim = monotone_claim(_dyadic_net(ws, d, h), box=BOX)
    v = check(claim, timeout=30)
    assert not isinstance(v, Unknown)
    if isinstance(v, Refuted):
        assert v.witness.recheck(claim.network, BOX)
    else:  # survives 10^4 random ordered pairs
        rng = np.random.default_rng(0)
        x = rng.random((10_000, d))
        y = np.minimum(1.0, x + rng.random((10_000, d)) * (rng.random((10_000, d)) < 0.5))
        assert (claim.network.forward(x) <= claim.network.forward(y) + 1e-12).all()
