"""The activation checker: declared facts are established, witnesses re-check, proofs replay, tampering fails."""
from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from checkers.activation_facts import (ActivationClaim, ActivationWitness, certificate_json, establish, facts,
                                       replay_certificate, replay_certificate_json, replay_step)
from checkers.activation_pieces import parse_srepr, pieces_of
from checkers.kernel import REPLAYERS, Certificate, Proved, Refuted, Step, Unknown
from negproof.cli import main
from theory.activations import ANY_NONDECREASING, X, Activation, Property, Truth, catalogue, get_activation
from theory.exact import certainly_greater, iv, to_interval

P = Property
CATALOGUE = catalogue()
IDS = [a.spec for a in CATALOGUE]
GOLDEN = Path(__file__).parent / "golden" / "activation_table.json"


@pytest.mark.parametrize("act", CATALOGUE, ids=IDS)
def test_declared_facts_are_established(act):
    for prop, verdict in facts(act).items():
        declared = act.declares(prop)
        if declared is Truth.TRUE:
            assert isinstance(verdict, Proved), (act.spec, prop, verdict)
            assert verdict.certificate.claim == ActivationClaim(act.spec, prop)
        elif declared is Truth.FALSE:
            assert isinstance(verdict, Refuted), (act.spec, prop, verdict)


def test_whole_table_matches_golden():
    """Every cell, declared or not (the undeclared ones are what the checker finds; none is unknown)."""
    found = {a.spec: {p.value: v.verdict for p, v in facts(a).items()} for a in CATALOGUE}
    assert found == json.loads(GOLDEN.read_text())
    assert all(v != "unknown" for row in found.values() for v in row.values())


@pytest.mark.parametrize("spec", ["gelu", "silu", "abs", "leaky_relu(-1/2)", "elu(-1)"])
def test_non_monotone_activations_have_a_decreasing_pair(spec):
    act = get_activation(spec)
    v = establish(act, P.NONDECREASING)
    assert isinstance(v, Refuted)
    w = v.witness
    assert w.kind == "decrease" and w.recheck()
    a, b = w.points
    assert isinstance(a, Fraction) and a < b
    # Independent re-evaluation: exact for rational activations, 256-bit intervals otherwise.
    old, iv.prec = iv.prec, 256
    try:
        sa, sb = ((act.exact(a), act.exact(b)) if act.exact is not None
                  else (act.interval(to_interval(a)), act.interval(to_interval(b))))
        assert certainly_greater(sa, sb)
    finally:
        iv.prec = old
    assert float(act.expr.subs(X, sp.Rational(a.numerator, a.denominator))) > \
        float(act.expr.subs(X, sp.Rational(b.numerator, b.denominator)))


def test_gelu_witness_is_near_its_minimum():
    a, b = establish(get_activation("gelu"), P.NONDECREASING).witness.points
    assert a < Fraction(-3, 4) <= b + Fraction(1, 2)  # gelu decreases on (-oo, -0.7518...)


def test_any_nondecreasing_is_unknown_for_everything():
    for prop, v in facts(ANY_NONDECREASING).items():
        assert isinstance(v, Unknown) and v.verdict == "unknown", prop
        assert "hypotheses" in v.reason


def test_unknown_is_an_answer_for_a_true_but_unprovable_fact():
    """x + sin x is non-decreasing (s' = 1 + cos x >= 0), but sympy cannot show it and no search can refute
    it: the answer is unknown, not false."""
    act = Activation("x_plus_sin", X + sp.sin(X), lambda z: z + np.sin(z), None,
                     lambda v: v + mpmath.iv.sin(v))
    v = establish(act, P.NONDECREASING, timeout=10)
    assert isinstance(v, Unknown)
    assert "cos(x) + 1" in v.reason
    below = establish(act, P.BOUNDED_BELOW)
    assert isinstance(below, Refuted) and below.witness.kind == "limit" and below.witness.end == "-oo"


def test_every_refutation_rechecks_and_round_trips_through_json():
    for act in CATALOGUE:
        for prop, v in facts(act).items():
            if isinstance(v, Refuted):
                assert v.witness.recheck(), (act.spec, prop)
                again = ActivationWitness.from_json(json.loads(json.dumps(v.witness.to_json())))
                assert again == v.witness and again.recheck()


def _proofs():
    return [(a, p, v) for a in CATALOGUE for p, v in facts(a).items() if isinstance(v, Proved)]


def test_every_proof_replays():
    proofs = _proofs()
    assert len(proofs) == 51  # the "proved" cells of tests/golden/activation_table.json
    methods = set()
    for act, prop, v in proofs:
        assert replay_certificate(v.certificate) == [], (act.spec, prop)
        methods.add(v.certificate.proof.check["method"])
        cert = json.loads(json.dumps(certificate_json(act, prop, v)))
        assert replay_certificate_json(cert) == []
    assert methods == {"z3_pwl", "sympy_derivative", "sympy_limit", "structure"}
    assert "activation_property" in REPLAYERS


def _proof(spec, prop) -> Step:
    v = establish(get_activation(spec), prop)
    assert isinstance(v, Proved)
    return v.certificate.proof


def _tampered(step: Step, **changes) -> dict:
    return {**json.loads(json.dumps(step.check)), **changes}


def test_replay_fails_on_a_derivative_with_a_negative_part():
    step = _proof("softplus", P.NONDECREASING)
    assert replay_step(step.check) is None
    records = [dict(r) for r in step.check["derivatives"]]
    records[0]["derivative"] = sp.srepr(X - 1)
    why = replay_step(_tampered(step, derivatives=records))
    assert why and "not the derivative" in why


def test_replay_fails_on_a_tampered_z3_query_or_property():
    step = _proof("relu", P.CONVEX)
    assert replay_step(step.check) is None
    weak = step.check["smtlib"].replace("(assert (> (s (/ (+ a b) 2.0))", "(assert (> (s (/ (+ a b) 3.0))")
    assert weak != step.check["smtlib"]
    assert "differs" in replay_step(_tampered(step, smtlib=weak))
    # The same (genuine) data relabelled as a proof of concavity must fail: relu is not concave.
    assert replay_step(_tampered(step, property="concave"))
    # A proof about relu passed off as one about abs.
    assert "pieces differ" in replay_step(_tampered(step, activation="abs"))


def test_replay_fails_on_relabelled_bound_and_structure_proofs():
    below = _proof("sigmoid", P.BOUNDED_BELOW)
    assert replay_step(_tampered(below, activation="exp")) is not None
    assert replay_step(_tampered(below, property="bounded_above", activation="softplus")) is not None
    pwl = _proof("relu", P.PIECEWISE_LINEAR)
    assert replay_step(_tampered(pwl, pieces=pwl.check["pieces"][:1])) is not None


def test_tampered_certificate_json_is_rejected():
    act = get_activation("exp")
    v = establish(act, P.CONVEX)
    cert = json.loads(json.dumps(certificate_json(act, P.CONVEX, v)))
    cert["proof"]["check"]["derivatives"][0]["derivative"] = sp.srepr(-sp.exp(X))
    assert replay_certificate_json(cert)
    act = get_activation("gelu")
    cert = certificate_json(act, P.NONDECREASING, establish(act, P.NONDECREASING))
    cert["witness"]["points"] = list(reversed(cert["witness"]["points"]))
    assert replay_certificate_json(cert) == ["the witness does not recheck"]


def test_false_witnesses_fail_recheck():
    assert not ActivationWitness("relu", P.NONDECREASING, "decrease", (Fraction(-1), Fraction(0))).recheck()
    assert not ActivationWitness("abs", P.NONDECREASING, "decrease", (Fraction(0), Fraction(-1))).recheck()
    assert not ActivationWitness("relu", P.CONVEX, "midpoint_above", (Fraction(-1), Fraction(1))).recheck()
    assert ActivationWitness("relu", P.CONCAVE, "midpoint_below", (Fraction(-1), Fraction(1))).recheck()
    assert not ActivationWitness("relu", P.PIECEWISE_LINEAR, "not_affine",
                                 (Fraction(1), Fraction(2), Fraction(3))).recheck()
    assert not ActivationWitness("sigmoid", P.BOUNDED_ABOVE, "limit", (), "+oo").recheck()
    assert ActivationWitness("exp", P.BOUNDED_ABOVE, "limit", (), "+oo").recheck()
    assert not ActivationWitness("exp", P.BOUNDED_BELOW, "limit", (), "-oo").recheck()
    # A witness of the wrong kind for its property.
    assert not ActivationWitness("abs", P.CONVEX, "decrease", (Fraction(-1), Fraction(0))).recheck()


def test_parse_srepr_refuses_code():
    assert parse_srepr(sp.srepr(sp.exp(X) / (1 + sp.exp(X)) ** 2)) == sp.exp(X) / (1 + sp.exp(X)) ** 2
    for bad in ["__import__('os')", "Symbol('x').func", "open('f')", "Integer(1).__class__"]:
        with pytest.raises(ValueError):
            parse_srepr(bad)


@settings(max_examples=25)
@given(st.fractions(min_value=-3, max_value=3, max_denominator=20))
def test_leaky_relu_facts_follow_alpha(alpha):
    act = get_activation(f"leaky_relu({alpha})")
    f = facts(act)
    assert f[P.NONDECREASING].verdict == ("proved" if alpha >= 0 else "refuted")
    assert f[P.CONVEX].verdict == ("proved" if alpha <= 1 else "refuted")
    assert f[P.CONCAVE].verdict == ("proved" if alpha >= 1 else "refuted")
    assert f[P.BOUNDED_BELOW].verdict == ("proved" if alpha <= 0 else "refuted")
    assert f[P.PIECEWISE_LINEAR].verdict == "proved"
    for prop, v in f.items():
        if isinstance(v, Refuted):
            assert v.witness.recheck()


@pytest.mark.parametrize("alpha,nondec,convex", [("0", "proved", "proved"), ("1/2", "proved", "proved"),
                                                 ("3", "proved", "refuted"), ("-1/3", "refuted", "refuted")])
def test_elu_facts_follow_alpha(alpha, nondec, convex):
    f = facts(get_activation(f"elu({alpha})"))
    assert (f[P.NONDECREASING].verdict, f[P.CONVEX].verdict) == (nondec, convex)
    assert f[P.PIECEWISE_LINEAR].verdict == ("proved" if alpha == "0" else "refuted")


@pytest.mark.parametrize("act", CATALOGUE, ids=IDS)
def test_evaluators_agree_with_the_expression(act):
    """The witnesses use the numpy/exact/interval evaluators; they must compute the sympy definition."""
    pts = [Fraction(k, 4) for k in range(-20, 21, 3)] + [Fraction(0)]
    want = np.array([float(act.expr.subs(X, sp.Rational(q.numerator, q.denominator))) for q in pts])
    assert np.allclose(act.numpy(np.array([float(q) for q in pts])), want, rtol=1e-12, atol=1e-12)
    old, iv.prec = iv.prec, 256
    try:
        for q, w in zip(pts, want):
            v = act.exact(q) if act.exact is not None else act.interval(to_interval(q))
            lo, hi = (float(v), float(v)) if isinstance(v, Fraction) else (float(v.a), float(v.b))
            assert lo - 1e-12 <= w <= hi + 1e-12, (act.spec, q)
    finally:
        iv.prec = old


def test_pieces_partition_the_line():
    ps = pieces_of(get_activation("hardtanh").expr)
    assert [(p.lo, p.hi, p.lo_closed, p.hi_closed) for p in ps] == [
        (-sp.oo, -1, False, False), (-1, 1, True, True), (1, sp.oo, False, False)]


def test_cache_distinguishes_home_made_activations_with_a_catalogue_name():
    fake = Activation("relu", -X, lambda z: -z, lambda q: -q, None)
    assert establish(get_activation("relu"), P.NONDECREASING).verdict == "proved"
    v = establish(fake, P.NONDECREASING)
    assert isinstance(v, Refuted) and v.witness.recheck()


# --- the command line -------------------------------------------------------------------------------

def test_cli_table():
    res = CliRunner().invoke(main, ["activations"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[1:1 + len(CATALOGUE)]}
    assert set(rows) == set(IDS)
    assert rows["gelu"] == ["NO", "NO", "NO", "yes", "NO", "NO"]
    assert rows["relu"] == ["yes", "yes", "NO", "yes", "NO", "yes"]
    assert "!" not in res.output


def test_cli_json_one_activation():
    res = CliRunner().invoke(main, ["activations", "--json", "--activation", "silu"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    (entry,) = out["activations"]
    assert entry["name"] == "silu" and entry["expression"] == "x/(1 + exp(-x))"
    nd = entry["properties"]["nondecreasing"]
    assert nd["verdict"] == "refuted" and nd["method"] == "witness_search"
    assert nd["witness"]["kind"] == "decrease" and len(nd["witness"]["points"]) == 2
    assert entry["properties"]["bounded_below"]["witness"] is None
    assert set(entry["properties"]) == {p.value for p in Property}


def test_cli_json_whole_catalogue_and_unknown_entry():
    res = CliRunner().invoke(main, ["activations", "--json"])
    assert res.exit_code == 0
    assert [e["name"] for e in json.loads(res.output)["activations"]] == IDS
    res = CliRunner().invoke(main, ["activations", "--json", "--activation", "any-nondecreasing"])
    entry = json.loads(res.output)["activations"][0]
    assert entry["expression"] is None
    assert {v["verdict"] for v in entry["properties"].values()} == {"unknown"}


@pytest.mark.parametrize("args", [["--activation", "nope"], ["--activation", "leaky_relu(x)"],
                                  ["--timeout", "0"]])
def test_cli_bad_input_exits_2(args):
    res = CliRunner().invoke(main, ["activations", *args])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
