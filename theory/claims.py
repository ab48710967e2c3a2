"""Claims: the theorem as an object that checkers take as input.

A :class:`Claim` about a network has *hypotheses* (the sign of each weight, a property of each
activation) and a *conclusion*: for each selected input i and output k, f_k is non-decreasing in x_i on
the domain (the box [lo, hi]^d, or all of R^d).  On a box, "non-decreasing in every x_i" is the same as
order-preserving (x <= y implies f(x) <= f(y)): move from x to y one coordinate at a time, staying in the
box (Wang et al., ICCV 2023, Theorem 1 states the order-preserving form).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from theory.activations import Property
from theory.errors import BadInput
from theory.network import Act, Network, Sign


class ClaimProperty(enum.Enum):
    MONOTONE = "monotone"  # f_k non-decreasing in x_i


@dataclass(frozen=True)
class Box:
    """The domain [lo, hi]^d, exact rationals."""

    lo: Fraction
    hi: Fraction

    @classmethod
    def parse(cls, text: str) -> "Box":
        """Parse ``LO:HI``.

        >>> Box.parse("0:1/2")
        Box(lo=Fraction(0, 1), hi=Fraction(1, 2))
        """
        parts = str(text).split(":")
        if len(parts) != 2:
            raise BadInput(f"box {text!r} must be LO:HI, e.g. 0:1")
        try:
            lo, hi = Fraction(parts[0].strip()), Fraction(parts[1].strip())
        except (ValueError, ZeroDivisionError):
            raise BadInput(f"box {text!r} must be LO:HI with numbers, e.g. 0:1") from None
        if lo > hi:
            raise BadInput(f"box {text!r} is empty: LO > HI")
        return cls(lo, hi)

    def __str__(self) -> str:
        return f"{self.lo}:{self.hi}"


DEFAULT_BOX = Box(Fraction(0), Fraction(1))  # where searches over concrete inputs look when no box is given


@dataclass(frozen=True)
class Hypothesis:
    """A premise the claim assumes rather than proves (symbolic weights, arbitrary activations)."""

    subject: str  # e.g. "layer L0 weights" or "activation any-nondecreasing"
    statement: str  # e.g. ">= 0" or "nondecreasing"


@dataclass(frozen=True, eq=False)
class Claim:
    network: Network
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    box: Box | None = None
    kind: ClaimProperty = ClaimProperty.MONOTONE

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """The conclusions: one (input i, output k) pair each."""
        return [(i, k) for k in self.outputs for i in self.inputs]

    def hypotheses(self) -> tuple[Hypothesis, ...]:
        """What the claim assumes: sign assumptions of symbolic layers and assumed activation properties.
        Concrete weights and catalogue activations carry no hypotheses: their facts are checked."""
        hyps = []
        for node in self.network.nodes:
            layer = node.layer
            if layer.kind == "symbolic_dense":
                for code in sorted({int(v) for v in layer.signs().ravel()}):
                    word = {Sign.NONNEG: ">= 0", Sign.NONPOS: "<= 0", Sign.ZERO: "= 0", Sign.ANY: "any sign"}[Sign(code)]
                    hyps.append(Hypothesis(f"layer {node.name} weights", word))
            elif isinstance(layer, Act):
                for prop in sorted(layer.activation.assumed, key=lambda p: p.value):
                    hyps.append(Hypothesis(f"activation {layer.activation.spec} (layer {node.name})", prop.value))
        return tuple(hyps)

    def describe(self) -> str:
        dom = f"on [{self.box.lo}, {self.box.hi}]^{self.network.input_dim}" if self.box else "on R^d"
        return (f"f_k non-decreasing in x_i for inputs {list(self.inputs)}, outputs {list(self.outputs)} {dom}")

    def to_json(self) -> dict:
        return {"property": self.kind.value, "model": self.network.source, "inputs": list(self.inputs),
                "outputs": list(self.outputs), "box": None if self.box is None else [str(self.box.lo), str(self.box.hi)]}


def monotone_claim(net: Network, inputs=None, outputs=None, box: Box | None = None) -> Claim:
    """The theorem's conclusion for ``net``: selected (or all) inputs and outputs."""
    ins = tuple(range(net.input_dim)) if inputs is None else tuple(inputs)
    outs = tuple(range(net.output_dim)) if outputs is None else tuple(outputs)
    for i in ins:
        if not 0 <= i < net.input_dim:
            raise BadInput(f"input index {i} out of range: the network has {net.input_dim} inputs")
    for k in outs:
        if not 0 <= k < net.output_dim:
            raise BadInput(f"output index {k} out of range: the network has {net.output_dim} outputs")
    return Claim(net, ins, outs, box)


__all__ = ["Box", "Claim", "ClaimProperty", "Hypothesis", "monotone_claim", "Property"]
