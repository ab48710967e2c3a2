"""theory/: parsing, formats, validation and exact evaluation."""
import json
from fractions import Fraction

import numpy as np
import pytest

from theory.activations import get_activation
from theory.architecture import parse_architecture
from theory.claims import Box, monotone_claim
from theory.errors import BadInput
from theory.exact import certainly_greater, exact_forward, lower, upper
from theory.formats import from_spec, load_model, save_npz, to_spec
from theory.network import Act, Network, Sign, dense


def test_architecture_string_builds_symbolic_network():
    net = parse_architecture("3-5-4-2:leaky_relu(1/10),tanh:nonpos")
    assert net.input_dim == 3 and net.output_dim == 2
    assert [a.spec for a in net.activations()] == ["leaky_relu(1/10)", "tanh"]
    assert not net.is_concrete
    assert {int(v) for v in net.nodes[0].layer.signs().ravel()} == {int(Sign.NONPOS)}


@pytest.mark.parametrize("text, words", [
    ("2-x-1:relu", "does not parse"), ("2-4-1:relu:positive", "unknown sign pattern"),
    ("2-4-1:foo", "unknown activation"), ("2-4-4-1:relu,relu,relu", "3 activations for 2 hidden"),
    ("2-0-1", "at least 1"), ("2-4-1:relu:nonneg:extra", "too many")])
def test_bad_architectures(text, words):
    with pytest.raises(BadInput, match=words):
        parse_architecture(text)


def test_unknown_activation_suggests_nearest():
    with pytest.raises(BadInput, match="did you mean 'sigmoid'"):
        get_activation("sigmiod")


def test_npz_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    net = Network.chain([dense(rng.normal(size=(4, 2)), rng.normal(size=4)), Act(get_activation("relu")),
                         dense(rng.normal(size=(1, 4)))], 2)
    save_npz(net, tmp_path / "m.npz")
    back = load_model(str(tmp_path / "m.npz"))
    x = rng.uniform(size=(10, 2))
    assert np.array_equal(net.forward(x), back.forward(x))


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize("arrays, words", [
    ({"W0": np.ones((2, 2)), "W1": np.ones((1, 3)), "activations": np.array(["relu"])}, "expects 3 inputs but receives 2"),
    ({"W0": np.array([[np.nan, 1.0]]), "activations": np.array([], dtype=str)}, "NaN or infinite"),
    ({"W0": np.ones((2, 2)), "W1": np.ones((1, 2)), "activations": np.array(["rleu"])}, "unknown activation"),
    ({"W0": np.ones((2, 2)), "W1": np.ones((1, 2)), "activations": np.array(["relu", "relu", "relu"])},
     "3 activation names for 2"),
    ({"b0": np.ones(2)}, "no W0"),
    ({"W0": np.ones(3)}, "expected 2-D"),
])
def test_bad_npz(tmp_path, arrays, words):
    with pytest.raises(BadInput, match=words):
        load_model(_write_npz(tmp_path / "m.npz", **arrays))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(BadInput, match="not found"):
        load_model(str(tmp_path / "nope.npz"))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(BadInput, match="not a readable npz"):
        load_model(str(bad))
    js = tmp_path / "bad.json"
    js.write_text("{")
    with pytest.raises(BadInput, match="not valid JSON"):
        load_model(str(js))


def test_json_spec_exact_rationals_and_dag():
    spec = {"format": "negproof-network", "version": 1, "input_dim": 2, "layers": [
        {"type": "dense", "weight": [["1/3", 1]], "bias": ["-1/7"]},
        {"type": "activation", "name": "relu"},
        {"id": "skip", "type": "concat", "inputs": ["L1", "input"]},
        {"type": "dense", "weight": [[1, 1, 1]]}]}
    net = from_spec(spec)
    assert net.nodes[0].layer.weight.dtype == object
    out = exact_forward(net, [Fraction(3), Fraction(1)])
    assert out == [Fraction(1) + Fraction(1) - Fraction(1, 7) + 3 + 1]
    assert from_spec(to_spec(net)).dims == net.dims


@pytest.mark.parametrize("mutate, words", [
    (lambda s: s["layers"].append({"type": "dense", "weight": [[1, 2, 3]]}), "expects 3 inputs but receives 1"),
    (lambda s: s["layers"].__setitem__(0, {"type": "conv"}), "unknown layer type"),
    (lambda s: s["layers"].__setitem__(0, {"type": "dense", "weight": [["x", 1]]}), "not a number"),
    (lambda s: s["layers"][1].__setitem__("inputs", ["later"]), "not an earlier layer"),
    (lambda s: s.__setitem__("version", 9), "version 9"),
])
def test_bad_json_specs(mutate, words):
    spec = {"format": "negproof-network", "version": 1, "input_dim": 2, "layers": [
        {"type": "dense", "weight": [[1, 1]]}, {"type": "activation", "name": "relu"}]}
    mutate(spec)
    with pytest.raises(BadInput, match=words):
        from_spec(spec)


def test_box_parsing():
    assert Box.parse("-1/2:3") == Box(Fraction(-1, 2), Fraction(3))
    for bad in ("1:0", "a:b", "0:1:2"):
        with pytest.raises(BadInput):
            Box.parse(bad)


def test_claim_index_out_of_range():
    with pytest.raises(BadInput, match="out of range"):
        monotone_claim(load_model("2-3-1:relu:nonneg"), inputs=[5])


def test_interval_evaluation_encloses_float_and_orders():
    net = Network.chain([dense([[2.0]], [-1.0]), Act(get_activation("sigmoid"))], 1)
    for x in (0.0, 0.3, 1.0):
        v = exact_forward(net, [x])[0]
        assert lower(v) <= Fraction(float(net.forward([[x]])[0, 0])) + Fraction(1, 10**12)
        assert upper(v) - lower(v) < Fraction(1, 10**60)
    a, b = exact_forward(net, [Fraction(1)])[0], exact_forward(net, [Fraction(0)])[0]
    assert certainly_greater(a, b) and not certainly_greater(b, a) and not certainly_greater(a, a)
