"""Log-rank test and the Harrington–Fleming G-rho family, as R's ``survdiff``.

At each distinct event time (within stratum) the weighted observed-minus-expected deaths of
every group are summed, with weight ``S(t-)^rho`` (``S``: the pooled Kaplan–Meier of the
stratum, left-continuous); ``rho = 0`` is the log-rank test, ``rho = 1`` the Peto–Peto
modification of the Gehan–Wilcoxon test. The chi-square statistic uses the hypergeometric
variance, summed over strata, and drops groups with no expected events, as R does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from awaken.core.errors import InputError
from awaken.epi.ties import timefix

__all__ = ["SurvdiffResult", "survdiff"]


@dataclass(frozen=True, eq=False)
class SurvdiffResult:
    """``table``: per group ``n, observed, expected, (O-E)^2/E, (O-E)^2/V`` (weighted counts
    when ``rho != 0``); ``var``: the variance matrix of ``observed - expected``."""

    table: pd.DataFrame
    chisq: float
    df: int
    p: float
    var: np.ndarray
    rho: float

    def __repr__(self) -> str:
        return (f"{self.table.to_string()}\n\n Chisq= {self.chisq:.1f}  on {self.df} degrees of "
                f"freedom, p= {self.p:.3g}  (rho={self.rho:g})")


def _column(values: ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise InputError(f"{name} must be 1-d with one value per row")
    missing = pd.isna(arr)
    if missing.any():
        raise InputError(f"{name} has a missing value at row {int(np.argmax(missing))}; "
                         "drop those rows first")
    return arr


def survdiff(time: ArrayLike, event: ArrayLike, group: ArrayLike, *,
             strata: ArrayLike | None = None, rho: float = 0.0) -> SurvdiffResult:
    """Compare survival curves of ``group`` (R: ``survdiff(Surv(time, event) ~ group +
    strata(strata), rho = rho)``). Right-censored data only, as in R."""
    t = _column(time, "time").astype(float)
    n = t.size
    e = _column(event, "event", n).astype(float)
    if not np.isin(e, (0, 1)).all():
        raise InputError("event must be 0 (censored) or 1 (event)")
    g = _column(group, "group", n)
    s = np.zeros(n, dtype=np.int64) if strata is None else pd.factorize(
        _column(strata, "strata", n), sort=True)[0]
    if not np.isfinite(rho):
        raise InputError(f"rho must be a finite number, got {rho!r}")
    t, _ = timefix(t)
    levels, gcode = np.unique(g, return_inverse=True)
    k = levels.size
    if k < 2:
        raise InputError("group has only one level: there is nothing to compare")
    obs = np.zeros(k)
    exp = np.zeros(k)
    var = np.zeros((k, k))
    for stratum in np.unique(s):
        m = s == stratum
        o_s, e_s, v_s = _stratum(t[m], e[m], gcode[m], k, rho)
        obs += o_s
        exp += e_s
        var += v_s
    keep = exp > 0
    if keep.sum() < 2:
        chisq = 0.0
    else:
        diff = (obs - exp)[keep][1:]
        vv = var[np.ix_(keep, keep)][1:, 1:]
        chisq = float(diff @ np.linalg.solve(vv, diff))
    df = int(keep.sum()) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "n": np.bincount(gcode, minlength=k), "observed": obs, "expected": exp,
            "(O-E)^2/E": (obs - exp) ** 2 / exp, "(O-E)^2/V": (obs - exp) ** 2 / np.diag(var),
        }, index=pd.Index(levels, name="group"))
    p = float(special.chdtrc(df, chisq)) if df > 0 else float("nan")
    return SurvdiffResult(table=table, chisq=chisq, df=df, p=p, var=var, rho=float(rho))


def _stratum(t: np.ndarray, e: np.ndarray, g: np.ndarray, k: int,
             rho: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times, inv = np.unique(t, return_inverse=True)
    m = times.size
    deaths_kt = np.zeros((m, k))
    np.add.at(deaths_kt, (inv, g), e)
    count_kt = np.zeros((m, k))
    np.add.at(count_kt, (inv, g), 1.0)
    risk_kt = np.cumsum(count_kt[::-1], axis=0)[::-1]   # time >= t, per group
    deaths = deaths_kt.sum(axis=1)
    risk = risk_kt.sum(axis=1)
    if rho != 0:
        km = np.cumprod(1.0 - deaths / risk)
        wt = np.concatenate([[1.0], km[:-1]]) ** rho      # S(t-)
    else:
        wt = np.ones(m)
    obs = wt @ deaths_kt
    exp = (wt * deaths / risk) @ risk_kt
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where((deaths > 0) & (risk > 1),
                     wt ** 2 * deaths * (risk - deaths) / (risk * (risk - 1)), 0.0)
    var = np.diag(c @ risk_kt) - risk_kt.T @ (risk_kt * (c / risk)[:, None])
    return obs, exp, var
