"""The ``awaken`` command line. Thin: parse, call the API, print.

User mistakes (``AwakenError``) print one line and exit with code 2, with no traceback.
The script (and ``python -m awaken``) enters by :func:`run`, which ends the process quickly
once the command is done; :func:`main` is the same command line for callers that go on.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

import typer
from rich.console import Console

from awaken.cli._app import typer_app
from awaken.core.errors import AwakenError

app = typer_app(
    "Respiratory viral infections awakening dormant metastatic cancer cells: "
    "within-host model (lung), fitting (calibrate), population microsimulation (cohort) and "
    "survival analyses (epi); intervention scenarios (policy); the study end to end (reproduce).",
    name="awaken",
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


def main(args: list[str] | None = None) -> None:
    """Entry point of the ``awaken`` script: mistakes, ours or the parser's, are one line."""
    try:  # typer >= 0.20 carries its own copy of click
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    except ImportError:
        from click.exceptions import (  # type: ignore[assignment]  # typer's own copy
            ClickException,
            NoArgsIsHelpError,
            UsageError,
        )

    try:
        code = app(args, prog_name="awaken", standalone_mode=False)
    except AwakenError as exc:
        _error(str(exc))
        sys.exit(2)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "awaken"
        _error(f"{exc.format_message()} (see `{where} --help`)")
        sys.exit(2)
    except ClickException as exc:
        _error(exc.format_message())
        sys.exit(exc.exit_code)
    except typer.Abort:
        _error("aborted")
        sys.exit(1)
    except BrokenPipeError:  # the reader of the output went away (`awaken ... | head`)
        sys.exit(1)
    except OSError as exc:  # the system refused a path no check foresaw: still one line
        where = f" {str(exc.filename)!r}" if exc.filename else ""
        _error(f"cannot read or write{where}: {exc.strerror or exc}")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


def _error(text: str) -> None:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {text}", highlight=False,
                                               markup=True)


_exit_code = 0


def run() -> None:
    """Entry point of the ``awaken`` script and ``python -m awaken``: :func:`main`, then a
    fast exit.

    Tearing down the interpreter (numba's and pandas' modules) costs a short command a
    quarter of its time. So the first exit handler, which runs last, after every other one
    (Python runs them in reverse order, and ``import awaken.cli`` registers none) and after
    the interpreter has joined the command's threads, flushes the standard streams and ends
    the process with the command's exit code (``os._exit``): files, temporary folders and
    the handlers of multiprocessing, Dask or logging are all closed by then.
    """
    global _exit_code
    atexit.register(_fast_exit)
    try:
        main()
    except SystemExit as stop:
        _exit_code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        raise
    except KeyboardInterrupt:
        _exit_code = 130
        raise
    except BaseException:
        _exit_code = 1
        raise


def _fast_exit() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(_exit_code)
