"""Fine–Gray subdistribution hazards by weighted expansion, as R's ``finegray``.

Persons with a competing event stay in the risk set after it, with weight
``G(t) / G(T_i)`` (``G``: Kaplan–Meier of censoring, times delayed-entry probability when
entry is delayed); only intervals that hold an event of interest are kept. The expanded
counting-process data are fitted by a weighted Cox model (:func:`fit_cox`). Counting-process
input (time-dependent covariates) is allowed: the last row of a person with a competing event
is extended with its covariate values (Latouche et al. 2005 discuss the interpretation).
Cause-specific Cox models are :func:`cause_specific_cox`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from awaken.core.errors import InputError
from awaken.epi.nonparametric import kaplan_meier
from awaken.epi.ties import timefix

if TYPE_CHECKING:
    from awaken.epi.cox import CoxResult


def finegray_expand(
    data: pd.DataFrame,
    *,
    stop: str,
    status: str,
    event: Any,
    start: str | None = None,
    id: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    prefix: str = "fg",
) -> pd.DataFrame:
    """Expand data for a Fine–Gray model of ``status == event`` (``0`` = censored).

    Returns the input columns plus ``{prefix}start, {prefix}stop, {prefix}status,
    {prefix}wt``; rows of each person follow each other, extensions after the original row.
    Counting-process input (``start`` given) needs ``id``; a stratum without an event of
    interest contributes no rows (as in R).
    """
    for col in (stop, status, start, id, strata, weights):
        if col is not None and col not in data.columns:
            raise InputError(f"finegray: data has no column {col!r}")
    st = data[status].to_numpy()
    if not np.any(st == event):
        raise InputError(f"finegray: no row has {status} == {event!r}")
    y1 = data[stop].to_numpy(dtype=float)
    if start is None:
        y1, _ = timefix(y1)  # R's timefix, as finegray(timefix = TRUE)
        lo = np.nanmin(y1)
        y0 = np.full_like(y1, 0.0 if lo > 0 else 2 * lo - 1)
        first = last = np.ones(len(data), dtype=bool)
        delay = False
    else:
        if id is None:
            raise InputError("finegray: (start, stop] data need an id column")
        y1, y0 = timefix(y1, data[start].to_numpy(dtype=float))
        first, last = _first_last(data[id].to_numpy(), y0, y1, st)
        delay = bool(np.any(y0[first] > np.min(y1)))
    censored = np.asarray(pd.isna(st) | (st == 0), dtype=bool)
    strat = (np.zeros(len(data), dtype=int) if strata is None
             else pd.factorize(data[strata])[0])
    utime = np.unique(np.r_[y0, y1])
    r0 = np.searchsorted(utime, y0).astype(float) + 1  # 1-based ranks
    r1 = np.searchsorted(utime, y1).astype(float) + 1
    r1[~censored] -= 0.2  # events before censorings at tied times
    user_w = np.ones(len(data)) if weights is None else data[weights].to_numpy(dtype=float)
    pieces = []
    for s in np.unique(strat):
        keep = np.flatnonzero(strat == s)
        if not np.any(st[keep] == event):
            continue
        ct2, cp2 = _censoring_steps(utime, r0[keep], r1[keep], last[keep] & censored[keep],
                                    first[keep], delay, y1[keep].max())
        expand = ~censored[keep] & (st[keep] != event) & last[keep]
        pieces.append(_expand_rows(keep, y0[keep], y1[keep], expand, ct2, cp2,
                                   np.unique(y1[keep][st[keep] == event])))
    rows = pd.concat(pieces, ignore_index=True)
    out = data.iloc[rows["row"].to_numpy()].reset_index(drop=True)
    out[f"{prefix}start"] = rows["start"].to_numpy()
    out[f"{prefix}stop"] = rows["stop"].to_numpy()
    out[f"{prefix}status"] = (st[rows["row"].to_numpy()] == event).astype(int)
    out[f"{prefix}wt"] = rows["wt"].to_numpy() * user_w[rows["row"].to_numpy()]
    return out


def _first_last(
    ids: np.ndarray, y0: np.ndarray, y1: np.ndarray, st: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Flags for each person's first and last row; checks contiguity as R does."""
    codes = pd.factorize(ids)[0]
    order = np.lexsort((y1, codes))
    c = codes[order]
    is_first = np.r_[True, c[1:] != c[:-1]]
    is_last = np.r_[c[1:] != c[:-1], True]
    inner_status = st[order][~is_last]
    if np.any((inner_status != 0) & ~pd.isna(inner_status)):
        raise InputError("finegray: a person has an event before their last row")
    gaps = (y0[order][1:] != y1[order][:-1]) & ~is_last[:-1]
    if np.any(gaps):
        raise InputError("finegray: a person has gaps in time; rows must be contiguous")
    first = np.zeros(len(ids), dtype=bool)
    last = np.zeros(len(ids), dtype=bool)
    first[order[is_first]] = True
    last[order[is_last]] = True
    return first, last


def _censoring_steps(
    utime: np.ndarray, r0: np.ndarray, r1: np.ndarray, cens: np.ndarray, first: np.ndarray,
    delay: bool, maxtime: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut times ``ct2`` and the weight ``cp2[j]`` holding on ``(ct2[j-1], ct2[j]]``."""
    g = kaplan_meier(r1, cens.astype(float), entry=r0)
    g = g[g["n_event"] > 0]
    ctime = g["time"].to_numpy()  # ranks (integers: censorings are not shifted)
    if delay:
        h = kaplan_meier(-r0, first.astype(float), entry=-r1)
        h = h[h["n_event"] > 0]
        dtime = -h["time"].to_numpy()[::-1]
        dprob = np.r_[h["surv"].to_numpy()[::-1][1:], 1.0]
        cfull = np.r_[1.0, g["surv"].to_numpy()]
        both = np.unique(np.r_[dtime, ctime])
        i1 = np.searchsorted(dtime, both, side="right")
        i2 = np.searchsorted(ctime, both, side="right")
        cprob = dprob[np.maximum(i1 - 1, 0)] * cfull[i2]
        ctime = both
    else:
        cprob = g["surv"].to_numpy()
    ct = utime[np.round(ctime).astype(int) - 1]
    return np.r_[ct, maxtime], np.r_[1.0, cprob]


def _expand_rows(
    rows: np.ndarray, y0: np.ndarray, y1: np.ndarray, expand: np.ndarray, ct2: np.ndarray,
    cp2: np.ndarray, times: np.ndarray,
) -> pd.DataFrame:
    """Original rows (extended to the next cut when ``expand``) plus weighted extensions."""
    keep = np.zeros(ct2.size, dtype=bool)
    idx = np.searchsorted(ct2, times, side="left")  # number of cut times < t
    keep[idx[idx > 0]] = True
    kept = np.flatnonzero(keep[1:]) + 1
    j = np.searchsorted(ct2, y1, side="left")  # first cut >= stop
    stop = np.where(expand, ct2[np.minimum(j, ct2.size - 1)], y1)
    n_add = np.where(expand, kept.size - np.searchsorted(kept, j, side="right"), 0)
    who = np.repeat(np.arange(rows.size), n_add)
    offs = np.arange(n_add.sum()) - np.repeat(np.cumsum(n_add) - n_add, n_add)
    jj = kept[np.repeat(kept.size - n_add, n_add) + offs]
    # each original row, then its extensions
    base_pos = np.arange(rows.size) + np.r_[0, np.cumsum(n_add)[:-1]]
    ext_pos = base_pos[who] + offs + 1
    total = rows.size + who.size
    out = {"row": np.empty(total, dtype=rows.dtype), "start": np.empty(total),
           "stop": np.empty(total), "wt": np.ones(total)}
    out["row"][base_pos], out["row"][ext_pos] = rows, rows[who]
    out["start"][base_pos], out["start"][ext_pos] = y0, ct2[jj - 1]
    out["stop"][base_pos], out["stop"][ext_pos] = stop, ct2[jj]
    out["wt"][ext_pos] = cp2[jj] / cp2[np.minimum(j[who], ct2.size - 1)]
    return pd.DataFrame(out)


def fine_gray(
    data: pd.DataFrame,
    *,
    stop: str,
    status: str,
    event: Any,
    covariates: Sequence[str],
    start: str | None = None,
    id: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    **cox_options: Any,
) -> CoxResult:
    """Fine–Gray model for ``status == event``: :func:`finegray_expand` then a weighted Cox
    fit. Robust (sandwich) errors are clustered by ``id`` when given. ``strata`` sets the
    censoring-distribution strata (as in R); pass Cox strata via ``cox_options``."""
    from awaken.epi.cox import fit_cox

    extra: list[str] = []
    for key in ("strata", "cluster", "offset"):
        v = cox_options.get(key)
        extra += [v] if isinstance(v, str) else list(v or [])
    cols = [c for c in dict.fromkeys([stop, status, start, id, strata, weights, *covariates,
                                      *extra]) if c is not None]
    fg = finegray_expand(data[cols], stop=stop, status=status,
                         event=event, start=start, id=id, strata=strata, weights=weights)
    fg = fg[fg["fgwt"] > 0]  # intervals after the censoring curve reached 0 carry nothing
    if id is not None:
        cox_options.setdefault("cluster", id)
    return fit_cox(fg, start="fgstart", stop="fgstop", event="fgstatus",
                   covariates=list(covariates), weights="fgwt", **cox_options)


def cause_specific_cox(
    data: pd.DataFrame,
    *,
    stop: str,
    status: str,
    event: Any,
    covariates: Sequence[str],
    start: str | None = None,
    **cox_options: Any,
) -> CoxResult:
    """Cox model for the hazard of ``status == event``, other events censored."""
    from awaken.epi.cox import fit_cox

    d = data.assign(_cs_event=(data[status].to_numpy() == event).astype(int))
    return fit_cox(d, start=start, stop=stop, event="_cs_event", covariates=list(covariates),
                   **cox_options)
