"""One way to make the command line's Typer apps: :func:`typer_app`.

Every app (``awaken`` and each layer's group) is made here, so they share their settings:
help when called without arguments, no Rich tracebacks or shell-completion options, and
flags (``--help``, ``--plot``, ``--json`` ...) shown without a value placeholder: Typer's help
would otherwise print ``--help <bool>``, as though the flag took a value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def _plain_flags(params: Sequence[Any]) -> list[Any]:
    """``params`` with each flag's metavar set to empty (Typer then shows no type)."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    return list(params)


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_flags(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_flags(super().get_params(ctx))


class _App(typer.Typer):
    """A Typer app whose commands and groups show flags without a placeholder."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


def typer_app(help: str, **settings: Any) -> typer.Typer:
    """A Typer app with the command line's settings (see the module docstring)."""
    return _App(help=help, cls=_Group, no_args_is_help=True, pretty_exceptions_enable=False,
                add_completion=False, **settings)
