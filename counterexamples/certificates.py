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
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from checkers.kernel import CERT_FORMAT, CERT_VERSION, certificate_replayer
from counterexamples.data import load_csv
from counterexamples.dominance import brute_dominated_max
from counterexamples.gallery import get_target
from counterexamples.targets import expression_target
from counterexamples.witness import PairWitness
from theory.errors import BadInput
from theory.exact import endpoints

BRUTE_LIMIT = 20_000


def refutation_certificate(target_record: dict, witness: PairWitness, method: str, extra: dict | None = None) -> dict:
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
    rec = claim.get("target") or {}
    try:
        x, y = _fractions(wit["x"], "x"), _fractions(wit["y"], "y")
        violation = Fraction(str(cert["violation"]))
        bound = Fraction(str(cert["sup_error_lower_bound"]))
    except (KeyError, ValueError, ZeroDivisionError):
        return ["certificate lacks witness x, y, violation or sup_error_lower_bound"]
    if len(x) != len(y) or any(a > b for a, b in zip(x, y)):
        fails.append("witness is not an ordered pair x <= y")
    kind = rec.get("kind")
    if kind in ("gallery", "expression"):
        if kind == "gallery":
            target = get_target(str(rec.get("name")))
        else:
            box = rec.get("box") or ["0", "1"]
            target = expression_target(str(rec.get("text")), Fraction(box[0]), Fraction(box[1]), rec.get("dim"))
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
