"""Parametric (accelerated failure time) survival regression, as R's ``survreg``.

``log T = x'beta + sigma W`` with ``W`` standard extreme-value (``"weibull"``; ``"exponential"``
fixes ``sigma = 1``), normal (``"lognormal"``) or logistic (``"loglogistic"``), right-censored
data, case weights. Maximum likelihood by Newton–Raphson with step halving on
``(beta, log sigma)`` with analytic derivatives; the variance is the inverse of the observed
information, as R reports it (``Log(scale)`` last). The log-likelihood is on the time scale
(R includes the Jacobian ``-log t`` of each event), so it can be compared with R's and
between distributions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import pandas as pd
from scipy import special

from awaken.core.errors import InputError, unknown_choice
from awaken.epi.cox import _numeric_column
from awaken.epi.formula import parse_cox_formula

__all__ = ["DISTRIBUTIONS", "SurvregResult", "fit_survreg"]

DISTRIBUTIONS = ("weibull", "exponential", "lognormal", "loglogistic")
"""Distributions :func:`fit_survreg` accepts, as R's ``survreg`` names them."""
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True, eq=False)
class SurvregResult:
    """A fitted parametric model. ``coef`` (``terms``, starting with ``(Intercept)``) are on
    the log-time scale; ``scale`` is sigma (1 for ``"exponential"``); ``var`` covers
    ``coef`` then ``log(scale)`` (when estimated). ``loglik`` is (intercept-only, model)."""

    dist: str
    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    scale: float
    log_scale_se: float
    var: np.ndarray
    loglik: tuple[float, float]
    n: int
    events: int
    iterations: int

    @property
    def summary(self) -> pd.DataFrame:
        """R's ``summary(survreg)`` table: Value, Std. Error, z, p (``Log(scale)`` last)."""
        names = list(self.terms)
        value, se = list(self.coef), list(self.se)
        if self.dist != "exponential":
            names.append("Log(scale)")
            value.append(math.log(self.scale))
            se.append(self.log_scale_se)
        v, s = np.asarray(value), np.asarray(se)
        return pd.DataFrame({"Value": v, "Std. Error": s, "z": v / s,
                             "p": 2 * special.ndtr(-np.abs(v / s))},
                            index=pd.Index(names, name="term"))

    @property
    def hazard_ratios(self) -> pd.Series:
        """Weibull and exponential models are also proportional-hazards models: the hazard
        ratio of each covariate is ``exp(-beta / scale)``."""
        if self.dist not in ("weibull", "exponential"):
            raise InputError(f"a {self.dist} model has no hazard ratios (not proportional "
                             "hazards); use the time ratios exp(coef)")
        return pd.Series(np.exp(-self.coef[1:] / self.scale), index=list(self.terms[1:]),
                         name="hazard ratio")

    def __repr__(self) -> str:
        return (f"SurvregResult(dist={self.dist!r}, n={self.n}, events={self.events}, "
                f"scale={self.scale:.4g}, loglik={self.loglik[1]:.4f})\n"
                f"{self.summary.to_string()}")


def _g(dist: str, z: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, ...]:
    """log f(z) (events) or log S(z) (censored), and its first two derivatives in z."""
    if dist in ("weibull", "exponential"):
        ez = np.exp(z)
        g = np.where(event, z - ez, -ez)
        return g, np.where(event, 1.0 - ez, -ez), -ez
    if dist == "loglogistic":
        f = special.expit(z)
        log1p_ez = np.logaddexp(0.0, z)
        g = np.where(event, z - 2.0 * log1p_ez, -log1p_ez)
        d1 = np.where(event, 1.0 - 2.0 * f, -f)
        d2 = np.where(event, -2.0, -1.0) * f * (1.0 - f)
        return g, d1, d2
    # lognormal
    log_sf = special.log_ndtr(-z)
    lam = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_sf)  # phi(z) / Phi(-z)
    g = np.where(event, -0.5 * z * z - _LOG_SQRT_2PI, log_sf)
    return g, np.where(event, -z, -lam), np.where(event, -1.0, lam * (z - lam))


@overload
def _loglik(dist: str, x: np.ndarray, y: np.ndarray, event: np.ndarray, w: np.ndarray,
            theta: np.ndarray, fixed_scale: bool,
            derivs: Literal[True]) -> tuple[float, np.ndarray, np.ndarray]: ...
@overload
def _loglik(dist: str, x: np.ndarray, y: np.ndarray, event: np.ndarray, w: np.ndarray,
            theta: np.ndarray, fixed_scale: bool, derivs: Literal[False]) -> float: ...
def _loglik(dist: str, x: np.ndarray, y: np.ndarray, event: np.ndarray, w: np.ndarray,
            theta: np.ndarray, fixed_scale: bool,
            derivs: bool) -> float | tuple[float, np.ndarray, np.ndarray]:
    p = x.shape[1]
    beta = theta[:p]
    log_sigma = 0.0 if fixed_scale else theta[p]
    sigma = math.exp(log_sigma)
    z = (y - x @ beta) / sigma
    g, d1, d2 = _g(dist, z, event)
    ll = float(w @ (g - event * log_sigma))
    if not derivs:
        return ll
    k = p if fixed_scale else p + 1
    grad = np.empty(k)
    hess = np.empty((k, k))
    grad[:p] = x.T @ (w * -d1 / sigma)
    hess[:p, :p] = (x * (w * d2 / sigma ** 2)[:, None]).T @ x
    if not fixed_scale:
        grad[p] = w @ (-z * d1 - event)
        cross = x.T @ (w * (d2 * z + d1) / sigma)
        hess[:p, p] = cross
        hess[p, :p] = cross
        hess[p, p] = w @ (z * d1 + z * z * d2)
    return ll, grad, hess


def _ascent_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Newton step; where the information is not positive definite (far from the optimum),
    a Levenberg–Marquardt step (information plus a multiple of its diagonal)."""
    info = -hess
    mu = 0.0
    for _ in range(60):
        try:
            chol = np.linalg.cholesky(info + mu * np.diag(np.abs(np.diag(info)) + 1e-12))
            return np.linalg.solve(chol.T, np.linalg.solve(chol, grad))
        except np.linalg.LinAlgError:
            mu = 1e-4 if mu == 0.0 else mu * 10
    return grad * 1e-6


def _newton(dist: str, x: np.ndarray, y: np.ndarray, event: np.ndarray, w: np.ndarray,
            fixed_scale: bool, max_iter: int, tol: float) -> tuple[np.ndarray, float, int]:
    # start: least squares on log time, scale from the residuals
    beta0, *_ = np.linalg.lstsq(x * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)
    resid = y - x @ beta0
    log_sigma0 = math.log(max(math.sqrt(float(w @ resid ** 2) / w.sum()), 1e-3))
    theta = beta0 if fixed_scale else np.r_[beta0, log_sigma0]
    ll, grad, hess = _loglik(dist, x, y, event, w, theta, fixed_scale, True)
    for iteration in range(1, max_iter + 1):
        step = _ascent_step(hess, grad)
        if not np.all(np.isfinite(step)):
            raise InputError("survreg: the likelihood is not finite; check for extreme times")
        halving = 0
        while True:
            trial = theta + step
            new = _loglik(dist, x, y, event, w, trial, fixed_scale, False)
            if math.isfinite(new) and new >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
            halving += 1
            if halving > 30:
                raise InputError("survreg: Newton–Raphson could not improve the likelihood")
        theta = trial
        old = ll
        ll, grad, hess = _loglik(dist, x, y, event, w, theta, fixed_scale, True)
        if abs(ll - old) <= tol * abs(ll) and np.max(np.abs(grad)) < 1e-6:
            # one more full step at the optimum for the last digits (quadratic convergence)
            theta = theta + np.linalg.solve(-hess, grad)
            ll, grad, hess = _loglik(dist, x, y, event, w, theta, fixed_scale, True)
            return theta, ll, iteration
    warnings.warn(f"survreg did not converge in {max_iter} iterations", UserWarning,
                  stacklevel=3)
    return theta, ll, max_iter


def fit_survreg(data: pd.DataFrame, formula: str | None = None, *, time: str | None = None,
                event: str | None = None, covariates: Sequence[str] = (),
                dist: str = "weibull", weights: str | None = None, max_iter: int = 50,
                tol: float = 1e-12) -> SurvregResult:
    """Fit ``survreg(Surv(time, event) ~ covariates, dist=dist, weights=)``.

    Args:
        data: one row per subject; ``time`` > 0, ``event`` 0/1.
        formula: instead of ``time``/``event``/``covariates``, ``"Surv(time, event) ~ ..."``
            coded as for :func:`awaken.epi.fit_cox` (factors, interactions, splines; rows with
            missing values dropped with a warning). The terms are named by formulaic.
        covariates: numeric columns (0/1 indicators for categories); an intercept is added.
        dist: ``"weibull"`` (R's default), ``"exponential"``, ``"lognormal"`` or
            ``"loglogistic"``.
        weights: case weights (> 0).
    """
    if dist not in DISTRIBUTIONS:
        raise unknown_choice("dist", str(dist), DISTRIBUTIONS)
    if formula is not None:
        if time is not None or event is not None or list(covariates):
            raise InputError("give either formula or time=/event=/covariates=, not both")
        parsed = parse_cox_formula(formula)
        if parsed.start is not None or parsed.strata or parsed.cluster or parsed.offset:
            raise InputError("survreg formulas take Surv(time, event) ~ terms, without "
                             "start times, strata(), cluster() or offset()")
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        if parsed.event in data.columns:
            parsed = parsed.with_event_coding(data)
        frame, fitted = parsed.fit_frame(data, extra=(weights,))
        return fit_survreg(frame, time=fitted.stop, event=fitted.event,
                           covariates=list(fitted.columns), dist=dist, weights=weights,
                           max_iter=max_iter, tol=tol)
    if time is None or event is None:
        raise InputError("give a formula, or the time and event columns")
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    for name, role in [(time, "time"), (event, "event"), *[(c, "covariate") for c in covs],
                       (weights, "weights")]:
        if name is not None and name not in data.columns:
            raise InputError(f"{role} column {name!r} not found in the data (columns: "
                             f"{', '.join(map(str, list(data.columns)[:20]))})")
    t = _numeric_column(data, time, "time")
    bad = ~(t > 0)
    if bad.any():
        pos = int(np.argmax(bad))
        raise InputError(f"time column {time!r} must be > 0 (log time is modelled), but is "
                         f"{t[pos]:g} at row {pos}")
    ev = _numeric_column(data, event, "event")
    bad = (ev != 0) & (ev != 1)
    if bad.any():
        pos = int(np.argmax(bad))
        raise InputError(f"event column {event!r} must be 0 or 1, but is {ev[pos]:g} at row "
                         f"{pos}")
    w = np.ones(len(data)) if weights is None else _numeric_column(data, weights, "weights")
    if np.any(w <= 0):
        raise InputError(f"weights column {weights!r} must be > 0")
    if ev.sum() == 0:
        raise InputError("no events: survreg needs at least one")
    x = np.column_stack([np.ones(len(data))] + [_numeric_column(data, c, "covariate")
                                                for c in covs])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputError("the covariates are collinear (or one is constant); drop one")
    y = np.log(t)
    event_b = ev.astype(bool)
    fixed = dist == "exponential"
    theta, ll, iterations = _newton(dist, x, y, event_b, w, fixed, max_iter, tol)
    ll0 = _newton(dist, x[:, :1], y, event_b, w, fixed, max_iter, tol)[1]
    _, _, hess = _loglik(dist, x, y, event_b, w, theta, fixed, True)
    var = np.linalg.inv(-hess)
    jac = float(w @ (event_b * y))  # R's loglik is on the time scale
    p = x.shape[1]
    coef = theta[:p]
    se = np.sqrt(np.diag(var)[:p])
    zval = coef / se
    return SurvregResult(
        dist=dist, terms=("(Intercept)", *covs), coef=coef, se=se, z=zval,
        p=2 * special.ndtr(-np.abs(zval)), scale=1.0 if fixed else math.exp(theta[p]),
        log_scale_se=float("nan") if fixed else math.sqrt(var[p, p]), var=var,
        loglik=(ll0 - jac, ll - jac), n=len(data), events=int(ev.sum()),
        iterations=iterations)

