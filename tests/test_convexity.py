"""The class nonneg-convex (THEORY.md section 5): convexity and supermodularity witnesses, exact on data,
certified on expressions, replayable certificates, and the cross-validation that OR separates relu from
sigmoid networks with non-negative weights."""
import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from checkers.cascade import prove
from checkers.kernel import Proved
from counterexamples.certificates import replay_refutation
from counterexamples.convexity import (ConvexityWitness, SupermodularityWitness, best_of, data_witnesses,
                                       violation_kind)
from counterexamples.gallery import CONVEX_GALLERY, GALLERY, get_target, target_class
from counterexamples.refutation import certificate, refute, to_json
from counterexamples.trainer import train_one
from negproof.cli import main
from theory.claims import monotone_claim
from theory.exact import exact_forward

Q = Fraction
CONVEX = "nonneg-convex"


def run(*args):
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_or_refuted_for_convex_class_consistent_for_nonneg():
    res = refute("or", klass=CONVEX)
    w = res.witness
    assert violation_kind(w) == "supermodularity" and w.exact
    assert (w.violation, w.sup_error_lower_bound) == (1, Q(1, 4))
    assert {w.x, w.y} == {(Q(1), Q(0)), (Q(0), Q(1))} and w.join == (1, 1) and w.meet == (0, 0)
    assert (w.gx, w.gy, w.gjoin, w.gmeet) == (1, 1, 1, 0)
    assert res.found["order"] is None and res.found["convexity"] is None  # vertices: no midpoints
    assert not refute("or").refuted
    out = to_json(res)
    assert out["class"] == CONVEX and out["violation_kind"] == "supermodularity"
    assert out["sup_error_lower_bound"] == "1/4" and out["witness"]["join"] == ["1", "1"]
    assert out["witness"]["meet"] == ["0", "0"] and out["witness"]["gjoin"] == "1"


def test_max_on_the_box_has_delta_one():
    res = refute("max", klass=CONVEX)
    assert violation_kind(res.witness) == "supermodularity"
    assert res.witness.violation == 1 and res.witness.sup_error_lower_bound == Q(1, 4)
    assert not refute("max").refuted
    assert not refute("max(x0, x1)").refuted


@pytest.mark.parametrize("name", list(CONVEX_GALLERY))
def test_convex_gallery_documented_witness(name):
    t = get_target(name)
    assert target_class(name) == CONVEX and name not in GALLERY
    x, y = t.documented_witness
    from counterexamples.convexity import certify_supermodularity
    w = certify_supermodularity(t, x, y)
    assert w is not None and w.recheck(t.value) and w.sup_error_lower_bound == t.documented_bound == Q(1, 4)


@pytest.mark.parametrize("target", ["xor", "xor-continuous"])
def test_xor_still_one_half_under_both_classes(target):
    a, b = refute(target), refute(target, klass=CONVEX)
    assert a.witness.sup_error_lower_bound == b.witness.sup_error_lower_bound == Q(1, 2)
    assert violation_kind(b.witness) == "order"  # ties go to the order witness
    assert b.found["supermodularity"].sup_error_lower_bound == Q(1, 2)  # Delta = 2 at (1,0), (0,1)


def test_min_is_concave_refuted_by_midpoint_convexity_only():
    res = refute("min(x0, x1)", klass=CONVEX)
    w = res.witness
    assert violation_kind(w) == "convexity" and w.exact
    assert (w.violation, w.sup_error_lower_bound) == (Q(1, 2), Q(1, 4))
    assert w.midpoint == (Q(1, 2), Q(1, 2)) and (w.gx, w.gy, w.gm) == (0, 0, Q(1, 2))
    assert res.found["supermodularity"] is None and res.found["order"] is None  # min is supermodular
    assert not refute("min(x0, x1)").refuted


@pytest.mark.parametrize("expr", ["x0 + x1", "x0**2 + x1", "exp(x0 + 2*x1)"])
def test_convex_supermodular_monotone_targets_are_consistent(expr):
    res = refute(expr, klass=CONVEX)
    assert not res.refuted and to_json(res)["verdict"] == "consistent"


def test_concave_transcendental_target_certified_by_intervals():
    res = refute("sqrt(x0 + x1)", klass=CONVEX)
    w = res.witness
    assert not w.exact and w.violation > 0
    # sqrt(2) - 2 * sqrt(1/2)... the best: x = 0, y = (1,1): g(m) - g(y)/2 = 1 - sqrt(2)/2 ~ 0.2929
    assert abs(float(w.violation) - (1 - 2 ** 0.5 / 2)) < 1e-9
    t = get_target("or")
    assert SupermodularityWitness((Q(1), Q(0)), (Q(0), Q(1)), Q(1), Q(1), Q(1), Q(0)).recheck(t.value)


def test_witness_recheck_fails_on_wrong_values():
    t = get_target("or")
    w = SupermodularityWitness((Q(1), Q(0)), (Q(0), Q(1)), Q(1), Q(1), Q(0), Q(0))  # g(1,1) recorded as 0
    assert w.recheck() and not w.recheck(t.value)
    assert not ConvexityWitness((Q(0),), (Q(1),), Q(0), Q(1), Q(1, 2)).recheck()  # linear: delta = 0
    assert best_of(None, w) is w and best_of(None, None) is None


def _brute(X, y):
    """All pairs, exact Fractions: the best convexity and supermodularity violations (None: none > 0)."""
    pts = {}
    for i, p in enumerate(X):
        pts.setdefault(p, []).append(y[i])
    bc = bs = None
    for a, b in itertools.combinations(range(len(X)), 2):
        xa, xb = X[a], X[b]
        m = tuple((u + v) / 2 for u, v in zip(xa, xb))
        if m in pts:
            v = max(pts[m]) - (y[a] + y[b]) / 2
            bc = v if bc is None or v > bc else bc
        jn, mt = tuple(map(max, xa, xb)), tuple(map(min, xa, xb))
        if jn != xa and jn != xb and jn in pts and mt in pts:
            v = y[a] + y[b] - min(pts[jn]) - min(pts[mt])
            bs = v if bs is None or v > bs else bs
    return (bc if bc and bc > 0 else None), (bs if bs and bs > 0 else None)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(-20, 20)), min_size=1, max_size=25),
       st.sampled_from([1, 10, 3]))
def test_data_search_is_exact_against_all_pairs(rows, den):
    X = [(Q(a, 2), Q(b, 4)) for a, b, _ in rows]
    y = [Q(v, den) for *_, v in rows]
    Xf = np.array([[float(v) for v in p] for p in X])
    yf = np.array([float(v) for v in y])
    cw, sw = data_witnesses(Xf, yf, lambda i: X[i], lambda i: y[i])
    bc, bs = _brute(X, y)
    assert (cw.violation if cw else None) == bc and (sw.violation if sw else None) == bs
    for w in (cw, sw):
        if w is not None:
            assert w.recheck() and all(X[r] == p for r, p in zip(w.rows, w.points()))


def test_csv_data_exact_decimals_and_certificate(tmp_path):
    f = tmp_path / "d.csv"
    # OR-like data with decimals and a concave bump at the centre
    f.write_text("x0,x1,y\n0,0,0.1\n1,0,0.7\n0,1,0.7\n1,1,0.9\n0.5,0.5,0.6\n")
    res = refute(str(f), klass=CONVEX)
    w = res.witness
    assert violation_kind(w) == "supermodularity" and w.violation == Q(4, 10)  # 0.7 + 0.7 - 0.9 - 0.1
    assert res.found["convexity"].violation == Q(1, 10)  # 0.6 - (0.7 + 0.7)/2 < 0; 0.6 - (0.1 + 0.9)/2 = 0.1
    assert w.sup_error_lower_bound == Q(1, 10) and res.found["order"] is None
    out = to_json(res)
    assert "optimal_sup_error" not in out and "attained" not in out
    assert any("not claimed to be attained" in n for n in out["notes"])
    cert = certificate(res)
    assert cert["claim"]["class"] == CONVEX and cert["witness"]["rows"] == list(w.rows)
    assert replay_refutation(cert) == []
    bad = json.loads(json.dumps(cert))
    bad["witness"]["rows"] = [w.rows[0], w.rows[1], w.rows[3], w.rows[2]]  # join and meet swapped
    assert replay_refutation(bad)
    f.write_text(f.read_text() + "2,2,5\n")  # the file changes
    assert any("sha256" in m for m in replay_refutation(cert))


@pytest.mark.parametrize("target", ["or", "min(x0, x1)", "xor", "sqrt(x0 + x1)"])
def test_certificates_replay_and_fail_on_tampering(target):
    cert = certificate(refute(target, klass=CONVEX))
    assert replay_refutation(cert) == []
    for field, value in (("violation", "3"), ("sup_error_lower_bound", "1")):
        bad = dict(cert, **{field: value})
        assert replay_refutation(bad), field
    bad = json.loads(json.dumps(cert))
    bad["witness"]["x"] = ["1/3"] * len(bad["witness"]["x"])
    assert replay_refutation(bad)
    for kind in ("order", "convexity", "supermodularity", "bogus"):
        if kind != cert["violation_kind"]:
            assert replay_refutation(dict(cert, violation_kind=kind))
    assert replay_refutation(json.loads(json.dumps(cert).replace(CONVEX, "nonneg-concave")))


def test_cli_json_certificate_and_bad_class(tmp_path):
    c = tmp_path / "c.json"
    code, out = run("refute", "or", "--class", CONVEX, "--json", "--certificate", str(c))
    obj = json.loads(out)
    assert code == 0 and obj["violation_kind"] == "supermodularity" and obj["sup_error_lower_bound"] == "1/4"
    code, out = run("replay", str(c))
    assert code == 0 and "holds" in out
    code, out = run("refute", "or", "--json")
    assert code == 1 and json.loads(out)["class"] == "nonneg"
    code, out = run("refute", "or", "--class", "convex")
    assert code == 2 and "unknown class" in out and CONVEX in out and "Traceback" not in out
    code, out = run("refute", "min(x0,x1)", "--class", CONVEX)
    assert code == 0 and "midpoint convexity" in out and "1/4" in out


def test_gallery_target_on_given_points(tmp_path):
    pts = tmp_path / "p.csv"
    pts.write_text("x0,x1\n0,0\n1,0\n0,1\n1,1\n")
    res = refute("max", data=str(pts), klass=CONVEX)
    assert violation_kind(res.witness) == "supermodularity" and res.witness.sup_error_lower_bound == Q(1, 4)
    assert replay_refutation(certificate(res)) == []


def _exact_sup_error(net, X, y) -> Fraction:
    return max(abs(exact_forward(net, [Fraction(v) for v in x])[0] - Fraction(t)) for x, t in zip(X, y))


def test_crossval_relu_cannot_fit_or_but_sigmoid_can():
    """Non-negative relu networks are convex and supermodular: sup-error >= 1/4 on OR (checked exactly on
    the trained weights), while non-negative sigmoid networks fit OR (Daniels & Velikova 2010)."""
    X, y = get_target("or").dataset()
    for seed in (0, 1):
        r = train_one(X, y, activation="relu", constraint="project", hidden=(8,), epochs=1500, seed=seed)
        assert isinstance(prove(monotone_claim(r.network), "structural"), Proved)
        assert _exact_sup_error(r.network, X, y) >= Q(1, 4)
        assert r.sup_error < 0.26  # and training gets close to the bound
    s = train_one(X, y, activation="sigmoid", constraint="project", hidden=(8,), epochs=1500, seed=0)
    assert isinstance(prove(monotone_claim(s.network), "structural"), Proved)
    assert s.sup_error < 0.05
