"""Piecewise-exponential (Poisson) regression on counting-process data.

``events ~ covariates + period`` with offset ``log(person-time)``: the baseline hazard is
constant within periods of the time axis, so rate ratios approximate Cox hazard ratios
when periods are fine enough. Fitted by Newton–Raphson (:func:`glm_newton`, shared with the
logistic regression of the naive "ever infected" design).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from awaken.core.errors import InputError
from awaken.epi.timelines import START, STOP, Timeline


@dataclass(frozen=True)
class PoissonResult:
    """Rate ratios for ``terms`` (periods are nuisance parameters, kept in ``baseline``)."""

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    p: np.ndarray
    baseline: pd.DataFrame
    deviance: float
    n: int
    events: float
    person_time: float
    conf_level: float = 0.95

    @property
    def hr(self) -> np.ndarray:
        """Rate (hazard) ratios."""
        return np.exp(self.coef)

    @property
    def ci_lower(self) -> np.ndarray:
        return np.exp(self.coef - ndtri(0.5 + self.conf_level / 2) * self.se)

    @property
    def ci_upper(self) -> np.ndarray:
        return np.exp(self.coef + ndtri(0.5 + self.conf_level / 2) * self.se)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per term: coef, se, hr, ci_lower, ci_upper, p."""
        return pd.DataFrame({"coef": self.coef, "se": self.se, "hr": self.hr,
                             "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
                             "p": self.p}, index=pd.Index(self.terms, name="term"))

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary for JSON."""
        return {"model": "piecewise-exponential Poisson", "n": self.n, "events": self.events,
                "person_time": self.person_time, "deviance": self.deviance,
                "terms": self.summary.reset_index().to_dict(orient="records")}


def event_time_cuts(data: pd.DataFrame, event: str, n_periods: int = 8) -> np.ndarray:
    """Interior cut points at quantiles of the event times (``n_periods`` intervals)."""
    t = np.sort(data.loc[data[event] > 0, STOP].to_numpy(dtype=float))
    if t.size < n_periods:
        return np.array([])
    return np.unique(np.quantile(t, np.linspace(0, 1, n_periods + 1)[1:-1]))


def fit_poisson(
    data: pd.DataFrame,
    *,
    event: str,
    covariates: Sequence[str],
    period: str | None = None,
    start: str = START,
    stop: str = STOP,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> PoissonResult:
    """Poisson regression of ``event`` on ``covariates`` (+ one rate per ``period`` level)
    with offset log(stop - start). Robust (sandwich) errors summed within ``cluster``."""
    missing = [c for c in (event, start, stop, period, cluster, *covariates)
               if c is not None and c not in data.columns]
    if missing:
        raise InputError(f"poisson: data has no column(s) {', '.join(missing)}")
    pt = data[stop].to_numpy(dtype=float) - data[start].to_numpy(dtype=float)
    if np.any(pt <= 0):
        raise InputError("poisson: every row needs stop > start")
    y = data[event].to_numpy(dtype=float)
    codes, levels = (pd.factorize(data[period], sort=True) if period is not None
                     else (np.zeros(len(data), dtype=int), np.array(["all"])))
    x = np.column_stack([codes[:, None] == np.arange(len(levels))[None, :],
                         data[list(covariates)].to_numpy(dtype=float)]).astype(float)
    d_k = np.bincount(codes, weights=y, minlength=len(levels))
    t_k = np.bincount(codes, weights=pt, minlength=len(levels))
    init = np.r_[np.log((d_k + 0.5) / t_k), np.zeros(len(covariates))]
    names = [f"period {lv}" for lv in levels] + list(covariates)
    fit = glm_newton(x, y, np.log(pt), "poisson", init, names)
    cov = fit.cov if cluster is None else _sandwich(x, fit.resid, fit.cov, data[cluster])
    se = np.sqrt(np.diag(cov))
    k = len(levels)
    baseline = pd.DataFrame({"period": levels, "rate": np.exp(fit.coef[:k]),
                             "log_rate_se": se[:k]})
    z = fit.coef[k:] / se[k:]
    return PoissonResult(
        terms=tuple(covariates), coef=fit.coef[k:], se=se[k:], p=2 * ndtr(-np.abs(z)),
        baseline=baseline, deviance=fit.deviance, n=len(data), events=float(y.sum()),
        person_time=float(pt.sum()), conf_level=conf_level,
    )


@dataclass(frozen=True)
class GlmFit:
    """Coefficients, model-based covariance, deviance and score residuals (y - mu)."""

    coef: np.ndarray
    cov: np.ndarray
    deviance: float
    resid: np.ndarray
    iterations: int


def glm_newton(
    x: np.ndarray, y: np.ndarray, offset: np.ndarray, family: Literal["poisson", "binomial"],
    init: np.ndarray, names: Sequence[str], max_iter: int = 50, tol: float = 1e-10,
) -> GlmFit:
    """Newton–Raphson (= IRLS, canonical link) for Poisson (log) or binomial (logit) GLMs,
    with step halving; converged when the deviance changes by < ``tol`` relative."""
    def mean(beta: np.ndarray) -> np.ndarray:
        eta = x @ beta + offset
        return np.exp(eta) if family == "poisson" else 1 / (1 + np.exp(-eta))

    def deviance(mu: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            if family == "poisson":
                return float(2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0) - (y - mu)))
            return float(-2 * np.sum(np.where(y > 0, np.log(mu), np.log1p(-mu))))

    beta = np.asarray(init, dtype=float).copy()
    mu = mean(beta)
    dev = deviance(mu)
    it = 0
    while it < max_iter:
        it += 1
        w = mu if family == "poisson" else mu * (1 - mu)
        info = (x * w[:, None]).T @ x
        try:
            step = np.linalg.solve(info, x.T @ (y - mu))
        except np.linalg.LinAlgError as exc:
            raise InputError(f"{family} regression: the columns {', '.join(names)} are "
                             "collinear or a level has no data") from exc
        for _ in range(30):  # step halving
            new = beta + step
            mu_new = mean(new)
            dev_new = deviance(mu_new)
            if np.isfinite(dev_new) and dev_new <= dev + 1e-12 * abs(dev):
                break
            step /= 2
        done = abs(dev - dev_new) <= tol * (abs(dev_new) + 0.1)
        beta, mu, dev = new, mu_new, dev_new
        if done:
            break
    w = mu if family == "poisson" else mu * (1 - mu)
    cov = np.linalg.inv((x * w[:, None]).T @ x)
    return GlmFit(beta, cov, dev, y - mu, it)


def _sandwich(x: np.ndarray, resid: np.ndarray, bread: np.ndarray,
              cluster: pd.Series) -> np.ndarray:
    codes = pd.factorize(cluster)[0]
    scores = np.zeros((codes.max() + 1, x.shape[1]))
    np.add.at(scores, codes, x * resid[:, None])
    return bread @ (scores.T @ scores) @ bread


def fit_logistic(
    data: pd.DataFrame, *, outcome: str, covariates: Sequence[str], conf_level: float = 0.95
) -> pd.DataFrame:
    """Logistic regression (with intercept) of a 0/1 ``outcome``: a table of odds ratios
    ``term, coef, se, estimate, ci_lower, ci_upper, p`` for ``covariates``."""
    missing = [c for c in (outcome, *covariates) if c not in data.columns]
    if missing:
        raise InputError(f"logistic: data has no column(s) {', '.join(missing)}")
    y = data[outcome].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(y)), data[list(covariates)].to_numpy(dtype=float)])
    p0 = np.clip(y.mean(), 1e-6, 1 - 1e-6)
    init = np.r_[np.log(p0 / (1 - p0)), np.zeros(len(covariates))]
    fit = glm_newton(x, y, np.zeros(len(y)), "binomial", init, ["(intercept)", *covariates])
    b, se = fit.coef[1:], np.sqrt(np.diag(fit.cov))[1:]
    z = ndtri(0.5 + conf_level / 2)
    return pd.DataFrame({"term": list(covariates), "coef": b, "se": se, "estimate": np.exp(b),
                         "ci_lower": np.exp(b - z * se), "ci_upper": np.exp(b + z * se),
                         "p": 2 * ndtr(-np.abs(b / se))})


def piecewise_exponential(
    timeline: Timeline,
    *,
    event: str,
    covariates: Sequence[str],
    cuts: Sequence[float] | None = None,
    n_periods: int = 8,
    cluster: bool = False,
) -> PoissonResult:
    """Split a :class:`Timeline` at ``cuts`` (default: event-time quantiles) and fit
    :func:`fit_poisson` with one baseline rate per period."""
    c = event_time_cuts(timeline.data, event, n_periods) if cuts is None else np.asarray(cuts)
    split = timeline.split(c, name="_pe_period")
    return fit_poisson(split.data, event=event, covariates=covariates, period="_pe_period",
                       cluster=timeline.id if cluster else None)
