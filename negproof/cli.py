"""The ``negproof`` command line: one click group, one module per verb in ``negproof.commands``.

Exit codes are a contract (see README): bad input always exits 2 with a one-line message, never a
traceback.  Each verb documents its own codes for proved / refuted / unknown / consistent.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from theory.errors import BadInput

VERBS = ["prove", "replay", "activations", "refute", "gallery", "train", "demo"]
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 4


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BadInput as err:
            click.echo(f"negproof: error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except OSError as err:  # a path the user gave cannot be read or written
            where = f" {err.filename!r}" if getattr(err, "filename", None) else ""
            click.echo(f"negproof: error: cannot use{where}: {err.strerror or err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("negproof: interrupted", err=True)
            sys.exit(130)
        except Exception as err:  # an internal error: one line, never a traceback (NEGPROOF_DEBUG=1 shows it)
            if os.environ.get("NEGPROOF_DEBUG"):
                raise
            click.echo(f"negproof: internal error: {type(err).__name__}: {err}", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="negproof")
def main():
    """negproof: prove and refute what networks with non-negative weights can represent."""


for _verb in VERBS:
    main.add_command(importlib.import_module(f"negproof.commands.{_verb}").command, _verb)


if __name__ == "__main__":
    main()
