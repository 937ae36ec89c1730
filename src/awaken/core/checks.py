"""Checks of scalar arguments, shared by the API and reported as they are by the CLI.

One rule per kind of value: a count, a number of days, a seed, a scheduler address. Each
raises :class:`~awaken.core.errors.InputError` naming the argument, the value and what is
allowed, so the command line prints the API's message instead of keeping rules of its own.
"""

from __future__ import annotations

import math
import numbers
import os

from awaken.core.errors import InputError

SEED_LIMIT = 2**32
"""Seeds are below 2**32: pyABC and NumPy's legacy generator take 32 bits."""
SCHEDULER_PROTOCOLS = ("tcp", "tls", "inproc", "ucx")
"""Dask's communication protocols, the prefixes a scheduler address may have."""
MEMORY_SHARE = 0.5
"""The share of the machine's physical memory one result may take."""
MEMORY_FALLBACK = 2**31
"""Bytes one result may take when the system does not say how much memory it has (2 GiB)."""


def count(name: str, value: object, low: int = 0, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (a whole number, not a bool)."""
    if (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and low <= int(value) and (high is None or int(value) <= high)):
        return int(value)
    allowed = f"an integer >= {low}" + ("" if high is None else f" and <= {high:,}")
    raise InputError(f"{name}={value!r} must be {allowed}")


def days(name: str, value: object, limit: float) -> float:
    """``value`` as a positive, finite number of days up to ``limit``."""
    if (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)) and 0 < float(value) <= limit):
        return float(value)
    raise InputError(f"{name}={value!r} must be a number of days > 0 and <= {limit:g}")


def seed(value: object, name: str = "seed") -> int:
    """A random seed: an integer in ``[0, 2**32)``."""
    return count(name, value, 0, SEED_LIMIT - 1)


def scheduler(value: str | None) -> str | None:
    """A Dask scheduler address (``tcp://host:8786``), or ``None`` for a local run."""
    if value is None:
        return None
    protocol, _, host = value.partition("://") if isinstance(value, str) else ("", "", "")
    if protocol not in SCHEDULER_PROTOCOLS or not host:
        raise InputError(f"scheduler {value!r} must be an address like tcp://host:8786 "
                         f"(protocols: {', '.join(SCHEDULER_PROTOCOLS)})")
    return value


def memory_limit() -> int:
    """Bytes one result may take: :data:`MEMORY_SHARE` of the physical memory."""
    try:
        total = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        total = 0
    return int(MEMORY_SHARE * total) if total > 0 else MEMORY_FALLBACK


def fits_in_memory(what: str, n: int, bytes_each: float) -> None:
    """Refuse a call whose result (``n`` items of ``bytes_each`` bytes) exceeds the limit."""
    limit = memory_limit()
    if n * bytes_each > limit:
        most = int(limit // max(bytes_each, 1))
        raise InputError(f"{what}: {n:,} would need {n * bytes_each / 2**30:.1f} GiB; at most "
                         f"{most:,} fit in {limit / 2**30:.1f} GiB ({MEMORY_SHARE:.0%} of this "
                         "machine's memory)")


__all__ = [
    "MEMORY_FALLBACK", "MEMORY_SHARE", "SCHEDULER_PROTOCOLS", "SEED_LIMIT", "count", "days",
    "fits_in_memory", "memory_limit", "scheduler", "seed",
]
