"""The kernel: refutations exist only after an exact re-check; witnesses are simplified but stay valid."""
from fractions import Fraction

from checkers.kernel import Refuted, Unknown, Witness, refuted_if_rechecked
from checkers.lemmas import LEMMAS, prove_lemma
from theory.activations import get_activation
from theory.claims import Box, monotone_claim
from theory.network import Act, Network, dense

NET = Network.chain([dense([[1.0, -1.0]]), Act(get_activation("relu"))], 2)
CLAIM = monotone_claim(NET, box=Box(Fraction(0), Fraction(1)))


def test_a_false_witness_is_never_a_refutation():
    wrong = Witness.make([0.25, 0.0], [0.5, 0.0], output=0, input=0)  # relu(x0 - x1) increases in x0
    assert isinstance(refuted_if_rechecked(wrong, CLAIM, "test"), Unknown)
    unordered = Witness.make([0.5, 0.5], [0.5, 0.25], output=0, input=1)  # y1 < x1: not an ordered pair
    assert isinstance(refuted_if_rechecked(unordered, CLAIM, "test"), Unknown)


def test_witnesses_are_simplified_and_still_recheck():
    ugly = Witness.make([0.7312345678, 0.1012345678], [0.7312345678, 0.6512345678], output=0, input=1)
    verdict = refuted_if_rechecked(ugly, CLAIM, "test")
    assert isinstance(verdict, Refuted)
    w = verdict.witness
    assert w.recheck(NET, CLAIM.box)
    assert max(v.denominator for v in (*w.x, *w.y)) <= 10
    assert w.x[0] == w.y[0] and w.x[1] <= w.y[1]


def test_every_lemma_is_proved_by_z3():
    for name in LEMMAS:
        assert prove_lemma(name).check["answer"] == "unsat"
