"""Refutation certificates: a versioned JSON record of a witness pair and its bounds, and its replay.

Format (``"format": "negproof-certificate", "version": 1``)::

    {"format": ..., "version": 1, "verdict": "refuted", "method": "witness-search" | "dataset-exact",
     "claim": {"property": "refutation", "class": "nonneg",
               "statement": "no network of the class has sup-error < B on the target",
               "target": {"kind": "gallery", "name": "xor"}
                       | {"kind": "expression", "text": "x0*(1-x1)", "box": ["0", "1"], "dim": 2}
                       | {"kind": "data", "file": "/abs/path.csv", "sha256": "...", "n": 4, "dim": 2}},
     "witness": {"x": ["0", "1"], "y": ["1", "1"], "gx": "1", "gy": "0", "rows": [1, 3]},
     "violation": "1", "sup_error_lower_bound": "1/2"}

Replay trusts none of the code that found the pair: it rebuilds the target (or re-reads the data file and
checks its sha256), re-evaluates g at x and y exactly (sympy rationals, or rigorous intervals), and checks
x <= y, that both lie in the domain, that the violation is at least the recorded one and positive, and
that the bound is half of it (THEORY.md section 2).  For data it also recomputes, by plain all-pairs
comparison, that no pair of the file has a larger violation (so the bound is the L-infinity optimum).

Class nonneg-convex (``"class": "nonneg-convex"``, THEORY.md section 5) adds ``"violation_kind"``:
"order" (the pair above, bound delta/2), "convexity" (x, y and the midpoint (x+y)/2: delta =
g(m) - (g(x)+g(y))/2, bound delta/2) or "supermodularity" (x, y, x v y, x ^ y: Delta = g(x) + g(y) -
g(x v y) - g(x ^ y), bound Delta/4); ``witness.rows`` lists the data rows of all the points.  Replay
recomputes the midpoint / join / meet exactly from x and y, re-evaluates g at every point (or re-reads the
rows of the file), and checks the violation and the bound; no optimality is claimed for this class.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from checkers.kernel import CERT_FORMAT, CERT_VERSION, certificate_replayer
from counterexamples.data import load_csv
from counterexamples.dominance import brute_dominated_max
from counterexamples.gallery import get_target
from counterexamples.targets import expression_target
from counterexamples.convexity import violation_kind
from counterexamples.witness import PairWitness
from theory.errors import BadInput
from theory.exact import endpoints

BRUTE_LIMIT = 20_000


def refutation_certificate(target_record: dict, witness, method: str, extra: dict | None = None,
                           klass: str = "nonneg") -> dict:
    if klass != "nonneg":
        return _convex_certificate(target_record, witness, method, extra, klass)
    bound = witness.sup_error_lower_bound
    wj = witness.to_json()
    if witness.i is not None:
        wj["rows"] = [witness.i, witness.j]
    return {"format": CERT_FORMAT, "version": CERT_VERSION, "verdict": "refuted", "method": method,
            "claim": {"property": "refutation", "class": "nonneg",
                      "statement": f"every network with weights >= 0 and non-decreasing activations has "
                                   f"sup-error >= {bound} on the target",
                      "target": target_record},
            "witness": wj, "violation": str(witness.violation), "sup_error_lower_bound": str(bound),
            **(extra or {})}


def _target_of(rec: dict):
    """The target a certificate names: a gallery entry or an expression on its box."""
    if rec.get("kind") == "gallery":
        return get_target(str(rec.get("name")))
    box = rec.get("box") or ["0", "1"]
    return expression_target(str(rec.get("text")), Fraction(box[0]), Fraction(box[1]), rec.get("dim"))


def _witness_numbers(cert: dict, wit: dict):
    """(x, y, violation, bound) as exact rationals, or the reason they cannot be read."""
    try:
        return (_fractions(wit["x"], "x"), _fractions(wit["y"], "y"), Fraction(str(cert["violation"])),
                Fraction(str(cert["sup_error_lower_bound"])))
    except (KeyError, ValueError, ZeroDivisionError):
        return "certificate lacks witness x, y, violation or sup_error_lower_bound"


def _fractions(values, what: str) -> tuple[Fraction, ...]:
    try:
        return tuple(Fraction(str(v)) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        raise BadInput(f"certificate witness {what} is malformed") from None


@certificate_replayer("refutation")
def replay_refutation(cert: dict) -> list[str]:
    """Re-check a refutation certificate; returns the failures (empty: it holds)."""
    fails: list[str] = []
    if cert.get("format") != CERT_FORMAT or cert.get("version") != CERT_VERSION:
        return [f"not a {CERT_FORMAT} version {CERT_VERSION} certificate"]
    claim, wit = cert.get("claim") or {}, cert.get("witness") or {}
    if claim.get("class", "nonneg") != "nonneg":
        return _replay_convex(cert, claim, wit)
    rec = claim.get("target") or {}
    parsed = _witness_numbers(cert, wit)
    if isinstance(parsed, str):
        return [parsed]
    x, y, violation, bound = parsed
    if len(x) != len(y) or any(a > b for a, b in zip(x, y)):
        fails.append("witness is not an ordered pair x <= y")
    kind = rec.get("kind")
    if kind in ("gallery", "expression"):
        target = _target_of(rec)
        if not (target.in_domain(x) and target.in_domain(y)):
            fails.append("witness points lie outside the target's domain")
        else:
            w = PairWitness(x, y, target.value(x), target.value(y))
            if not w.violation > 0:
                fails.append(f"re-evaluated g(x) - g(y) is not certainly positive (lower bound {w.violation})")
            elif w.violation < violation:
                fails.append(f"re-evaluated violation lower bound {w.violation} is below the recorded {violation}")
    elif kind == "data":
        fails += _replay_data(rec, wit, x, y, violation)
    else:
        fails.append(f"unknown target kind {kind!r}")
    if bound != violation / 2:
        fails.append(f"sup_error_lower_bound {bound} is not half the violation {violation}")
    return fails


def _replay_data(rec: dict, wit: dict, x, y, violation: Fraction) -> list[str]:
    fails = []
    try:
        ds = load_csv(str(rec.get("file")), need_y="target" not in rec)
    except BadInput as err:
        return [f"data file: {err}"]
    if ds.sha256 != rec.get("sha256"):
        return ["data file has changed: its sha256 differs from the certificate's"]
    rows = wit.get("rows")
    if not (isinstance(rows, list) and len(rows) == 2 and all(isinstance(r, int) and 0 <= r < ds.n for r in rows)):
        return ["witness rows are missing or out of range"]
    i, j = rows
    if ds.exact_x(i) != x or ds.exact_x(j) != y:
        fails.append("witness points differ from the file's rows")
    if "target" in rec:
        t = rec["target"]
        target = get_target(t["name"]) if t.get("kind") == "gallery" else expression_target(t["text"], dim=ds.dim)
        gx, gy = target.value(x), target.value(y)
        y_float = target.evaluate(ds.X)
    else:
        gx, gy = ds.exact_y(i), ds.exact_y(j)
        y_float = ds.y
    got = endpoints(gx)[0] - endpoints(gy)[1]
    if not got > 0 or got < violation:
        fails.append(f"values at the witness rows give violation {got}, recorded {violation}")
    if ds.n <= BRUTE_LIMIT:
        best = float((brute_dominated_max(ds.X, y_float) - y_float).max())
        tol = 1e-12 * max(1.0, float(np.abs(y_float).max()))
        if best > float(violation) + tol:
            fails.append(f"a pair of the data has a larger violation ({best}) than recorded: bound not optimal")
    return fails


# --- class nonneg-convex -----------------------------------------------------------------------------------

_DIVISOR = {"order": 2, "convexity": 2, "supermodularity": 4}


def _convex_certificate(target_record: dict, witness, method: str, extra: dict | None, klass: str) -> dict:
    kind = violation_kind(witness)
    bound = witness.sup_error_lower_bound
    wj = witness.to_json()
    rows = (witness.i, witness.j) if kind == "order" else witness.rows
    if rows is not None and None not in rows:
        wj["rows"] = list(rows)
    return {"format": CERT_FORMAT, "version": CERT_VERSION, "verdict": "refuted", "method": method,
            "claim": {"property": "refutation", "class": klass,
                      "statement": f"every network with weights >= 0 and convex non-decreasing activations has "
                                   f"sup-error >= {bound} on the target",
                      "target": target_record},
            "violation_kind": kind, "witness": wj, "violation": str(witness.violation),
            "sup_error_lower_bound": str(bound), **(extra or {})}


def _points(kind: str, x: tuple, y: tuple) -> tuple:
    if kind == "order":
        return x, y
    if kind == "convexity":
        return x, y, tuple((a + b) / 2 for a, b in zip(x, y))
    return x, y, tuple(map(max, x, y)), tuple(map(min, x, y))


def _kind_violation(kind: str, vals: list) -> Fraction:
    lo = [endpoints(v)[0] for v in vals]
    hi = [endpoints(v)[1] for v in vals]
    if kind == "order":
        return lo[0] - hi[1]
    if kind == "convexity":
        return lo[2] - (hi[0] + hi[1]) / 2
    return lo[0] + lo[1] - hi[2] - hi[3]


def _replay_convex(cert: dict, claim: dict, wit: dict) -> list[str]:
    if claim.get("class") != "nonneg-convex":
        return [f"unknown class {claim.get('class')!r} (choices: nonneg, nonneg-convex)"]
    kind = cert.get("violation_kind")
    if kind not in _DIVISOR:
        return [f"unknown violation_kind {kind!r} (choices: {', '.join(_DIVISOR)})"]
    parsed = _witness_numbers(cert, wit)
    if isinstance(parsed, str):
        return [parsed]
    x, y, violation, bound = parsed
    fails = []
    if len(x) != len(y) or not x:
        return ["witness points x and y differ in dimension"]
    if kind == "order" and any(a > b for a, b in zip(x, y)):
        fails.append("witness is not an ordered pair x <= y")
    pts = _points(kind, x, y)
    named = {"convexity": ("midpoint",), "supermodularity": ("join", "meet")}.get(kind, ())
    for name, p in zip(named, pts[2:]):
        if name in wit and _fractions(wit[name], name) != p:
            fails.append(f"recorded {name} is not the exact {name} of x and y")
    rec = claim.get("target") or {}
    tkind = rec.get("kind")
    if tkind in ("gallery", "expression"):
        target = _target_of(rec)
        if not all(target.in_domain(p) for p in pts):
            return fails + ["witness points lie outside the target's domain"]
        vals = [target.value(p) for p in pts]
    elif tkind == "data":
        got = _data_values(rec, wit, pts)
        if isinstance(got, str):
            return fails + [got]
        vals = got
    else:
        return fails + [f"unknown target kind {tkind!r}"]
    got_v = _kind_violation(kind, vals)
    if not got_v > 0:
        fails.append(f"re-evaluated {kind} violation is not certainly positive (lower bound {got_v})")
    elif got_v < violation:
        fails.append(f"re-evaluated {kind} violation lower bound {got_v} is below the recorded {violation}")
    if bound != violation / _DIVISOR[kind]:
        fails.append(f"sup_error_lower_bound {bound} is not violation/{_DIVISOR[kind]} for a {kind} witness")
    return fails


def _data_values(rec: dict, wit: dict, pts: tuple):
    """The exact values at the witness rows of the certificate's data file, or a failure message."""
    try:
        ds = load_csv(str(rec.get("file")), need_y="target" not in rec)
    except BadInput as err:
        return f"data file: {err}"
    if ds.sha256 != rec.get("sha256"):
        return "data file has changed: its sha256 differs from the certificate's"
    rows = wit.get("rows")
    if not (isinstance(rows, list) and len(rows) == len(pts) and
            all(isinstance(r, int) and 0 <= r < ds.n for r in rows)):
        return "witness rows are missing, of the wrong number or out of range"
    if any(ds.exact_x(r) != p for r, p in zip(rows, pts)):
        return "witness points differ from the file's rows"
    if "target" in rec:
        t = rec["target"]
        target = get_target(t["name"]) if t.get("kind") == "gallery" else expression_target(t["text"], dim=ds.dim)
        return [target.value(p) for p in pts]
    return [ds.exact_y(r) for r in rows]
