"""Cross-validation: the numeric trainer must confirm, with numbers, what the checkers prove.

For every gallery target with data and every activation (sigmoid, tanh, relu, softplus), networks are
trained with non-negative weights (``nonneg``) and with free weights, and these invariants are checked:

1. **Bounds hold** (Wang et al., ICCV 2023; THEORY.md sections 2 and 4).  A trained nonneg network is
   order-preserving, so on the data its sup-error is at least the certified ``sup_error_lower_bound``
   (half the largest violation g(x) - g(y), x <= y) and its MSE at least the L2 isotonic-regression
   ``mse_lower_bound``.  The witness pair (x, y) is re-evaluated in exact arithmetic (rationals, or
   256-bit intervals for transcendental activations): max(|f(x) - g(x)|, |f(y) - g(y)|) >= delta / 2 must
   hold there.  A run below a bound is a bug in a bound or in the trainer: it is a *violation*.
2. **Order preservation is proved**: the structural checker proves the trained nonneg network
   order-preserving on the target's box.  A refutation is a violation; an Unknown is *unconfirmed*.
3. **Free networks fit**: free networks reach MSE below ``FREE_MSE`` (0.05) on the data.
4. **The bound is attained**: nonneg sigmoid networks trained on the sup objective come within
   ``OPTIMUM_GAP`` (0.05) of the optimal sup-error on XOR (the bound is exact on data, Mikulincer &
   Reichman, NeurIPS 2022).

Errors use the same data and definitions as :func:`counterexamples.bounds.certify_data`: sup-error
max_i |f(x_i) - y_i| and MSE (1/n) sum_i (f(x_i) - y_i)^2 over the target's dataset.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from checkers.cascade import prove
from counterexamples.trainer import TrainResult, train
from theory.claims import Box, monotone_claim
from theory.exact import endpoints, exact_forward

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus")
FREE_MSE = 0.05
OPTIMUM_GAP = 0.05
FLOAT_SLACK = 1e-9  # float64 forward passes may differ from exact values by rounding only
OPTIMUM_TARGETS = ("xor",)


class InvariantViolation(AssertionError):
    """A trained network beat a certified bound, or a checker refuted the theorem: a bug somewhere."""


@dataclass(frozen=True)
class Budget:
    epochs: int = 3000
    seeds: tuple[int, ...] = (0, 1)
    hiddens: tuple[tuple[int, ...], ...] = ((16, 16),)
    lr: float = 0.05
    patience: int = 300
    nonneg_losses: tuple[str, ...] = ("mse", "sup")


FULL = Budget()
QUICK = Budget(epochs=1500, seeds=(0,), hiddens=((12, 12),), patience=200)


@dataclass(frozen=True)
class Row:
    """One line of the summary table.  ``checks`` maps an invariant to "holds" / "violated" /
    "unconfirmed" with a note."""

    target: str
    activation: str
    constraint: str  # "nonneg" or "free"
    loss: str
    sup_error_bound: Fraction
    mse_bound: float | None
    sup_error: float
    mse: float
    checker_verdict: str
    witness_miss: tuple[Fraction, Fraction] | None  # exact enclosure of the miss at the witness pair
    checks: dict = field(hash=False, compare=False)
    result: TrainResult = field(hash=False, compare=False, repr=False)

    @property
    def violated(self) -> list[str]:
        return [f"{k}: {note}" for k, (status, note) in self.checks.items() if status == "violated"]

    @property
    def unconfirmed(self) -> list[str]:
        return [f"{k}: {note}" for k, (status, note) in self.checks.items() if status == "unconfirmed"]


@dataclass(frozen=True)
class CrossValidation:
    rows: tuple[Row, ...]
    bounds: dict = field(hash=False, compare=False)  # target name -> DataBounds
    seconds: float = 0.0

    @property
    def violations(self) -> list[str]:
        return [f"{r.target}/{r.activation}/{r.constraint}({r.loss}): {v}" for r in self.rows for v in r.violated]

    @property
    def unconfirmed(self) -> list[str]:
        return [f"{r.target}/{r.activation}/{r.constraint}({r.loss}): {v}" for r in self.rows for v in r.unconfirmed]

    @property
    def ok(self) -> bool:
        return not self.violations

    def row(self, target: str, activation: str, constraint: str, loss: str | None = None) -> Row:
        for r in self.rows:
            if (r.target, r.activation, r.constraint) == (target, activation, constraint) and loss in (None, r.loss):
                return r
        raise KeyError((target, activation, constraint, loss))


def witness_parts(witness) -> tuple:
    """(x, y, gx, gy) of a witness pair (a :class:`counterexamples.witness.PairWitness` or a 4-tuple)."""
    if isinstance(witness, tuple):
        return witness
    return witness.x, witness.y, witness.gx, witness.gy


def witness_miss(net, witness) -> tuple[Fraction, Fraction]:
    """Exact enclosure [lo, hi] of max(|f(x) - g(x)|, |f(y) - g(y)|) at the witness pair, with f evaluated
    in exact rationals or 256-bit intervals (theory.exact) and g(x), g(y) exact or enclosed."""
    x, yv, gx, gy = witness_parts(witness)
    lo_all, hi_all = [], []
    for point, g in ((x, gx), (yv, gy)):
        g_lo, g_hi = endpoints(g if not isinstance(g, (int, float)) else Fraction(g))
        f_lo, f_hi = endpoints(exact_forward(net, list(point))[0])
        hi_all.append(max(f_hi - g_lo, g_hi - f_lo))
        lo_all.append(max(Fraction(0), f_lo - g_hi, g_lo - f_hi))
    return max(lo_all), max(hi_all)


def check_nonneg(target_name: str, box: Box, bounds, result: TrainResult, method: str = "structural") -> Row:
    """Row for a trained nonneg network: bounds, exact miss at the witness, checker verdict, optimum gap."""
    sup_b = Fraction(bounds.sup_error_lower_bound)
    mse_b = None if bounds.mse_lower_bound is None else float(bounds.mse_lower_bound)
    checks = {}
    if result.sup_error + FLOAT_SLACK >= sup_b:
        checks["sup >= bound"] = ("holds", f"{result.sup_error:.6g} >= {float(sup_b):.6g}")
    else:
        checks["sup >= bound"] = ("violated", f"sup-error {result.sup_error!r} below the certified bound {sup_b}")
    if mse_b is None:
        checks["mse >= bound"] = ("unconfirmed", "no exact L2 bound for this many points")
    elif result.mse + FLOAT_SLACK * max(1.0, mse_b) >= mse_b:
        checks["mse >= bound"] = ("holds", f"{result.mse:.6g} >= {mse_b:.6g}")
    else:
        checks["mse >= bound"] = ("violated", f"MSE {result.mse!r} below the certified bound {mse_b!r}")
    miss = None
    if bounds.witness is not None:
        miss = witness_miss(result.network, bounds.witness)
        if miss[0] >= sup_b:
            checks["misses at witness"] = ("holds", f"exact miss >= {float(miss[0]):.6g} >= {sup_b}")
        elif miss[1] < sup_b:
            checks["misses at witness"] = ("violated", f"exact miss {float(miss[1]):.6g} < {sup_b} at the witness")
        else:
            checks["misses at witness"] = ("unconfirmed", "interval enclosure straddles the bound")
    verdict = prove(monotone_claim(result.network, box=box), method=method)
    if verdict.verdict == "proved":
        checks["proved order-preserving"] = ("holds", f"{method} in {verdict.seconds:.3f}s")
    elif verdict.verdict == "refuted":
        checks["proved order-preserving"] = ("violated", f"{method} refuted monotonicity of a nonneg network")
    else:
        checks["proved order-preserving"] = ("unconfirmed", f"{method}: {verdict.reason}")
    if (target_name in OPTIMUM_TARGETS and result.activation == "sigmoid" and result.loss == "sup"
            and bounds.optimal_sup_error is not None):
        gap = result.sup_error - float(bounds.optimal_sup_error)
        status = "holds" if gap <= OPTIMUM_GAP else "violated"
        checks["near optimum"] = (status, f"sup-error {result.sup_error:.4f} vs optimum "
                                          f"{float(bounds.optimal_sup_error):.4f} (gap {gap:.4f} <= {OPTIMUM_GAP}?)")
    return Row(target_name, result.activation, "nonneg", result.loss, sup_b, mse_b, result.sup_error,
               result.mse, verdict.verdict, miss, checks, result)


def check_free(target_name: str, bounds, result: TrainResult, box: Box | None = None) -> Row:
    """Row for a free network: it must fit (MSE < FREE_MSE).  When its sup-error is below the bound it
    cannot be order-preserving, and the witness pair itself must show it: f(x) > f(y), re-checked exactly
    (checkers.kernel.Witness.recheck, no solver).  The checker column then reads "refuted"."""
    from checkers.kernel import Witness

    checks = {}
    status = "holds" if result.mse < FREE_MSE else "violated"
    checks["free fits"] = (status, f"MSE {result.mse:.4g} < {FREE_MSE}?")
    verdict = "n/a"
    if bounds.witness is not None:
        x, yv, _, _ = witness_parts(bounds.witness)
        decreases = Witness.make(x, yv, output=0).recheck(result.network, box)
        verdict = "refuted" if decreases else "n/a"
        if result.sup_error < float(bounds.sup_error_lower_bound) - FLOAT_SLACK:
            checks["decreases at witness"] = (
                ("holds", "f(x) > f(y) exactly: beating the bound needs a non-monotone network") if decreases else
                ("violated", "beats the bound yet f(x) <= f(y) at the witness: contradicts the theorem"))
    mse_b = None if bounds.mse_lower_bound is None else float(bounds.mse_lower_bound)
    return Row(target_name, result.activation, "free", result.loss, Fraction(bounds.sup_error_lower_bound),
               mse_b, result.sup_error, result.mse, verdict, None, checks, result)


def _box(target) -> Box:
    return Box(Fraction(target.lo), Fraction(target.hi))


def cross_validate(targets: Sequence[str] | None = None, activations: Sequence[str] = ACTIVATIONS,
                   budget: Budget = FULL, constraint: str = "project", strict: bool = False,
                   progress: Callable[[str], None] | None = None, free: bool = True,
                   jobs: int = 1) -> CrossValidation:
    """Train and check every (target, activation, constraint) (free networks too unless ``free=False``;
    ``constraint`` is how nonneg is enforced: "project" or "softplus"; ``jobs`` worker processes train in
    parallel, results are checked in the parent in a fixed order).  With ``strict``, raise
    :class:`InvariantViolation` at the first violated invariant (loudly, with the numbers)."""
    from counterexamples.bounds import certify_data
    from counterexamples.gallery import GALLERY, get_target

    start = time.perf_counter()
    names = list(GALLERY) if targets is None else list(targets)
    data, all_bounds, targets_by_name = {}, {}, {}
    for name in names:
        target = get_target(name)
        X, y = target.dataset(seed=0)
        data[name] = (np.asarray(X, dtype=float), np.asarray(y, dtype=float))
        all_bounds[name] = certify_data(*data[name])
        targets_by_name[name] = target
    tasks = []
    for name in names:
        for act in activations:
            tasks += [(name, act, constraint, loss) for loss in budget.nonneg_losses]
            if free:
                tasks.append((name, act, "free", "mse"))
    common = dict(hiddens=budget.hiddens, seeds=budget.seeds, epochs=budget.epochs, lr=budget.lr,
                  patience=budget.patience)

    def run(task):
        name, act, c, loss = task
        X, y = data[name]
        return train(X, y, activation=act, constraint=c, loss=loss, **common).to_state()

    rows = []
    for task, state in zip(tasks, _map(run, tasks, jobs)):
        name, act, c, loss = task
        if progress:
            progress(f"{name} {act} {'free' if c == 'free' else 'nonneg'} {loss}")
        res = TrainResult.from_state(state)
        if c == "free":
            rows.append(check_free(name, all_bounds[name], res, _box(targets_by_name[name])))
        else:
            rows.append(check_nonneg(name, _box(targets_by_name[name]), all_bounds[name], res))
        _maybe_raise(rows[-1], strict)
    return CrossValidation(tuple(rows), all_bounds, time.perf_counter() - start)


_TASK = None


def _call(i):
    return _TASK(i)


def _map(fn, items, jobs: int):
    """fn over items, in order; with jobs > 1 in forked worker processes (training is CPU-bound numpy on
    small matrices, one BLAS thread each), yielding results as they come in order."""
    items = list(items)
    if jobs <= 1 or len(items) < 2:
        for it in items:
            yield fn(it)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _TASK
    _TASK = lambda i: fn(items[i])  # noqa: E731 - inherited by the forked workers
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            yield from pool.map(_call, range(len(items)))
    finally:
        _TASK = None


def _maybe_raise(row: Row, strict: bool) -> None:
    if strict and row.violated:
        raise InvariantViolation(f"cross-validation invariant violated for {row.target}/{row.activation}/"
                                 f"{row.constraint}({row.loss}): " + "; ".join(row.violated))


def table(cv: CrossValidation) -> str:
    """The summary table in Markdown: target, activation, constraint, bound, achieved, checker verdict.
    Bounds in parentheses do not apply (free weights) and are shown for comparison."""
    lines = ["| target | activation | constraint (loss) | sup-error bound | MSE bound | achieved sup-error | "
             "achieved MSE | checker | invariants |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in cv.rows:
        bound_sup = f"{r.sup_error_bound}" if r.constraint == "nonneg" else f"({r.sup_error_bound})"
        bound_mse = "—" if r.mse_bound is None else f"{r.mse_bound:.4f}"
        if r.constraint != "nonneg" and r.mse_bound is not None:
            bound_mse = f"({bound_mse})"
        statuses = [s for s, _ in r.checks.values()]
        inv = ("VIOLATED" if "violated" in statuses else "unconfirmed" if "unconfirmed" in statuses else "hold")
        lines.append(f"| {r.target} | {r.activation} | {r.constraint} ({r.loss}) | {bound_sup} | {bound_mse} | "
                     f"{r.sup_error:.4f} | {r.mse:.4f} | {r.checker_verdict} | {inv} |")
    return "\n".join(lines)


__all__ = ["ACTIVATIONS", "Budget", "CrossValidation", "FULL", "InvariantViolation", "QUICK", "Row",
           "check_free", "check_nonneg", "cross_validate", "table", "witness_miss"]
