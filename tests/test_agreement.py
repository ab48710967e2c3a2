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
