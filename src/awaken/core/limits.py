"""What the machine can do, checked at the edge: seeds and memory.

A request that cannot fit is refused at once with the limit, instead of failing after minutes
of work or being killed by the operating system.
"""

from __future__ import annotations

import numbers
import os

from awaken.core.errors import InputError

MAX_SEED = 2**32 - 1
"""Largest seed accepted everywhere (NumPy's legacy seeding, used by pyABC, takes 32 bits)."""

MEMORY_SHARE = 0.5
"""Share of the machine's physical memory one result may take."""


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, MAX_SEED]``, else an :class:`InputError` naming ``name``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputError(f"{name}={seed!r} must be a whole number in [0, {MAX_SEED}]")
    if not 0 <= int(seed) <= MAX_SEED:
        raise InputError(f"{name}={seed} is outside [0, {MAX_SEED}] (2**32 - 1)")
    return int(seed)


def physical_memory() -> int:
    """Bytes of physical memory (0 when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def check_memory(what: str, n_bytes: float, hint: str) -> None:
    """Refuse ``what`` when it would need more than :data:`MEMORY_SHARE` of the memory."""
    total = physical_memory()
    if total and n_bytes > MEMORY_SHARE * total:
        raise InputError(f"{what} needs about {n_bytes / 1e9:.3g} GB of memory; this machine "
                         f"has {total / 1e9:.3g} GB: {hint}")
