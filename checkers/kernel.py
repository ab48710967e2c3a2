"""The trusted kernel: verdicts, derivation trees, witnesses, and the certificate format.

Verdicts are a tagged union, never a bool or None:

- :class:`Proved` carries a :class:`Certificate` whose ``proof`` is a derivation tree of :class:`Step`.
  Every step names the rule it applies, the statement it concludes, its premises, and a ``check``: the
  data a replay needs to re-check that step without the code path that produced it (re-run a z3 lemma
  from its SMT-LIB text, re-scan the weight signs of a layer, re-solve an SMT query...).
- :class:`Refuted` carries a :class:`Witness`, which has ``recheck()``: exact rational (or rigorous
  interval) evaluation, no solver.  Checkers never return a Refuted whose witness fails recheck.
- :class:`Unknown` carries a reason.  A solver timeout is Unknown, never Proved.

Only checkers build Proved verdicts; ``checkers.replay`` re-checks certificates step by step.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Union

from theory.claims import Claim
from theory.errors import BadInput
from theory.exact import certainly_greater, exact_forward, render, to_fraction
from theory.formats import to_spec
from theory.network import Network

CERT_FORMAT = "negproof-certificate"
CERT_VERSION = 1
EMBED_LIMIT = 200_000  # models with at most this many weights are embedded in their certificates


@dataclass(frozen=True)
class Step:
    """One node of a derivation tree: ``premises`` |- ``statement`` by ``rule``, re-checkable by ``check``."""

    rule: str
    statement: str
    check: dict = field(default_factory=dict, hash=False, compare=False)
    premises: tuple["Step", ...] = ()

    def to_json(self) -> dict:
        out = {"rule": self.rule, "statement": self.statement, "check": self.check}
        if self.premises:
            out["premises"] = [p.to_json() for p in self.premises]
        return out

    @classmethod
    def from_json(cls, obj: dict) -> "Step":
        if not isinstance(obj, dict) or "rule" not in obj or "statement" not in obj:
            raise BadInput("certificate step lacks \"rule\" or \"statement\"")
        return cls(str(obj["rule"]), str(obj["statement"]), dict(obj.get("check") or {}),
                   tuple(cls.from_json(p) for p in obj.get("premises", [])))

    def walk(self):
        yield self
        for p in self.premises:
            yield from p.walk()

    def render(self, indent: int = 0) -> str:
        lines = ["  " * indent + f"[{self.rule}] {self.statement}"]
        for p in self.premises:
            lines.append(p.render(indent + 1))
        return "\n".join(lines)


@dataclass(frozen=True)
class Witness:
    """A counterexample to monotonicity: x <= y (differing only in ``input`` when it is not None) with
    f_output(x) > f_output(y).  Coordinates are exact rationals."""

    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]
    output: int
    input: int | None = None

    @classmethod
    def make(cls, x, y, output: int, input: int | None = None) -> "Witness":
        return cls(tuple(to_fraction(v) for v in x), tuple(to_fraction(v) for v in y), int(output),
                   None if input is None else int(input))

    def values(self, net: Network):
        return exact_forward(net, self.x)[self.output], exact_forward(net, self.y)[self.output]

    def recheck(self, net: Network, box=None) -> bool:
        """Exact re-check, no solver: x <= y componentwise (equal off ``input``), both in the box, and
        f_output(x) > f_output(y) with certainty."""
        if len(self.x) != net.input_dim or len(self.y) != net.input_dim:
            return False
        if any(a > b for a, b in zip(self.x, self.y)):
            return False
        if self.input is not None and any(a != b for j, (a, b) in enumerate(zip(self.x, self.y)) if j != self.input):
            return False
        if box is not None and any(not (box.lo <= v <= box.hi) for v in (*self.x, *self.y)):
            return False
        fx, fy = self.values(net)
        return certainly_greater(fx, fy)

    def to_json(self, net: Network | None = None) -> dict:
        out = {"x": [str(v) for v in self.x], "y": [str(v) for v in self.y], "input": self.input,
               "output": self.output}
        if net is not None:
            fx, fy = self.values(net)
            out.update(fx=render(fx), fy=render(fy))
        return out

    @classmethod
    def from_json(cls, obj: dict) -> "Witness":
        try:
            return cls.make([Fraction(v) for v in obj["x"]], [Fraction(v) for v in obj["y"]], obj["output"],
                            obj.get("input"))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            raise BadInput("certificate witness is malformed (needs x, y, output)") from None


@dataclass(frozen=True)
class Certificate:
    """A proof of ``claim`` (a :class:`~theory.claims.Claim` about a network, or another claim object such
    as an activation property) as a derivation tree."""

    claim: object
    proof: Step

    def steps(self):
        return list(self.proof.walk())


@dataclass(frozen=True)
class Proved:
    certificate: Certificate
    method: str
    seconds: float = 0.0
    verdict: str = "proved"


@dataclass(frozen=True)
class Refuted:
    witness: object  # a Witness, or any witness with recheck() that needs no solver
    method: str
    seconds: float = 0.0
    verdict: str = "refuted"


@dataclass(frozen=True)
class Unknown:
    reason: str
    method: str
    seconds: float = 0.0
    verdict: str = "unknown"


Verdict = Union[Proved, Refuted, Unknown]


SIMPLE_DENOMINATORS = (1, 2, 4, 10, 16, 100, 1000, 10**4, 10**6)


def simplest_witness(witness: Witness, claim: Claim) -> Witness:
    """A witness with short rationals (1/4 rather than 2251799813685249/9007199254740992) when one nearby
    still re-checks exactly; else the witness itself.  Crisp numbers for a talk or a blackboard."""
    box = claim.box
    for den in SIMPLE_DENOMINATORS:
        def near(v: Fraction) -> Fraction:
            q = v.limit_denominator(den)
            return q if box is None else min(max(q, box.lo), box.hi)

        x = tuple(near(v) for v in witness.x)
        y = tuple(near(b) if witness.input is None or j == witness.input else x[j] for j, b in enumerate(witness.y))
        if (x, y) == (witness.x, witness.y):
            return witness
        candidate = Witness(x, y, witness.output, witness.input)
        if candidate.recheck(claim.network, box):
            return candidate
    return witness


def refuted_if_rechecked(witness: Witness, claim: Claim, method: str, seconds: float = 0.0) -> Verdict:
    """The only way checkers report a refutation: the witness must survive the exact recheck (and is
    replaced by the simplest nearby witness that also does)."""
    if witness.recheck(claim.network, claim.box):
        return Refuted(simplest_witness(witness, claim), method, seconds)
    return Unknown(f"{method} proposed a witness that failed the exact re-check", method, seconds)


# --- certificates as JSON ----------------------------------------------------------------------------

def model_record(net: Network) -> dict:
    """How a certificate names its model: embedded when small, else by source and content hash."""
    rec = {"source": net.source, "n_weights": net.n_weights}
    if net.n_weights <= EMBED_LIMIT:
        spec = to_spec(net)
        rec["spec"] = spec
        rec["sha256"] = spec_sha256(spec)
    elif Path(net.source).is_file():
        rec["file_sha256"] = file_sha256(net.source)
    return rec


def spec_sha256(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def verdict_to_json(v: Verdict, claim: Claim) -> dict:
    """The certificate JSON (format ``negproof-certificate``, version 1) of a verdict."""
    out = {"format": CERT_FORMAT, "version": CERT_VERSION, "verdict": v.verdict, "method": v.method,
           "claim": {**claim.to_json(), "hypotheses": [[h.subject, h.statement] for h in claim.hypotheses()]},
           "model": model_record(claim.network)}
    if isinstance(v, Proved):
        out["proof"] = v.certificate.proof.to_json()
    elif isinstance(v, Refuted):
        out["witness"] = v.witness.to_json(claim.network)
    else:
        out["reason"] = v.reason
    return out


# --- the replay registry -----------------------------------------------------------------------------

Replayer = Callable[[dict, "ReplayContext"], str | None]  # returns None if fine, else what failed
REPLAYERS: dict[str, Replayer] = {}


def _registrar(table: dict, key: str):
    """A decorator that files ``fn`` under ``key``; two different functions for one key is an error (one
    would silently replace the other's re-check)."""

    def deco(fn):
        old = table.get(key)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise RuntimeError(f"replay kind {key!r} is registered twice ({old.__module__} and {fn.__module__})")
        table[key] = fn
        return fn

    return deco


def replayer(kind: str):
    """Register the re-check for steps whose ``check["kind"] == kind``."""
    return _registrar(REPLAYERS, kind)


@dataclass
class ReplayContext:
    claim: Claim
    current: Step | None = None  # the step being re-checked
    cache: dict = field(default_factory=dict)


# --- whole-certificate replay, by claim property -------------------------------------------------------

CertificateReplayer = Callable[[dict], list[str]]  # returns the list of failures (empty: certificate holds)
CERTIFICATE_REPLAYERS: dict[str, CertificateReplayer] = {}


def certificate_replayer(prop: str):
    """Register the replay of certificates whose ``claim.property`` is ``prop`` (e.g. "monotone")."""
    return _registrar(CERTIFICATE_REPLAYERS, prop)
