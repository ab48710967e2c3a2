"""Replay: re-check a certificate without trusting the code path that produced it.

A monotonicity certificate is re-checked step by step: the model is rebuilt from the certificate (embedded
spec, verified by its sha256; or the model file, verified by its content hash), the claim is rebuilt and
its hypotheses recomputed from the model, and every step of the derivation tree is handed to the replayer
registered for its ``check["kind"]`` (z3 lemmas re-solved from their SMT-LIB text, weight signs re-scanned,
path signs recounted, SMT queries re-solved...).  A step whose kind has no replayer fails the replay.  A
refutation's witness is re-evaluated exactly.  Other certificate kinds (e.g. refutations of targets)
register their own whole-certificate replayer with :func:`checkers.kernel.certificate_replayer`.
"""
from __future__ import annotations

import importlib
import json
from fractions import Fraction
from pathlib import Path

from checkers.kernel import (CERT_FORMAT, CERT_VERSION, CERTIFICATE_REPLAYERS, REPLAYERS, ReplayContext, Step,
                             Witness, certificate_replayer, file_sha256, spec_sha256)
from theory.claims import Box, Claim, ClaimProperty
from theory.errors import BadInput
from theory.formats import from_spec, load_model

# Modules whose step replayers must be registered before a replay.
_CHECKER_MODULES = ("checkers.lemmas", "checkers.premises", "checkers.structural", "checkers.activation_facts", "checkers.smt",
                    "checkers.symbolic", "checkers.symbolic_replay")


def _register_all() -> None:
    for name in _CHECKER_MODULES:
        importlib.import_module(name)


def load_certificate(path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"certificate file {path!r} not found")
    try:
        obj = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadInput(f"certificate file {path!r} is not valid JSON") from None
    if not isinstance(obj, dict) or obj.get("format") != CERT_FORMAT:
        raise BadInput(f"{path!r} is not a negproof certificate (format must be {CERT_FORMAT!r})")
    if obj.get("version") != CERT_VERSION:
        raise BadInput(f"certificate version {obj.get('version')!r} is not supported (expected {CERT_VERSION})")
    return obj


def model_from_record(rec: dict):
    if not isinstance(rec, dict):
        raise BadInput("certificate has no \"model\" record")
    if "spec" in rec:
        if spec_sha256(rec["spec"]) != rec.get("sha256"):
            raise BadInput("certificate's embedded model does not match its sha256")
        return from_spec(rec["spec"], source=str(rec.get("source", "certificate")))
    source = str(rec.get("source", ""))
    net = load_model(source)
    if "file_sha256" in rec and file_sha256(source) != rec["file_sha256"]:
        raise BadInput(f"model file {source!r} has changed since the certificate was written")
    return net


def claim_from_json(obj: dict, net) -> Claim:
    try:
        box = None if obj.get("box") is None else Box(Fraction(obj["box"][0]), Fraction(obj["box"][1]))
        return Claim(net, tuple(int(i) for i in obj["inputs"]), tuple(int(k) for k in obj["outputs"]), box,
                     ClaimProperty(obj.get("property", "monotone")))
    except (KeyError, TypeError, ValueError, IndexError):
        raise BadInput("certificate claim is malformed (needs inputs, outputs, box)") from None


@certificate_replayer("monotone")
def replay_monotone(obj: dict) -> list[str]:
    """The failures found re-checking a monotonicity certificate (empty: it holds)."""
    _register_all()
    net = model_from_record(obj.get("model"))
    claim = claim_from_json(obj.get("claim", {}), net)
    recorded = [tuple(h) for h in obj.get("claim", {}).get("hypotheses", [])]
    actual = [(h.subject, h.statement) for h in claim.hypotheses()]
    failures = []
    if recorded != actual:
        failures.append("the certificate's hypotheses are not those of the model")
    verdict = obj.get("verdict")
    if verdict == "proved":
        root = Step.from_json(obj.get("proof"))
        ctx = ReplayContext(claim)
        for step in root.walk():
            kind = step.check.get("kind")
            fn = REPLAYERS.get(kind)
            if fn is None:
                failures.append(f"step [{step.rule}] has no replayable check (kind {kind!r})")
                continue
            ctx.current = step
            problem = fn(step.check, ctx)
            if problem:
                failures.append(f"step [{step.rule}] {step.statement}: {problem}")
    elif verdict == "refuted":
        witness = Witness.from_json(obj.get("witness", {}))
        if not witness.recheck(net, claim.box):
            failures.append("the witness does not re-check: it is not a violation of monotonicity")
    elif verdict == "unknown":
        failures.append("an unknown verdict has nothing to replay")
    else:
        failures.append(f"unknown verdict {verdict!r}")
    return failures


def replay(obj: dict) -> list[str]:
    """Re-check any certificate, dispatching on its ``claim.property``."""
    prop = (obj.get("claim") or {}).get("property")
    fn = CERTIFICATE_REPLAYERS.get(prop)
    if fn is None:
        raise BadInput(f"no replay for certificates of property {prop!r}")
    return fn(obj)
