"""The structural checker: the theorem for all-non-negative networks, the path-sign rule for mixed signs."""
import json
import time

import numpy as np
from hypothesis import given

from checkers.kernel import Proved, Unknown, verdict_to_json
from checkers.replay import replay
from checkers.structural import check
from tests.strategies import networks, ordered_pairs
from theory.activations import get_activation
from theory.claims import monotone_claim
from theory.formats import load_model
from theory.network import Act, Network, dense


@given(networks(signs="nonneg"))
def test_every_nonneg_network_is_proved_and_survives_sampling(net):
    verdict = check(monotone_claim(net))
    assert isinstance(verdict, Proved), getattr(verdict, "reason", "")
    x, y = ordered_pairs(net, 10_000)
    fx, fy = net.forward(x), net.forward(y)
    assert (fx <= fy + 1e-9 * (1 + np.abs(fy))).all()


@given(networks(signs="mixed", activations=["relu"]))
def test_mixed_sign_proofs_survive_sampling(net):
    verdict = check(monotone_claim(net))
    assert isinstance(verdict, (Proved, Unknown))
    if isinstance(verdict, Proved):
        x, y = ordered_pairs(net, 10_000, seed=1)
        assert (net.forward(x) <= net.forward(y) + 1e-9).all()


def test_path_sign_rule_proves_double_negation():
    relu = Act(get_activation("relu"))
    net = Network.chain([dense([[-1.0, -2.0]]), relu, dense([[-3.0]])], 2)
    verdict = check(monotone_claim(net))
    assert isinstance(verdict, Proved)
    assert verdict.certificate.proof.rule == "path_sign_rule"


def test_failure_names_the_first_breaking_layer():
    net = Network.chain([dense([[1.0, 1.0]]), Act(get_activation("relu")), dense([[2.0], [-1.0]]),
                         Act(get_activation("relu")), dense([[1.0, 1.0]])], 2)
    verdict = check(monotone_claim(net))
    assert isinstance(verdict, Unknown)
    assert "layer L2 (dense) has weights that may be negative" in verdict.reason


def test_nonmonotone_activation_breaks_the_rule():
    verdict = check(monotone_claim(load_model("2-3-1:gelu:nonneg")))
    assert isinstance(verdict, Unknown)
    assert "gelu is not proved non-decreasing" in verdict.reason


def test_partial_claim_on_one_input():
    # f = relu(x0) - x1 is non-decreasing in x0 but not in x1
    net = Network.chain([dense([[1.0, 0.0], [0.0, 1.0]]), Act(get_activation("relu")), dense([[1.0, -1.0]])], 2)
    assert isinstance(check(monotone_claim(net, inputs=[0])), Proved)
    assert isinstance(check(monotone_claim(net, inputs=[1])), Unknown)


def test_certificates_replay_and_tampering_fails():
    net = load_model("3-4-2:relu:nonneg")
    claim = monotone_claim(net)
    cert = verdict_to_json(check(claim), claim)
    assert replay(cert) == []
    tampered = json.loads(json.dumps(cert))
    tampered["proof"]["premises"] = tampered["proof"]["premises"][:-1]  # drop the last layer's step
    assert replay(tampered)
    tampered = json.loads(json.dumps(cert))
    tampered["proof"]["premises"][0]["check"]["smtlib"] = "(declare-fun a () Real)(assert (> a 0))"
    assert replay(tampered)


def test_concrete_certificate_rescans_weights():
    w = np.abs(np.random.default_rng(3).normal(size=(3, 2)))
    net = Network.chain([dense(w), Act(get_activation("relu")), dense(np.ones((1, 3)))], 2)
    claim = monotone_claim(net)
    cert = verdict_to_json(check(claim), claim)
    assert replay(cert) == []
    from checkers.kernel import spec_sha256

    cert["model"]["spec"]["layers"][0]["weight"][0][0] = -1.0  # a negative weight slipped into the model
    cert["model"]["sha256"] = spec_sha256(cert["model"]["spec"])
    assert any("negative weight" in f for f in replay(cert))


def test_large_nonneg_network_is_a_single_scan():
    rng = np.random.default_rng(0)
    layers = [dense(rng.uniform(size=(512, 512))), Act(get_activation("relu")), dense(rng.uniform(size=(1, 512)))]
    net = Network.chain(layers, 512)
    verdict = check(monotone_claim(net, inputs=[0]))
    assert isinstance(verdict, Proved) and verdict.certificate.proof.rule == "compose"


def test_replay_rescans_symbolic_sign_patterns():
    """A certificate for a non-negative architecture must not replay for an architecture of mixed signs,
    even when its layers' steps and hypotheses are carried over."""
    good = monotone_claim(load_model("2-3-1:relu:nonneg"))
    cert = verdict_to_json(check(good), good)
    forged = json.loads(json.dumps(cert))
    from checkers.kernel import model_record

    bad_net = load_model("2-3-1:relu:any")
    forged["model"] = model_record(bad_net)
    forged["claim"]["hypotheses"] = [[h.subject, h.statement] for h in monotone_claim(bad_net).hypotheses()]
    failures = replay(forged)
    assert any("not assumed >= 0" in f for f in failures), failures
