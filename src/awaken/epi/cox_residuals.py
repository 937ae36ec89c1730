"""Residuals of a Cox fit, as R's ``residuals(coxph, type=)``.

``"martingale"`` (event minus expected events over the row's interval, Efron-adjusted at tied
deaths), ``"deviance"``, ``"score"`` (one column per term), ``"dfbeta"`` and ``"dfbetas"``
(score residuals times the model-based variance, weighted by the case weights, as R's
default), ``"schoenfeld"`` and ``"scaledsch"`` (one row per event). Martingale, deviance,
score and Schoenfeld residuals are unweighted, as in R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from awaken.core.errors import unknown_choice
from awaken.epi import _cox_kernels as kern
from awaken.epi.cox import CoxResult, Sweep, _Design, fitted_design, model_data
from awaken.epi.cox_predict import _fitted_data, _predict

__all__ = ["cox_residuals"]

TYPES = ("martingale", "deviance", "score", "dfbeta", "dfbetas", "schoenfeld", "scaledsch")


def cox_residuals(result: CoxResult, data: pd.DataFrame,
                  type: str = "martingale") -> pd.Series | pd.DataFrame:
    """Residuals of ``result`` on the data it was fitted on (R's ``residuals(fit, type)``).

    Returns a Series (martingale, deviance) or a DataFrame with one column per term, indexed
    like ``data``; Schoenfeld residuals have one row per event, sorted by stratum and time,
    with the event ``time`` and the data ``row`` (position) as leading columns.
    """
    if type not in TYPES:
        raise unknown_choice("residual type", str(type), TYPES)
    data = model_data(result, data)
    if type in ("martingale", "deviance"):
        f = _fitted_data(result, data)
        mart = f.event - _predict(result, data, None, "expected")
        if type == "martingale":
            return pd.Series(mart, index=data.index, name="martingale")
        status = f.event.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = np.where(status > 0, status * np.log(status - mart), 0.0)
        dev = np.sign(mart) * np.sqrt(-2.0 * (mart + inner))
        return pd.Series(dev, index=data.index, name="deviance")

    design, out = fitted_design(result, data)
    terms = list(result.terms)
    if type in ("schoenfeld", "scaledsch"):
        return _schoenfeld(result, design, out, terms, type == "scaledsch")
    resid = kern.score_residuals(design.x, design.event, out.expeta, out.enters, out.leaves,
                                 out.hazard1, out.hazard2, out.mh1, out.mh2,
                                 out.mh3) / design.scale
    full = np.zeros((design.n, len(terms)))
    full[design.rows] = resid
    if type in ("dfbeta", "dfbetas"):
        weights = np.ones(design.n)
        if result.spec.weights is not None:
            weights = data[result.spec.weights].to_numpy(dtype=float)
        vv = result.naive_var
        full = full @ vv
        if type == "dfbetas":
            full = full / np.sqrt(np.diag(vv))
        full = full * weights[:, None]
    return pd.DataFrame(full, index=data.index, columns=terms)


def _schoenfeld(result: CoxResult, d: _Design, out: Sweep, terms: list[str],
                scaled: bool) -> pd.DataFrame:
    t_mh3, k_add = out.mh3, out.enters
    t_strat = out.stratum
    dead = np.flatnonzero(d.event == 1)
    k = k_add[dead]
    resid = (d.x[dead] - t_mh3[k]) / d.scale
    if scaled:
        resid = resid @ result.naive_var * dead.size + result.coef
    frame = pd.DataFrame(resid, columns=terms)
    frame.insert(0, "row", d.rows[dead])
    frame.insert(0, "time", d.stop[dead])
    frame["_strat"] = t_strat[k]
    frame = frame.sort_values(["_strat", "time", "row"], kind="stable").drop(columns="_strat")
    return frame.reset_index(drop=True)
