"""Every checker on the shared table: answers may be unknown, never a contradiction."""
import pytest

from checkers.cascade import METHODS, prove
from checkers.kernel import Proved, Refuted, Unknown
from tests.cases import CASES, claim_of


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_no_method_contradicts_the_table(case):
    claim = claim_of(case)
    answers = {}
    for method in METHODS:
        verdict = prove(claim, method, timeout=30)
        assert isinstance(verdict, (Proved, Refuted, Unknown))
        answers[method] = verdict.verdict
        if isinstance(verdict, Refuted):
            assert verdict.witness.recheck(claim.network, claim.box or None) or claim.box is None
        if case.expected:
            assert not isinstance(verdict, Refuted), f"{method} refuted a true claim"
        else:
            assert not isinstance(verdict, Proved), f"{method} proved a false claim"
    assert not ({"proved", "refuted"} <= set(answers.values())), answers


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_auto_decides(case):
    verdict = prove(claim_of(case), "auto", timeout=30)
    if case.decidable:
        assert verdict.verdict == ("proved" if case.expected else "refuted"), getattr(verdict, "reason", "")
    else:
        assert verdict.verdict == "unknown"  # unknown is the correct answer here: never proved, never refuted


from hypothesis import given, settings  # noqa: E402

from tests.strategies import networks  # noqa: E402
from theory.claims import Box, monotone_claim  # noqa: E402


@settings(max_examples=15)
@given(networks(signs="nonneg", max_width=5))
def test_random_nonneg_networks_are_proved_by_every_method_that_applies(net):
    claim = monotone_claim(net, box=Box.parse("0:1"))
    for method in ("structural", "smt", "symbolic"):
        verdict = prove(claim, method, timeout=30)
        assert verdict.verdict == "proved", (method, getattr(verdict, "reason", ""))
    assert prove(claim, "falsify", timeout=5).verdict == "unknown"  # a search never proves


@settings(max_examples=15)
@given(networks(signs="mixed", activations=["relu", "leaky_relu(1/10)", "hardtanh"], max_width=4))
def test_random_mixed_networks_methods_never_contradict(net):
    claim = monotone_claim(net, box=Box.parse("0:1"))
    answers = {m: prove(claim, m, timeout=20) for m in ("structural", "smt", "symbolic", "falsify")}
    kinds = {v.verdict for v in answers.values()}
    assert not {"proved", "refuted"} <= kinds, {m: v.verdict for m, v in answers.items()}
    for v in answers.values():
        if isinstance(v, Refuted):
            assert v.witness.recheck(net, claim.box)
