"""The ``awaken`` command line. Thin: parse, call the API, print.

User mistakes (``AwakenError``) print one line and exit with code 2, with no traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from awaken.core.errors import AwakenError

app = typer.Typer(
    name="awaken",
    help="Respiratory viral infections awakening dormant metastatic cancer cells: "
    "within-host model (lung), fitting (calibrate) and survival analyses (epi).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    for name in ("lung", "epi", "calibrate"):
        try:
            module = __import__(f"awaken.cli.{name}", fromlist=["app"])
        except ModuleNotFoundError as exc:  # a layer not installed in this checkout
            if exc.name != f"awaken.cli.{name}":
                raise
            continue
        app.add_typer(module.app, name=name)


_register()


def main() -> None:
    """Entry point of the ``awaken`` script."""
    try:
        app()
    except AwakenError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
