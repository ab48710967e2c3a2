"""The activation checker: proves or refutes each property of a catalogue activation (issue 2, section 2).

``theory.activations`` only *declares* properties; this module establishes them, cheap to costly, each
stage free to answer "unknown" and hand on (as sympy's ``ask`` or cvxpy's atom rules do):

1. **structure** -- cut s into pieces (``checkers.activation_pieces``).  If every piece is a*x + b with
   rational a, b, the activation is PIECEWISE_LINEAR (method ``structure``), and NONDECREASING, CONVEX and
   CONCAVE are decided exactly by z3 on the negated property (method ``z3_pwl``,
   ``checkers.activation_pwl``): unsat proves it, sat yields a witness.
2. **sympy** -- otherwise, for NONDECREASING (CONVEX / CONCAVE): every piece is analytic on the closure of
   its interval and has s' >= 0 (s'' >= 0 / s'' <= 0) there, and at each breakpoint b the right value is
   >= the left value (convexity: the values agree and the right slope is >= the left slope; concavity
   dually).  Continuity on each closed piece plus these facts gives the property on R (a continuous
   function with non-decreasing one-sided derivative is convex).  Method ``sympy_derivative``.
   BOUNDED_BELOW (ABOVE): every piece is continuous on its closure, so bounded on bounded pieces, and the
   end pieces have limits at +-oo in (-oo, +oo] (resp. [-oo, +oo)).  Method ``sympy_limit``.
3. **search** -- look numerically for a violation and certify it exactly (``checkers.activation_witness``);
   only a witness whose ``recheck()`` holds is reported (method ``witness_search``; ``z3_pwl`` when z3's
   model is the witness).  The numpy scan costs milliseconds, so for activations that are not
   piecewise-linear it runs *before* the sympy stage (a certified witness is as certain either way).
   Otherwise Unknown with the reason.  ``timeout`` bounds z3 exactly; sympy cannot be interrupted, so it
   is checked between pieces (a sympy call that never returns is not cut short).

Proofs are :class:`~checkers.kernel.Certificate` objects with one :class:`~checkers.kernel.Step` whose
``check`` has ``kind = "activation_property"`` and a ``method``:

- ``z3_pwl``: ``pieces``, ``smtlib`` (the negated property), ``answer`` -- replay regenerates the query
  from the activation's definition, demands the same text, and re-solves it (must be unsat);
- ``sympy_derivative``: ``pieces``, ``order`` (1 or 2), ``sign`` (+1 / -1), per piece the stored
  ``derivative`` (srepr) -- replay parses it (whitelisted names only), checks it equals the derivative of
  the piece, re-establishes its sign on the piece, and recomputes analyticity and every breakpoint test;
- ``sympy_limit``: ``pieces``, ``limits`` -- replay recomputes continuity and the limits;
- ``structure``: ``pieces``, ``affine`` -- replay recomputes that every piece is affine.
In every case replay first re-derives the pieces from ``theory.activations`` and demands the stored ones.
``any-nondecreasing`` has no expression: every property is Unknown (its monotonicity is a hypothesis of
the claims that use it, never a fact established here).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sympy as sp

from checkers import activation_pwl as pwl
from checkers.activation_pieces import Piece, analytic_on, limit_at, parse_srepr, pieces_of, sign_on
from checkers.activation_witness import ActivationWitness, search
from checkers.kernel import (REPLAYERS, Certificate, Proved, Refuted, Step, Unknown, Verdict,
                             certificate_replayer, replayer)
from theory.activations import X, Activation, Property, catalogue, get_activation
from theory.errors import BadInput

P = Property
KIND = "activation_property"
CERT_PROPERTY = "activation"


@dataclass(frozen=True)
class ActivationClaim:
    """The claim "activation ``activation`` (a catalogue spec) has property ``property`` on R"."""

    activation: str
    property: Property

    def describe(self) -> str:
        return f"{self.activation} is {self.property.value.replace('_', ' ')} on R"

    def to_json(self) -> dict:
        return {"property": CERT_PROPERTY, "activation": self.activation, "fact": self.property.value}


_CACHE: dict[tuple, Verdict] = {}


def establish(act: Activation, prop: Property, timeout: float = 20.0) -> Verdict:
    """Proved / Refuted / Unknown for ``prop`` of ``act``; cached by (act.spec, act.expr, prop) (a timeout
    is not cached)."""
    key = (act.spec, act.expr, prop)  # the expression too: a home-made Activation may reuse a name
    if key in _CACHE:
        return _CACHE[key]
    verdict = _establish(act, prop, timeout)
    if not (isinstance(verdict, Unknown) and "timeout" in verdict.reason):
        _CACHE[key] = verdict
    return verdict


def facts(act: Activation) -> dict[Property, Verdict]:
    """Every property of ``act``, established."""
    return {prop: establish(act, prop) for prop in Property}


def _establish(act: Activation, prop: Property, timeout: float) -> Verdict:
    start = time.perf_counter()
    if act.expr is None:
        return Unknown(f"{act.spec} stands for every non-decreasing function and has no expression to "
                       "analyse; its properties are hypotheses of the claims that use it", "activation_facts")
    try:
        pieces = pieces_of(act.expr)
    except (ValueError, TypeError, NotImplementedError) as err:
        return Unknown(f"cannot cut {act.spec} into interval pieces: {err}", "structure")
    try:
        return _decide(act, pieces, prop, timeout, start)
    except (ValueError, TypeError, NotImplementedError, RecursionError) as err:  # sympy gave up: not a verdict
        return Unknown(f"the analysis failed: {type(err).__name__}: {err}", "activation_facts",
                       time.perf_counter() - start)


def _decide(act, pieces, prop, timeout, start) -> Verdict:
    deadline = start + timeout
    searched = False
    if prop is not P.PIECEWISE_LINEAR and not all(p.affine() is not None for p in pieces):
        # Cheap before costly: a numeric scan certified exactly settles most false properties at once.
        searched, witness = True, search(act, prop, pieces)
        if witness is not None:
            return Refuted(witness, "witness_search", time.perf_counter() - start)
    step, method, reason, witness = _prove(act, pieces, prop, deadline)
    seconds = time.perf_counter() - start
    if step is not None:
        return Proved(Certificate(ActivationClaim(act.spec, prop), step), method, seconds)
    if witness is not None and witness.recheck():
        return Refuted(witness, method, seconds)
    if time.perf_counter() > deadline:
        return Unknown(f"timeout after {timeout:g} s ({reason})", method, seconds)
    witness = None if searched else search(act, prop, pieces)
    seconds = time.perf_counter() - start
    if witness is not None:
        return Refuted(witness, "witness_search", seconds)
    return Unknown(f"{reason}; the witness search found no violation it could certify", method, seconds)


def _prove(act, pieces, prop, deadline):
    """(step, method, reason, witness): a proof step, or the reason there is none (and maybe z3's witness)."""
    base = {"kind": KIND, "activation": act.spec, "property": prop.value, "pieces": [p.to_json() for p in pieces]}
    statement = ActivationClaim(act.spec, prop).describe()
    affine = all(p.affine() is not None for p in pieces)
    if prop is P.PIECEWISE_LINEAR:
        if not affine:
            return None, "structure", "some piece is not affine with rational coefficients", None
        coeffs = [[str(c) for c in p.affine()] for p in pieces]
        return Step("activation_property", f"{statement}: every piece is a*x + b",
                    {**base, "method": "structure", "affine": coeffs}), "structure", "", None
    if prop in (P.BOUNDED_BELOW, P.BOUNDED_ABOVE):
        limits, why = _bound_facts(pieces, prop)
        if why:
            return None, "sympy_limit", why, None
        return Step("activation_property", f"{statement}: continuous pieces, limits {limits}",
                    {**base, "method": "sympy_limit", "limits": limits}), "sympy_limit", "", None
    if affine:
        return _prove_pwl(act, pieces, prop, deadline, base, statement)
    return _prove_smooth(pieces, prop, deadline, base, statement)


def _prove_pwl(act, pieces, prop, deadline, base, statement):
    text = pwl.negation(pieces, prop)
    answer, model = pwl.solve(text, max(0.1, deadline - time.perf_counter()))
    if answer == "unsat":
        return Step("activation_property", f"{statement}: z3 finds the negation unsat",
                    {**base, "method": "z3_pwl", "smtlib": text, "answer": answer}), "z3_pwl", "", None
    if answer == "sat":
        a, b = sorted(model)
        kind = {P.NONDECREASING: "decrease", P.CONVEX: "midpoint_above", P.CONCAVE: "midpoint_below"}[prop]
        w = ActivationWitness(act.spec, prop, kind, (a, b), act=act)
        return None, "z3_pwl", "z3 found the negation satisfiable", w
    return None, "z3_pwl", f"z3 answered {answer} (timeout)", None


# --- smooth pieces -----------------------------------------------------------------------------------

def _order_sign(prop: Property) -> tuple[int, int]:
    return {P.NONDECREASING: (1, 1), P.CONVEX: (2, 1), P.CONCAVE: (2, -1)}[prop]


def _not_analytic(pieces) -> str | None:
    for p in pieces:
        why = analytic_on(p.expr, p)
        if why:
            return f"piece {p.expr} on {p.interval}: {why}"
    return None


def _constant_sign(v: sp.Expr, want: str) -> bool:
    v = sp.simplify(v)
    return bool(v.is_zero) if want == "zero" else bool(v.is_nonnegative)


def _joints(pieces: tuple[Piece, ...], prop: Property) -> str | None:
    """None if every breakpoint keeps the property (see the module docstring), else what fails."""
    order, sign = _order_sign(prop)
    if order == 2 and any(p.is_point for p in pieces):
        return "a single-point piece: convexity at it is not analysed"
    for left, right in zip(pieces, pieces[1:]):
        b = left.hi
        jump = right.expr.subs(X, b) - left.expr.subs(X, b)
        if order == 1:
            if not _constant_sign(jump, "nonneg"):
                return f"cannot show the jump {sp.simplify(jump)} at {b} is >= 0"
            continue
        if not _constant_sign(jump, "zero"):
            return f"s is not shown continuous at {b} (jump {sp.simplify(jump)})"
        kink = sp.diff(right.expr, X).subs(X, b) - sp.diff(left.expr, X).subs(X, b)
        if not _constant_sign(sign * kink, "nonneg"):
            return f"the slope change {sp.simplify(kink)} at {b} has the wrong sign"
    return None


def _prove_smooth(pieces, prop, deadline, base, statement):
    method = "sympy_derivative"
    why = _not_analytic(pieces)
    if why:
        return None, method, why, None
    order, sign = _order_sign(prop)
    records = []
    for p in pieces:
        if time.perf_counter() > deadline:
            return None, method, "timeout in the derivative sign analysis", None
        if p.is_point:
            records.append(None)
            continue
        d = sp.diff(p.expr, X, order)
        how = sign_on(sign * d, p)
        if how is None:
            return None, method, f"cannot show {'' if sign > 0 else '-'}({d}) >= 0 on {p.interval}", None
        records.append({"derivative": sp.srepr(d), "text": str(d), "sign_by": how})
    why = _joints(pieces, prop)
    if why:
        return None, method, why, None
    check = {**base, "method": method, "order": order, "sign": sign, "derivatives": records}
    return Step("activation_property", f"{statement}: sign of s{chr(39) * order} on every piece, breakpoints",
                check), method, "", None


def _bound_facts(pieces, prop) -> tuple[list, str | None]:
    why = _not_analytic(pieces)
    if why:
        return [], why
    bad = -sp.oo if prop is P.BOUNDED_BELOW else sp.oo
    limits = []
    ends = [("-oo", pieces[0]), ("+oo", pieces[-1])]
    for end, piece in ends:
        try:
            lim = limit_at(piece, end)
        except (NotImplementedError, ValueError) as err:
            return [], f"no limit at {end}: {err}"
        if not (lim.is_extended_real and (lim.is_finite or lim.is_infinite)) or lim.has(sp.AccumBounds):
            return [], f"the limit at {end} is {lim}, not a definite extended real"
        if lim == bad:
            return [], f"the limit at {end} is {lim}"
        limits.append({"end": end, "limit": str(lim)})
    return limits, None


# --- replay ------------------------------------------------------------------------------------------

@replayer(KIND)
def replay_step(check: dict, ctx=None) -> str | None:
    """Re-check an activation-property step from its stored data; None if it holds, else what failed."""
    try:
        act = get_activation(str(check["activation"]))
        prop = Property(check["property"])
    except (KeyError, ValueError, BadInput) as err:
        return f"activation step names no known activation/property: {err}"
    if act.expr is None:
        return f"{act.spec} has no expression: no property can be proved"
    try:
        pieces = pieces_of(act.expr)
        if check.get("pieces") != [p.to_json() for p in pieces]:
            return "stored pieces differ from the activation's definition"
        return _REPLAY.get(check.get("method"), _unknown_method)(check, pieces, prop)
    except (ValueError, TypeError, KeyError, SyntaxError, NotImplementedError) as err:
        return f"replay failed: {type(err).__name__}: {err}"


def _unknown_method(check, pieces, prop):
    return f"unknown activation proof method {check.get('method')!r}"


def _replay_pwl(check, pieces, prop):
    text = pwl.negation(pieces, prop)
    if check.get("smtlib") != text:
        return "stored z3 query differs from the negation of the property"
    answer, _ = pwl.solve(text, 20.0)
    return None if answer == "unsat" else f"z3 answered {answer}, not unsat"


def _replay_structure(check, pieces, prop):
    if prop is not P.PIECEWISE_LINEAR:
        return "structure proves only piecewise-linearity"
    if any(p.affine() is None for p in pieces):
        return "some piece is not affine"
    return None


def _replay_limit(check, pieces, prop):
    if prop not in (P.BOUNDED_BELOW, P.BOUNDED_ABOVE):
        return "limits prove only bounds"
    limits, why = _bound_facts(pieces, prop)
    if why:
        return why
    return None if check.get("limits") == limits else "stored limits differ from the recomputed ones"


def _replay_derivative(check, pieces, prop):
    order, sign = _order_sign(prop)
    if (check.get("order"), check.get("sign")) != (order, sign):
        return "stored derivative order or sign does not match the property"
    why = _not_analytic(pieces)
    if why:
        return why
    records = check.get("derivatives") or []
    if len(records) != len(pieces):
        return "one derivative record per piece is required"
    for p, rec in zip(pieces, records):
        if p.is_point:
            continue
        d = parse_srepr(rec["derivative"])
        if sp.simplify(d - sp.diff(p.expr, X, order)) != 0:
            return f"stored derivative {d} is not the derivative of order {order} of {p.expr}"
        if sign_on(sign * d, p) is None:
            return f"the sign of {d} on {p.interval} cannot be re-established"
    return _joints(pieces, prop)


_REPLAY = {"z3_pwl": _replay_pwl, "structure": _replay_structure, "sympy_limit": _replay_limit,
           "sympy_derivative": _replay_derivative}


def replay_certificate(cert: Certificate) -> list[str]:
    """Replay every step of a certificate with its registered replayer; the list of failures."""
    failures = []
    for step in cert.proof.walk():
        fn = REPLAYERS.get(step.check.get("kind"))
        why = f"no replayer for step kind {step.check.get('kind')!r}" if fn is None else fn(step.check, None)
        if why:
            failures.append(f"[{step.rule}] {why}")
    return failures


# --- JSON --------------------------------------------------------------------------------------------

def verdict_json(verdict: Verdict) -> dict:
    """{"verdict", "method", "seconds", "witness" (or None), and "reason" / "proof" when present}."""
    out = {"verdict": verdict.verdict, "method": verdict.method, "seconds": round(verdict.seconds, 4),
           "witness": verdict.witness.to_json() if isinstance(verdict, Refuted) else None}
    if isinstance(verdict, Unknown):
        out["reason"] = verdict.reason
    if isinstance(verdict, Proved):
        out["proof"] = verdict.certificate.proof.to_json()
    return out


def certificate_json(act: Activation, prop: Property, verdict: Verdict) -> dict:
    from checkers.kernel import CERT_FORMAT, CERT_VERSION

    return {"format": CERT_FORMAT, "version": CERT_VERSION, **verdict_json(verdict),
            "claim": ActivationClaim(act.spec, prop).to_json()}


@certificate_replayer(CERT_PROPERTY)
def replay_certificate_json(obj: dict) -> list[str]:
    """Replay a certificate written by :func:`certificate_json`: proof steps, or the witness recheck."""
    verdict = obj.get("verdict")
    claim = obj.get("claim") or {}
    if verdict == "proved":
        try:
            step = Step.from_json(obj["proof"])
        except (KeyError, BadInput) as err:
            return [f"proof missing or malformed: {err}"]
        if (step.check.get("activation"), step.check.get("property")) != (claim.get("activation"), claim.get("fact")):
            return ["the proof is about another activation or property than the claim"]
        return replay_certificate(Certificate(claim, step))
    if verdict == "refuted":
        try:
            w = ActivationWitness.from_json(obj["witness"])
        except (KeyError, TypeError, ValueError) as err:
            return [f"witness missing or malformed: {err}"]
        if (w.activation, w.property.value) != (claim.get("activation"), claim.get("fact")):
            return ["the witness is about another activation or property than the claim"]
        return [] if w.recheck() else ["the witness does not recheck"]
    return [] if verdict == "unknown" else [f"unknown verdict {verdict!r}"]


def table(acts=None) -> list[tuple[Activation, dict[Property, Verdict]]]:
    """(activation, facts) for each activation (default: the whole catalogue)."""
    return [(act, facts(act)) for act in (catalogue() if acts is None else acts)]
