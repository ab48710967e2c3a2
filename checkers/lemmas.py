"""Constant-size lemmas, each proved by z3 (negation unsat), each replayable from its SMT-LIB text.

These are the steps of the proof of Wang et al. (ICCV 2023), Theorem 1, and of the path-sign rule
(THEORY.md section 6), stated for one term so that z3 decides them instantly; checkers instantiate them
over a whole architecture.  Order facts are about a pair of inputs x <= y: a value "a <= b" means the
quantity at x is at most the quantity at y.

>>> prove_lemma("nonneg_scale").rule
'lemma'
"""
from __future__ import annotations

from functools import lru_cache

import z3

from checkers.kernel import Step, replayer


def _lemmas(ctx: z3.Context):
    w, a, b, c, d = z3.Reals("w a b c d", ctx)
    R = z3.RealSort(ctx)
    s = z3.Function("s", R, R)
    u, v = z3.Reals("u v", ctx)
    nondec = z3.ForAll([u, v], z3.Implies(u <= v, s(u) <= s(v)))
    noninc = z3.ForAll([u, v], z3.Implies(u <= v, s(u) >= s(v)))
    g = z3.Function("g", R, R)
    g_nondec = z3.ForAll([u, v], z3.Implies(u <= v, g(u) <= g(v)))
    return {
        "nonneg_scale": ("a non-negative weight keeps the order: w >= 0, a <= b |- w*a <= w*b",
                         z3.Implies(z3.And(w >= 0, a <= b), w * a <= w * b)),
        "nonpos_scale": ("a non-positive weight reverses the order: w <= 0, a <= b |- w*a >= w*b",
                         z3.Implies(z3.And(w <= 0, a <= b), w * a >= w * b)),
        "scale_equal": ("equal values stay equal: a = b |- w*a = w*b",
                        z3.Implies(a == b, w * a == w * b)),
        "sum_ordered": ("a sum of ordered pairs is ordered: a <= b, c <= d |- a + c <= b + d",
                        z3.Implies(z3.And(a <= b, c <= d), a + c <= b + d)),
        "add_constant": ("adding a bias keeps the order: a <= b |- a + c <= b + c",
                         z3.Implies(a <= b, a + c <= b + c)),
        "monotone_activation": ("a non-decreasing activation keeps the order: s non-decreasing, a <= b |- s(a) <= s(b)",
                                z3.Implies(z3.And(nondec, a <= b), s(a) <= s(b))),
        "antitone_activation": ("a non-increasing activation reverses the order: s non-increasing, a <= b |- s(a) >= s(b)",
                                z3.Implies(z3.And(noninc, a <= b), s(a) >= s(b))),
        "congruence": ("any function maps equal values to equal values: a = b |- s(a) = s(b)",
                       z3.Implies(a == b, s(a) == s(b))),
        "compose": ("order-preserving maps compose: s, g non-decreasing, a <= b |- g(s(a)) <= g(s(b))",
                    z3.Implies(z3.And(nondec, g_nondec, a <= b), g(s(a)) <= g(s(b)))),
        "max_ordered": ("max keeps the order (max pooling): a <= b, c <= d |- max(a,c) <= max(b,d)",
                        z3.Implies(z3.And(a <= b, c <= d),
                                   z3.If(a >= c, a, c) <= z3.If(b >= d, b, d))),
    }


LEMMAS = _lemmas(z3.Context())
TIMEOUT_MS = 10_000


def _smtlib_of_negation(name: str) -> str:
    """The SMT-LIB text of the lemma's negation, printed from a fresh z3 context so that the text (whose
    let-names follow z3's internal term ids) does not depend on what else the process built before."""
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.add(z3.Not(_lemmas(ctx)[name][1]))
    return solver.to_smt2()


def check_unsat_smtlib(text: str, timeout_ms: int = TIMEOUT_MS) -> str:
    """Parse SMT-LIB assertions and return z3's answer ("unsat" / "sat" / "unknown")."""
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.add(z3.parse_smt2_string(text, ctx=ctx))
    return str(solver.check())


@lru_cache(maxsize=None)
def prove_lemma(name: str) -> Step:
    """Prove one lemma with z3 (its negation must be unsat).  Raises if z3 does not answer unsat: a lemma
    that cannot be proved must never be used."""
    statement = LEMMAS[name][0]
    text = _smtlib_of_negation(name)
    answer = check_unsat_smtlib(text)
    if answer != "unsat":
        raise RuntimeError(f"lemma {name} was not proved by z3 (answer {answer})")
    return Step("lemma", statement, {"kind": "z3_lemma", "lemma": name, "smtlib": text, "answer": answer})


@replayer("z3_lemma")
def _replay_lemma(check: dict, ctx) -> str | None:
    """Re-run z3 on the stored negation; also make sure the stored text is the lemma it names."""
    name = check.get("lemma")
    if name not in LEMMAS:
        return f"unknown lemma {name!r}"
    if check.get("smtlib") != _smtlib_of_negation(name):
        return f"lemma {name}: stored SMT-LIB differs from the lemma's statement"
    answer = check_unsat_smtlib(check["smtlib"])
    return None if answer == "unsat" else f"lemma {name}: z3 answered {answer}, not unsat"
