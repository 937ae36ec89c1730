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
    if np.isnan(t).any() or np.isnan(a).any() or pd.isna(s).any():
        raise InputError("time, entry and status must not be missing")
    if np.any(t <= a):
        raise InputError("every interval needs time > entry")
    if np.any(w < 0):
        raise InputError("weights must be >= 0")
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
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan–Meier survival at each distinct time (events and censorings), like ``survfit``.

    Returns columns ``time, n_risk, n_event, n_censor, surv, std_err, lower, upper``.
    """
    t, e, a, w = _arrays(time, event, entry, weights)
    e = e.astype(float)
    if not np.isin(e, (0, 1)).all():
        raise InputError("event must be 0 (censored) or 1 (event)")
    times, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=w * e, minlength=times.size)
    c = np.bincount(inv, weights=w * (1 - e), minlength=times.size)
    n = _at_risk(times, t, a, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(d > 0, d / n, 0.0)
        surv = np.cumprod(1 - hazard)
        green = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    se = np.sqrt(green)
    lo, hi = confint(surv, se, conf_type=conf_type, conf_level=conf_level, logse=True)
    return pd.DataFrame({"time": times, "n_risk": n, "n_event": d, "n_censor": c,
                         "surv": surv, "std_err": se, "lower": lo, "upper": hi})


def aalen_johansen(
    time: ArrayLike,
    cause: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    id: ArrayLike | None = None,
    labels: Mapping[int, str] | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Aalen–Johansen state probabilities for competing risks (``cause`` 0 = censored, 1..K).

    Returns a long table ``time, n_risk, state, probability, std_err, lower, upper`` with
    state ``"event-free"`` and one state per cause (named by ``labels``). Standard errors
    are the infinitesimal jackknife, summed within ``id`` (one person, several rows).
    """
    t, s, a, w = _arrays(time, cause, entry, None)
    s = s.astype(int)
    if np.any(s < 0):
        raise InputError("cause must be 0 (censored) or a positive event code")
    causes = np.unique(s[s > 0])
    if causes.size == 0:
        raise InputError("no events: every row is censored")
    cluster = np.arange(t.size) if id is None else pd.factorize(np.asarray(id))[0]
    times = np.unique(t)
    n = _at_risk(times, t, a, w)
    prob, var = _aj(t, s, a, cluster, times, causes)
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
    t: np.ndarray, s: np.ndarray, a: np.ndarray, cluster: np.ndarray, times: np.ndarray,
    causes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """State probabilities and IJ variances at ``times`` (column 0 = event-free)."""
    code = np.searchsorted(causes, s) + 1  # 1..K for events
    code = np.where(s > 0, code, 0).astype(np.int64)
    ev_times = np.unique(t[s > 0])
    n_cl = int(cluster.max()) + 1
    prob_ev, var_ev = _aj_kernel(t, a, code, cluster.astype(np.int64), n_cl, ev_times,
                                 causes.size, n_cl < t.size)
    # carry values forward to every distinct time (censoring-only times included)
    idx = np.searchsorted(ev_times, times, side="right") - 1
    prob = np.where(idx[:, None] >= 0, prob_ev[np.maximum(idx, 0)], 0.0)
    prob[idx < 0, 0] = 1.0
    var = np.where(idx[:, None] >= 0, var_ev[np.maximum(idx, 0)], 0.0)
    return prob, var


@numba.njit(cache=True)
def _aj_kernel(t, a, code, cluster, n_cl, ev_times, k, clustered):  # pragma: no cover - jit
    """Aalen–Johansen recursion with each row's influence (derivative with respect to its
    case weight), updated at every event time; variance = sum of squared influences
    (summed within cluster first)."""
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
                at_risk += 1.0
                if t[i] == u and code[i] > 0:
                    lam_k[code[i] - 1] += 1.0
        lam_k /= at_risk
        lam = lam_k.sum()
        total = np.zeros(k + 1)
        for i in range(n):
            y = 1.0 if (a[i] < u and t[i] >= u) else 0.0
            hit = code[i] if t[i] == u else 0
            dlam = 0.0
            for c in range(k):
                dl = ((1.0 if hit == c + 1 else 0.0) - y * lam_k[c]) / at_risk
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
