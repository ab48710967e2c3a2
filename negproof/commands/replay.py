"""``negproof replay CERT``: re-check a certificate step by step.

Exit codes: 0 the certificate holds, 1 it does not, 3 nothing to replay (an unknown verdict), 2 bad input.
"""
from __future__ import annotations

import json

import click

import counterexamples.certificates  # noqa: F401  (imported to register the replay of refutation certificates)
from checkers.replay import load_certificate, replay


@click.command(help="Re-check a certificate (proved, refuted or refutation of a target) without trusting "
                    "the code that wrote it. Exit codes: 0 holds, 1 fails, 3 nothing to replay, 2 bad input.")
@click.argument("certificate", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def command(certificate, as_json):
    obj = load_certificate(certificate)
    failures = replay(obj)
    nothing = obj.get("verdict") == "unknown"
    status = "nothing-to-replay" if nothing else ("holds" if not failures else "fails")
    if as_json:
        click.echo(json.dumps({"certificate": certificate, "verdict": obj.get("verdict"), "replay": status,
                               "failures": failures}))
    else:
        if nothing:
            click.echo(f"{certificate}: an unknown verdict ({obj.get('reason', '')}) has nothing to replay")
        elif failures:
            click.echo(f"{certificate}: FAILS replay")
            for f in failures:
                click.echo(f"  - {f}")
        else:
            click.echo(f"{certificate}: holds ({obj.get('verdict')}, re-checked step by step)")
    raise SystemExit(3 if nothing else (1 if failures else 0))
