"""``negproof prove MODEL``: decide whether f_k is non-decreasing in x_i.

Exit codes: 0 proved, 1 refuted, 3 unknown, 2 bad input.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from checkers.cascade import METHODS, narrowed, prove
from checkers.kernel import Proved, Refuted, Unknown, verdict_to_json
from theory.claims import Box, monotone_claim
from theory.errors import BadInput
from theory.exact import render
from theory.formats import load_model

EXIT = {"proved": 0, "refuted": 1, "unknown": 3}


def claim_of_verdict(verdict, claim):
    """The claim a verdict is about (a search may narrow R^d to the default box)."""
    if isinstance(verdict, Proved):
        return verdict.certificate.claim
    return narrowed(claim, verdict.method)


def result_json(verdict, claim, seconds: float) -> dict:
    net = claim.network
    out = {"verdict": verdict.verdict, "property": "monotone", "method": verdict.method,
           "seconds": round(seconds, 6), "model": net.source, "inputs": list(claim.inputs),
           "outputs": list(claim.outputs),
           "box": None if claim.box is None else [str(claim.box.lo), str(claim.box.hi)],
           "hypotheses": [f"{h.subject} {h.statement}" for h in claim.hypotheses()]}
    if isinstance(verdict, Refuted):
        out["witness"] = verdict.witness.to_json(net)
    if isinstance(verdict, Unknown):
        out["reason"] = verdict.reason
    return out


def chain_rule_latex(claim) -> dict[str, str]:
    """df_k/dx_i for each pair of the claim as LaTeX (a sum over paths for small networks)."""
    from checkers.symbolic import jacobian_latex

    return {f"df{k}/dx{i}": jacobian_latex(claim.network, k, i) for i, k in claim.pairs}


def render_text(verdict, claim, seconds: float) -> str:
    net = claim.network
    lines = [f"model: {net.source}  ({net.describe()})", f"claim: {claim.describe()}"]
    for h in claim.hypotheses():
        lines.append(f"  hypothesis: {h.subject} {h.statement}")
    if isinstance(verdict, Proved):
        lines.append(f"PROVED by {verdict.method} in {seconds:.3f} s")
        tree = verdict.certificate.proof.render()
        tree_lines = tree.splitlines()
        lines += ["  " + t for t in tree_lines[:25]]
        if len(tree_lines) > 25:
            lines.append(f"  ... ({len(tree_lines) - 25} more steps; --certificate FILE writes them all)")
    elif isinstance(verdict, Refuted):
        w = verdict.witness
        fx, fy = w.values(net)
        which = f"x{w.input}" if w.input is not None else "the inputs"
        lines.append(f"REFUTED by {verdict.method} in {seconds:.3f} s: f{w.output} decreases when {which} increases")
        lines.append(f"  x = ({', '.join(str(v) for v in w.x)})  f{w.output}(x) = {render(fx)}")
        lines.append(f"  y = ({', '.join(str(v) for v in w.y)})  f{w.output}(y) = {render(fy)}")
        lines.append("  x <= y componentwise, f(x) > f(y): re-checked in exact arithmetic")
    else:
        lines.append(f"UNKNOWN after {seconds:.3f} s ({verdict.method}): {verdict.reason}")
    return "\n".join(lines)


@click.command(help="Prove (or refute) that the network's outputs are non-decreasing in its inputs.\n\n"
                    "MODEL is an architecture string such as 2-8-8-1:relu:nonneg, a .json spec or a .npz file.\n"
                    "Exit codes: 0 proved, 1 refuted, 3 unknown, 2 bad input.")
@click.argument("model")
@click.option("--input", "input_", type=int, default=None, help="Only this input index (default: all).")
@click.option("--output", type=int, default=None, help="Only this output index (default: all).")
@click.option("--method", type=click.Choice(["auto", *METHODS]), default="auto", show_default=True)
@click.option("--box", default=None, help="Domain LO:HI for every input (searches on concrete weights default to 0:1).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds; a timeout is 'unknown'.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option("--certificate", type=click.Path(dir_okay=False), default=None, help="Write the certificate JSON here.")
@click.option("--smtlib", type=click.Path(dir_okay=False), default=None, help="Write the SMT query as SMT-LIB2 here.")
@click.option("--latex", is_flag=True, help="Also print df_k/dx_i by the chain rule, as LaTeX (for teaching; LaTeX indices count from 1).")
def command(model, input_, output, method, box, timeout, as_json, certificate, smtlib, latex):
    if timeout <= 0:
        raise BadInput(f"timeout must be positive, got {timeout}")
    net = load_model(model)
    claim = monotone_claim(net, None if input_ is None else [input_], None if output is None else [output],
                           Box.parse(box) if box is not None else None)
    if smtlib:
        from checkers.smt import encode

        smt_claim = claim if claim.box is not None or not net.is_concrete else \
            monotone_claim(net, claim.inputs, claim.outputs, Box.parse("0:1"))
        Path(smtlib).write_text(encode(smt_claim).to_smtlib())
    start = time.perf_counter()
    verdict = prove(claim, method, timeout)
    seconds = time.perf_counter() - start
    decided = claim_of_verdict(verdict, claim)
    if certificate:
        Path(certificate).write_text(json.dumps(verdict_to_json(verdict, decided), indent=1))
    formulas = chain_rule_latex(claim) if latex else {}
    if as_json:
        out = result_json(verdict, decided, seconds)
        if certificate:
            out["certificate"] = certificate
        if latex:
            out["latex"] = formulas
        click.echo(json.dumps(out))
    else:
        click.echo(render_text(verdict, decided, seconds))
        for key, text in formulas.items():
            click.echo(f"  {key}: {text}")
        if certificate:
            click.echo(f"certificate written to {certificate}")
    raise SystemExit(EXIT[verdict.verdict])
