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

from checkers.kernel import Proved, Verdict
from checkers.smt_encode import Encoding, Query, encode
from checkers.smt_solve import cvc5_answers, solve, z3_check
from theory.claims import Claim

__all__ = ["check", "encode", "solve", "Encoding", "Query", "cvc5_answers", "z3_check"]


ABSTRACT_SHARE = 0.25  # of the budget, for the cheap abstraction before an exact encoding


def check(claim: Claim, timeout: float = 60.0, split: str = "all") -> Verdict:
    """Decide ``claim`` by SMT within ``timeout`` seconds (encoding time included).

    Cheap before costly: on a concrete network the sign abstraction (every dense layer replaced by its
    sign pattern, as for an architecture) is tried first with a quarter of the budget.  Its unsat proves
    the claim on R^d for every network with those weight signs, so non-negative networks never pay for
    z3's exact arithmetic on 53-bit binary fractions; if it cannot prove, the claim's own encoding decides
    (exact: proof or re-checked witness)."""
    start = time.perf_counter()
    enc = encode(claim, split)
    if claim.network.is_concrete and enc.mode != "unsupported":
        verdict = solve(encode(claim, split, "signs"), timeout * ABSTRACT_SHARE)
        if isinstance(verdict, Proved):
            return dataclasses.replace(verdict, seconds=time.perf_counter() - start)
    verdict = solve(enc, max(0.0, timeout - (time.perf_counter() - start)))
    return dataclasses.replace(verdict, seconds=time.perf_counter() - start)
