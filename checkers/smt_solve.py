"""Solving the SMT encodings with z3, turning answers into verdicts, and replaying SMT certificates.

z3 solves exactly the SMT-LIB text the encoding wrote (parsed back with ``parse_smt2_string``), so the text
stored in a certificate is the query that was answered.  Every call has a timeout (z3's ``timeout`` in ms,
taken from one overall deadline); a timeout or z3 "unknown" gives :class:`Unknown`, never Proved.

* unsat for every query -> :class:`Proved`; the certificate's derivation tree records the claim's
  hypotheses, the activation facts and z3 lemmas the abstract encoding instantiates, and each query's
  SMT-LIB text under check kind ``smt_query``, whose replayer re-solves the stored text (it must be
  unsat) and re-encodes the claim (the stored text must be exactly the claim's query).
* sat on the exact encoding -> the model's rational input values (z3 models of linear real arithmetic are
  rational: converted exactly with ``as_fraction``), narrowed by an exact walk to one changed input, and
  reported only through :func:`checkers.kernel.refuted_if_rechecked`.
* sat on the abstract encoding -> Unknown: a model of the abstraction need not be a network.

:func:`cvc5_answers` re-solves SMT-LIB text with cvc5 (an independent solver) for cross-checks.
"""
from __future__ import annotations

import time

import z3

from checkers.kernel import (Certificate, Proved, Step, Unknown, Verdict, Witness, refuted_if_rechecked,
                             replayer)
from checkers.lemmas import prove_lemma
from checkers.premises import hypothesis_step
from checkers.smt_encode import Encoding, Query, encode
from theory.claims import Claim
from theory.exact import certainly_greater, exact_forward

METHOD = "smt"
REPLAY_TIMEOUT = 600.0


def z3_check(text: str, timeout: float) -> tuple[str, object, str]:
    """(answer, model or None, reason) for one SMT-LIB script, within ``timeout`` seconds."""
    # measured: z3's QF_LRA strategy is fastest on the exact encodings, its plain SMT core (SimpleSolver) on
    # the abstraction with uninterpreted functions (8-128-128-128-4: 5 s against 10-20 s)
    # a fresh context per query: the answer and the model depend only on the text, not on what the process
    # asked z3 before (the main context's term ids steer z3's search and hence which model it returns)
    ctx = z3.Context()
    solver = z3.SolverFor("QF_LRA", ctx=ctx) if text.startswith("(set-logic QF_LRA)") else z3.SimpleSolver(ctx=ctx)
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(z3.parse_smt2_string(text, ctx=ctx))
    answer = solver.check()
    if answer == z3.sat:
        return "sat", solver.model(), ""
    if answer == z3.unsat:
        return "unsat", None, ""
    return "unknown", None, solver.reason_unknown()


def solve(enc: Encoding, timeout: float = 60.0) -> Verdict:
    """Decide the encoded claim: Proved, Refuted (exact encoding, re-checked witness) or Unknown."""
    start = time.perf_counter()
    deadline = start + timeout
    claim = enc.claim
    if enc.mode == "unsupported":
        return Unknown(enc.reason, METHOD, 0.0)
    proofs = []
    for n, q in enumerate(enc.queries):
        if enc.surrogates:  # heuristic first: a violation of the rounded twin, re-checked on the real network
            found = _try_surrogate(enc, enc.surrogates[n], (deadline - time.perf_counter()) / 2, start)
            if found is not None:
                return found
        left = deadline - time.perf_counter()
        if left <= 0:
            return Unknown(f"timeout after {timeout:g} s with {n} of {len(enc.queries)} queries answered unsat",
                           METHOD, time.perf_counter() - start)
        answer, model, why = z3_check(q.smtlib, left)
        if answer == "unknown":
            what = "timeout" if "timeout" in why or "canceled" in why else f"z3 answered unknown ({why})"
            return Unknown(f"{what} on query {n} (inputs {list(q.inputs)}, outputs {list(q.outputs)}) after "
                           f"{time.perf_counter() - start:.2f} s", METHOD, time.perf_counter() - start)
        if answer == "sat":
            if enc.mode != "exact":
                return Unknown("the monotone abstraction is satisfiable (a model of the abstraction need not be a "
                               "network of the class, so this is no refutation): "
                               f"inputs {list(q.inputs)}, outputs {list(q.outputs)}", METHOD,
                               time.perf_counter() - start)
            witness = witness_from_model(claim, q, model)
            if witness is None:
                return Unknown("z3's model is not rational", METHOD, time.perf_counter() - start)
            return refuted_if_rechecked(witness, _effective(enc), METHOD, time.perf_counter() - start)
        proofs.append(_query_step(enc, q))
    return Proved(Certificate(_effective(enc), _root(enc, proofs)), METHOD, time.perf_counter() - start)


def _try_surrogate(enc: Encoding, q: Query, budget: float, start: float) -> Verdict | None:
    """A Refuted verdict if the rounded-weight query is sat and its model, evaluated exactly on the real
    network, is a violation; None otherwise (the exact query then decides).  Never proves anything."""
    if budget <= 0.01:
        return None
    answer, model, _ = z3_check(q.smtlib, budget)
    if answer != "sat":
        return None
    witness = witness_from_model(enc.claim, q, model)
    claim = _effective(enc)
    if witness is None or not witness.recheck(claim.network, claim.box):
        return None
    return refuted_if_rechecked(witness, claim, METHOD, time.perf_counter() - start)


def _effective(enc: Encoding) -> Claim:
    """The claim actually decided: the exact encoding's default box replaces a missing one."""
    c = enc.claim
    if enc.mode == "exact" and c.box is None:
        return Claim(c.network, c.inputs, c.outputs, enc.box, c.kind)
    return c


# --- witnesses ------------------------------------------------------------------------------------------

def witness_from_model(claim: Claim, q: Query, model) -> Witness | None:
    """The model's x <= y, narrowed to one changed input by an exact walk x = z_0 <= z_1 <= ... <= y that
    changes one selected coordinate at a time: f_k(x) > f_k(y) forces f_k(z_{t-1}) > f_k(z_t) for some t."""
    vals = []
    for names in (q.x_vars, q.y_vars):
        row = []
        for v in names:
            val = model.eval(z3.Real(v, model.ctx), model_completion=True)
            if not z3.is_rational_value(val):
                return None
            row.append(val.as_fraction())
        vals.append(row)
    x, y = vals
    net = claim.network
    fx, fy = exact_forward(net, x), exact_forward(net, y)
    ks = [k for k in q.outputs if certainly_greater(fx[k], fy[k])] or list(q.outputs)
    k = ks[0]
    z = list(x)
    for i in q.inputs:
        z2 = list(z)
        z2[i] = y[i]
        if certainly_greater(exact_forward(net, z)[k], exact_forward(net, z2)[k]):
            return Witness.make(z, z2, k, i)
        z = z2
    return Witness.make(x, y, k, q.inputs[0] if len(q.inputs) == 1 else None)


# --- certificates -----------------------------------------------------------------------------------------

def _domain(enc: Encoding) -> str:
    if enc.box is None:
        return "on R^d (hence on every box)"
    default = " (the default box: none was given)" if enc.claim.box is None else ""
    return f"on [{enc.box.lo}, {enc.box.hi}]^d{default}"


def _query_step(enc: Encoding, q: Query) -> Step:
    what = "the exact encoding" if enc.mode == "exact" else "the monotone abstraction"
    statement = (f"{what} has no x <= y (differing only in inputs {list(q.inputs)}) {_domain(enc)} with "
                 f"f_k(x) > f_k(y) for k in {list(q.outputs)}: z3 answered unsat")
    return Step("smt_query", statement,
                {"kind": "smt_query", "mode": enc.mode, "split": enc.split, "inputs": list(q.inputs),
                 "outputs": list(q.outputs), "sha256": q.sha256, "answer": "unsat", "smtlib": q.smtlib})


def _hypothesis_steps(enc: Encoding) -> list[Step]:
    return [hypothesis_step(h.subject, h.statement) for h in enc.hypotheses
            if not h.subject.startswith("activation ")]  # assumed activations enter through enc.monotone


def _root(enc: Encoding, queries: list[Step]) -> Step:
    facts = list(enc.monotone)
    lemmas = [prove_lemma(name) for name in enc.lemmas]
    if enc.mode == "exact":
        how = ("the queries encode the network exactly (rational weights, piecewise-linear activations as "
               "if-then-else), so their unsat is the claim")
    else:
        how = ("every network satisfying the hypotheses is a model of the instantiated lemmas (weight terms) and "
               "monotone uninterpreted activations, so their unsat is the claim for all of them at once")
    statement = (f"{how}: {enc.claim.describe().replace(' on R^d', '')} {_domain(enc)} "
                 "(on a box or R^d, non-decreasing in each selected input is x <= y implying f(x) <= f(y))")
    check = {"kind": "smt_monotone", "mode": enc.mode, "split": enc.split, "lemmas": list(enc.lemmas),
             "domain": None if enc.box is None else [str(enc.box.lo), str(enc.box.hi)],
             "notes": list(enc.notes)}
    return Step("smt", statement, check, tuple([*_hypothesis_steps(enc), *facts, *lemmas, *queries]))


# --- replay -------------------------------------------------------------------------------------------------

def _reencode(ctx, split: str, mode: str | None) -> Encoding:
    """The claim encoded again, in the step's mode ("signs": the sign abstraction that
    :func:`checkers.smt.check` tries first on concrete networks)."""
    forced = "signs" if mode == "signs" else None
    key = ("smt_encoding", split, forced)
    if key not in ctx.cache:
        ctx.cache[key] = encode(ctx.claim, split, forced)
    return ctx.cache[key]


@replayer("smt_query")
def _replay_query(check: dict, ctx) -> str | None:
    """Re-solve the stored text (must be unsat) and re-encode the claim (the text must be its query)."""
    text, problems = check.get("smtlib"), []
    if not isinstance(text, str):
        return "no SMT-LIB text stored"
    split = check.get("split")
    if split not in ("all", "output", "pair"):
        return f"unknown split {split!r}"
    enc = _reencode(ctx, split, check.get("mode"))
    mine = [q for q in enc.queries if list(q.inputs) == check.get("inputs") and list(q.outputs) == check.get("outputs")]
    if enc.mode != check.get("mode"):
        problems.append(f"the claim is encoded in mode {enc.mode!r}, the step says {check.get('mode')!r}")
    if not mine or mine[0].smtlib != text:
        problems.append("the stored SMT-LIB text is not this claim's query")
    try:
        answer, _, why = z3_check(text, REPLAY_TIMEOUT)
    except z3.Z3Exception as err:
        answer, why = "error", str(err)
    if answer != "unsat":
        problems.append(f"z3 answered {answer}{' (' + why + ')' if why else ''} on the stored query, not unsat")
    return "; ".join(problems) or None


@replayer("smt_monotone")
def _replay_root(check: dict, ctx) -> str | None:
    """The queries cover every (input, output) pair of the claim; the lemmas and activation facts the
    encoding instantiates are premises (each replayed by its own replayer)."""
    premises = ctx.current.premises
    queries = [p for p in premises if p.check.get("kind") == "smt_query"]
    for i, k in ctx.claim.pairs:
        if not any(i in p.check.get("inputs", []) and k in p.check.get("outputs", []) for p in queries):
            return f"no unsat query covers input {i}, output {k}"
    if any(p.check.get("split") != check.get("split") or p.check.get("mode") != check.get("mode") for p in queries):
        return "the queries do not share the root's mode and split"
    enc = _reencode(ctx, check.get("split"), check.get("mode"))
    if enc.mode != check.get("mode"):
        return f"the claim is encoded in mode {enc.mode!r}, not {check.get('mode')!r}"
    have = {p.check.get("lemma") for p in premises if p.check.get("kind") == "z3_lemma"}
    missing = set(enc.lemmas) - have
    if missing:
        return f"lemmas used by the encoding are not premises: {sorted(missing)}"
    stated = {(p.rule, p.statement) for p in premises}
    for step in enc.monotone:
        if (step.rule, step.statement) not in stated:
            return f"the activation fact {step.statement!r} is not a premise"
    hyps = {(p.check.get("subject"), p.check.get("statement")) for p in premises
            if p.check.get("kind") == "hypothesis"}
    if any((h.subject, h.statement) not in hyps for h in ctx.claim.hypotheses()
           if not h.subject.startswith("activation ")):
        return "a hypothesis of the claim is not recorded"
    return None


# --- cvc5 cross-check -----------------------------------------------------------------------------------

def cvc5_answers(text: str, timeout: float = 60.0) -> list[str]:
    """cvc5's answer ("sat" / "unsat" / "unknown") to each (check-sat) of an SMT-LIB script."""
    import cvc5

    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    solver.setOption("tlimit-per", str(max(1, int(timeout * 1000))))
    parser = cvc5.InputParser(solver)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "negproof")
    symbols = parser.getSymbolManager()
    answers = []
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        out = cmd.invoke(solver, symbols)
        if str(cmd).startswith("(check-sat"):
            answers.append(out.strip())
    return answers
