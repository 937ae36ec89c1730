"""After a Cox fit: baseline hazard, predictions and survival curves, as R's ``survival``.

* :func:`baseline_hazard` is ``basehaz(fit, centered=)``;
* :func:`predict_cox` is ``predict(fit, newdata, type = "lp" | "risk" | "expected")``;
* :func:`cox_survfit` is ``survfit(fit, newdata)``: a curve per row of ``newdata`` with
  standard errors (``std_err`` of the cumulative hazard) and log-scale confidence bands.

All need the data the model was fitted on (checked as for ``cox_zph``). The baseline follows
R's ``agsurv``: the Breslow or, for Efron fits, the Efron-adjusted hazard, with covariates
centred at ``fit.means`` (R's ``fit$means``: weighted means, 0 for 0/1 columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from awaken.core.errors import InputError, unknown_choice
from awaken.epi.cox import (
    CoxResult,
    CoxSpec,
    _codes,
    _numeric_column,
    fitted_design,
    model_data,
    model_newdata,
)

__all__ = ["baseline_hazard", "cox_survfit", "predict_cox"]

PREDICT_TYPES = ("lp", "risk", "expected")


@dataclass
class _Fitted:
    """The fitting data again, as raw arrays (all rows, original order)."""

    x: np.ndarray            # (n, p) raw covariates
    stop: np.ndarray         # after R's timefix
    start: np.ndarray        # -inf for right-censored data
    event: np.ndarray
    weights: np.ndarray
    offset: np.ndarray
    strata: np.ndarray       # codes 0..k-1 (sorted levels)
    levels: list[str | None]  # stratum labels (None when unstratified)
    means: np.ndarray        # R's fit$means
    offset_mean: float       # weighted mean of the offset (R's survfit centres by it)


def _strata_labels(data: pd.DataFrame, spec: CoxSpec, codes: np.ndarray) -> list[str | None]:
    """``"a=1, b=2"`` for each stratum code, R-style; ``[None]`` without strata."""
    if not spec.strata:
        return [None]
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()
    return [", ".join(f"{s}={data[s].iloc[int(pos)]}" for s in spec.strata)
            for pos in first.to_numpy()]


def _fitted_data(result: CoxResult, data: pd.DataFrame) -> _Fitted:
    """Validate ``data`` as the data ``result`` was fitted on and return its raw arrays."""
    spec = result.spec
    design, _ = fitted_design(result, data)
    x = np.column_stack([_numeric_column(data, c, "covariate") for c in spec.covariates])
    n = len(data)
    weights = (np.ones(n) if spec.weights is None
               else _numeric_column(data, spec.weights, "weights"))
    offset = np.zeros(n) if spec.offset is None else _numeric_column(data, spec.offset, "offset")
    codes = (np.zeros(n, dtype=np.int64) if not spec.strata
             else _codes(data, spec.strata, "strata")[0])
    zero_one = np.all((x == 0) | (x == 1), axis=0)
    means = np.where(zero_one, 0.0, weights @ x / weights.sum())
    fitted = _Fitted(x=x, stop=design.all_stop, start=design.all_start, event=design.all_event,
                     weights=weights, offset=offset, strata=codes,
                     levels=_strata_labels(data, spec, codes), means=means,
                     offset_mean=float(weights @ offset / weights.sum()))
    lp = (x - means) @ result.coef + offset
    if not np.all(np.isfinite(np.exp(lp - lp.max()))):
        raise InputError("the linear predictor is not finite; check the covariates")
    return fitted


@dataclass
class _Baseline:
    """R's ``agsurv`` for one stratum, at every distinct stop time (centred covariates)."""

    time: np.ndarray
    n_risk: np.ndarray       # weighted number at risk
    n_event: np.ndarray      # weighted events
    n_censor: np.ndarray
    hazard: np.ndarray       # increments of the cumulative hazard
    own: np.ndarray          # Efron: the increment for a row dying at that time
    varhaz: np.ndarray       # increments of the variance term
    xbar: np.ndarray         # (ntime, p) increments of the xbar term


def _suffix_at(keys: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over rows with ``keys >= at`` (for each ``at``)."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    v = values[order]
    csum = np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])
    idx = np.searchsorted(k, at, side="left")
    return csum[-1] - csum[idx]


def _baseline(f: _Fitted, risk: np.ndarray, rows: np.ndarray, efron: bool) -> _Baseline:
    t, a, e, w = f.stop[rows], f.start[rows], f.event[rows].astype(float), f.weights[rows]
    r = risk[rows]
    xc = f.x[rows] - f.means
    times = np.unique(t)
    wr = w * r
    inv = np.searchsorted(times, t)

    def at_risk(values: np.ndarray) -> np.ndarray:
        total = _suffix_at(t, values, times)
        if np.isfinite(a).any():
            total = total - _suffix_at(a, values, times)
        return total

    nrisk = at_risk(wr)
    irisk = at_risk(w)
    xsum = at_risk(wr[:, None] * xc)
    ntime = times.size
    nevent = np.bincount(inv, weights=w * e, minlength=ntime)
    ncens = np.bincount(inv, weights=w * (1 - e), minlength=ntime)
    ndeath = np.bincount(inv, weights=e, minlength=ntime)
    erisk = np.bincount(inv, weights=wr * e, minlength=ntime)
    xsum2 = np.column_stack([np.bincount(inv, weights=wr * e * xc[:, j], minlength=ntime)
                             for j in range(xc.shape[1])])
    hazard = np.zeros(ntime)
    own = np.zeros(ntime)
    varhaz = np.zeros(ntime)
    xbar = np.zeros_like(xsum)
    dead = ndeath > 0
    if not efron:
        hazard[dead] = nevent[dead] / nrisk[dead]
        own = hazard.copy()
        varhaz[dead] = nevent[dead] / nrisk[dead] ** 2
        xbar[dead] = xsum[dead] / nrisk[dead, None] * hazard[dead, None]
    else:
        for j in range(int(ndeath.max()) if dead.any() else 0):
            m = ndeath > j
            d = ndeath[m]
            denom = nrisk[m] - erisk[m] * j / d
            hazard[m] += 1.0 / denom / d
            own[m] += (1.0 - j / d) / denom / d
            varhaz[m] += 1.0 / denom ** 2 / d
            xbar[m] += (xsum[m] - xsum2[m] * (j / d)[:, None]) / (denom ** 2 * d)[:, None]
        hazard *= nevent
        own *= nevent
        varhaz *= nevent
        xbar *= nevent[:, None]
    return _Baseline(time=times, n_risk=irisk, n_event=nevent, n_censor=ncens, hazard=hazard,
                     own=own, varhaz=varhaz, xbar=xbar)


def _risk(result: CoxResult, f: _Fitted) -> np.ndarray:
    return np.exp((f.x - f.means) @ result.coef + f.offset - f.offset_mean)


def _baselines(result: CoxResult, f: _Fitted) -> list[_Baseline]:
    risk = _risk(result, f)
    efron = result.spec.ties == "efron"
    return [_baseline(f, risk, np.flatnonzero(f.strata == s), efron)
            for s in range(len(f.levels))]


def baseline_hazard(result: CoxResult, data: pd.DataFrame, *,
                    centered: bool = True) -> pd.DataFrame:
    """Cumulative baseline hazard at every distinct time, as R's ``basehaz(fit, centered)``:
    at the mean covariates (``centered``) or at covariates 0. Columns ``time, hazard`` and
    ``strata`` for stratified models."""
    data = model_data(result, data)
    f = _fitted_data(result, data)
    shift = 1.0 if centered else float(np.exp(-f.means @ result.coef))
    frames = []
    for level, base in zip(f.levels, _baselines(result, f), strict=True):
        frame = pd.DataFrame({"time": base.time, "hazard": np.cumsum(base.hazard) * shift})
        if level is not None:
            frame["strata"] = level
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _new_x(result: CoxResult, newdata: pd.DataFrame) -> np.ndarray:
    if not isinstance(newdata, pd.DataFrame):
        raise InputError(f"newdata must be a pandas DataFrame, not {type(newdata).__name__}")
    missing = [c for c in result.spec.covariates if c not in newdata.columns]
    if missing:
        raise InputError(f"newdata lacks column {missing[0]!r}, a covariate of the model; "
                         f"it needs: {', '.join(result.spec.covariates)}")
    return np.column_stack([_numeric_column(newdata, c, "covariate")
                            for c in result.spec.covariates])


def _new_strata(result: CoxResult, f: _Fitted, data: pd.DataFrame,
                newdata: pd.DataFrame) -> np.ndarray:
    spec = result.spec
    if not spec.strata:
        return np.zeros(len(newdata), dtype=np.int64)
    missing = [c for c in spec.strata if c not in newdata.columns]
    if missing:
        raise InputError(f"newdata lacks the strata column {missing[0]!r}: say which "
                         "stratum's baseline each row uses")
    keys = data[list(spec.strata)].assign(_code=f.strata).drop_duplicates(list(spec.strata))
    merged = newdata[list(spec.strata)].merge(keys, how="left", on=list(spec.strata))
    bad = merged["_code"].isna().to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        raise InputError(f"newdata row {pos} has a stratum not found in the fitted data "
                         f"({', '.join(f'{s}={newdata[s].iloc[pos]!r}' for s in spec.strata)})")
    return merged["_code"].to_numpy(dtype=np.int64)


def predict_cox(result: CoxResult, data: pd.DataFrame, newdata: pd.DataFrame | None = None,
                *, type: str = "lp", se_fit: bool = False,
                ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Predictions as R's ``predict(coxph)``: ``"lp"`` (linear predictor, centred at the
    means — within strata for stratified models, R's ``reference = "strata"``), ``"risk"``
    (``exp(lp)``) or ``"expected"`` (expected number of events over each row's interval:
    for the fitting data ``event - martingale residual``; ``newdata`` then needs the time
    columns). ``data`` is the data the model was fitted on. Offsets enter as
    ``offset - mean(offset)``. ``se_fit`` (``"lp"``, ``"risk"``) also returns R's standard
    errors: ``sqrt(x' V x)`` for the centred ``x``, times ``sqrt(risk)`` for ``"risk"`` (R's
    formula)."""
    if type not in PREDICT_TYPES:
        raise unknown_choice("prediction type", str(type), PREDICT_TYPES)
    data = model_data(result, data)
    if newdata is not None:
        newdata = model_newdata(result, newdata)
    if se_fit and type == "expected":
        raise InputError("se_fit is available for type='lp' and 'risk'")
    return _predict(result, data, newdata, type, se_fit)


def _predict(result: CoxResult, data: pd.DataFrame, newdata: pd.DataFrame | None,
             type: str, se_fit: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """:func:`predict_cox` on data already coded (design frames)."""
    f = _fitted_data(result, data)
    spec = result.spec
    new = data if newdata is None else newdata
    x = f.x if newdata is None else _new_x(result, newdata)
    codes = f.strata if newdata is None else _new_strata(result, f, data, newdata)
    off = f.offset if newdata is None else (
        np.zeros(len(newdata)) if spec.offset is None
        else _numeric_column(newdata, spec.offset, "offset"))
    if type in ("lp", "risk"):
        if spec.strata:
            wsum = np.bincount(f.strata, weights=f.weights)
            centre = np.column_stack([np.bincount(f.strata, weights=f.weights * f.x[:, j])
                                      for j in range(f.x.shape[1])]) / wsum[:, None]
            xc = x - centre[codes]
        else:
            xc = x - f.means
        lp = xc @ result.coef + off - f.offset.mean()
        pred = lp if type == "lp" else np.exp(lp)
        if not se_fit:
            return pred
        se = np.sqrt(np.einsum("ij,jk,ik->i", xc, result.var, xc))
        return pred, (se if type == "lp" else se * np.sqrt(pred))
    # expected number of events
    for col in (spec.stop, spec.start, spec.event):
        if col is not None and col not in new.columns:
            raise InputError(f"newdata lacks column {col!r}: type='expected' needs the times")
    stop = _numeric_column(new, spec.stop, "stop")
    start = (np.full(len(new), -np.inf) if spec.start is None
             else _numeric_column(new, spec.start, "start"))
    risk = np.exp((x - f.means) @ result.coef + off - f.offset_mean)
    out = np.empty(len(new))
    for s, base in enumerate(_baselines(result, f)):
        m = codes == s
        cum = np.r_[0.0, np.cumsum(base.hazard)]
        upto_stop = cum[np.searchsorted(base.time, stop[m], side="right")]
        upto_start = cum[np.searchsorted(base.time, start[m], side="right")]
        out[m] = (upto_stop - upto_start) * risk[m]
        if newdata is None:  # Efron: a row dying at a tied time gets its own increment
            dies = f.event[m] == 1
            at = np.searchsorted(base.time, stop[m][dies])
            out[np.flatnonzero(m)[dies]] += (base.own[at] - base.hazard[at]) * risk[m][dies]
    return out


def cox_survfit(result: CoxResult, data: pd.DataFrame, newdata: pd.DataFrame | None = None,
                *, conf_level: float = 0.95) -> pd.DataFrame:
    """Predicted survival curves, as R's ``survfit(fit, newdata)`` (``stype = 2``:
    ``S = exp(-H)``, Efron or Breslow hazard as the fit): one curve per row of ``newdata``
    (default: the mean covariates), in its stratum. Returns a long table ``curve, [strata,]
    time, n_risk, n_event, n_censor, cumhaz, surv, std_err, lower, upper``; ``std_err`` is the
    standard error of the cumulative hazard and the bands are log-scale (R's default). With an
    offset, ``newdata`` needs the offset column (curves are centred at its weighted mean, as
    R's)."""
    data = model_data(result, data)
    if newdata is not None:
        newdata = model_newdata(result, newdata)
    f = _fitted_data(result, data)
    bases = _baselines(result, f)
    spec = result.spec
    if newdata is None:  # at the mean covariates and the mean offset
        xs = f.means[None, :]
        codes = np.arange(len(f.levels))
        offs = np.full(len(codes), f.offset_mean)
    else:
        xs = _new_x(result, newdata)
        codes = _new_strata(result, f, data, newdata)
        offs = np.full(len(newdata), f.offset_mean)
        if spec.offset is not None:
            if spec.offset not in newdata.columns:
                raise InputError(f"newdata lacks the offset column {spec.offset!r}: each "
                                 "curve needs its offset")
            offs = _numeric_column(newdata, spec.offset, "offset")
    z = ndtri(1 - (1 - conf_level) / 2)
    var = result.var
    frames = []
    for i in range(xs.shape[0]):
        base = bases[codes[i]]
        xc = xs[i] - f.means
        risk = float(np.exp(xc @ result.coef + offs[i] - f.offset_mean))
        cumhaz = np.cumsum(base.hazard)
        dt = np.outer(cumhaz, xc) - np.cumsum(base.xbar, axis=0)
        se = np.sqrt(np.cumsum(base.varhaz) + np.einsum("ij,jk,ik->i", dt, var, dt)) * risk
        surv = np.exp(-cumhaz * risk)
        with np.errstate(divide="ignore"):
            lower = np.where(surv > 0, np.exp(np.log(surv) - z * se), np.nan)
            upper = np.where(surv > 0, np.minimum(np.exp(np.log(surv) + z * se), 1.0), np.nan)
        frame = pd.DataFrame({"curve": i, "time": base.time, "n_risk": base.n_risk,
                              "n_event": base.n_event, "n_censor": base.n_censor,
                              "cumhaz": cumhaz * risk, "surv": surv, "std_err": se,
                              "lower": lower, "upper": upper})
        if f.levels[codes[i]] is not None:
            frame.insert(1, "strata", f.levels[codes[i]])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
