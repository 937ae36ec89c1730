"""Shared gamma frailty Cox models, as R's ``coxph(... + frailty(group))``.

Each group ``j`` has a log-frailty ``w_j`` (frailty ``exp(w_j)`` gamma with mean 1 and
variance ``theta``). For a given ``theta`` the penalised partial likelihood
``PL(beta, w) - (1/theta) sum_j (exp(w_j) - 1 - w_j)`` is maximised by Newton–Raphson over
``(beta, w)`` jointly (dense: one indicator column per group); ``theta`` maximises R's
marginal ("I-") likelihood: that penalised likelihood plus ``sum_j [d_j + nu log(nu / (nu + d_j)) +
log Gamma(nu + d_j) - log Gamma(nu) - d_j log(nu + d_j)]`` (``nu = 1/theta``, ``d_j`` the
group's events; R's ``frailty.gammacon``). Standard errors are the inverse of the penalised
information, as R's ``var``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import pandas as pd
from scipy import optimize, special

from awaken.core.errors import InputError
from awaken.epi.cox import _build_design, _codes, _Design, _likelihood, _make_spec, default_threads

__all__ = ["FrailtyResult", "fit_frailty"]

MAX_CELLS = 20_000_000  # rows x groups of the dense indicator block


@dataclass(frozen=True, eq=False)
class FrailtyResult:
    """``coef``/``se`` of the covariates (``terms``); ``frailty``: the log-frailty of each
    group (``groups``); ``theta``: the frailty variance; ``loglik``: the partial likelihood
    at the fit (R's ``fit$loglik[2]``); ``i_loglik``: the marginal likelihood maximised over
    ``theta`` (R's "I-likelihood")."""

    terms: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    theta: float
    frailty: np.ndarray
    groups: np.ndarray
    loglik: float
    penalty: float
    i_loglik: float
    n: int
    events: int

    @property
    def summary(self) -> pd.DataFrame:
        z = self.coef / self.se
        return pd.DataFrame({"coef": self.coef, "exp(coef)": np.exp(self.coef),
                             "se(coef)": self.se, "z": z, "p": 2 * special.ndtr(-np.abs(z))},
                            index=pd.Index(self.terms, name="covariate"))

    def __repr__(self) -> str:
        return (f"FrailtyResult(n={self.n}, events={self.events}, theta={self.theta:.6g}, "
                f"I-likelihood={self.i_loglik:.4f})\n{self.summary.to_string()}")


def gamma_correction(d: np.ndarray, nu: float) -> float:
    """R's ``frailty.gammacon(d, nu)``: the marginal-likelihood term of gamma frailties."""
    if nu > 1e7 * d.max():
        return float(np.sum(d * d) / nu)
    term1 = np.sum(d + nu * np.log(nu / (nu + d)))
    term2 = np.sum(special.gammaln(nu + d) - special.gammaln(nu) - d * np.log(nu + d))
    return float(term1 + term2)


class _Penalised:
    """The penalised Newton fit at a given theta, warm-started from the last solution."""

    def __init__(self, design: _Design, p: int, q: int, efron: bool) -> None:
        self.d, self.p, self.q, self.efron = design, p, q, efron
        self.threads = default_threads()
        self.b = np.zeros(p + q)

    @overload
    def _value(self, b: np.ndarray, nu: float,
               derivs: Literal[True]) -> tuple[float, float, np.ndarray, np.ndarray]: ...
    @overload
    def _value(self, b: np.ndarray, nu: float, derivs: Literal[False]) -> tuple[float, float]: ...
    def _value(self, b: np.ndarray, nu: float, derivs: bool,
               ) -> tuple[float, float] | tuple[float, float, np.ndarray, np.ndarray]:
        ll, u, imat = _likelihood(self.d, b, self.efron, self.threads)
        w = b[self.p:] * self.d.scale[self.p:]
        pen = nu * float(np.sum(np.exp(w) - 1.0 - w))  # R's penalty (0 at w = 0)
        if not derivs:
            return ll, ll - pen
        sw = self.d.scale[self.p:]
        g = u.copy()
        g[self.p:] -= nu * (np.exp(w) - 1.0) * sw
        h = imat.copy()
        h[np.arange(self.p, self.p + self.q), np.arange(self.p, self.p + self.q)] += (
            nu * np.exp(w) * sw ** 2)
        return ll, ll - pen, g, h

    def fit(self, theta: float, tol: float = 1e-12, max_iter: int = 100) -> tuple[float, float]:
        nu = 1.0 / theta
        b = self.b.copy()
        ll, ppl, g, h = self._value(b, nu, True)
        for _ in range(max_iter):
            step = np.linalg.solve(h, g)
            for _halving in range(40):
                trial = b + step
                ll_t, ppl_t = self._value(trial, nu, False)
                if math.isfinite(ppl_t) and ppl_t >= ppl - 1e-13 * abs(ppl):
                    break
                step = step / 2
            b = trial
            old = ppl
            ll, ppl, g, h = self._value(b, nu, True)
            if abs(ppl - old) <= tol * abs(ppl) and np.max(np.abs(step)) < 1e-9:
                break
        self.b, self.h = b, h
        return ll, ppl


def fit_frailty(data: pd.DataFrame, *, stop: str, event: str, covariates: Sequence[str],
                group: str, start: str | None = None, strata: str | Sequence[str] | None = None,
                theta: float | None = None,
                ties: str = "efron") -> FrailtyResult:
    """Cox model with a shared gamma frailty per ``group``, as
    ``coxph(Surv(...) ~ covariates + frailty(group), ties=)``; ``theta`` fixes the frailty
    variance (R's ``frailty(group, theta=)``), else it is estimated."""
    if theta is not None and not (theta > 0):
        raise InputError(f"theta must be > 0, got {theta!r}")
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if group not in data.columns:
        raise InputError(f"group column {group!r} not found in the data")
    codes, q = _codes(data, (group,), "group")
    if q < 2:
        raise InputError(f"group {group!r} has one level: a frailty needs several groups")
    if len(data) * q > MAX_CELLS:
        raise InputError(f"{q} groups on {len(data)} rows is too large for the dense frailty "
                         "fit; use fewer groups or cluster= robust errors in fit_cox")
    names = [f"_frailty_{j}" for j in range(q)]
    frame = pd.concat([data, pd.DataFrame(np.eye(q)[codes], columns=names, index=data.index)],
                      axis=1)
    spec = _make_spec(stop, event, [*covs, *names], start, strata, None, None, None, ties)
    design = _build_design(frame, spec, rank_checks=False)
    fitter = _Penalised(design, len(covs), q, ties == "efron")
    d = np.bincount(codes, weights=frame[event].to_numpy(dtype=float), minlength=q)

    def i_loglik(th: float) -> float:
        return fitter.fit(th)[1] + gamma_correction(d, 1.0 / th)

    if theta is None:
        found = optimize.minimize_scalar(lambda r: -i_loglik(r * r), bounds=(1e-4, 10.0),
                                         method="bounded", options={"xatol": 1e-8})
        theta = float(found.x ** 2)
    ll, ppl = fitter.fit(theta)
    scale = design.scale
    coef = fitter.b * scale
    var = np.linalg.inv(fitter.h) * np.outer(scale, scale)
    p = len(covs)
    return FrailtyResult(
        terms=tuple(covs), coef=coef[:p], se=np.sqrt(np.diag(var)[:p]), theta=theta,
        frailty=coef[p:], groups=pd.factorize(data[group], sort=True)[1].to_numpy(),
        loglik=ll, penalty=ll - ppl, i_loglik=ppl + gamma_correction(d, 1.0 / theta),
        n=design.n, events=design.events)
