"""Coverage check on synthetic data: known parameters -> data -> fit -> do intervals cover?

``truth="nominal"`` keeps the parameters at their nominal values (a frequentist check of the
likelihood intervals); ``truth="prior"`` draws them from the prior in each replicate (the
check that Bayesian credible intervals are calibrated on average over the prior).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from awaken.calibrate import likelihood
from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.posterior import weighted_quantile
from awaken.core.errors import InputError
from awaken.core.rng import rng_stream


def coverage(
    problem: Problem,
    *,
    method: str = "likelihood",
    replicates: int = 20,
    seed: int = 0,
    truth: str = "nominal",
    level: float = 0.95,
    n_starts: int = 3,
    populations: int = 4,
    particles: int = 100,
) -> pd.DataFrame:
    """One row per (replicate, parameter): truth, interval, covered (linear scale)."""
    if method not in ("likelihood", "abc") or truth not in ("nominal", "prior"):
        raise InputError("method must be likelihood or abc; truth nominal or prior")
    tail = (1 - level) / 2
    rows = []
    for r in range(replicates):
        rng = rng_stream(seed, "coverage", r)
        z_true = problem.prior_sample(rng, 1)[0] if truth == "prior" else problem.nominal
        data = problem.synthetic(z_true[None], rng)
        if method == "likelihood":
            fit = likelihood.fit(data, n_starts=n_starts, seed=seed + r)
            se = np.sqrt(np.maximum(np.diag(fit.covariance), 0.0))
            q = stats.norm.ppf(1 - tail)
            lo, hi = fit.z - q * se, fit.z + q * se
        else:
            from awaken.calibrate import abcsmc

            with tempfile.TemporaryDirectory() as tmp:
                fit_abc = abcsmc.fit(data, populations=populations, particles=particles,
                                     seed=seed + r, n_procs=1, db=Path(tmp) / "abc.db")
            bounds = [weighted_quantile(fit_abc.z[:, i], fit_abc.weights, [tail, 1 - tail])
                      for i in range(problem.n_free)]
            lo, hi = np.array(bounds).T
        for i, pid in enumerate(problem.free_ids):
            rows.append({"replicate": r, "parameter": pid, "truth_scaled": z_true[i],
                         "low_scaled": lo[i], "high_scaled": hi[i],
                         "covered": bool(lo[i] <= z_true[i] <= hi[i])})
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage per parameter with a 95% binomial (Wilson) interval."""
    out = []
    for pid, group in table.groupby("parameter", sort=False):
        n, k = len(group), int(group["covered"].sum())
        lo, hi = _wilson(k, n)
        out.append({"parameter": pid, "replicates": n, "coverage": k / n, "ci95_low": lo,
                    "ci95_high": hi})
    return pd.DataFrame(out)


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(centre - half), float(centre + half)
