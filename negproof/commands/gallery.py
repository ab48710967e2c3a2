"""``negproof gallery``: the targets no network of the class nonneg (or nonneg-convex) can fit, with documented bounds."""
from __future__ import annotations

import json

import click

from counterexamples.gallery import CONVEX_GALLERY, GALLERY, target_class


def _row(t) -> dict:
    x, y = t.documented_witness
    return {"name": t.name, "dim": t.dim, "domain": t.describe(), "kind": t.kind, "definition": t.definition,
            "property": t.property, "witness": {"x": [str(v) for v in x], "y": [str(v) for v in y]},
            "documented_bound": str(t.documented_bound), "class": target_class(t.name)}


@click.command(help="List the gallery of targets with their class and documented sup-error lower bounds "
                    "(refute any of them with `negproof refute NAME [--class CLASS]`). "
                    "Families: parity(n), decreasing(d).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def command(as_json):
    rows = [_row(t) for t in (*GALLERY.values(), *CONVEX_GALLERY.values())]
    if as_json:
        click.echo(json.dumps({"targets": rows, "families": ["parity(n)", "decreasing(d)"]}))
        return
    width = max(len(r["name"]) for r in rows)
    click.echo(f"{'name':<{width}}  {'class':<13}  {'bound':>5}  {'witness x, y':<24}  definition  [property]")
    for r in rows:
        sep = " <= " if r["class"] == "nonneg" else ", "
        pair = f"({','.join(r['witness']['x'])}){sep}({','.join(r['witness']['y'])})"
        click.echo(f"{r['name']:<{width}}  {r['class']:<13}  {r['documented_bound']:>5}  {pair:<24}  {r['domain']}  "
                   f"[{r['property']}]")
    click.echo("bound: every network of the class has sup-error >= bound (nonneg: weights >= 0 and non-decreasing "
               "activations; nonneg-convex: weights >= 0 and convex non-decreasing activations).")
