"""CNN layers (conv, pooling, batch norm): shapes, exact evaluation, JSON, the structural rule and replay."""
import copy
import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.signal import correlate2d

from checkers.cascade import prove
from checkers.kernel import Proved, Refuted, Unknown, spec_sha256, verdict_to_json
from checkers.replay import replay
from negproof.cli import main
from theory.activations import get_activation
from theory.claims import Box, monotone_claim
from theory.cnn import AvgPool2D, BatchNorm, Conv2D, MaxPool2D
from theory.errors import BadInput
from theory.exact import endpoints, exact_forward
from theory.formats import from_spec, to_spec
from theory.network import Act, Network, dense

RELU = Act(get_activation("relu"))


def small_cnn(k1=None, gamma=(1.0, 0.5), seed=0):
    """conv 1x4x4 -> relu -> maxpool -> conv -> batchnorm -> avgpool -> dense."""
    rng = np.random.default_rng(seed)
    k1 = np.abs(rng.normal(size=(2, 1, 2, 2))) if k1 is None else k1
    layers = [Conv2D(k1, [0.1, -0.2], (1, 4, 4)), RELU, MaxPool2D((2, 3, 3), 2, stride=1),
              Conv2D(np.abs(rng.normal(size=(2, 2, 1, 1))), [0.0, 0.3], (2, 2, 2)),
              BatchNorm(list(gamma), [0.0, 1.0], [0.5, -0.5], [2.0, 0.25], 1e-5, in_shape=(2, 2, 2)),
              AvgPool2D((2, 2, 2), 2), dense(np.abs(rng.normal(size=(1, 2))), [0.2])]
    return Network.chain(layers, 16, source="test")


def test_conv_matches_scipy_correlation_with_stride_and_padding():
    rng = np.random.default_rng(1)
    k, b, x = rng.normal(size=(2, 3, 3, 2)), rng.normal(size=2), rng.normal(size=(3, 5, 6))
    for stride, pad in ((1, 0), (2, 1)):
        conv = Conv2D(k, b, (3, 5, 6), stride=stride, padding=pad)
        xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
        ref = np.stack([sum(correlate2d(xp[c], k[o, c], mode="valid") for c in range(3)) + b[o] for o in range(2)])
        ref = ref[:, ::stride, ::stride]
        assert conv.out_shape == ref.shape
        assert np.allclose(conv.forward(x.ravel()[None])[0], ref.ravel(), atol=1e-12)


def test_pooling_matches_reshaped_windows():
    x = np.random.default_rng(2).normal(size=(3, 5, 6))
    want = x[:, :4, :6].reshape(3, 2, 2, 3, 2)
    assert np.array_equal(MaxPool2D((3, 5, 6), 2).forward(x.ravel()[None])[0], want.max(axis=(2, 4)).ravel())
    assert np.allclose(AvgPool2D((3, 5, 6), 2).forward(x.ravel()[None])[0], want.mean(axis=(2, 4)).ravel())
    assert MaxPool2D((1, 4, 4), 2, stride=1).signs().sum(axis=1).tolist() == [4] * 9


def test_exact_evaluation_matches_numpy_and_intervals_enclose():
    net = small_cnn(k1=np.random.default_rng(3).normal(size=(2, 1, 2, 2)))
    rng = np.random.default_rng(4)
    for x in rng.uniform(-1, 1, size=(5, 16)):
        (v,) = exact_forward(net, list(x))
        lo, hi = endpoints(v)  # var + eps = 2 + 1e-5 has an irrational square root: an enclosure
        assert lo <= hi and hi - lo < Fraction(1, 10 ** 30)
        assert abs(float(lo) - net.forward(x)[0, 0]) < 1e-12


def test_batchnorm_with_a_rational_square_root_is_exact():
    bn = BatchNorm([2], [1], [Fraction(1, 2)], [Fraction(9, 4)], 0, in_shape=(1, 1, 2))
    net = Network.chain([bn], 2)
    assert exact_forward(net, [Fraction(2), Fraction(0)]) == [Fraction(3), Fraction(1, 3)]


def test_nonneg_cnn_is_proved_replays_and_survives_sampling():
    net = small_cnn()
    claim = monotone_claim(net)
    verdict = prove(claim, "structural")
    assert isinstance(verdict, Proved), getattr(verdict, "reason", "")
    cert = verdict_to_json(verdict, claim)
    assert replay(cert) == []
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, size=(10_000, 16))
    y = x + rng.uniform(0, 1, size=x.shape) * (rng.random(x.shape) < 0.5)
    assert (net.forward(x) <= net.forward(y) + 1e-12).all()
    tampered = copy.deepcopy(cert)
    spec = tampered["model"]["spec"]
    spec["layers"][0]["kernel"][0][0][0][0] = -1.0
    tampered["model"]["sha256"] = spec_sha256(spec)
    failures = replay(tampered)
    assert any("L0 has 1 negative weight" in f for f in failures), failures
    tampered = copy.deepcopy(cert)
    spec = tampered["model"]["spec"]
    spec["layers"][4]["gamma"][1] = -0.5
    tampered["model"]["sha256"] = spec_sha256(spec)
    assert any("L4 has 1 negative gamma" in f for f in replay(tampered))


def test_negative_kernel_entry_is_refuted_with_an_exact_witness():
    k1 = np.abs(np.random.default_rng(0).normal(size=(2, 1, 2, 2)))
    k1[0, 0, 1, 1] = -3.0
    net = small_cnn(k1=k1)
    claim = monotone_claim(net, box=Box.parse("0:1"))
    assert isinstance(prove(claim, "structural"), Unknown)
    verdict = prove(claim, "auto", timeout=30)
    assert isinstance(verdict, Refuted), getattr(verdict, "reason", "")
    assert verdict.witness.recheck(net, claim.box)
    x, y = np.array(verdict.witness.x, dtype=float), np.array(verdict.witness.y, dtype=float)
    assert (x <= y).all() and net.forward(x)[0, verdict.witness.output] > net.forward(y)[0, verdict.witness.output]


def test_negative_gamma_breaks_the_rule_naming_the_layer():
    net = small_cnn(gamma=(1.0, -0.5))
    verdict = prove(monotone_claim(net), "structural")
    assert isinstance(verdict, Unknown)
    assert "layer L4 (batchnorm) has gamma < 0" in verdict.reason
    assert prove(monotone_claim(net), "smt").verdict == "unknown"
    assert prove(monotone_claim(net), "symbolic").verdict == "unknown"


def test_json_round_trip_keeps_every_value():
    net = small_cnn()
    spec = to_spec(net)
    again = from_spec(json.loads(json.dumps(spec)))
    assert to_spec(again) == spec
    x = np.random.default_rng(6).normal(size=(20, 16))
    assert np.array_equal(net.forward(x), again.forward(x))
    exact = from_spec({"format": "negproof-network", "version": 1, "input_dim": 4, "layers": [
        {"type": "conv2d", "kernel": [[[["1/3"]]]], "bias": ["1/7"], "in_shape": [1, 2, 2]},
        {"type": "batchnorm", "gamma": ["1/2"], "beta": [0], "mean": [0], "var": [4], "eps": "0", "in_shape": [1, 2, 2]}]})
    assert to_spec(exact)["layers"][0]["kernel"] == [[[["1/3"]]]]
    assert exact_forward(exact, [1, 0, 0, 0])[0] == (Fraction(1, 3) + Fraction(1, 7)) / 4


@pytest.mark.parametrize("make, words", [
    (lambda: Conv2D(np.ones((1, 2, 2, 2)), [0], (1, 4, 4)), "conv2d layer: kernel has 2 input channels"),
    (lambda: Conv2D(np.ones((1, 1, 5, 5)), [0], (1, 4, 4)), "conv2d layer: kernel 5x5 does not fit"),
    (lambda: Conv2D(np.ones((1, 1, 2, 2)), [0, 1], (1, 4, 4)), "conv2d layer: bias of length 2"),
    (lambda: Conv2D(np.full((1, 1, 2, 2), np.nan), [0], (1, 4, 4)), "conv2d layer: kernel contains NaN"),
    (lambda: Conv2D(np.ones((1, 1, 2, 2)), [0], (1, 4)), "conv2d layer: in_shape must be three"),
    (lambda: Conv2D(np.ones((1, 1, 2, 2)), [0], (1, 4, 4), stride=0), "conv2d layer: stride must be"),
    (lambda: MaxPool2D((1, 2, 2), 3), "maxpool2d layer: window 3x3 does not fit"),
    (lambda: AvgPool2D((1, 2, 2), 2, stride=1.5), "avgpool2d layer: stride must be"),
    (lambda: BatchNorm([1], [0], [0], [-1], 0.5), "batchnorm layer: var + eps must be > 0"),
    (lambda: BatchNorm([1, 2], [0], [0], [1]), "batchnorm layer: gamma, beta, mean, var must have"),
    (lambda: Network.chain([MaxPool2D((1, 4, 4), 2)], 15), "maxpool2d layer expects 16 inputs"),
    (lambda: from_spec({"format": "negproof-network", "version": 1, "input_dim": 4,
                        "layers": [{"type": "maxpool2d", "size": 2}]}), "layer 0: maxpool2d layer needs 'in_shape'"),
])
def test_bad_shapes_raise_one_line_bad_input(make, words):
    with pytest.raises(BadInput) as err:
        make()
    assert words in str(err.value) and "\n" not in str(err.value)


def test_prove_cli_end_to_end(tmp_path):
    path = tmp_path / "cnn.json"
    path.write_text(json.dumps(to_spec(small_cnn())))
    cert = tmp_path / "cert.json"
    out = CliRunner().invoke(main, ["prove", str(path), "--json", "--certificate", str(cert)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["verdict"] == "proved"
    out = CliRunner().invoke(main, ["replay", str(cert), "--json"])
    assert out.exit_code == 0 and json.loads(cert.read_text())["verdict"] == "proved", out.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "negproof-network", "version": 1, "input_dim": 16,
                               "layers": [{"type": "conv2d", "kernel": [[[[1]]]], "bias": [0], "in_shape": [2, 4, 4]}]}))
    out = CliRunner().invoke(main, ["prove", str(bad), "--json"])
    assert out.exit_code == 2 and "Traceback" not in out.output


def test_falsifier_gradient_through_cnn_layers_matches_finite_differences():
    from checkers.falsify import forward_all, input_gradient

    net = small_cnn(k1=np.random.default_rng(7).normal(size=(2, 1, 2, 2)), gamma=(1.0, -0.5))
    x = np.random.default_rng(8).uniform(0, 1, size=(3, 16))
    g = input_gradient(net, forward_all(net, x), 0)
    h = 1e-6
    fd = np.stack([(net.forward(x + h * e)[:, 0] - net.forward(x - h * e)[:, 0]) / (2 * h) for e in np.eye(16)], axis=1)
    assert np.allclose(g, fd, atol=1e-5)


def test_intervals_pass_through_relu_and_max_pooling():
    """Batch norm with an irrational scale first: relu and max pooling then act on enclosures."""
    net = Network.chain([BatchNorm([1.0], [0.0], [0.0], [2.0], 0, in_shape=(1, 2, 2)), RELU,
                         MaxPool2D((1, 2, 2), 2)], 4)
    x = [Fraction(1), Fraction(-3), Fraction(2), Fraction(1, 2)]
    (v,) = exact_forward(net, x)
    lo, hi = endpoints(v)
    assert lo < hi and lo * lo < 2 < hi * hi and hi - lo < Fraction(1, 10 ** 60)  # encloses 2/sqrt(2) = sqrt(2)


def test_path_sign_rule_through_cnn_layers_double_negation():
    """conv with kernel <= 0 -> relu -> maxpool -> batchnorm with gamma < 0: every path has sign (-)(+)(+)(-)."""
    k = -np.abs(np.random.default_rng(9).normal(size=(2, 1, 2, 2)))
    net = Network.chain([Conv2D(k, [0.5, 0.0], (1, 3, 3)), RELU, MaxPool2D((2, 2, 2), 2),
                         BatchNorm([-1.0, -2.0], [0, 0], [0, 0], [1, 3], 1e-3)], 9)
    claim = monotone_claim(net)
    verdict = prove(claim, "structural")
    assert isinstance(verdict, Proved) and verdict.certificate.proof.rule == "path_sign_rule"
    assert replay(verdict_to_json(verdict, claim)) == []
    rng = np.random.default_rng(10)
    x = rng.uniform(-1, 1, size=(10_000, 9))
    y = x + rng.uniform(0, 1, size=x.shape)
    assert (net.forward(x) <= net.forward(y) + 1e-12).all()
    mixed = Network.chain([Conv2D(k, [0.5, 0.0], (1, 3, 3)), RELU, MaxPool2D((2, 2, 2), 2),
                           BatchNorm([-1.0, 2.0], [0, 0], [0, 0], [1, 3], 1e-3)], 9)
    assert isinstance(prove(monotone_claim(mixed), "structural"), Unknown)
