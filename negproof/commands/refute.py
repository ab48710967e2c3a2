"""``negproof refute TARGET``: a witness that no network of the class nonneg (or, with ``--class
nonneg-convex``, of its convex subclass) fits TARGET, with bounds.

Exit codes: 0 refuted, 1 consistent, 2 bad input.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from counterexamples.refutation import certificate as make_certificate
from counterexamples.refutation import refute, to_json, to_text
from theory.errors import BadInput


@click.command(help="Refute that a network with non-negative weights and non-decreasing activations can fit "
                    "TARGET: a gallery name (see `negproof gallery`), an expression in x0..x{d-1} such as "
                    "\"x0*(1-x1)\", or a CSV file with header x0,...,x{d-1},y.\n\n"
                    "Exit codes: 0 refuted, 1 consistent, 2 bad input.")
@click.argument("target")
@click.option("--class", "klass", default="nonneg", show_default=True,
              help="The class of networks (nonneg: weights >= 0, non-decreasing activations; nonneg-convex: "
                   "weights >= 0, convex non-decreasing activations such as relu, softplus, exp).")
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="CSV of points (header x0..x{d-1}); the target's values on them form the dataset.")
@click.option("--box", default=None, help="Domain LO:HI of every input for expressions (default 0:1).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option("--certificate", type=click.Path(dir_okay=False), default=None,
              help="Write the refutation certificate (JSON) here; `negproof replay` re-checks it.")
def command(target, klass, data, box, as_json, certificate):
    res = refute(target, data=data, box=box, klass=klass)
    if certificate:
        if not res.refuted:
            raise BadInput("the target is consistent with the class: there is no refutation to certify")
        try:
            Path(certificate).write_text(json.dumps(make_certificate(res), indent=1))
        except OSError as err:
            raise BadInput(f"cannot write certificate {certificate!r} ({err.strerror})") from None
    if as_json:
        out = to_json(res)
        if certificate:
            out["certificate"] = certificate
        click.echo(json.dumps(out))
    else:
        click.echo(to_text(res))
        if certificate:
            click.echo(f"certificate written to {certificate}")
    raise SystemExit(0 if res.refuted else 1)
