"""Test of proportional hazards for a Cox fit, as R's ``cox.zph`` (survival >= 3.0).

For each covariate ``x`` the model is augmented with ``x * g(t)`` and a score test of the added
coefficient being 0 is computed at the fitted coefficients; ``GLOBAL`` tests all of them at
once. ``g`` is the transformed time, centred over the events (``transform="km"``:
1 - Kaplan–Meier just before ``t``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from awaken.core.errors import InputError, unknown_choice
from awaken.epi.cox import CoxResult, fitted_design, model_data

__all__ = ["cox_zph"]

TRANSFORMS = ("km", "identity", "log", "rank")


def _time_transform(transform: str, etimes: np.ndarray, stop: np.ndarray, start: np.ndarray,
                    event: np.ndarray) -> np.ndarray:
    """``g(t)`` (before centring) at the event times ``etimes``, from all rows of the data."""
    if transform == "identity":
        return etimes.astype(float)
    if transform == "log":
        if np.any(etimes <= 0):
            raise InputError("transform='log' needs event times > 0; use 'km' or 'identity'")
        return np.log(etimes)
    if transform == "rank":  # R: rank(times) over all rows, ties averaged
        s = np.sort(stop)
        below = np.searchsorted(s, etimes, side="left")
        upto = np.searchsorted(s, etimes, side="right")
        return below + (upto - below + 1) / 2.0
    # "km": 1 - S(t-) of the pooled Kaplan–Meier (unweighted, all strata together)
    times, deaths = np.unique(stop[event != 0], return_counts=True)
    s_stop = np.sort(stop)
    s_start = np.sort(start)
    at_risk = (len(stop) - np.searchsorted(s_stop, times, side="left")) - (
        len(start) - np.searchsorted(s_start, times, side="left"))
    surv = np.cumprod(1.0 - deaths / at_risk)
    before = np.concatenate([[1.0], surv[:-1]])  # S just before each event time
    return 1.0 - before[np.searchsorted(times, etimes)]


def cox_zph(result: CoxResult, data: pd.DataFrame, transform: str = "km",
            terms: bool = True) -> pd.DataFrame:
    """Proportional-hazards test of a fitted Cox model, like R's ``cox.zph(fit)``.

    Args:
        result: the fit from :func:`awaken.epi.fit_cox`.
        data: the data the model was fitted on (same rows).
        transform: time scale ``g(t)``: ``"km"`` (R's default), ``"identity"``, ``"log"`` or
            ``"rank"``.
        terms: for a formula fit, test the columns of each term jointly (a factor's
            indicators, a spline's basis), as R's ``cox.zph(terms = TRUE)``; else one test
            per column.

    Returns:
        A table indexed by term (or covariate) plus ``GLOBAL`` with columns ``chisq``, ``df``,
        ``p``.
    """
    if transform not in TRANSFORMS:
        raise unknown_choice("transform", str(transform), TRANSFORMS)
    spec = result.spec
    design, out = fitted_design(result, model_data(result, data))
    t_time, t_ndeath, t_u, t_v = out.time, out.n_deaths, out.time_score, out.time_info
    ttime = _time_transform(transform, t_time, design.all_stop, design.all_start,
                            design.all_event)
    g = ttime - np.sum(ttime * t_ndeath) / np.sum(t_ndeath)

    p = len(spec.covariates)
    u = np.concatenate([np.zeros(p), g @ t_u])
    imat = np.empty((2 * p, 2 * p))
    imat[:p, :p] = t_v.sum(axis=0)
    imat[:p, p:] = np.tensordot(g, t_v, axes=1)
    imat[p:, :p] = imat[:p, p:].T
    imat[p:, p:] = np.tensordot(g * g, t_v, axes=1)

    if terms and result.formula is not None:
        position = {c: i for i, c in enumerate(spec.covariates)}
        groups = {label: [position[c] for c in cols]
                  for label, cols in result.formula.term_columns.items()}
    else:
        groups = {c: [i] for i, c in enumerate(spec.covariates)}
    chisq = np.empty(len(groups) + 1)
    for g_index, cols in enumerate(groups.values()):
        kk = np.r_[np.arange(p), p + np.asarray(cols)]
        chisq[g_index] = u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk])
    chisq[-1] = u @ np.linalg.solve(imat, u)
    df = np.r_[[len(c) for c in groups.values()], p]
    table = pd.DataFrame(
        {"chisq": chisq, "df": df.astype(int), "p": special.chdtrc(df, chisq)},
        index=pd.Index([*groups, "GLOBAL"], name="term"),
    )
    return table
