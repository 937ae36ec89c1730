"""Time-transformed covariates, as R's ``coxph(... + tt(x), tt = function(x, t, ...))``.

A term ``g(x, t)`` changes with time for everyone, so the data are expanded as R does: one
row per subject at risk at each event time ``t`` (within stratum), each risk set its own
stratum, right-censored at ``t`` with the event flag of a death at ``t``; ``g(x, t)`` is
evaluated on the expanded rows. The partial likelihood is the same as the original model's
with ``g`` evaluated at every event time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from awaken.core.errors import InputError
from awaken.epi.ties import timefix

__all__ = ["RISKSET", "expand_tt"]

RISKSET = "_riskset"
"""Column naming the risk set (the event time) of each expanded row."""
MAX_ROWS = 50_000_000
TTFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def expand_tt(data: pd.DataFrame, *, stop: str, event: str,
              tt: Mapping[str, tuple[str, TTFunction]], start: str | None = None,
              strata: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rows at risk at each event time, with the ``tt`` columns added.

    ``tt`` maps a new column name to ``(source column, g)``; ``g(x, t)`` gets the source values
    and the event times of the expanded rows (NumPy arrays) and returns the new values. The
    result has ``stop`` (the event time), ``event`` (1 for a death at that time) and
    :data:`RISKSET` (the stratum of each risk set); ``start`` is dropped.
    """
    if not tt:
        raise InputError("tt is empty: give {new_name: (column, function)}")
    for name, item in tt.items():
        if not (isinstance(item, tuple) and len(item) == 2 and callable(item[1])):
            raise InputError(f"tt[{name!r}] must be (column, function of (x, t))")
        if item[0] not in data.columns:
            raise InputError(f"tt[{name!r}] uses column {item[0]!r}, not in the data")
        if name in data.columns:
            raise InputError(f"tt column {name!r} already exists in the data; choose a new name")
    t_stop = data[stop].to_numpy(dtype=float)
    t_start = None if start is None else data[start].to_numpy(dtype=float)
    t_stop, t_start = timefix(t_stop, t_start)
    if t_start is None:
        t_start = np.full(len(data), -np.inf)
    ev = data[event].to_numpy(dtype=float)
    groups = (np.zeros(len(data), dtype=np.int64) if not strata
              else data.groupby(list(strata), sort=True, observed=True).ngroup().to_numpy())
    pieces_rows, pieces_time, pieces_set = [], [], []
    offset = 0
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        etimes = np.unique(t_stop[rows][ev[rows] == 1])
        if etimes.size == 0:
            continue
        lo = np.searchsorted(etimes, t_start[rows], side="right")
        hi = np.searchsorted(etimes, t_stop[rows], side="right")
        count = np.maximum(hi - lo, 0)
        rep = np.repeat(rows, count)
        k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(
            lo, count)
        pieces_rows.append(rep)
        pieces_time.append(etimes[k])
        pieces_set.append(offset + k)
        offset += etimes.size
        if sum(p.size for p in pieces_rows) > MAX_ROWS:
            raise InputError(f"tt() would expand the data beyond {MAX_ROWS:,} rows (one per "
                             "subject at risk per event time); split follow-up with Timeline "
                             "instead")
    if not pieces_rows:
        raise InputError("no events: tt() needs at least one event time")
    rows = np.concatenate(pieces_rows)
    time = np.concatenate(pieces_time)
    out = data.iloc[rows].reset_index(drop=True)
    if start is not None:
        out = out.drop(columns=[start])
    out[event] = ((t_stop[rows] == time) & (ev[rows] == 1)).astype(np.int64)
    out[stop] = time
    out[RISKSET] = np.concatenate(pieces_set)
    for name, (column, func) in tt.items():
        values = np.asarray(func(out[column].to_numpy(dtype=float), time), dtype=float)
        if values.shape != (len(out),):
            raise InputError(f"tt[{name!r}]: the function must return one value per row")
        out[name] = values
    return out
