"""``refute``: from a target (gallery name, expression or CSV data) to a certified verdict.

The result says "refuted" only with a witness pair that survived exact re-evaluation; "consistent" means
no violation exists on the data (exact) or none was found by the search (expressions: a search, not a
proof of monotonicity).  With data, the bounds are exact optima over all monotone functions, and an
explicit step network with non-negative weights attains the L-infinity optimum; it is proved
order-preserving by the structural checker.
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
    if klass != "nonneg":
        raise BadInput(f"unknown class {klass!r}; supported: nonneg (weights >= 0, non-decreasing activations)")
    start = time.perf_counter()
    b = Box.parse(box) if box is not None else None
    text = str(target).strip()
    if _looks_like_file(text):
        if data is not None:
            raise BadInput("give the CSV either as TARGET or with --data, not both")
        return _finish(_refute_data(load_csv(text), None, text), start)
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
        res = _refute_data(ds.with_values(tg.evaluate(ds.X)), (tg, rec), data)
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
    res = RefuteResult(rec, f"{tg.name}: {tg.describe()}", w, "witness-search")
    if rec["kind"] == "gallery":
        X, y = tg.dataset()
        ds = Dataset(X, y)
        res.bounds = certify_dataset(ds)
        res.data_label = f"the target's {len(y)}-point dataset ({'vertices' if tg.domain == 'vertices' else 'grid'})"
        if ds.n <= CONSTRUCT_LIMIT:
            res.attained = _attain(X, y, res.bounds)
    if w is None:
        res.notes.append("no violation found by sampling and local search: consistent as far as the search "
                         "shows (a search, not a proof of monotonicity)")
    return _finish(res, start)


def _refute_data(ds: Dataset, target: tuple[Target, dict] | None, path: str) -> RefuteResult:
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
    res = RefuteResult(rec, desc, w, "dataset-exact", bounds, f"the {ds.n} data point{'s' if ds.n != 1 else ''}")
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
    return refutation_certificate(res.target_record, res.witness, res.method, extra)


def _pt(p) -> str:
    return "(" + ", ".join(str(v) if v.denominator <= 10 ** 6 else f"{v} ~ {float(v):.10g}" for v in p) + ")"


def to_text(res: RefuteResult) -> str:
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
