"""``negproof train TARGET``: train a network on a gallery target and set it against the certified bounds.

A non-negative network (weights >= 0, non-decreasing activation) is order-preserving (Wang et al., ICCV
2023), so its sup-error and MSE on the target's data can never go below the bounds of
``negproof refute``.  The trained network is then handed to the checker: proved order-preserving when
non-negative; for a free network the cascade usually finds where it decreases.

Exit codes: 0 the invariants hold, 1 a non-negative network went below a certified bound or the checker
refuted its monotonicity (a bug somewhere), 2 bad input.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction

import click
import numpy as np

from theory.errors import BadInput


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise BadInput(f"--hidden {text!r} must be comma-separated layer sizes, e.g. 16,16") from None
    if not sizes or min(sizes) < 1:
        raise BadInput(f"--hidden {text!r} must list positive layer sizes, e.g. 16,16")
    return sizes


def _witness_json(witness):
    if witness is None:
        return None
    from counterexamples.crossval import witness_parts
    from theory.exact import render

    x, y, gx, gy = witness_parts(witness)
    return {"x": [str(Fraction(v)) for v in x], "y": [str(Fraction(v)) for v in y], "gx": render(gx),
            "gy": render(gy)}


@click.command()
@click.argument("target")
@click.option("--activation", "-a", default="sigmoid", show_default=True, help="catalogue activation")
@click.option("--nonneg/--free", default=True, show_default=True, help="weights >= 0, or free")
@click.option("--reparam", type=click.Choice(["project", "softplus"]), default="project", show_default=True,
              help="how weights are kept >= 0: projection after each step, or w = softplus(v)")
@click.option("--loss", type=click.Choice(["mse", "sup"]), default="mse", show_default=True,
              help="mean squared error, or a power mean (p=16) standing in for the sup-error")
@click.option("--hidden", default="16,16", show_default=True, help="hidden layer sizes")
@click.option("--epochs", type=int, default=3000, show_default=True)
@click.option("--seeds", type=int, default=1, show_default=True, help="train seeds 0..S-1, keep the best")
@click.option("--lr", type=float, default=0.05, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object on stdout")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="write training curves (PNG)")
def command(target, activation, nonneg, reparam, loss, hidden, epochs, seeds, lr, as_json, plot):
    """Train a network on TARGET's dataset and compare with the certified bounds."""
    from checkers.cascade import prove
    from counterexamples.bounds import certify_data
    from counterexamples.crossval import check_free, check_nonneg
    from counterexamples.gallery import get_target
    from counterexamples.trainer import train
    from theory.activations import get_activation
    from theory.claims import Box, monotone_claim

    sizes = _hidden(hidden)
    if epochs < 1:
        raise BadInput(f"--epochs must be at least 1, got {epochs}")
    if seeds < 1:
        raise BadInput(f"--seeds must be at least 1, got {seeds}")
    if not lr > 0:
        raise BadInput(f"--lr must be positive, got {lr}")
    act = get_activation(activation)
    if act.expr is None:
        raise BadInput(f"activation {activation!r} cannot be trained: pick a concrete catalogue activation")
    tgt = get_target(target)
    X, y = tgt.dataset(seed=0)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    bounds = certify_data(X, y)
    box = Box(Fraction(tgt.lo), Fraction(tgt.hi))

    bar = None
    if sys.stderr.isatty() and not as_json:
        from tqdm import tqdm

        bar = tqdm(total=epochs * seeds, desc=f"train {tgt.name}", unit="epoch", leave=False)
    try:
        result = train(X, y, activation=act.spec, constraint=reparam if nonneg else "free",
                       hiddens=(sizes,), seeds=tuple(range(seeds)), loss=loss, epochs=epochs, lr=lr,
                       progress=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.close()

    if nonneg:
        row = check_nonneg(tgt.name, box, bounds, result)
        verdict_name, method = row.checker_verdict, "structural"
    else:
        row = check_free(tgt.name, bounds, result, box)
        v = prove(monotone_claim(result.network, box=box), method="auto", timeout=10.0)
        verdict_name, method = v.verdict, v.method
    violated = row.violated

    if plot:
        from counterexamples.figures import curves_figure

        curves_figure([(f"{act.spec} {'nonneg' if nonneg else 'free'} ({loss})", result)], bounds, plot,
                      title=f"{tgt.name}: training")

    out = {
        "target": tgt.name,
        "activation": act.spec,
        "constraint": "nonneg" if nonneg else "free",
        "nonneg_method": reparam if nonneg else None,
        "loss": loss,
        "hidden": list(sizes),
        "epochs": result.epochs,
        "seed": result.seed,
        "seeds": seeds,
        "seconds": round(result.seconds, 4),
        "n_points": int(len(y)),
        "sup_error": result.sup_error,
        "mse": result.mse,
        "sup_error_lower_bound": float(bounds.sup_error_lower_bound),
        "sup_error_lower_bound_exact": str(Fraction(bounds.sup_error_lower_bound)),
        "mse_lower_bound": None if bounds.mse_lower_bound is None else float(bounds.mse_lower_bound),
        "optimal_sup_error": None if bounds.optimal_sup_error is None else float(bounds.optimal_sup_error),
        "checker_verdict": verdict_name,
        "checker_method": method,
        "witness": _witness_json(bounds.witness),
        "witness_miss": None if row.witness_miss is None else [float(row.witness_miss[0]), float(row.witness_miss[1])],
        "invariants": {k: {"status": s, "note": n} for k, (s, n) in row.checks.items()},
        "violations": violated,
        "plot": plot,
    }
    if as_json:
        click.echo(json.dumps(out, indent=2))
    else:
        kind = "non-negative" if nonneg else "free"
        click.echo(f"target: {tgt.name} ({tgt.dim}-D {tgt.kind}, {len(y)} points)")
        click.echo(f"network: {result.network.describe()}  [{kind} weights, {act.spec}, loss {loss}, "
                   f"{result.epochs} epochs, best of {seeds} seed(s), {result.seconds:.2f} s]")
        bound = Fraction(bounds.sup_error_lower_bound)
        click.echo(f"sup-error: {result.sup_error:.6f}   certified bound for non-negative networks: {bound} "
                   f"(= {float(bound):.6f})")
        mse_b = "not computed" if bounds.mse_lower_bound is None else f"{float(bounds.mse_lower_bound):.6f}"
        click.echo(f"MSE:       {result.mse:.6f}   certified bound for non-negative networks: {mse_b}")
        if bounds.witness is not None:
            w = _witness_json(bounds.witness)
            click.echo(f"witness:   x = ({', '.join(w['x'])}) <= y = ({', '.join(w['y'])}), g(x) = {w['gx']} > "
                       f"g(y) = {w['gy']}: every non-negative network misses one of them by >= {bound}")
        click.echo(f"checker ({method}): {verdict_name}")
        for k, (s, n) in row.checks.items():
            click.echo(f"  [{s}] {k}: {n[:200]}")
        if plot:
            click.echo(f"plot written to {plot}")
    if violated:
        click.echo("negproof: INVARIANT VIOLATED: " + "; ".join(violated), err=True)
        sys.exit(1)
    if verdict_name == "refuted" and nonneg:
        sys.exit(1)
