"""Networks as symbolic objects: a directed acyclic graph of layers.

A :class:`Network` is a tuple of :class:`Node` in topological order; each node applies one
:class:`Layer` to the outputs of earlier nodes (or to the network input, named ``"input"``).  The last
node is the output.  Layers declare their own facts as data (the sign pattern of their weights, the
activation they apply); checkers apply the composition rules once, for all layer kinds.

Weights are concrete (numpy arrays of float64, or object arrays of ``fractions.Fraction`` for exact
rationals) or symbolic (:class:`SymbolicDense`: every weight an unknown real with a declared sign, every
bias free), so that a proof about a symbolic network is a proof for every network of that shape.

>>> import numpy as np
>>> net = Network.chain([dense([[1.0, 2.0]], [0.5])], input_dim=2)
>>> net.forward(np.array([[1.0, 1.0]]))
array([[3.5]])
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar, Sequence

import networkx as nx
import numpy as np

from theory.activations import Activation
from theory.errors import BadInput

INPUT = "input"


class Sign(enum.IntEnum):
    """What is known of a weight's sign.  NONNEG means w >= 0 (zero allowed), NONPOS w <= 0."""

    NONPOS = -1
    ZERO = 0
    NONNEG = 1
    ANY = 2


SIGN_WORDS = {"nonneg": Sign.NONNEG, "nonpos": Sign.NONPOS, "any": Sign.ANY}


class Layer:
    """Base class.  Subclasses say how many inputs they take and how they map shapes."""

    kind: ClassVar[str] = "layer"
    arity: ClassVar[int | None] = 1  # None: any number >= 1

    def out_dim(self, in_dims: Sequence[int]) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, *xs: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def is_concrete(self) -> bool:
        return True

    @property
    def n_params(self) -> int:
        """How many weights the layer holds (0 for parameter-free layers)."""
        return 0


@dataclass(frozen=True, eq=False)
class Dense(Layer):
    """z = W h + b with W of shape (out, in).  float64 arrays, or object arrays of Fraction."""

    weight: np.ndarray
    bias: np.ndarray
    kind: ClassVar[str] = "dense"

    def out_dim(self, in_dims):
        if in_dims[0] != self.weight.shape[1]:
            raise BadInput(f"dense layer expects {self.weight.shape[1]} inputs but receives {in_dims[0]}")
        return self.weight.shape[0]

    def forward(self, h):
        return h @ np.asarray(self.weight, dtype=float).T + np.asarray(self.bias, dtype=float)

    def signs(self) -> np.ndarray:
        """Sign pattern of W: +1 where w > 0, -1 where w < 0, 0 where w == 0 (int8)."""
        w = self.weight if self.weight.dtype != object else self.weight.astype(float)
        return np.sign(w).astype(np.int8)

    @property
    def n_params(self) -> int:
        return self.weight.size


@dataclass(frozen=True, eq=False)
class SymbolicDense(Layer):
    """z = W h + b where each W[j, i] is an unknown real of sign ``signs[j, i]`` and b is free."""

    signs_: np.ndarray  # int8 codes of Sign, shape (out, in)
    kind: ClassVar[str] = "symbolic_dense"

    def out_dim(self, in_dims):
        if in_dims[0] != self.signs_.shape[1]:
            raise BadInput(f"dense layer expects {self.signs_.shape[1]} inputs but receives {in_dims[0]}")
        return self.signs_.shape[0]

    def forward(self, h):
        raise BadInput("a symbolic network (an architecture) has no concrete weights to evaluate")

    def signs(self) -> np.ndarray:
        return self.signs_

    @property
    def is_concrete(self) -> bool:
        return False

    @property
    def n_params(self) -> int:
        return self.signs_.size


@dataclass(frozen=True, eq=False)
class Act(Layer):
    """Elementwise activation."""

    activation: Activation
    kind: ClassVar[str] = "activation"

    def out_dim(self, in_dims):
        return in_dims[0]

    def forward(self, h):
        return self.activation.numpy(h)

    @property
    def is_concrete(self) -> bool:
        return self.activation.expr is not None


@dataclass(frozen=True, eq=False)
class Add(Layer):
    """Sum of its inputs (residual connections): order-preserving in every argument."""

    kind: ClassVar[str] = "add"
    arity: ClassVar[int | None] = None

    def out_dim(self, in_dims):
        if len(set(in_dims)) != 1:
            raise BadInput(f"add layer receives inputs of different sizes {list(in_dims)}")
        return in_dims[0]

    def forward(self, *xs):
        return sum(xs[1:], xs[0])


@dataclass(frozen=True, eq=False)
class Concat(Layer):
    """Concatenation of its inputs: order-preserving in every argument."""

    kind: ClassVar[str] = "concat"
    arity: ClassVar[int | None] = None

    def out_dim(self, in_dims):
        return sum(in_dims)

    def forward(self, *xs):
        return np.concatenate(xs, axis=1)


@dataclass(frozen=True)
class Node:
    name: str
    layer: Layer
    inputs: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Network:
    """A feed-forward network: nodes in topological order, the last one is the output.

    Construction validates the graph (every input names an earlier node), the shapes (they chain) and
    the weights (finite), raising :class:`BadInput` with a one-line message otherwise.
    """

    input_dim: int
    nodes: tuple[Node, ...]
    source: str = "arrays"
    dims: dict = field(init=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.input_dim, (int, np.integer)) or self.input_dim < 1:
            raise BadInput(f"input dimension must be a positive integer, got {self.input_dim!r}")
        if not self.nodes:
            raise BadInput("network has no layers")
        dims = {INPUT: int(self.input_dim)}
        for index, node in enumerate(self.nodes):
            if node.name in dims:
                raise BadInput(f"layer name {node.name!r} is used twice")
            if not node.inputs:
                raise BadInput(f"layer {node.name!r} has no inputs")
            for src in node.inputs:
                if src not in dims:
                    raise BadInput(f"layer {node.name!r} reads {src!r}, which is not an earlier layer")
            arity = type(node.layer).arity
            if arity is not None and len(node.inputs) != arity:
                raise BadInput(f"layer {node.name!r} takes {arity} input(s), got {len(node.inputs)}")
            _check_finite(node, index)
            try:
                dims[node.name] = int(node.layer.out_dim([dims[s] for s in node.inputs]))
            except BadInput as err:
                raise BadInput(f"layer {index} ({node.name}): {err}") from None
        object.__setattr__(self, "dims", dims)

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def chain(cls, layers: Sequence[Layer], input_dim: int, source: str = "arrays") -> "Network":
        nodes, prev = [], INPUT
        for i, layer in enumerate(layers):
            name = f"L{i}"
            nodes.append(Node(name, layer, (prev,)))
            prev = name
        return cls(input_dim, tuple(nodes), source)

    # --- queries ----------------------------------------------------------------------------------
    @property
    def output(self) -> str:
        return self.nodes[-1].name

    @property
    def output_dim(self) -> int:
        return self.dims[self.output]

    @property
    def is_concrete(self) -> bool:
        return all(n.layer.is_concrete for n in self.nodes)

    @property
    def n_weights(self) -> int:
        return sum(n.layer.n_params for n in self.nodes)

    def activations(self) -> list[Activation]:
        return [n.layer.activation for n in self.nodes if isinstance(n.layer, Act)]

    def graph(self) -> nx.DiGraph:
        """The layer-level graph (networkx), edges from each node's inputs to the node."""
        g = nx.DiGraph()
        g.add_node(INPUT, dim=self.input_dim)
        for n in self.nodes:
            g.add_node(n.name, kind=n.layer.kind, dim=self.dims[n.name])
            for s in n.inputs:
                g.add_edge(s, n.name)
        return g

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Numeric forward pass on a batch x of shape (n, input_dim) (float64)."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[None, :]
        values = {INPUT: x}
        for n in self.nodes:
            values[n.name] = n.layer.forward(*(values[s] for s in n.inputs))
        return values[self.output]

    def describe(self) -> str:
        parts = []
        for n in self.nodes:
            if isinstance(n.layer, Act):
                parts.append(n.layer.activation.spec)
            else:
                parts.append(f"{n.layer.kind}[{self.dims[n.name]}]")
        return f"{self.input_dim} -> " + " -> ".join(parts)


def _check_finite(node: Node, index: int) -> None:
    layer = node.layer
    if isinstance(layer, Dense):
        for what, arr in (("weights", layer.weight), ("biases", layer.bias)):
            if arr.dtype == object:
                ok = all(isinstance(v, Fraction) for v in arr.ravel())
            else:
                ok = bool(np.isfinite(arr).all())
            if not ok:
                raise BadInput(f"layer {index} ({node.name}): {what} contain NaN or infinite values")


def dense(weight, bias=None) -> Dense:
    """A concrete dense layer from array-likes (floats, or Fractions kept exact).

    >>> dense([[1, -2]]).weight.dtype
    dtype('float64')
    """
    w = _as_matrix(weight)
    if w.ndim != 2:
        raise BadInput(f"a weight matrix must be 2-D (out x in), got shape {w.shape}")
    b = np.zeros(w.shape[0], dtype=w.dtype) if bias is None else _as_matrix(bias)
    if b.ndim != 1 or b.shape[0] != w.shape[0]:
        raise BadInput(f"bias of shape {b.shape} does not match weight of shape {w.shape}")
    if w.dtype == object or b.dtype == object:
        w, b = w.astype(object), b.astype(object)
        w = np.vectorize(to_fraction, otypes=[object])(w) if w.size else w
        b = np.vectorize(to_fraction, otypes=[object])(b) if b.size else b
    return Dense(w, b)


def to_fraction(v) -> Fraction:
    """The exact rational value of a float, int, Fraction or decimal/fraction string (every float64 is an
    exact binary fraction, so nothing is rounded)."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, str):
        return Fraction(v)
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    f = float(v)
    if not np.isfinite(f):
        raise BadInput(f"value {v!r} is not finite (weights and inputs must be finite)")
    return Fraction(f)


def _as_matrix(a) -> np.ndarray:
    if isinstance(a, np.ndarray) and a.dtype != object:
        if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
            raise BadInput(f"weights must be real numbers, got dtype {a.dtype}")
        return a.astype(float, copy=False)
    arr = np.asarray(a, dtype=object)
    flat = list(arr.ravel())
    if any(isinstance(v, Fraction) for v in flat):
        return arr
    try:
        return np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        raise BadInput("weights must be numbers") from None


def symbolic_dense(n_out: int, n_in: int, sign: Sign | np.ndarray = Sign.NONNEG) -> SymbolicDense:
    if isinstance(sign, np.ndarray):
        return SymbolicDense(sign.astype(np.int8))
    return SymbolicDense(np.full((n_out, n_in), int(sign), dtype=np.int8))
