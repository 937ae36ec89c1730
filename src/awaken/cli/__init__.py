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
    "within-host model (lung), fitting (calibrate), population microsimulation (cohort) and "
    "survival analyses (epi); intervention scenarios (policy); the study end to end (reproduce).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from awaken.cli import calibrate, cohort, epi, lung, policy, reproduce

    app.add_typer(lung.app, name="lung")
    app.add_typer(calibrate.app, name="calibrate")
    app.add_typer(cohort.app, name="cohort")
    app.add_typer(epi.app, name="epi")
    app.add_typer(policy.app, name="policy")
    app.command("reproduce", help=reproduce.HELP)(reproduce.reproduce_cmd)


_register()


def _version(value: bool) -> None:
    if value:
        from awaken import __version__

        typer.echo(f"awaken {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Respiratory viral infections awakening dormant metastatic cancer cells."""


def main() -> None:
    """Entry point of the ``awaken`` script."""
    try:
        app()
    except AwakenError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
