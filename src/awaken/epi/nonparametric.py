"""Kaplan–Meier and Aalen–Johansen estimators, numerically matching R's ``survfit``.

* :func:`kaplan_meier`: Greenwood variance (``std_err`` is the standard error of the
  cumulative hazard, as in ``survfit``), confidence bands ``"log"`` (R's default),
  ``"log-log"`` or ``"plain"``; delayed entry and case weights.
* :func:`aalen_johansen`: cumulative incidence of competing events (``survfit`` with a
  factor status), infinitesimal-jackknife standard errors (R's default for multi-state
  curves), clustered by ``id`` when a person has several rows; log-scale bands.

Both take ``(entry, time]`` intervals: rows of counting-process data are left-truncated
observations, so curves by a time-varying group (Simon–Makuch) come for free.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtri

from awaken.core.errors import InputError
from awaken.epi.ties import timefix

ConfType = Literal["log", "log-log", "plain"]


def _arrays(
    time: ArrayLike, status: ArrayLike, entry: ArrayLike | None, weights: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    s = np.asarray(status)
    a = np.full_like(t, -np.inf) if entry is None else np.asarray(entry, dtype=float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    if not (t.shape == s.shape == a.shape == w.shape) or t.ndim != 1:
        raise InputError("time, status, entry and weights must be 1-d and of equal length")
    if t.size == 0:
        raise InputError("no observations")
    for name, missing in (("time", np.isnan(t)), ("entry", np.isnan(a)),
                          ("status", np.asarray(pd.isna(s), dtype=bool)),
                          ("weights", np.isnan(w))):
        if missing.any():
            raise InputError(f"{name} has a missing value at row {int(np.argmax(missing))}; "
                             "drop or fill those rows first")
    if np.any(t <= a):
        pos = int(np.argmax(t <= a))
        raise InputError(f"every interval needs time > entry, but row {pos} has entry "
                         f"{a[pos]:g} and time {t[pos]:g}")
    if np.any(w < 0):
        pos = int(np.argmax(w < 0))
        raise InputError(f"weights must be >= 0, but row {pos} has {w[pos]:g}")
    t, fixed_a = timefix(t, None if entry is None else a)
    return t, s, (a if fixed_a is None else fixed_a), w


def _at_risk(times: np.ndarray, t: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted number with ``entry < u <= time`` at each ``u`` in ``times``."""
    ot, oa = np.argsort(t), np.argsort(a)
    ct = np.r_[0.0, np.cumsum(w[ot])]
    ca = np.r_[0.0, np.cumsum(w[oa])]
    exit_ge = ct[-1] - ct[np.searchsorted(t[ot], times, side="left")]
    entry_ge = ca[-1] - ca[np.searchsorted(a[oa], times, side="left")]
    return exit_ge - entry_ge


def confint(
    p: np.ndarray, se: np.ndarray, *, conf_type: ConfType, conf_level: float, logse: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise bands as in ``survfit``; ``se`` is on the log scale when ``logse``."""
    z = ndtri(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = se if logse else np.where(se == 0, 0.0, se / p)
        if conf_type == "plain":
            half = z * se_log * p
            return np.maximum(p - half, 0), np.minimum(p + half, 1)
        if conf_type == "log":
            x = np.where(p == 0, np.nan, p)
            return np.exp(np.log(x) - z * se_log), np.minimum(np.exp(np.log(x) + z * se_log), 1)
        if conf_type == "log-log":
            x = np.where((p == 0) | (p == 1), np.nan, p)
            h = z * se_log / np.log(x)
            ll = np.log(-np.log(x))
            return np.exp(-np.exp(ll - h)), np.exp(-np.exp(ll + h))
    raise InputError(f"unknown conf_type {conf_type!r}; choose one of: log, log-log, plain")


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    group: ArrayLike | None = None,
    id: ArrayLike | None = None,
    robust: bool | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier survival at each distinct time (events and censorings), like ``survfit``.

    Returns columns ``time, n_risk, n_event, n_censor, surv, std_err, lower, upper`` (counts
    weighted), preceded by ``group`` when ``group`` is given (one curve per level, in sorted
    order, as ``survfit(Surv(time, event) ~ group)``). The variance is Greenwood's and
    ``std_err`` is the standard error of the cumulative hazard (``-log S``), unless ``robust``:
    then it is the infinitesimal-jackknife standard error of ``S`` itself (summed within
    ``id``), as R reports it. ``robust=None`` decides as R does: on when some weight is not a
    whole number, or an ``id`` has several events.
    """
    t, e, a, w = _arrays(time, event, entry, weights)
    e = e.astype(float)
    if not np.isin(e, (0, 1)).all():
        pos = int(np.argmax(~np.isin(e, (0, 1))))
        raise InputError(f"event must be 0 (censored) or 1 (event), but row {pos} has "
                         f"{e[pos]:g}; recode it (e.g. R's lung status 1/2 becomes status - 1)")
    cluster = None if id is None else _ids(id, t.size, "id")
    if robust is None:
        robust = bool(np.any(w != np.floor(w)))
        if cluster is not None:
            ev_ids = cluster[e == 1]
            robust = robust or np.unique(ev_ids).size < ev_ids.size
    if robust and cluster is None:
        cluster = np.arange(t.size)
    if group is None:
        return _km_curve(t, e, a, w, cluster if robust else None, conf_type, conf_level)
    g = np.asarray(group)
    if g.shape != t.shape:
        raise InputError(f"group must have one value per row ({t.size}), got shape {g.shape}")
    if pd.isna(g).any():
        raise InputError(f"group has a missing value at row {int(np.argmax(pd.isna(g)))}")
    levels = np.unique(g)
    frames = []
    for level in levels:
        m = g == level
        cl = None if not robust or cluster is None else pd.factorize(cluster[m])[0]
        frames.append(_km_curve(t[m], e[m], a[m], w[m], cl, conf_type, conf_level)
                      .assign(group=level))
    out = pd.concat(frames, ignore_index=True)
    return out[["group", *out.columns[:-1]]]


def _ids(values: ArrayLike, n: int, name: str) -> np.ndarray:
    v = np.asarray(values)
    if v.shape != (n,):
        raise InputError(f"{name} must have one value per row ({n}), got shape {v.shape}")
    if pd.isna(v).any():
        raise InputError(f"{name} has a missing value at row {int(np.argmax(pd.isna(v)))}")
    return pd.factorize(v)[0].astype(np.int64)


def _km_curve(t: np.ndarray, e: np.ndarray, a: np.ndarray, w: np.ndarray,
              cluster: np.ndarray | None, conf_type: ConfType,
              conf_level: float) -> pd.DataFrame:
    times, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=w * e, minlength=times.size)
    c = np.bincount(inv, weights=w * (1 - e), minlength=times.size)
    n = _at_risk(times, t, a, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(d > 0, d / n, 0.0)
        surv = np.cumprod(1 - hazard)
        green = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    if cluster is None:
        se = np.sqrt(green)
        logse = True
    else:
        _, var = _aj(t, e.astype(np.int64), a, w, cluster, times, np.array([1]))
        se = np.sqrt(var[:, 0])
        logse = False
    lo, hi = confint(surv, se, conf_type=conf_type, conf_level=conf_level, logse=logse)
    return pd.DataFrame({"time": times, "n_risk": n, "n_event": d, "n_censor": c,
                         "surv": surv, "std_err": se, "lower": lo, "upper": hi})


def aalen_johansen(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    id: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    labels: Mapping[int, str] | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Aalen–Johansen state probabilities for competing risks (``cause`` 0 = censored, 1..K).

    Returns a long table ``time, n_risk, state, probability, std_err, lower, upper`` with
    state ``"event-free"`` and one state per cause (named by ``labels``). Standard errors
    are the infinitesimal jackknife, summed within ``id`` (one person, several rows);
    ``weights`` are case weights (``survfit(weights=)``): the probabilities are weighted,
    ``n_risk`` counts rows, as R's multi-state ``survfit`` reports it.
    """
    t, s, a, w = _arrays(time, cause, entry, weights)
    s = s.astype(int)
    if np.any(s < 0):
        raise InputError("cause must be 0 (censored) or a positive event code")
    causes = np.unique(s[s > 0])
    if causes.size == 0:
        raise InputError("no events: every row is censored")
    cluster = np.arange(t.size) if id is None else _ids(id, t.size, "id")
    times = np.unique(t)
    n = _at_risk(times, t, a, np.ones_like(w))  # R reports unweighted counts here
    prob, var = _aj(t, s, a, w, cluster, times, causes)
    names = ["event-free"] + [
        (labels or {}).get(int(k), f"cause {int(k)}") for k in causes
    ]
    frames = []
    for j, name in enumerate(names):
        se = np.sqrt(var[:, j])
        lo, hi = confint(prob[:, j], se, conf_type=conf_type, conf_level=conf_level,
                         logse=False)
        frames.append(pd.DataFrame({"time": times, "n_risk": n, "state": name,
                                    "probability": prob[:, j], "std_err": se,
                                    "lower": lo, "upper": hi}))
    return pd.concat(frames, ignore_index=True)


def _aj(
    t: np.ndarray, s: np.ndarray, a: np.ndarray, w: np.ndarray, cluster: np.ndarray,
    times: np.ndarray, causes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """State probabilities and IJ variances at ``times`` (column 0 = event-free)."""
    code = np.searchsorted(causes, s) + 1  # 1..K for events
    code = np.where(s > 0, code, 0).astype(np.int64)
    ev_times = np.unique(t[s > 0])
    n_cl = int(cluster.max()) + 1
    prob_ev, var_ev = _aj_kernel(t, a, w, code, cluster.astype(np.int64), n_cl, ev_times,
                                 causes.size, n_cl < t.size)
    # carry values forward to every distinct time (censoring-only times included)
    idx = np.searchsorted(ev_times, times, side="right") - 1
    prob = np.where(idx[:, None] >= 0, prob_ev[np.maximum(idx, 0)], 0.0)
    prob[idx < 0, 0] = 1.0
    var = np.where(idx[:, None] >= 0, var_ev[np.maximum(idx, 0)], 0.0)
    return prob, var


@numba.njit(cache=True)
def _aj_kernel(t: np.ndarray, a: np.ndarray, w: np.ndarray, code: np.ndarray,
               cluster: np.ndarray, n_cl: int, ev_times: np.ndarray, k: int,
               clustered: bool) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Aalen–Johansen recursion with each row's influence (its case weight times the
    derivative with respect to it), updated at every event time; variance = sum of squared
    influences (summed within cluster first)."""
    n = t.size
    m = ev_times.size
    prob = np.empty((m, k + 1))
    var = np.empty((m, k + 1))
    d_surv = np.zeros(n)
    d_cif = np.zeros((n, k))
    acc = np.zeros((n_cl if clustered else 1, k + 1))
    cif = np.zeros(k)
    lam_k = np.zeros(k)
    surv = 1.0
    for j in range(m):
        u = ev_times[j]
        at_risk = 0.0
        lam_k[:] = 0.0
        for i in range(n):
            if a[i] < u and t[i] >= u:
                at_risk += w[i]
                if t[i] == u and code[i] > 0:
                    lam_k[code[i] - 1] += w[i]
        lam_k /= at_risk
        lam = lam_k.sum()
        total = np.zeros(k + 1)
        for i in range(n):
            y = w[i] if (a[i] < u and t[i] >= u) else 0.0
            hit = code[i] if t[i] == u else 0
            dlam = 0.0
            for c in range(k):
                dl = ((w[i] if hit == c + 1 else 0.0) - y * lam_k[c]) / at_risk
                d_cif[i, c] += d_surv[i] * lam_k[c] + surv * dl
                dlam += dl
            d_surv[i] = d_surv[i] * (1.0 - lam) - surv * dlam
            if clustered:
                g = cluster[i]
                acc[g, 0] += d_surv[i]
                for c in range(k):
                    acc[g, c + 1] += d_cif[i, c]
            else:
                total[0] += d_surv[i] ** 2
                for c in range(k):
                    total[c + 1] += d_cif[i, c] ** 2
        if clustered:
            for g in range(n_cl):
                for c in range(k + 1):
                    total[c] += acc[g, c] ** 2
                    acc[g, c] = 0.0
        for c in range(k):
            cif[c] += surv * lam_k[c]
        surv *= 1.0 - lam
        prob[j, 0] = surv
        var[j] = total
        for c in range(k):
            prob[j, c + 1] = cif[c]
    return prob, var
