"""``negproof activations``: the activation catalogue with every property proved, refuted or unknown.

Each cell is established by ``checkers.activation_facts`` (never read from the catalogue's declarations):
"yes" proved, "NO" refuted with a re-checked witness, "?" unknown.  ``--json`` prints one object
``{"activations": [{"name", "expression", "properties": {prop: {"verdict", "method", "witness", ...}}}]}``.
``--activation NAME`` shows one entry (any spec, e.g. ``leaky_relu(0.3)``).  Exit 0; bad input exits 2.
"""
from __future__ import annotations

import json
import sys
import time

import click
from tqdm import tqdm

from checkers.activation_facts import establish, verdict_json
from theory.activations import Property, Truth, catalogue, get_activation
from theory.errors import BadInput

CELL = {"proved": "yes", "refuted": "NO", "unknown": "?"}
HEAD = {Property.NONDECREASING: "nondecr", Property.CONVEX: "convex", Property.CONCAVE: "concave",
        Property.BOUNDED_BELOW: "bnd_below", Property.BOUNDED_ABOVE: "bnd_above",
        Property.PIECEWISE_LINEAR: "pw_linear"}


def _contradicts(declared: Truth, verdict: str) -> bool:
    return (declared is Truth.TRUE and verdict == "refuted") or (declared is Truth.FALSE and verdict == "proved")


def entry_json(act, verdicts) -> dict:
    props = {}
    for prop, v in verdicts.items():
        rec = verdict_json(v)
        rec.pop("proof", None)
        rec["declared"] = act.declares(prop).value
        props[prop.value] = rec
    return {"name": act.spec, "expression": None if act.expr is None else str(act.expr), "properties": props}


def render_table(rows) -> str:
    width = max(len("activation"), *(len(act.spec) for act, _ in rows))
    lines = ["activation".ljust(width) + "  " + "  ".join(h.rjust(9) for h in HEAD.values())]
    clashes = []
    for act, verdicts in rows:
        cells = []
        for prop in HEAD:
            v = verdicts[prop]
            mark = CELL[v.verdict]
            if _contradicts(act.declares(prop), v.verdict):
                mark += "!"
                clashes.append(f"{act.spec} {prop.value}: declared {act.declares(prop).value}, found {v.verdict}")
            cells.append(mark.rjust(9))
        lines.append(act.spec.ljust(width) + "  " + "  ".join(cells))
    lines.append("yes = proved (certificate), NO = refuted (re-checked witness), ? = unknown")
    lines += [f"! contradicts the catalogue declaration: {c}" for c in clashes]
    return "\n".join(lines)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--activation", "name", default=None, metavar="NAME",
              help="Show one activation, e.g. relu or leaky_relu(0.3).")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds per property.")
def command(as_json: bool, name: str | None, timeout: float):
    """Prove or refute each property of the catalogue activations."""
    if not timeout > 0:
        raise BadInput(f"--timeout must be positive, got {timeout}")
    acts = [get_activation(name)] if name is not None else catalogue()
    start = time.perf_counter()
    rows = []
    for act in tqdm(acts, desc="activations", unit="act", disable=not sys.stderr.isatty(), file=sys.stderr):
        rows.append((act, {prop: establish(act, prop, timeout) for prop in Property}))
    if as_json:
        click.echo(json.dumps({"activations": [entry_json(a, v) for a, v in rows],
                               "seconds": round(time.perf_counter() - start, 3)}, indent=2))
    else:
        click.echo(render_table(rows))
