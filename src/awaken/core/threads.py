"""Thread settings of the compiled (numba) kernels, applied where parallel kernels start.

``OMP_WAIT_POLICY``: numba's OpenMP threads otherwise spin between parallel regions, which
slows the many small batched solves of a calibration (measured: 16 ms against 0.6 ms per call
under load). awaken uses ``passive`` unless you set the variable yourself (your value wins).
OpenMP reads it once, when its threads first start, so :func:`prepare_parallel` runs just
before awaken's first parallel kernel; nothing is changed at import.
"""

from __future__ import annotations

import os

WAIT_POLICY_VARIABLE = "OMP_WAIT_POLICY"
DEFAULT_WAIT_POLICY = "passive"


def wait_policy() -> str:
    """The OpenMP wait policy in force: the user's ``OMP_WAIT_POLICY``, else ``passive``."""
    return os.environ.get(WAIT_POLICY_VARIABLE, DEFAULT_WAIT_POLICY)


def prepare_parallel() -> None:
    """Set ``OMP_WAIT_POLICY`` to :func:`wait_policy` before OpenMP starts (idempotent)."""
    os.environ.setdefault(WAIT_POLICY_VARIABLE, DEFAULT_WAIT_POLICY)
