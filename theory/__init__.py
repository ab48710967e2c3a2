"""theory: networks, activations and claims as mathematical objects (no solver here).

- :mod:`theory.activations`: the activation catalogue (sympy definitions, declared properties).
- :mod:`theory.network`: Network, Layer (Dense, SymbolicDense, Act, Add, Concat), Sign.
- :mod:`theory.cnn`: Conv2D, AvgPool2D, MaxPool2D, BatchNorm on flattened (C, H, W) images.
- :mod:`theory.architecture`: architecture strings ``2-8-8-1:sigmoid:nonneg``.
- :mod:`theory.formats`: npz and JSON model files.
- :mod:`theory.claims`: Claim, Box, Hypothesis.
- :mod:`theory.exact`: exact rational / rigorous interval evaluation.
"""
from theory.activations import Activation, Property, Truth, catalogue, get_activation
from theory.claims import Box, Claim, monotone_claim
from theory.cnn import AvgPool2D, BatchNorm, Conv2D, MaxPool2D
from theory.errors import BadInput
from theory.formats import load_model
from theory.network import Act, Add, Concat, Dense, Network, Node, Sign, SymbolicDense, dense

__all__ = ["Activation", "Property", "Truth", "catalogue", "get_activation", "Box", "Claim", "monotone_claim",
           "BadInput", "load_model", "Act", "Add", "Concat", "Dense", "Network", "Node", "Sign",
           "SymbolicDense", "dense", "Conv2D", "AvgPool2D", "MaxPool2D", "BatchNorm"]
