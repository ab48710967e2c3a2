"""Hypothesis strategies for random networks."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from theory.activations import get_activation
from theory.network import Act, Network, dense

MONOTONE_ACTS = ["relu", "sigmoid", "tanh", "softplus", "leaky_relu(1/10)", "elu", "hardtanh", "relu6", "step",
                 "softsign", "identity", "exp"]


@st.composite
def networks(draw, signs: str = "nonneg", activations=MONOTONE_ACTS, max_in: int = 3, max_width: int = 6,
             max_hidden: int = 2):
    """A random concrete MLP; ``signs`` is "nonneg" (weights >= 0, some exactly 0) or "mixed"."""
    d = draw(st.integers(1, max_in))
    widths = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_hidden))
    out = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    act_names = [draw(st.sampled_from(activations)) for _ in widths]
    rng = np.random.default_rng(seed)
    sizes, layers = [d, *widths, out], []
    for i in range(len(sizes) - 1):
        w = rng.normal(size=(sizes[i + 1], sizes[i]))
        if signs == "nonneg":
            w = np.abs(w) * (rng.uniform(size=w.shape) > 0.2)
        layers.append(dense(w, rng.normal(size=sizes[i + 1])))
        if i < len(widths):
            layers.append(Act(get_activation(act_names[i])))
    return Network.chain(layers, d, source="hypothesis")


def ordered_pairs(net: Network, n: int, seed: int = 0, lo: float = 0.0, hi: float = 1.0):
    """n random ordered pairs x <= y in [lo, hi]^d."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(lo, hi, size=(n, net.input_dim))
    b = rng.uniform(lo, hi, size=(n, net.input_dim))
    return np.minimum(a, b), np.maximum(a, b)
