"""The shared table: (model, box, expected truth of "f is non-decreasing in every input") run through
every checker.  Checkers may answer unknown but never contradict the table or each other."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.activations import get_activation
from theory.claims import Box
from theory.formats import from_spec, load_model
from theory.network import Act, Network, dense


@dataclass(frozen=True)
class Case:
    id: str
    build: object  # () -> Network
    box: str | None
    expected: bool  # the claim's truth
    decidable: bool = True  # the auto cascade must decide it (not answer unknown)


def _chain(d, *layers):
    return lambda: Network.chain(list(layers), d, source="table")


relu, sigmoid, tanh, gelu = (get_activation(n) for n in ("relu", "sigmoid", "tanh", "gelu"))
rng = np.random.default_rng(7)
W1, W2 = np.abs(rng.normal(size=(6, 3))), np.abs(rng.normal(size=(1, 6)))

RESIDUAL = {"format": "negproof-network", "version": 1, "input_dim": 2, "layers": [
    {"type": "dense", "weight": [[1, 0.5], [0.25, 2]], "bias": [0, -1]},
    {"type": "activation", "name": "softplus"},
    {"type": "dense", "weight": [[1, 1], [0, 3]], "bias": [1, 1]},
    {"type": "activation", "name": "tanh"},
    {"id": "res", "type": "add", "inputs": ["L1", "L3"]},
    {"type": "dense", "weight": [["1/3", "2/3"]], "bias": [0]}]}

CNN = {"format": "negproof-network", "version": 1, "input_dim": 9, "layers": [
    {"type": "conv2d", "kernel": [[[[1, 0.5], [0.25, 2]]], [[[0, 1], [1, 0]]]], "bias": [0, -0.5], "in_shape": [1, 3, 3]},
    {"type": "activation", "name": "relu"},
    {"type": "maxpool2d", "in_shape": [2, 2, 2], "size": 2},
    {"type": "batchnorm", "gamma": [1, "1/2"], "beta": [0, 1], "mean": [0.5, 0], "var": [1, 2], "eps": 1e-5},
    {"type": "dense", "weight": [[1, 3]], "bias": [0]}]}

CASES = [
    Case("arch-relu-nonneg", lambda: load_model("2-8-8-1:relu:nonneg"), None, True),
    Case("arch-any-nondecreasing", lambda: load_model("3-6-6-2:any-nondecreasing:nonneg"), None, True),
    Case("arch-sigmoid-nonneg", lambda: load_model("2-3-1:sigmoid:nonneg"), None, True),
    Case("arch-relu-anysign", lambda: load_model("2-4-1:relu:any"), None, False, decidable=False),
    Case("arch-gelu-nonneg", lambda: load_model("2-3-1:gelu:nonneg"), None, False, decidable=False),
    Case("relu-nonneg", _chain(3, dense(W1, -np.ones(6)), Act(relu), dense(W2, [0.5])), "0:1", True),
    Case("sigmoid-nonneg", _chain(3, dense(W1), Act(sigmoid), dense(W2)), "0:1", True),
    Case("relu-difference", _chain(2, dense([[1.0, -1.0]]), Act(relu)), "0:1", False),
    Case("double-negation", _chain(2, dense([[-1.0, -2.0]], [0.5]), Act(relu), dense([[-1.0]])), "0:1", True),
    Case("tanh-negated", _chain(1, dense([[1.0]]), Act(tanh), dense([[-1.0]])), "0:1", False),
    Case("gelu-left-tail", _chain(1, dense([[1.0]]), Act(gelu)), "-3:0", False),
    Case("residual-dag", lambda: from_spec(RESIDUAL, "table"), "0:1", True),
    Case("cnn-nonneg", lambda: from_spec(CNN, "table"), "0:1", True),
]


def claim_of(case: Case):
    from theory.claims import monotone_claim

    return monotone_claim(case.build(), box=None if case.box is None else Box.parse(case.box))
