"""Architecture strings: ``D-H1-...-O:ACT:SIGNS`` names every network of one shape.

``2-8-8-1:sigmoid:nonneg`` is the set of all networks R^2 -> R with two hidden layers of 8 sigmoid units
and weights >= 0 (biases free).  The network it builds has :class:`~theory.network.SymbolicDense` layers,
so a proof about it is a proof of the theorem for that shape.  ACT applies to every hidden layer (the last
layer is affine); a comma-separated list gives one activation per hidden layer.  ACT may be
``any-nondecreasing``: an arbitrary activation of which only monotonicity is assumed.  SIGNS is
``nonneg`` (default), ``nonpos`` or ``any``.

>>> net = parse_architecture("2-8-8-1:sigmoid:nonneg")
>>> net.describe()
'2 -> symbolic_dense[8] -> sigmoid -> symbolic_dense[8] -> sigmoid -> symbolic_dense[1]'
"""
from __future__ import annotations

import re

from theory.activations import get_activation
from theory.errors import BadInput
from theory.network import SIGN_WORDS, Act, Network, symbolic_dense

_SHAPE = re.compile(r"^\d+(-\d+)+$")


def looks_like_architecture(text: str) -> bool:
    return bool(_SHAPE.match(text.split(":", 1)[0].strip()))


def parse_architecture(text: str) -> Network:
    parts = [p.strip() for p in _split_top(text)]
    if not parts or not _SHAPE.match(parts[0]):
        raise BadInput(f"architecture {text!r} does not parse: expected D-H1-...-O:ACT:SIGNS, e.g. 2-8-8-1:relu:nonneg")
    if len(parts) > 3:
        raise BadInput(f"architecture {text!r} has too many ':' fields (expected D-H1-...-O:ACT:SIGNS)")
    sizes = [int(s) for s in parts[0].split("-")]
    if min(sizes) < 1:
        raise BadInput(f"architecture {text!r}: every layer size must be at least 1")
    act_text = parts[1] if len(parts) > 1 and parts[1] else "relu"
    sign_text = parts[2].lower() if len(parts) > 2 and parts[2] else "nonneg"
    if sign_text not in SIGN_WORDS:
        raise BadInput(f"architecture {text!r}: unknown sign pattern {sign_text!r} (use nonneg, nonpos or any)")
    n_hidden = len(sizes) - 2
    acts = [a.strip() for a in act_text.split(",")]
    if len(acts) == 1:
        acts = acts * n_hidden
    if len(acts) != n_hidden:
        raise BadInput(f"architecture {text!r}: {len(acts)} activations for {n_hidden} hidden layers")
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(symbolic_dense(sizes[i + 1], sizes[i], SIGN_WORDS[sign_text]))
        if i < n_hidden:
            layers.append(Act(get_activation(acts[i])))
    return Network.chain(layers, sizes[0], source=text.strip())


def _split_top(text: str) -> list[str]:
    """Split on ':' outside parentheses (so ``leaky_relu(0.1)`` stays whole)."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == ":" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out
