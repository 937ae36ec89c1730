"""One tie rule for every survival estimator: R's ``timefix`` (``aeqSurv``).

Times that differ only by floating-point round-off are the same time. Over the sorted distinct
finite times ``y`` (start and stop times together), neighbours with
``diff(y) <= tol`` or ``diff(y) / mean(|y|) <= tol`` (``tol = sqrt(machine eps)``, about
1.5e-8) are merged into the smallest of their run, exactly as R's ``aeqSurv`` does for
``coxph``, ``survfit``, ``survdiff`` and ``finegray`` (``timefix = TRUE``, the default). On the
age scale (``age + days / 365.25``) an event and a censoring computed along two arithmetic
paths can be 1e-14 apart: without the rule they are two times, with it one tied time.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np

from awaken.core.errors import InputError

__all__ = ["TIMEFIX_TOL", "timefix"]

TIMEFIX_TOL = math.sqrt(np.finfo(float).eps)  # R: sqrt(.Machine$double.eps)
"""Relative tolerance under which two times count as tied (R's ``timefix``)."""


def _cuts(values: np.ndarray, tol: float) -> np.ndarray | None:
    """The representative times (R's ``cuts``), or ``None`` when no two times are tied."""
    y = np.unique(values[np.isfinite(values)])
    if y.size < 2:
        return None
    dy = np.diff(y)
    tied = (dy <= tol) | (dy / np.mean(np.abs(y)) <= tol)
    if not tied.any():
        return None
    return y[np.concatenate([[True], ~tied])]


def _snap(times: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each time replaced by the largest cut <= it (R's ``cuts[findInterval(x, cuts)]``)."""
    out = times.copy()
    finite = np.isfinite(times)
    out[finite] = cuts[np.searchsorted(cuts, times[finite], side="right") - 1]
    return out


@overload
def timefix(stop: np.ndarray, start: np.ndarray, *,
            tol: float = ...) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def timefix(stop: np.ndarray, start: None = None, *,
            tol: float = ...) -> tuple[np.ndarray, None]: ...
def timefix(stop: np.ndarray, start: np.ndarray | None = None, *,
            tol: float = TIMEFIX_TOL) -> tuple[np.ndarray, np.ndarray | None]:
    """Merge times equal up to round-off, as R's ``aeqSurv(Surv(start, stop, ...))``.

    ``start`` (``None`` for right-censored data) and ``stop`` are merged together; infinite
    values (an entry at ``-inf``) are left alone. Returns the inputs themselves when nothing is
    tied (the usual case), else new arrays. ``tol <= 0`` turns the rule off.

    Raises:
        InputError: an interval ``(start, stop]`` would shrink to length 0 (R stops too).
    """
    stop = np.asarray(stop, dtype=float)
    start = None if start is None else np.asarray(start, dtype=float)
    if tol <= 0:
        return stop, start
    both = stop if start is None else np.concatenate([stop, start])
    cuts = _cuts(both, tol)
    if cuts is None:
        return stop, start
    new_stop = _snap(stop, cuts)
    if start is None:
        return new_stop, None
    new_start = _snap(start, cuts)
    zero = (new_start >= new_stop) & (start < stop)
    if zero.any():
        raise InputError(
            "an interval becomes of length 0 once times equal up to round-off are merged "
            f"(R's timefix), first at row {int(np.argmax(zero))} ({start[np.argmax(zero)]!r}, "
            f"{stop[np.argmax(zero)]!r}]; round the times, or drop that row"
        )
    return new_stop, new_start

