"""Named fitting problems built from the shipped data sets."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.problems.baccam2006 import baccam2006
from awaken.calibrate.problems.chia2025 import chia2025
from awaken.core.errors import unknown_choice

PROBLEMS: MappingProxyType[str, Callable[..., Problem]] = MappingProxyType(
    {"baccam2006": baccam2006, "chia2025": chia2025}
)
"""The named fitting problems: name -> function building the :class:`Problem`."""


def problem(name: str, **options: Any) -> Problem:
    """Build the named problem (options are passed to its builder)."""
    try:
        builder = PROBLEMS[name]
    except KeyError:
        raise unknown_choice("problem", name, PROBLEMS) from None
    return builder(**options)


__all__ = ["PROBLEMS", "baccam2006", "chia2025", "problem"]
