"""``negproof gallery``: the targets no network of the class nonneg can fit, with documented bounds."""
from __future__ import annotations

import json

import click

from counterexamples.gallery import GALLERY


def _row(t) -> dict:
    x, y = t.documented_witness
    return {"name": t.name, "dim": t.dim, "domain": t.describe(), "kind": t.kind, "definition": t.definition,
            "property": t.property, "witness": {"x": [str(v) for v in x], "y": [str(v) for v in y]},
            "documented_bound": str(t.documented_bound)}


@click.command(help="List the gallery of targets with their documented sup-error lower bounds "
                    "(refute any of them with `negproof refute NAME`). Families: parity(n), decreasing(d).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def command(as_json):
    rows = [_row(t) for t in GALLERY.values()]
    if as_json:
        click.echo(json.dumps({"targets": rows, "families": ["parity(n)", "decreasing(d)"]}))
        return
    width = max(len(r["name"]) for r in rows)
    click.echo(f"{'name':<{width}}  {'bound':>5}  {'witness x <= y':<24}  definition  [property]")
    for r in rows:
        pair = f"({','.join(r['witness']['x'])}) <= ({','.join(r['witness']['y'])})"
        click.echo(f"{r['name']:<{width}}  {r['documented_bound']:>5}  {pair:<24}  {r['domain']}  [{r['property']}]")
    click.echo("bound: every network with weights >= 0 and non-decreasing activations has sup-error >= bound.")
