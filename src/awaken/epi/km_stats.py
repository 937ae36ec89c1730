"""Summaries of Kaplan–Meier curves as R reports them: quantiles (median) with confidence
limits (``quantile.survfit``) and the restricted mean survival time (``print(survfit,
rmean=)``).

Both take the table of :func:`awaken.epi.kaplan_meier` (with its ``group`` column, if any).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from awaken.core.errors import InputError
from awaken.epi.ties import TIMEFIX_TOL

__all__ = ["restricted_mean", "survival_quantiles"]


def _curves(curve: pd.DataFrame, needed: Sequence[str]) -> list[tuple[object, pd.DataFrame]]:
    if not isinstance(curve, pd.DataFrame):
        raise InputError("pass the table returned by kaplan_meier")
    missing = [c for c in needed if c not in curve.columns]
    if missing:
        raise InputError(f"the curve lacks column {missing[0]!r}: pass the table returned by "
                         "kaplan_meier")
    if "group" not in curve.columns:
        return [(None, curve)]
    return [(level, part) for level, part in curve.groupby("group", sort=False)]


def _findq(x: np.ndarray, y: np.ndarray, probs: np.ndarray, tol: float) -> np.ndarray:
    """Smallest ``x`` where the step function ``y`` (1 - survival) reaches each ``p``; the
    midpoint of a flat stretch where ``y`` equals ``p`` (R's ``findq``)."""
    out = np.full(probs.size, np.nan)
    finite = ~np.isnan(y)
    if not finite.any() or np.nanmax(y) < probs.min():
        return out
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()  # first of repeated values (NaN too)
    x, y = x[keep], y[keep]
    pos = np.flatnonzero(~np.isnan(y))
    yy = y[pos]

    def index(shift: float) -> np.ndarray:
        knots = yy + shift
        order = np.argsort(knots, kind="stable")
        knots, where = knots[order], pos[order]
        j = np.searchsorted(knots, probs, side="left")
        ok = (probs >= knots[0]) & (probs <= knots[-1])
        return np.where(ok, where[np.minimum(j, knots.size - 1)], -1)

    i1, i2 = index(tol), index(-tol)
    valid = (i1 >= 0) & (i2 >= 0)
    out[valid] = (x[i1[valid]] + x[i2[valid]]) / 2
    out[probs == 0] = x[0]
    if not np.isnan(y[-1]):
        last = (np.abs(probs - y[-1]) < tol) & (i1 >= 0)
        out[last] = (x[i1[last]] + xmax) / 2
    return out


def survival_quantiles(curve: pd.DataFrame,
                       probs: Sequence[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Times by which a share ``p`` has had the event (``p = 0.5``: median survival), with the
    confidence limits where the bands cross, as R's ``quantile(survfit)``; ``NaN`` when the
    curve (or band) does not reach ``p``. Returns ``[group,] prob, quantile, lower, upper``."""
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size == 0 or np.any(~((p >= 0) & (p <= 1))):
        raise InputError(f"probs must be probabilities in [0, 1], got {list(probs)!r}")
    frames = []
    for level, part in _curves(curve, ("time", "surv", "lower", "upper")):
        x = np.r_[0.0, part["time"].to_numpy(float)]
        rows: dict[str, np.ndarray] = {"prob": p}
        for name, col in (("quantile", "surv"), ("lower", "lower"), ("upper", "upper")):
            rows[name] = _findq(x, np.r_[0.0, 1 - part[col].to_numpy(float)], p, TIMEFIX_TOL)
        frame = pd.DataFrame(rows)
        if level is not None:
            frame.insert(0, "group", [level] * len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def restricted_mean(curve: pd.DataFrame, tau: float | None = None) -> pd.DataFrame:
    """Restricted mean survival time up to ``tau`` (the area under the curve) and its
    standard error, as R's ``print(survfit, rmean = tau)``; ``tau=None`` uses each curve's
    last time. The area starts at ``min(0, first time)``; the variance is Greenwood's (even
    for weighted curves, as in R). Returns ``[group,] tau, rmean, se``."""
    parts = _curves(curve, ("time", "surv", "n_risk", "n_event"))
    start = min(0.0, float(curve["time"].min()))
    frames = []
    for level, part in parts:
        time = part["time"].to_numpy(float)
        surv = part["surv"].to_numpy(float)
        n, d = part["n_risk"].to_numpy(float), part["n_event"].to_numpy(float)
        end = float(time[-1]) if tau is None else float(tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(n - d == 0, 0.0, d / (n * (n - d)))
        keep = time <= end
        if not keep.any():
            tt, ss, hh = np.array([end]), np.array([1.0]), np.array([0.0])
        else:
            tt = np.r_[time[keep], end]
            ss = np.r_[surv[keep], surv[keep][-1]]
            hh = np.r_[hh[keep], 0.0]
        rect = np.diff(np.r_[start, tt]) * np.r_[1.0, ss[:-1]]
        var = np.sum(np.cumsum(rect[1:][::-1]) ** 2 * hh[::-1][1:])
        row = {"tau": end, "rmean": rect.sum() + start, "se": float(np.sqrt(var))}
        if level is not None:
            row = {"group": level, **row}
        frames.append(row)
    return pd.DataFrame(frames)
