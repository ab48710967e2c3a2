"""Premises a network proof may rest on, in one place for every checker.

Two kinds: a *hypothesis* of the claim (a sign assumed for symbolic weights, monotonicity assumed for
``any-nondecreasing``), which replay checks against the hypotheses recomputed from the model; and a
*proved fact* about an activation, whose own derivation (from :mod:`checkers.activation_facts`) replays by
its own kind.  "Not available" is None: an unproved property is never assumed.
"""
from __future__ import annotations

from checkers.activation_facts import establish
from checkers.kernel import Proved, Step, replayer
from theory.activations import Activation, Property


def hypothesis_step(subject: str, statement: str, **extra) -> Step:
    """A premise the claim assumes; it replays only if the claim, rebuilt from the model, assumes it."""
    return Step("hypothesis", f"{subject}: {statement} (assumed by the claim)",
                {"kind": "hypothesis", "subject": subject, "statement": statement, **extra})


def nondecreasing_premise(act: Activation) -> Step | None:
    """Why ``act`` may be taken as non-decreasing: the claim's hypothesis (``any-nondecreasing``) or a
    proof by the activation checker; None when neither exists."""
    if Property.NONDECREASING in act.assumed:
        return hypothesis_step("activation", Property.NONDECREASING.value, activation=act.spec)
    verdict = establish(act, Property.NONDECREASING)
    return verdict.certificate.proof if isinstance(verdict, Proved) else None


@replayer("hypothesis")
def _replay_hypothesis(check: dict, ctx) -> str | None:
    if check.get("subject") == "activation":
        acts = {a.spec: a for a in ctx.claim.network.activations()}
        act = acts.get(check.get("activation"))
        if act is not None and check.get("statement") in {p.value for p in act.assumed}:
            return None
        return f"activation {check.get('activation')!r} is not assumed {check.get('statement')} by the claim"
    hyps = {(h.subject, h.statement) for h in ctx.claim.hypotheses()}
    if (check.get("subject"), check.get("statement")) in hyps:
        return None
    return f"{check.get('subject')} {check.get('statement')} is not a hypothesis of this claim"
