"""The demo: prove the theorem, refute the gallery, train both kinds of network, write a handout.

:func:`run_demo` is the main job of ``negproof demo``.  It

1. proves "every network of this shape with weights >= 0 is order-preserving" (Wang et al., ICCV 2023,
   Thm 1) for default architectures by every method (structural, smt, symbolic), reporting Unknown
   honestly where a method cannot decide or is not installed;
2. refutes every gallery target on its dataset with the certified bounds of
   :func:`counterexamples.bounds.certify_data` (the witness pair, the sup-error bound delta/2, the
   L2 isotonic MSE bound);
3. cross-validates by training (:mod:`counterexamples.crossval`);
4. writes ``report.md`` with the figures (:mod:`counterexamples.figures`) and the summary table.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable


from counterexamples.crossval import (ACTIVATIONS, FULL, Budget, CrossValidation, cross_validate, table,
                                      witness_parts)
from theory.claims import monotone_claim

ARCHITECTURES = ("2-8-8-1:any-nondecreasing:nonneg", "2-8-8-1:relu:nonneg", "2-8-8-1:sigmoid:nonneg")
METHODS = ("structural", "smt", "symbolic")
QUICK_DEMO = Budget(epochs=1000, seeds=(0,), hiddens=((12, 12),), patience=200, nonneg_losses=("sup",))
QUICK_ACTIVATIONS = ("sigmoid", "relu")


@dataclass(frozen=True)
class TheoremRow:
    architecture: str
    method: str
    verdict: str
    seconds: float
    note: str


@dataclass(frozen=True)
class DemoOutcome:
    report: Path
    theorem: tuple[TheoremRow, ...]
    crossval: CrossValidation
    figures: tuple[Path, ...]
    seconds: float
    stage_seconds: dict = field(hash=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when no cross-validation invariant is violated and no method refuted the theorem."""
        return self.crossval.ok and all(r.verdict != "refuted" for r in self.theorem)


def prove_theorem(architectures=ARCHITECTURES, methods=METHODS, timeout: float = 30.0) -> list[TheoremRow]:
    """Every (architecture, method) verdict; a method whose checker is not installed reads Unknown."""
    from checkers.cascade import prove
    from theory.architecture import parse_architecture

    rows = []
    for arch in architectures:
        claim = monotone_claim(parse_architecture(arch))
        for method in methods:
            v = prove(claim, method=method, timeout=timeout)
            if v.verdict == "proved":
                note = f"certificate with {len(v.certificate.steps())} re-checkable steps"
            elif v.verdict == "refuted":
                note = "REFUTED: a checker contradicts the theorem"
            else:
                note = v.reason
            rows.append(TheoremRow(arch, method, v.verdict, v.seconds, note))
    return rows


def _frac(v) -> str:
    if v is None:
        return "—"
    if not isinstance(v, (Fraction, int, float)):  # an interval enclosing an irrational value
        from theory.exact import render
        return render(v)
    q = Fraction(v)
    return str(q) if q.denominator <= 10_000 else f"{float(q):.6g}"


def _point(p) -> str:
    return "(" + ", ".join(_frac(v) for v in p) + ")"


def _mse(b) -> str:
    return "—" if b.mse_lower_bound is None else f"{float(b.mse_lower_bound):.4f}"


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_demo(out: str | Path = "negproof-demo", quick: bool = False,
             progress: Callable[[str], None] | None = None, jobs: int | None = None) -> DemoOutcome:
    """Run the whole demo and write ``out/report.md`` with its figures (training in ``jobs`` processes,
    default: up to 2)."""
    from counterexamples.figures import catalogue_figure, curves_figure, region_figure
    from counterexamples.gallery import GALLERY, get_target

    say = progress or (lambda s: None)
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stages = {}

    say("proving the theorem for the default architectures")
    t = time.perf_counter()
    theorem = prove_theorem(timeout=5.0 if quick else 30.0)
    stages["theorem"] = time.perf_counter() - t

    say("training and cross-validating")
    t = time.perf_counter()
    budget, acts = (QUICK_DEMO, QUICK_ACTIVATIONS) if quick else (FULL, ACTIVATIONS)
    jobs = min(2, os.cpu_count() or 1) if jobs is None else jobs
    cv = cross_validate(list(GALLERY), acts, budget, progress=lambda s: say("  train " + s), jobs=jobs)
    stages["crossval"] = time.perf_counter() - t

    say("drawing figures")
    t = time.perf_counter()
    figures = [catalogue_figure(out / "activations.png")]
    per_target = {}
    for name in GALLERY:
        target = get_target(name)
        bounds = cv.bounds[name]
        rows = [r for r in cv.rows if r.target == name and r.activation == acts[0]]
        nonneg = [r for r in rows if r.constraint == "nonneg"]
        free = [r for r in rows if r.constraint == "free"]
        pics = []
        if target.dim == 2 and nonneg and free:
            X, y = target.dataset(seed=0)
            best = min(nonneg, key=lambda r: r.sup_error)
            pics.append(region_figure(target, best.result, free[0].result, bounds, X, y,
                                      out / f"region_{_slug(name)}.png"))
        runs = [(f"{r.activation} {r.constraint} ({r.loss})", r.result) for r in cv.rows
                if r.target == name and r.activation in acts[:2]]
        pics.append(curves_figure(runs, bounds, out / f"curves_{_slug(name)}.png", title=f"{name}: training"))
        per_target[name] = pics
        figures.extend(pics)
    stages["figures"] = time.perf_counter() - t
    seconds = time.perf_counter() - start
    text = render_report(theorem, cv, per_target, out, quick, seconds, stages)
    report = out / "report.md"
    report.write_text(text)
    return DemoOutcome(report, tuple(theorem), cv, tuple(figures), seconds, stages)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def render_report(theorem, cv: CrossValidation, per_target: dict, out: Path, quick: bool, seconds: float,
                  stages: dict) -> str:
    from counterexamples.gallery import get_target

    L = []
    L.append("# Networks with non-negative weights are not universal approximators")
    L.append("")
    L.append("*A handout produced by `negproof demo`" + (" (quick budget)" if quick else "") +
             f" in {seconds:.0f} s. Every number below was computed by the run that wrote this file.*")
    L.append("")
    L.append("**The theorem** (Wang et al., ICCV 2023). If every weight of a feed-forward network is >= 0 "
             "(biases are free) and every activation is non-decreasing, the network is *order-preserving*: "
             "x <= y componentwise implies f(x) <= f(y). **The consequence.** If a target g has a pair "
             "x <= y with g(x) - g(y) = delta > 0, then f(x) <= f(y) forces "
             "max(|f(x) - g(x)|, |f(y) - g(y)|) >= delta/2 for *every* such network f, however large.")
    L.append("")
    L.append("## 1. The theorem, proved for a default architecture by every method")
    L.append("")
    L.append("An architecture string `D-H1-H2-O:ACT:nonneg` stands for *all* networks of that shape with "
             "weights >= 0, so a proof here covers every choice of weights. Unknown means the method could "
             "not decide (or is not installed); it never means false.")
    L.append("")
    L.append("| architecture | method | verdict | seconds | note |")
    L.append("|---|---|---|---|---|")
    for r in theorem:
        L.append(f"| `{r.architecture}` | {r.method} | **{r.verdict}** | {r.seconds:.2f} | {_md_escape(r.note)[:160]} |")
    L.append("")
    L.append("## 2. Every gallery target is refuted, with a certified bound")
    L.append("")
    L.append("For each target, the exact search over its dataset finds the ordered pair x <= y with the "
             "largest violation delta = g(x) - g(y). No network with non-negative weights gets a sup-error "
             "below delta/2 on this data, and no order-preserving function gets an MSE below the L2 isotonic "
             "regression bound. Both bounds are exact on the data: the optimal order-preserving fit attains them.")
    L.append("")
    L.append("| target | dim | kind | witness x | witness y | g(x) | g(y) | sup-error bound | documented bound | "
             "MSE bound |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, b in cv.bounds.items():
        t = get_target(name)
        if b.witness is None:
            L.append(f"| {name} | {t.dim} | {t.kind} | — | — | — | — | 0 (consistent) | "
                     f"{_frac(t.documented_bound)} | {_mse(b)} |")
            continue
        x, y, gx, gy = witness_parts(b.witness)
        L.append(f"| {name} | {t.dim} | {t.kind} | {_point(x)} | {_point(y)} | {_frac(gx)} | {_frac(gy)} | "
                 f"**{_frac(b.sup_error_lower_bound)}** | {_frac(t.documented_bound)} | "
                 f"{_mse(b)} |")
    L.append("")
    for name, b in cv.bounds.items():
        if b.witness is not None:
            x, y, gx, gy = witness_parts(b.witness)
            L.append(f"- **{name}**: {_point(x)} <= {_point(y)} but g goes from {_frac(gx)} down to {_frac(gy)}; "
                     f"every non-negative network misses one of these two points by at least "
                     f"{_frac(b.sup_error_lower_bound)}.")
    L.append("")
    L.append("## 3. Cross-validation: training confirms the bounds")
    L.append("")
    L.append("Networks trained by full-batch Adam on each dataset, weights kept >= 0 by projection (nonneg) or "
             "left free. Loss `mse` is the mean squared error; loss `sup` a power mean (p = 16) standing in for "
             "the sup-error. Invariants checked on every nonneg row: sup-error >= bound, MSE >= bound, the miss "
             "at the witness pair >= bound in exact arithmetic, and the structural checker proves the trained "
             "network order-preserving. Free rows must fit (MSE < 0.05). On XOR the nonneg sigmoid network "
             "must come within 0.05 of the optimal sup-error.")
    L.append("")
    L.append(table(cv))
    L.append("")
    if cv.violations:
        L.append("**VIOLATED invariants (a bug in a bound, a checker or the trainer):**")
        L.append("")
        L.extend(f"- {_md_escape(v)}" for v in cv.violations)
    else:
        L.append("**No invariant is violated:** no trained non-negative network went below a certified bound.")
    if cv.unconfirmed:
        L.append("")
        L.append(f"Unconfirmed ({len(cv.unconfirmed)}; not violations, the checker answered Unknown): ")
        L.append("")
        L.extend(f"- {_md_escape(v)[:200]}" for v in cv.unconfirmed[:12])
        if len(cv.unconfirmed) > 12:
            L.append(f"- ... and {len(cv.unconfirmed) - 12} more")
    L.append("")
    L.append("## 4. Figures")
    L.append("")
    L.append("Heat maps: the network's output on the square, the data (same colour scale), the black line "
             "where f = 1/2 (a classifier's decision boundary), and the witness pair as a green arrow from x "
             "(circle) to y (square). On the left the non-negative network must keep f(x) <= f(y) and so "
             "misses; on the right the free network fits. Training curves: the black line is the certified bound, "
             "which the non-negative runs (solid) never cross.")
    L.append("")
    for name, pics in per_target.items():
        L.append(f"### {name}")
        L.append("")
        for p in pics:
            L.append(f"![{name}: {p.stem}]({p.relative_to(out).as_posix()})")
            L.append("")
    L.append("### The activation catalogue")
    L.append("")
    L.append("Each activation, titled with the properties the activation checker proved (or refuted). The theorem "
             "needs only *non-decreasing*; gelu, silu and abs are not, and for them non-negative weights do not "
             "imply order preservation.")
    L.append("")
    L.append("![activation catalogue](activations.png)")
    L.append("")
    L.append("## 5. Reproduce")
    L.append("")
    L.append("```")
    L.append("negproof demo" + (" --quick" if quick else "") + "          # this report")
    L.append("negproof prove 2-8-8-1:relu:nonneg --method smt")
    L.append("negproof refute xor --json")
    L.append("negproof train xor --activation sigmoid --nonneg --json")
    L.append("```")
    L.append("")
    L.append("Time per stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()) + f"; total {seconds:.1f} s.")
    L.append("")
    return "\n".join(L)


__all__ = ["ARCHITECTURES", "DemoOutcome", "METHODS", "QUICK_DEMO", "TheoremRow", "prove_theorem", "render_report",
           "run_demo"]
