"""``negproof demo``: the main job on built-in defaults, written up as a handout (DIR/report.md + PNGs).

Proves the theorem for default architectures by every method, refutes every gallery target with its
certified bounds, trains non-negative and free networks and checks the cross-validation invariants.

Exit codes: 0 every invariant holds, 1 a cross-validation invariant is violated (or a method refuted the
theorem), 2 bad input.
"""
from __future__ import annotations

import sys

import click


@click.command()
@click.option("--out", "out", default="negproof-demo", show_default=True, type=click.Path(file_okay=False),
              help="directory for report.md and the figures")
@click.option("--quick", is_flag=True, help="reduced training budget (what the test suite runs)")
def command(out, quick):
    """Prove, refute, train and write a report: the whole story on built-in defaults."""
    from counterexamples.report import run_demo

    tty = sys.stderr.isatty()
    bar = None
    if tty:
        from tqdm import tqdm

        bar = tqdm(desc="negproof demo", unit=" step", leave=False)

    def progress(msg: str) -> None:
        if bar is not None:
            bar.set_postfix_str(msg.strip()[:50])
            bar.update(1)

    try:
        outcome = run_demo(out, quick=quick, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    cv = outcome.crossval
    proved = [r for r in outcome.theorem if r.verdict == "proved"]
    click.echo(f"theorem: {len(proved)}/{len(outcome.theorem)} (architecture, method) pairs proved; "
               + ", ".join(f"{r.architecture.split(':')[1]}/{r.method}: {r.verdict}" for r in outcome.theorem))
    refuted = [n for n, b in cv.bounds.items() if b.witness is not None]
    click.echo(f"gallery: {len(refuted)}/{len(cv.bounds)} targets refuted with certified bounds")
    nonneg = [r for r in cv.rows if r.constraint == "nonneg"]
    click.echo(f"training: {len(cv.rows)} networks trained; {len(nonneg)} non-negative ones checked against "
               f"the bounds; {len(cv.violations)} violation(s), {len(cv.unconfirmed)} unconfirmed")
    for v in cv.violations:
        click.echo(f"  VIOLATED {v}")
    click.echo(f"report: {outcome.report}  ({len(outcome.figures)} figures, {outcome.seconds:.1f} s)")
    if not outcome.ok:
        sys.exit(1)
