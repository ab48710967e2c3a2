"""Reading and writing networks: ``.npz`` arrays, the JSON spec, architecture strings.

**npz**: arrays ``W0, b0, W1, b1, ...`` (W_l of shape out x in) and ``activations``, an array of names, one
per hidden layer; the last layer is affine unless a name is given for it too.

**JSON spec** (``"format": "negproof-network", "version": 1``)::

    {"format": "negproof-network", "version": 1, "input_dim": 2,
     "layers": [
        {"type": "dense", "weight": [[1, "1/3"]], "bias": [0]},   # numbers, or exact rationals as strings
        {"type": "activation", "name": "relu"},
        {"type": "dense", "sign": "nonneg", "shape": [4, 1]},     # symbolic weights of one sign
        {"type": "add", "inputs": ["L1", "L2"]},                  # residual add (also "concat")
     ]}

Convolutional layers (:mod:`theory.cnn`; vectors are images (C, H, W) flattened in C order)::

    {"type": "conv2d", "kernel": [[[[1, 0], [0, 1]]]], "bias": [0],   # kernel (O, C, kh, kw), bias (O,)
     "in_shape": [1, 4, 4], "stride": 1, "padding": 0}                 # stride, padding optional
    {"type": "avgpool2d", "in_shape": [1, 3, 3], "size": 2, "stride": 1}  # stride defaults to size
    {"type": "maxpool2d", "in_shape": [1, 3, 3], "size": 2}
    {"type": "batchnorm", "gamma": [1], "beta": [0], "mean": [0], "var": [1], "eps": 1e-5,
     "in_shape": [1, 2, 2]}          # in_shape: parameters per channel; without it, per feature

Each layer may give an ``id`` (default ``L<index>``) and ``inputs``, a list of ids or ``"input"`` (default:
the previous layer).
"""
from __future__ import annotations

import json
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from theory.activations import get_activation
from theory.architecture import looks_like_architecture, parse_architecture
from theory.cnn import AvgPool2D, BatchNorm, Conv2D, MaxPool2D
from theory.errors import BadInput
from theory.network import (INPUT, SIGN_WORDS, Act, Add, Concat, Dense, Network, Node, dense,
                            symbolic_dense)

FORMAT = "negproof-network"
VERSION = 1


def load_model(spec: str) -> Network:
    """A network from an architecture string, a ``.json`` spec or a ``.npz`` file."""
    text = str(spec)
    if text.endswith(".npz"):
        return load_npz(text)
    if text.endswith(".json"):
        return load_json(text)
    if looks_like_architecture(text):
        return parse_architecture(text)
    if Path(text).exists():
        raise BadInput(f"model file {text!r} must end in .npz or .json")
    raise BadInput(f"model {text!r} is neither an existing .npz/.json file nor an architecture string like 2-8-8-1:relu:nonneg")


def load_npz(path: str) -> Network:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"model file {path!r} not found")
    try:
        with np.load(p, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise BadInput(f"model file {path!r} is not a readable npz archive ({type(err).__name__})") from None
    n = 0
    while f"W{n}" in arrays:
        n += 1
    if n == 0:
        raise BadInput(f"model file {path!r} has no W0 array")
    unexpected = set(arrays) - {f"W{i}" for i in range(n)} - {f"b{i}" for i in range(n)} - {"activations"}
    if unexpected:
        raise BadInput(f"model file {path!r} has unexpected arrays {sorted(unexpected)}")
    acts = [str(a) for a in arrays.get("activations", np.array([], dtype=str)).ravel()]
    if len(acts) not in (n - 1, n):
        raise BadInput(f"model file {path!r}: {len(acts)} activation names for {n} weight layers (need {n - 1} or {n})")
    layers = []
    for i in range(n):
        w = arrays[f"W{i}"]
        if w.ndim != 2:
            raise BadInput(f"model file {path!r}: W{i} has shape {w.shape}, expected 2-D (out x in)")
        b = arrays.get(f"b{i}")
        try:
            layers.append(dense(w, b))
        except BadInput as err:
            raise BadInput(f"model file {path!r}: layer {i}: {err}") from None
        if i < len(acts):
            layers.append(Act(get_activation(acts[i])))
    return Network.chain(layers, int(layers[0].weight.shape[1]), source=str(path))


def save_npz(net: Network, path: str) -> None:
    """Write a chain of dense and activation layers in the npz format (inverse of :func:`load_npz`)."""
    arrays, acts, k = {}, [], 0
    for node in net.nodes:
        if isinstance(node.layer, Dense):
            arrays[f"W{k}"] = np.asarray(node.layer.weight, dtype=float)
            arrays[f"b{k}"] = np.asarray(node.layer.bias, dtype=float)
            k += 1
        elif isinstance(node.layer, Act):
            acts.append(node.layer.activation.spec)
        else:
            raise BadInput(f"npz holds only dense/activation chains, not {node.layer.kind}")
    np.savez(path, activations=np.array(acts, dtype=str), **arrays)


def load_json(path: str) -> Network:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"model file {path!r} not found")
    try:
        spec = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BadInput(f"model file {path!r} is not valid JSON ({err.__class__.__name__} at {getattr(err, 'lineno', '?')})") from None
    return from_spec(spec, source=str(path))


def from_spec(spec, source: str = "json") -> Network:
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise BadInput(f"JSON model must be an object with \"format\": \"{FORMAT}\"")
    if spec.get("version") != VERSION:
        raise BadInput(f"JSON model version {spec.get('version')!r} is not supported (expected {VERSION})")
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise BadInput("JSON model needs a non-empty \"layers\" list")
    input_dim = spec.get("input_dim")
    if not isinstance(input_dim, int) or isinstance(input_dim, bool):
        raise BadInput("JSON model needs an integer \"input_dim\"")
    nodes, prev = [], INPUT
    for i, item in enumerate(layers):
        if not isinstance(item, dict):
            raise BadInput(f"JSON model: layer {i} is not an object")
        name = str(item.get("id", f"L{i}"))
        inputs = item.get("inputs", [prev])
        if not isinstance(inputs, list) or not all(isinstance(s, str) for s in inputs):
            raise BadInput(f"JSON model: layer {i} \"inputs\" must be a list of layer names")
        nodes.append(Node(name, _layer_from_spec(item, i), tuple(inputs)))
        prev = name
    return Network(input_dim, tuple(nodes), source)


def _layer_from_spec(item: dict, i: int):
    kind = item.get("type")
    if kind == "dense":
        if "sign" in item:
            shape = item.get("shape")
            if (not isinstance(shape, list) or len(shape) != 2
                    or not all(isinstance(s, int) and s > 0 for s in shape)):
                raise BadInput(f"JSON model: layer {i}: symbolic dense layer needs \"shape\": [out, in]")
            if item["sign"] not in SIGN_WORDS:
                raise BadInput(f"JSON model: layer {i}: unknown sign {item['sign']!r} (nonneg, nonpos or any)")
            return symbolic_dense(shape[0], shape[1], SIGN_WORDS[item["sign"]])
        if "weight" not in item:
            raise BadInput(f"JSON model: layer {i}: dense layer needs \"weight\" (or \"sign\" and \"shape\")")
        try:
            return dense(_numbers(item["weight"]), None if item.get("bias") is None else _numbers(item["bias"]))
        except BadInput as err:
            raise BadInput(f"JSON model: layer {i}: {err}") from None
    if kind == "activation":
        if not isinstance(item.get("name"), str):
            raise BadInput(f"JSON model: layer {i}: activation layer needs a \"name\"")
        return Act(get_activation(item["name"]))
    if kind == "add":
        return Add()
    if kind == "concat":
        return Concat()
    if kind in _CNN_FIELDS:
        try:
            return _cnn_from_spec(kind, item)
        except BadInput as err:
            raise BadInput(f"JSON model: layer {i}: {err}") from None
    raise BadInput(f"JSON model: layer {i}: unknown layer type {kind!r} "
                   "(dense, activation, add, concat, conv2d, avgpool2d, maxpool2d, batchnorm)")


# JSON type -> (class, required fields, optional fields with defaults); number fields go through _numbers
_CNN_FIELDS = {
    "conv2d": (Conv2D, ("kernel", "bias", "in_shape"), {"stride": 1, "padding": 0}),
    "avgpool2d": (AvgPool2D, ("in_shape", "size"), {"stride": None}),
    "maxpool2d": (MaxPool2D, ("in_shape", "size"), {"stride": None}),
    "batchnorm": (BatchNorm, ("gamma", "beta", "mean", "var"), {"eps": 1e-5, "in_shape": None}),
}
_ARRAY_FIELDS = ("kernel", "bias", "gamma", "beta", "mean", "var")


def _cnn_from_spec(kind: str, item: dict):
    cls, required, optional = _CNN_FIELDS[kind]
    missing = [f for f in required if f not in item]
    if missing:
        raise BadInput(f"{kind} layer needs {', '.join(repr(f) for f in missing)}")
    args = {f: item.get(f, optional.get(f)) for f in (*required, *optional)}
    for f in _ARRAY_FIELDS:
        if f in args:
            args[f] = _numbers(args[f])
    if isinstance(args.get("eps"), str):
        args["eps"] = _numbers(args["eps"])
    return cls(**args)


def _cnn_to_spec(layer) -> dict:
    def conv(arr):
        return (np.vectorize(str, otypes=[object])(arr) if arr.dtype == object else arr.astype(float)).tolist()

    _, required, optional = _CNN_FIELDS[layer.kind]
    out = {}
    for f in (*required, *optional):
        v = getattr(layer, f)
        if f in _ARRAY_FIELDS:
            v = conv(v)
        elif f == "in_shape" and v is not None:
            v = list(v)
        elif f == "eps":
            v = str(v) if isinstance(v, Fraction) else float(v)
        out[f] = v
    return out


def _numbers(obj):
    """Nested lists of numbers; strings such as "1/3" become exact Fractions."""
    if isinstance(obj, list):
        return [_numbers(v) for v in obj]
    if isinstance(obj, bool) or obj is None:
        raise BadInput(f"weight entry {obj!r} is not a number")
    if isinstance(obj, str):
        try:
            return Fraction(obj)
        except (ValueError, ZeroDivisionError):
            raise BadInput(f"weight entry {obj!r} is not a number") from None
    if isinstance(obj, (int, float)):
        return obj
    raise BadInput(f"weight entry {obj!r} is not a number")


def to_spec(net: Network) -> dict:
    """The JSON spec of a network (exact rationals as strings, floats as floats)."""
    out = []
    for node in net.nodes:
        layer = node.layer
        item: dict = {"id": node.name, "inputs": list(node.inputs)}
        if isinstance(layer, Dense):
            conv = (lambda v: str(v)) if layer.weight.dtype == object else float
            item.update(type="dense", weight=[[conv(v) for v in row] for row in layer.weight],
                        bias=[conv(v) for v in layer.bias])
        elif isinstance(layer, Act):
            item.update(type="activation", name=layer.activation.spec)
        elif layer.kind in _CNN_FIELDS:
            item.update(type=layer.kind, **_cnn_to_spec(layer))
        else:
            item.update(type=layer.kind)
            if layer.kind == "symbolic_dense":
                signs = np.unique(layer.signs())
                if len(signs) != 1:
                    raise BadInput("a symbolic layer with mixed signs has no JSON form yet")
                word = {int(v): k for k, v in SIGN_WORDS.items()}[int(signs[0])]
                item.update(type="dense", sign=word, shape=list(layer.signs().shape))
        out.append(item)
    return {"format": FORMAT, "version": VERSION, "input_dim": net.input_dim, "layers": out}
