"""Figures (matplotlib, Agg canvas, PNG files) that show what the checkers prove.

- :func:`region_figure`: for a 2-D target, the trained nonneg and free networks side by side as heat maps
  (with the 1/2 level set, the decision boundary of a classifier "class 1 iff f >= 1/2"), the data, and
  the witness pair drawn as an arrow from x to y: x <= y but g(x) > g(y), so every order-preserving f
  must miss at one end by at least (g(x) - g(y)) / 2 (Wang et al., ICCV 2023; THEORY.md section 2).
- :func:`curves_figure`: training curves (sup-error and MSE per epoch) with the certified lower bounds as
  horizontal lines: nonneg curves stay above them, free ones go below.
- :func:`catalogue_figure`: every catalogue activation plotted, titled with the properties the activation
  checker *proved* (``checkers.activation_facts.facts``); where that checker is unavailable the title says so.

Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot global state, no backend switch).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from counterexamples.trainer import TrainResult
from theory.activations import Activation, catalogue


def _grid(lo: float, hi: float, n: int = 121):
    pad = 0.05 * (hi - lo)
    g = np.linspace(lo - pad, hi + pad, n)
    xx, yy = np.meshgrid(g, g)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def region_figure(target, nonneg: TrainResult, free: TrainResult, bounds, X: np.ndarray, y: np.ndarray,
                  path: str | Path) -> Path:
    """Heat maps of the nonneg and free networks on a 2-D target, with data and the witness arrow."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.shape[1] != 2:
        raise ValueError(f"region_figure needs a 2-D target, {target.name} has dimension {X.shape[1]}")
    lo, hi = float(target.lo), float(target.hi)
    xx, yy, pts = _grid(lo, hi)
    vmin, vmax = float(min(y.min(), 0.0)), float(max(y.max(), 1.0))
    fig = Figure(figsize=(11, 4.8), dpi=100)
    axes = fig.subplots(1, 2)
    for ax, res, title in ((axes[0], nonneg, "non-negative weights"), (axes[1], free, "free weights")):
        z = res.network.forward(pts)[:, 0].reshape(xx.shape)
        im = ax.pcolormesh(xx, yy, z, cmap="coolwarm", vmin=vmin, vmax=vmax, shading="auto")
        if z.min() < 0.5 < z.max():
            ax.contour(xx, yy, z, levels=[0.5], colors="k", linewidths=1.2)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=vmin, vmax=vmax, edgecolors="k",
                   s=36 if len(X) <= 50 else 10, linewidths=0.6, zorder=3)
        if bounds.witness is not None:
            from counterexamples.crossval import witness_parts

            wx, wy = (np.array([float(v) for v in p]) for p in witness_parts(bounds.witness)[:2])
            ax.annotate("", xy=wy, xytext=wx, zorder=4,
                        arrowprops=dict(arrowstyle="-|>", color="lime", lw=2.5, mutation_scale=18))
            ax.plot(*wx, "o", mfc="none", mec="lime", mew=2.5, ms=12, zorder=5)
            ax.plot(*wy, "s", mfc="none", mec="lime", mew=2.5, ms=12, zorder=5)
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
        ax.set_aspect("equal")
        ax.set_xlabel("x0")
        ax.set_ylabel("x1")
        ax.set_title(f"{title} ({res.activation})\nsup-error {res.sup_error:.3f}, MSE {res.mse:.3f}", fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle(f"{target.name}: witness x -> y (x <= y, g(x) > g(y)); every non-negative network misses by "
                 f">= {float(bounds.sup_error_lower_bound):.3f}", fontsize=11)
    fig.subplots_adjust(left=0.06, right=0.96, bottom=0.1, top=0.82, wspace=0.25)
    return _save(fig, path)


def curves_figure(runs: Sequence[tuple[str, TrainResult]], bounds, path: str | Path, title: str = "") -> Path:
    """Sup-error and MSE per epoch for each labelled run, with the certified bounds as horizontal lines."""
    fig = Figure(figsize=(11, 4.2), dpi=100)
    axes = fig.subplots(1, 2)
    mse_bound = None if bounds.mse_lower_bound is None else float(bounds.mse_lower_bound)
    for ax, key, bound, name in ((axes[0], "sup_error", float(bounds.sup_error_lower_bound), "sup-error"),
                                 (axes[1], "mse", mse_bound, "MSE")):
        for label, res in runs:
            h = np.asarray(res.history[key])
            ls = "-" if res.nonneg else "--"
            ax.plot(np.arange(1, len(h) + 1), np.maximum(h, 1e-6), ls, lw=1.4, label=label)
        if bound is not None:
            ax.axhline(max(bound, 1e-6), color="k", lw=2, label=f"certified bound {bound:.4f}")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"{name} on the data (nonneg: solid, free: dashed)", fontsize=10)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.85, wspace=0.22)
    return _save(fig, path)


def activation_facts_text(act: Activation) -> str:
    """Proven / refuted properties of ``act`` from the activation checker, in a few words."""
    from checkers.activation_facts import facts

    try:
        found = facts(act)
    except Exception as err:  # a checker failure must not hide the rest of the figure
        return f"properties not checked ({type(err).__name__})"
    proved = [p.value for p, v in found.items() if getattr(v, "verdict", None) == "proved"]
    refuted = [p.value for p, v in found.items() if getattr(v, "verdict", None) == "refuted"]
    parts = []
    if proved:
        parts.append("proved: " + ", ".join(_short(p) for p in proved))
    if refuted:
        parts.append("refuted: " + ", ".join(_short(p) for p in refuted))
    return "\n".join(parts) or "nothing proved"


def _short(p: str) -> str:
    return {"nondecreasing": "non-decr.", "bounded_below": "bdd below", "bounded_above": "bdd above",
            "piecewise_linear": "PL"}.get(p, p)


def catalogue_figure(path: str | Path, activations: Sequence[Activation] | None = None) -> Path:
    """Every activation on [-4, 4], titled with its proved (and refuted) properties."""
    acts = [a for a in (catalogue() if activations is None else activations) if a.expr is not None]
    cols = 4
    rows = -(-len(acts) // cols)
    fig = Figure(figsize=(3.3 * cols, 2.9 * rows), dpi=90)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    z = np.linspace(-4, 4, 801)
    for ax, act in zip(axes, acts):
        with np.errstate(all="ignore"):
            ax.plot(z, act.numpy(z.copy()), lw=1.8)
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.set_title(f"{act.spec}\n{activation_facts_text(act)}", fontsize=7.5)
        ax.tick_params(labelsize=7)
    for ax in axes[len(acts):]:
        ax.axis("off")
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.04, top=0.93, hspace=0.75, wspace=0.25)
    return _save(fig, path)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


__all__ = ["activation_facts_text", "catalogue_figure", "curves_figure", "region_figure"]
