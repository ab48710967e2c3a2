"""``refute``: from a target (gallery name, expression or CSV data) to a certified verdict.

The result says "refuted" only with a witness pair that survived exact re-evaluation; "consistent" means
no violation exists on the data (exact) or none was found by the search (expressions: a search, not a
proof of monotonicity).  With data, the bounds are exact optima over all monotone functions, and an
explicit step network with non-negative weights attains the L-infinity optimum; it is proved
order-preserving by the structural checker.

With ``klass="nonneg-convex"`` (convex non-decreasing activations, THEORY.md section 5) the witness is the
best of an order pair (bound delta/2), a midpoint-convexity triple (delta/2) or a supermodularity quadruple
(Delta/4), see :mod:`counterexamples.convexity`; on data these are lower bounds only (the isotonic optimum
belongs to the class nonneg and is not claimed to be attained by the subclass).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from checkers.cascade import prove
from checkers.kernel import Proved
from counterexamples.bounds import DataBounds, certify_dataset
from counterexamples.certificates import refutation_certificate
from counterexamples.data import Dataset, load_csv
from counterexamples.gallery import get_target, is_gallery_name
from counterexamples.construct import sigmoid_network, threshold_network
from counterexamples.convexity import (CLASS_HELP, CLASSES, best_of, data_witnesses, find_convex_witnesses,
                                      violation_kind)
from counterexamples.search import find_witness
from counterexamples.targets import Target, expression_target
from counterexamples.witness import PairWitness
from theory.claims import Box, monotone_claim
from theory.errors import BadInput
from theory.exact import render

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\(\s*\d+\s*\))?$")
_VARIABLE = re.compile(r"^x\d+$")
CONSTRUCT_LIMIT = 2000  # data points for which the attaining network is built and proved


@dataclass
class RefuteResult:
    target_record: dict
    description: str
    witness: PairWitness | None
    method: str
    bounds: DataBounds | None = None
    data_label: str = ""
    attained: dict | None = None
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    klass: str = "nonneg"
    found: dict = field(default_factory=dict)  # nonneg-convex: the best witness of each kind (or None)

    @property
    def refuted(self) -> bool:
        return self.witness is not None


def _looks_like_file(text: str) -> bool:
    return text.lower().endswith(".csv") or Path(text).is_file()


def _rational(q: Fraction, exact: bool = True) -> str:
    """An exact value as "p/q" when short, else as its exact (terminating) decimal or "p/q"; a rigorous
    lower bound that is not exact is rounded toward -infinity to 20 decimals, so it stays a lower bound."""
    if exact:
        if q.denominator <= 10 ** 12:
            return str(q)
        den, twos, fives = q.denominator, 0, 0
        while den % 2 == 0:
            den, twos = den // 2, twos + 1
        while den % 5 == 0:
            den, fives = den // 5, fives + 1
        if den != 1:
            return str(q)
        k = max(twos, fives)
        return _dec(q.numerator * 10 ** k // q.denominator, k)
    return _dec(q.numerator * 10 ** 20 // q.denominator, 20)  # floor division: rounds toward -infinity


def _dec(scaled: int, k: int) -> str:
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(k + 1, "0")
    return f"{sign}{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")


def _attain(X: np.ndarray, y: np.ndarray, bounds: DataBounds) -> dict:
    net = threshold_network(X, bounds.linf_fit)
    err = float(np.abs(net.forward(X).ravel() - y).max())
    verdict = prove(monotone_claim(net), method="structural")
    sig = sigmoid_network(X, bounds.linf_fit)
    sig_err = float(np.abs(sig.forward(X).ravel() - y).max())
    sig_verdict = prove(monotone_claim(sig), method="structural")
    return {"network": net.describe(), "n_weights": net.n_weights, "sup_error": err,
            "proved_order_preserving": isinstance(verdict, Proved),
            "sigmoid_network": sig.describe(), "sigmoid_sup_error": sig_err,
            "sigmoid_proved_order_preserving": isinstance(sig_verdict, Proved)}


def refute(target: str, data: str | None = None, box: str | None = None, klass: str = "nonneg") -> RefuteResult:
    """Decide whether ``target`` can be fitted by the class; see the module docstring."""
    if klass not in CLASSES:
        raise BadInput(f"unknown class {klass!r}; choices: " + ", ".join(f"{k} ({CLASS_HELP[k]})" for k in CLASSES))
    convex = klass == "nonneg-convex"
    start = time.perf_counter()
    b = Box.parse(box) if box is not None else None
    text = str(target).strip()
    if _looks_like_file(text):
        if data is not None:
            raise BadInput("give the CSV either as TARGET or with --data, not both")
        return _finish(_refute_data(load_csv(text), None, text, klass), start)
    if data is not None:
        ds = load_csv(data, need_y=False)
        if is_gallery_name(text):
            tg = get_target(text)
            if tg.dim != ds.dim:
                raise BadInput(f"target {tg.name!r} takes {tg.dim} inputs but the data have {ds.dim}")
            rec = {"kind": "gallery", "name": tg.name}
        else:
            tg = expression_target(text, dim=ds.dim)
            rec = {"kind": "expression", "text": text}
        res = _refute_data(ds.with_values(tg.evaluate(ds.X)), (tg, rec), data, klass)
        if ds.y is not None:
            res.notes.append("the file's y column is ignored: the values are the target's at the file's points")
        return _finish(res, start)
    if is_gallery_name(text) or (_NAME.match(text) and not _VARIABLE.match(text)):
        tg = get_target(text)  # an unknown bare name raises BadInput with the nearest gallery name
        if b is not None:
            raise BadInput("--box applies to expressions; gallery targets have their own domain")
        rec = {"kind": "gallery", "name": tg.name}
    else:
        b = b or Box(Fraction(0), Fraction(1))
        tg = expression_target(text, b.lo, b.hi)
        rec = {"kind": "expression", "text": text, "box": [str(b.lo), str(b.hi)], "dim": tg.dim}
    w = find_witness(tg)
    res = RefuteResult(rec, f"{tg.name}: {tg.describe()}", w, "witness-search", klass=klass)
    if convex:
        cw, sw = find_convex_witnesses(tg)
        res.found = {"order": w, "convexity": cw, "supermodularity": sw}
        res.witness = best_of(w, cw, sw)
    if rec["kind"] == "gallery":
        X, y = tg.dataset()
        ds = Dataset(X, y)
        res.bounds = certify_dataset(ds)
        res.data_label = f"the target's {len(y)}-point dataset ({'vertices' if tg.domain == 'vertices' else 'grid'})"
        if ds.n <= CONSTRUCT_LIMIT and not convex:
            res.attained = _attain(X, y, res.bounds)
    if convex and res.witness is None:
        res.notes.append("no order, midpoint-convexity or supermodularity violation found by the search: "
                         "consistent as far as the search shows (not a proof that a network fits)")
    elif w is None and not convex:
        res.notes.append("no violation found by sampling and local search: consistent as far as the search "
                         "shows (a search, not a proof of monotonicity)")
    return _finish(res, start)


def _refute_data(ds: Dataset, target: tuple[Target, dict] | None, path: str, klass: str = "nonneg") -> RefuteResult:
    bounds = certify_dataset(ds)
    rec = {"kind": "data", "file": ds.source, "sha256": ds.sha256, "n": ds.n, "dim": ds.dim}
    w = bounds.witness
    desc = f"data {path} ({ds.n} points in {ds.dim}-D)"
    if target is not None:
        tg, trec = target
        rec["target"] = trec
        desc = f"{tg.name} on the points of {path} ({ds.n} points)"
        if w is not None:  # certify the pair on the target's exact values, not only its float values
            w = PairWitness(w.x, w.y, tg.value(w.x), tg.value(w.y), w.i, w.j)
            if not w.violation > 0:
                w = None
    res = RefuteResult(rec, desc, w, "dataset-exact", bounds, f"the {ds.n} data point{'s' if ds.n != 1 else ''}",
                       klass=klass)
    if klass == "nonneg-convex":
        if target is None:
            cw, sw = data_witnesses(ds.X, ds.y, ds.exact_x, ds.exact_y)
        else:
            tg = target[0]
            cw, sw = data_witnesses(ds.X, ds.y, ds.exact_x, lambda i: tg.value(ds.exact_x(i)), cheap=False)
        res.found = {"order": w, "convexity": cw, "supermodularity": sw}
        res.witness = best_of(w, cw, sw)
        res.notes.append("on data the reported sup-error bound is a lower bound for the class nonneg-convex, "
                         "not claimed to be attained")
        if res.witness is None:
            res.notes.append("no order, midpoint-convexity or supermodularity violation among the data points "
                             "(this does not prove that a network of the class fits them)")
        return res
    if ds.n <= CONSTRUCT_LIMIT:
        res.attained = _attain(ds.X, ds.y, bounds)
    if bounds.mse_lower_bound is None:
        res.notes.append("mse_lower_bound omitted: exact L2 isotonic regression is limited to a few thousand "
                         "distinct points")
    return res


def _finish(res: RefuteResult, start: float) -> RefuteResult:
    if res.witness is not None and not res.witness.recheck():
        raise AssertionError("internal error: a witness failed its exact re-check")
    res.seconds = time.perf_counter() - start
    return res


def to_json(res: RefuteResult) -> dict:
    if res.klass != "nonneg":
        return _to_json_convex(res)
    w = res.witness
    out = {"verdict": "refuted" if w else "consistent", "class": "nonneg", "target": res.target_record,
           "method": res.method, "witness": w.to_json() if w else None,
           "violation": _rational(w.violation, w.exact) if w else "0",
           "sup_error_lower_bound": _rational(w.sup_error_lower_bound, w.exact) if w else "0",
           "exact": bool(w.exact) if w else True}
    if res.bounds is not None:
        out["mse_lower_bound"] = res.bounds.mse_lower_bound
        if res.bounds.mse_lower_bound_exact is not None:
            out["mse_lower_bound_exact"] = _rational(res.bounds.mse_lower_bound_exact)
        out["optimal_sup_error"] = _rational(res.bounds.optimal_sup_error)
        out["data_points"] = res.bounds.n
    if res.attained is not None:
        out["attained"] = res.attained
    if res.notes:
        out["notes"] = res.notes
    out["seconds"] = round(res.seconds, 4)
    return out


def certificate(res: RefuteResult) -> dict:
    if res.witness is None:
        raise BadInput("no witness: a consistent verdict has no refutation certificate")
    extra = {}
    if res.bounds is not None:
        extra["data_bounds"] = {"optimal_sup_error": str(res.bounds.optimal_sup_error),
                                "mse_lower_bound": res.bounds.mse_lower_bound,
                                "points": res.data_label}
    if res.klass != "nonneg":
        extra.pop("data_bounds", None)
        return refutation_certificate(res.target_record, res.witness, res.method, extra, klass=res.klass)
    return refutation_certificate(res.target_record, res.witness, res.method, extra)


def _pt(p) -> str:
    return "(" + ", ".join(str(v) if v.denominator <= 10 ** 6 else f"{v} ~ {float(v):.10g}" for v in p) + ")"


def to_text(res: RefuteResult) -> str:
    if res.klass != "nonneg":
        return _to_text_convex(res)
    w = res.witness
    lines = [f"Target {res.description}",
             "Class nonneg: every weight >= 0 (biases free), every activation non-decreasing."]
    if w is None:
        lines.append("CONSISTENT: no pair x <= y with g(x) > g(y) " +
                     ("exists in the data." if res.method == "dataset-exact" else "was found."))
    else:
        v = _rational(w.violation, w.exact)
        how = f"by {v} (exactly)" if w.exact else f"by at least {v} (a rigorous interval bound)"
        lines += [f"REFUTED. Witness: x = {_pt(w.x)} <= y = {_pt(w.y)}, yet g(x) = {render(w.gx)} and "
                  f"g(y) = {render(w.gy)}: g falls {how}.",
                  f"Every network of the class has f(x) <= f(y), so it misses g by at least "
                  f"{_rational(w.sup_error_lower_bound, w.exact)} at x or at y: sup-error >= "
                  f"{_rational(w.sup_error_lower_bound, w.exact)}."]
    bd = res.bounds
    if bd is not None:
        mse = ("" if bd.mse_lower_bound is None else
               f" and no mean squared error below {_rational(bd.mse_lower_bound_exact)} (= {bd.mse_lower_bound:.6g})")
        lines.append(f"On {res.data_label}: no monotone function reaches a sup-error below "
                     f"{_rational(bd.optimal_sup_error)}{mse}; these bounds are exact optima.")
    if res.attained is not None:
        a = res.attained
        proved = "proved order-preserving" if a["proved_order_preserving"] else "NOT proved order-preserving"
        lines.append(f"Attained: a step network with non-negative weights ({a['network']}, {a['n_weights']} "
                     f"weights) reaches sup-error {a['sup_error']:.6g} on those points, {proved}.")
        sproved = "proved" if a["sigmoid_proved_order_preserving"] else "NOT proved"
        lines.append(f"Its steep-sigmoid version reaches sup-error {a['sigmoid_sup_error']:.6g} ({sproved} "
                     "order-preserving).")
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines)


# --- the class nonneg-convex --------------------------------------------------------------------------------

def _to_json_convex(res: RefuteResult) -> dict:
    w = res.witness
    kind = violation_kind(w) if w else None
    out = {"verdict": "refuted" if w else "consistent", "class": res.klass, "target": res.target_record,
           "method": res.method, "witness": w.to_json() if w else None, "violation_kind": kind,
           "violation": _rational(w.violation, w.exact) if w else "0",
           "sup_error_lower_bound": _rational(w.sup_error_lower_bound, w.exact) if w else "0",
           "exact": bool(w.exact) if w else True,
           "bounds_by_kind": {k: (_rational(v.sup_error_lower_bound, v.exact) if v is not None else None)
                              for k, v in res.found.items()}}
    if res.bounds is not None:
        out["mse_lower_bound"] = res.bounds.mse_lower_bound  # the class nonneg's optimum: valid for the subclass
        out["nonneg_optimal_sup_error"] = _rational(res.bounds.optimal_sup_error)
        out["data_points"] = res.bounds.n
    if res.notes:
        out["notes"] = res.notes
    out["seconds"] = round(res.seconds, 4)
    return out


def _to_text_convex(res: RefuteResult) -> str:
    w = res.witness
    lines = [f"Target {res.description}",
             "Class nonneg-convex: every weight >= 0 (biases free), every activation convex and non-decreasing: "
             "every network is order-preserving, convex and supermodular."]
    if w is None:
        lines.append("CONSISTENT as far as the search shows: no order, midpoint-convexity or supermodularity "
                     "violation was found.")
    else:
        kind = violation_kind(w)
        v, b = _rational(w.violation, w.exact), _rational(w.sup_error_lower_bound, w.exact)
        how = f"{v} (exactly)" if w.exact else f"at least {v} (a rigorous interval bound)"
        if kind == "order":
            lines.append(f"REFUTED (order). x = {_pt(w.x)} <= y = {_pt(w.y)}, yet g(x) = {render(w.gx)} > "
                         f"g(y) = {render(w.gy)}: delta = {how}; f(x) <= f(y) forces sup-error >= delta/2 = {b}.")
        elif kind == "convexity":
            lines.append(f"REFUTED (midpoint convexity). x = {_pt(w.x)}, y = {_pt(w.y)}, m = {_pt(w.midpoint)}: "
                         f"g(m) = {render(w.gm)} exceeds (g(x) + g(y))/2 = ({render(w.gx)} + {render(w.gy)})/2 by "
                         f"delta = {how}; f convex forces sup-error >= delta/2 = {b}.")
        else:
            lines.append(f"REFUTED (supermodularity). x = {_pt(w.x)}, y = {_pt(w.y)}, x v y = {_pt(w.join)}, "
                         f"x ^ y = {_pt(w.meet)}: g(x) + g(y) - g(x v y) - g(x ^ y) = {render(w.gx)} + "
                         f"{render(w.gy)} - {render(w.gjoin)} - {render(w.gmeet)} = Delta = {how}; f supermodular "
                         f"forces sup-error >= Delta/4 = {b}.")
        others = [f"{k} {_rational(o.sup_error_lower_bound, o.exact)}" for k, o in res.found.items()
                  if o is not None and o is not w]
        if others:
            lines.append("Other witnesses found (sup-error bounds): " + ", ".join(others) + ".")
    if res.bounds is not None and res.bounds.mse_lower_bound:
        lines.append(f"On {res.data_label}: no order-preserving function (hence no network of this subclass) "
                     f"has mean squared error below {res.bounds.mse_lower_bound:.6g} (a lower bound).")
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines)
