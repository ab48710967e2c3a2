"""The SMT checker: ``check(claim) = solve(encode(claim), timeout)``.

``encode`` (checkers/smt_encode.py) is pure and writes SMT-LIB2 text: the compositional abstraction for
architectures and non-piecewise-linear activations (can prove, never refute), or the exact encoding of a
concrete piecewise-linear network over a box (complete: proves or refutes).  ``solve``
(checkers/smt_solve.py) asks z3 under a deadline and returns a kernel verdict; its certificates replay by
re-solving the stored text.  ``Encoding.to_smtlib()`` is what ``--smtlib FILE`` writes.
"""
from __future__ import annotations

import dataclasses
import time

from checkers.kernel import Verdict
from checkers.smt_encode import Encoding, Query, encode
from checkers.smt_solve import cvc5_answers, solve, z3_check
from theory.claims import Claim

__all__ = ["check", "encode", "solve", "Encoding", "Query", "cvc5_answers", "z3_check"]


def check(claim: Claim, timeout: float = 60.0, split: str = "all") -> Verdict:
    """Decide ``claim`` by SMT within ``timeout`` seconds (encoding time included)."""
    start = time.perf_counter()
    enc = encode(claim, split)
    verdict = solve(enc, max(0.0, timeout - (time.perf_counter() - start)))
    return dataclasses.replace(verdict, seconds=time.perf_counter() - start)
