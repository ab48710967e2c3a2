"""The golden certificates: how each is produced (``python -m tests.golden_certificates`` rewrites them)."""
import json
from pathlib import Path

import numpy as np

from checkers.cascade import prove
from checkers.kernel import verdict_to_json
from theory.activations import get_activation
from theory.claims import Box, monotone_claim
from theory.formats import load_model
from theory.network import Act, Network, dense

GOLDEN = Path(__file__).resolve().parent / "golden"


def _difference():
    return Network.chain([dense(np.array([[1.0, -1.0]])), Act(get_activation("relu"))], 2, source="relu(x0 - x1)")


CASES = {
    "theorem_2-2-1_structural.json": (lambda: monotone_claim(load_model("2-2-1:any-nondecreasing:nonneg")), "structural"),
    "theorem_2-2-1_smt.json": (lambda: monotone_claim(load_model("2-2-1:any-nondecreasing:nonneg")), "smt"),
    "theorem_2-2-1-sigmoid_symbolic.json": (lambda: monotone_claim(load_model("2-2-1:sigmoid:nonneg")), "symbolic"),
    "refuted_relu_difference_smt.json": (lambda: monotone_claim(_difference(), box=Box.parse("0:1")), "smt"),
}


def certificate(name: str) -> dict:
    build, method = CASES[name]
    claim = build()
    return verdict_to_json(prove(claim, method), claim)


def render(obj: dict) -> str:
    return json.dumps(obj, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    for name in CASES:
        (GOLDEN / name).write_text(render(certificate(name)))
        print("wrote", GOLDEN / name)
