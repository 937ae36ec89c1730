"""Errors the user can act on. The CLI prints their message and exits with code 2."""

from __future__ import annotations

from collections.abc import Iterable


class AwakenError(Exception):
    """Base class for errors caused by input or by a run that cannot proceed."""


class InputError(AwakenError, ValueError):
    """Bad input: a name, value, file or table that is not allowed."""


class SolverError(AwakenError, RuntimeError):
    """A numerical solver failed; the message names the parameter set."""


def unknown_choice(kind: str, value: str, choices: Iterable[str]) -> InputError:
    """An error for a name that is not one of ``choices``, listing the valid ones."""
    valid = ", ".join(sorted(choices))
    return InputError(f"unknown {kind} {value!r}; choose one of: {valid}")
