"""Counting-process data: ``(tstart, tstop]`` rows per person, like R's ``tmerge``/``survSplit``.

A :class:`Timeline` starts from one row per person (entry, exit) and is refined by events
(counted on the row that ends at the event time), time-dependent covariates (a step at each
change time), fixed cut points (calendar periods) and bands of time since an event. Every
method returns a new Timeline; rows stay sorted by id and ``tstart``. Conventions follow
``tmerge``: a covariate change at time ``t`` applies to intervals starting at or after ``t``,
so an event at ``t`` is counted with the value held just before ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from awaken.core.errors import InputError

START, STOP = "tstart", "tstop"


def to_days(dates: pd.Series, origin: pd.Timestamp | str) -> pd.Series:
    """Days from ``origin`` to each date (float; NaN stays NaN)."""
    return (pd.to_datetime(dates) - pd.Timestamp(origin)).dt.days.astype(float)


@dataclass(frozen=True)
class Timeline:
    """Counting-process rows: ``id``, ``tstart``, ``tstop`` and covariate/event columns."""

    data: pd.DataFrame
    id: str = "id"
    events: tuple[str, ...] = ()

    @classmethod
    def from_base(
        cls, base: pd.DataFrame, *, id: str, stop: str, start: str | None = None
    ) -> Timeline:
        """One row per person over ``(start, stop]`` (``start`` 0 if not given).

        Rows with ``stop <= start`` (no follow-up) are dropped; other columns are kept.
        """
        for col in (id, stop, start):
            if col is not None and col not in base.columns:
                raise InputError(f"base table has no column {col!r}")
        if base[id].duplicated().any():
            raise InputError(f"base table must have one row per {id!r}")
        data = base.copy()
        data[START] = 0.0 if start is None else base[start].astype(float)
        data[STOP] = base[stop].astype(float)
        if data[[START, STOP]].isna().any().any():
            raise InputError("base table has missing start or stop times")
        data = data[data[STOP] > data[START]]
        cols = [id, START, STOP] + [c for c in data.columns if c not in (id, START, STOP)]
        return cls(_sorted(data[cols], id), id=id)

    # -- refinements --------------------------------------------------------------------
    def event(
        self, name: str, times: pd.DataFrame, *, time: str = "time", value: str | None = None
    ) -> Timeline:
        """Add event column ``name``: rows are split at event times and the row ending at
        each time gets the event's ``value`` (1 by default). Times outside follow-up are
        ignored; several events at one time add up."""
        ev = self._times(times, time, value)
        data = _cut(self.data, self.id, ev[[self.id, "_t"]], self.events)
        hits = ev.groupby([self.id, "_t"], sort=False)["_v"].sum().rename("_ev").reset_index()
        merged = data[[self.id, STOP]].merge(
            hits, left_on=[self.id, STOP], right_on=[self.id, "_t"], how="left"
        )
        col = merged["_ev"].fillna(0).to_numpy()
        base = data[name].to_numpy(dtype=float) if name in data.columns else 0.0
        data[name] = base + col
        if np.all(np.mod(data[name], 1) == 0):
            data[name] = data[name].astype(int)
        events = self.events if name in self.events else (*self.events, name)
        return Timeline(data, self.id, events)

    def tdc(
        self,
        name: str,
        times: pd.DataFrame,
        *,
        time: str = "time",
        value: str | None = None,
        init: float | None = None,
    ) -> Timeline:
        """Add a time-dependent covariate: rows are split at change times and a row takes the
        value of the latest change at or before its ``tstart`` (``init`` before any change:
        0 for a step without ``value``, NaN otherwise)."""
        ch = self._times(times, time, value)
        data = _cut(self.data, self.id, ch[[self.id, "_t"]], self.events)
        if init is None:
            init = 0.0 if value is None else np.nan
        data[name] = _last_change(data, self.id, ch, init)
        if value is None and init in (0, 1):
            data[name] = data[name].astype(int)
        return Timeline(data, self.id, self.events)

    def split(
        self, cuts: Sequence[float] | np.ndarray, *, name: str | None = None,
        labels: Sequence[str] | None = None,
    ) -> Timeline:
        """Split every row at fixed times (``survSplit``); ``name`` records the interval
        index (0 before the first cut) or its label from ``labels`` (one more than cuts)."""
        c = np.unique(np.asarray(cuts, dtype=float))
        if labels is not None and len(labels) != c.size + 1:
            raise InputError(f"split: {c.size} cut(s) need {c.size + 1} labels, "
                             f"got {len(labels)}")
        a = self.data[START].to_numpy()
        b = self.data[STOP].to_numpy()
        lo = np.searchsorted(c, a, side="right")
        hi = np.searchsorted(c, b, side="left")
        n = np.maximum(hi - lo, 0)
        pos = np.repeat(np.arange(len(a)), n)
        offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        pairs = pd.DataFrame({"_pos": pos, "_t": c[np.repeat(lo, n) + offset]})
        data = _split_rows(self.data, pairs, self.events)
        if name is not None:
            idx = np.searchsorted(c, data[START].to_numpy(), side="right")
            data[name] = np.asarray(labels, dtype=object)[idx] if labels is not None else idx
        return Timeline(data, self.id, self.events)

    def split_since(
        self,
        prefix: str,
        times: pd.DataFrame,
        breaks: Sequence[float],
        *,
        time: str = "time",
        labels: Sequence[str] | None = None,
    ) -> Timeline:
        """Indicator columns for bands of time since each person's first ``time``.

        ``breaks`` (e.g. ``[0, 91, 365]`` days) give bands ``[0, 91)``, ``[91, 365)`` and
        ``[365, inf)``; columns are named by ``labels`` or ``{prefix}_{lo}_{hi}``. Rows
        before the time (or of persons without one) are 0 in every band.
        """
        br = np.asarray(breaks, dtype=float)
        if br.size == 0 or np.any(np.diff(br) <= 0) or br[0] < 0:
            raise InputError("split_since: breaks must be increasing and start at >= 0")
        names = list(labels) if labels is not None else [
            f"{prefix}_{lo:g}_{hi:g}" for lo, hi in zip(br[:-1], br[1:], strict=True)
        ] + [f"{prefix}_{br[-1]:g}_plus"]
        if len(names) != br.size:
            raise InputError(f"split_since: {br.size} breaks need {br.size} labels")
        first = self._times(times, time, None).groupby(self.id, sort=False)["_t"].min()
        cuts = pd.DataFrame({
            self.id: np.repeat(first.index.to_numpy(), br.size),
            "_t": (first.to_numpy()[:, None] + br[None, :]).ravel(),
        })
        data = _cut(self.data, self.id, cuts, self.events)
        since = data[START].to_numpy() - data[self.id].map(first).to_numpy(dtype=float)
        band = np.searchsorted(br, since, side="right") - 1  # -1 before the first break
        band = np.where(np.isnan(since), -1, band)
        for k, col in enumerate(names):
            data[col] = (band == k).astype(int)
        return Timeline(data, self.id, self.events)

    def restrict(self, start: float | None = None, stop: float | None = None) -> Timeline:
        """Keep follow-up inside ``(start, stop]`` (delayed entry at ``start``, administrative
        censoring at ``stop``); events outside the window are dropped."""
        cuts = [t for t in (start, stop) if t is not None]
        tl = self.split(cuts) if cuts else self
        keep = np.ones(len(tl.data), dtype=bool)
        if start is not None:
            keep &= tl.data[START].to_numpy() >= start
        if stop is not None:
            keep &= tl.data[STOP].to_numpy() <= stop
        return Timeline(tl.data[keep].reset_index(drop=True), self.id, self.events)

    # -- helpers ------------------------------------------------------------------------
    def _times(self, times: pd.DataFrame, time: str, value: str | None) -> pd.DataFrame:
        for col in (self.id, time, value):
            if col is not None and col not in times.columns:
                raise InputError(f"event table has no column {col!r}")
        out = pd.DataFrame({
            self.id: times[self.id].to_numpy(),
            "_t": times[time].astype(float).to_numpy(),
            "_v": 1.0 if value is None else times[value].to_numpy(),
        })
        out = out[out["_t"].notna()]
        if len(out) and out[self.id].dtype != self.data[self.id].dtype:
            out[self.id] = out[self.id].astype(self.data[self.id].dtype)
        return out.reset_index(drop=True)

    @property
    def n_persons(self) -> int:
        """Number of distinct persons."""
        return int(self.data[self.id].nunique())


def _sorted(data: pd.DataFrame, id: str) -> pd.DataFrame:
    return data.sort_values([id, START], kind="stable").reset_index(drop=True)


def _cut(data: pd.DataFrame, id: str, cuts: pd.DataFrame, events: tuple[str, ...]) -> pd.DataFrame:
    """Split rows at per-person times lying strictly inside their interval."""
    if cuts.empty:
        return data.copy()
    rows = pd.DataFrame({id: data[id].to_numpy(), START: data[START].to_numpy(),
                         STOP: data[STOP].to_numpy(), "_pos": np.arange(len(data))})
    c = cuts[[id, "_t"]].drop_duplicates().sort_values("_t", kind="stable")
    found = pd.merge_asof(c, rows.sort_values(START, kind="stable"), left_on="_t",
                          right_on=START, by=id, allow_exact_matches=False)
    found = found[found["_pos"].notna() & (found["_t"] < found[STOP])]
    pairs = pd.DataFrame({"_pos": found["_pos"].astype(int).to_numpy(),
                          "_t": found["_t"].to_numpy()})
    return _split_rows(data, pairs, events)


def _split_rows(data: pd.DataFrame, pairs: pd.DataFrame, events: tuple[str, ...]) -> pd.DataFrame:
    """Rebuild rows from interior cut points ``pairs`` (row position, time)."""
    if pairs.empty:
        return data.copy()
    n = len(data)
    starts = pd.DataFrame({"_pos": np.arange(n), "_t": data[START].to_numpy()})
    pts = pd.concat([starts, pairs], ignore_index=True).drop_duplicates()
    pts = pts.sort_values(["_pos", "_t"], kind="stable")
    pos = pts["_pos"].to_numpy()
    t0 = pts["_t"].to_numpy()
    last = np.r_[pos[1:] != pos[:-1], True]
    t1 = np.where(last, data[STOP].to_numpy()[pos], np.r_[t0[1:], 0.0])
    out = data.iloc[pos].reset_index(drop=True)
    out[START] = t0
    out[STOP] = t1
    for ev in events:
        out[ev] = out[ev].where(last, 0)
    return out


def _last_change(data: pd.DataFrame, id: str, changes: pd.DataFrame, init: float) -> np.ndarray:
    """Per row, the value of the latest change at or before ``tstart``."""
    left = pd.DataFrame({id: data[id].to_numpy(), START: data[START].to_numpy(),
                         "_pos": np.arange(len(data))}).sort_values(START, kind="stable")
    ch = changes.sort_values("_t", kind="stable").drop_duplicates([id, "_t"], keep="last")
    m = pd.merge_asof(left, ch, left_on=START, right_on="_t", by=id, direction="backward")
    vals = np.full(len(data), init, dtype=object if m["_v"].dtype == object else float)
    has = m["_t"].notna().to_numpy()
    vals[m["_pos"].to_numpy()[has]] = m["_v"].to_numpy()[has]
    return vals
