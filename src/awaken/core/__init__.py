"""Shared foundations: parameters, errors, seeded random streams, atomic output (tables
with their units and provenance).

Names load on first use, so ``import awaken`` (and ``awaken --help``) pays for neither NumPy
nor pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from awaken.core.errors import AwakenError, InputError, SolverError

_WHERE = {
    "Parameter": "awaken.core.params",
    "atomic_path": "awaken.core.io",
    "read_table": "awaken.core.io",
    "rng_stream": "awaken.core.rng",
    "table_metadata": "awaken.core.io",
    "write_figure": "awaken.core.io",
    "write_json": "awaken.core.io",
    "write_table": "awaken.core.io",
}

__all__ = [
    "AwakenError",
    "InputError",
    "Parameter",
    "SolverError",
    "atomic_path",
    "read_table",
    "rng_stream",
    "table_metadata",
    "write_figure",
    "write_json",
    "write_table",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'awaken.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from awaken.core.io import (
        atomic_path,
        read_table,
        table_metadata,
        write_figure,
        write_json,
        write_table,
    )
    from awaken.core.params import Parameter
    from awaken.core.rng import rng_stream
