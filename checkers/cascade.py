"""``prove``: one entry point for every method, and the ``auto`` cascade from cheap to costly.

auto = structural (path-sign rule, instant) -> falsification search (random and gradient-guided ordered
pairs, every candidate re-checked exactly) -> exact SMT.  Each stage may answer Unknown and hand on; the
first Proved or Refuted wins (like sympy's ask()).
"""
from __future__ import annotations

import dataclasses
import importlib
import time

from checkers.kernel import Proved, Refuted, Unknown, Verdict
from theory.claims import DEFAULT_BOX, Claim
from theory.errors import BadInput

METHODS = ("structural", "smt", "symbolic", "falsify")
_MODULES = {"structural": "checkers.structural", "smt": "checkers.smt", "symbolic": "checkers.symbolic",
            "falsify": "checkers.falsify"}


_NEEDS_BOX = ("smt", "falsify")  # searches over concrete inputs need a bounded domain


def narrowed(claim: Claim, method: str) -> Claim:
    """The claim a method decides: searches over concrete inputs narrow R^d to the default box."""
    if method in _NEEDS_BOX and claim.box is None and claim.network.is_concrete:
        return dataclasses.replace(claim, box=DEFAULT_BOX)
    return claim


def run_method(claim: Claim, method: str, timeout: float = 60.0) -> Verdict:
    """Run one method.  A claim on all of R^d about a concrete network is narrowed to the default box
    [0, 1]^d for the methods that search inputs; the verdict's certificate or witness then names the box."""
    if method not in _MODULES:
        raise BadInput(f"unknown method {method!r}; choose auto or one of {', '.join(METHODS)}")
    claim = narrowed(claim, method)
    module = importlib.import_module(_MODULES[method])
    return module.check(claim, timeout=timeout)


def prove(claim: Claim, method: str = "auto", timeout: float = 60.0) -> Verdict:
    """Decide ``claim`` with one method, or with the cascade when ``method == "auto"``."""
    if method != "auto":
        return run_method(claim, method, timeout)
    start = time.perf_counter()
    reasons = []
    stages = ["structural", "falsify", "smt"] if claim.network.is_concrete else ["structural", "smt"]
    for stage in stages:
        left = max(0.1, timeout - (time.perf_counter() - start))
        verdict = run_method(claim, stage, left)
        if isinstance(verdict, (Proved, Refuted)):
            return verdict
        reasons.append(f"{stage}: {verdict.reason}")
    return Unknown("; ".join(reasons), "auto", time.perf_counter() - start)
