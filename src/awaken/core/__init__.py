"""Shared foundations: parameters, errors, seeded random streams, atomic output."""

from awaken.core.errors import AwakenError, InputError, SolverError
from awaken.core.io import atomic_path, write_json, write_table
from awaken.core.params import Parameter
from awaken.core.rng import rng_stream

__all__ = [
    "AwakenError",
    "InputError",
    "Parameter",
    "SolverError",
    "atomic_path",
    "rng_stream",
    "write_json",
    "write_table",
]
