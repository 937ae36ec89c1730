"""chia2025: awakening and immune parameters fitted to the mouse targets (Chia et al. 2025).

Each target of the ``chia2025`` data set becomes one observable and one measurement:
an interval [low, high] (read as a 95% interval) is a measurement at its centre with
sigma = half-width / 1.96 (log10 scale for ratios and titres); a one-sided bound is a
censored measurement at the bound with the stated softness sigma. Conditions are the arms of
:data:`awaken.lung.experiments.CHIA2025`; fold changes are ratios to the reference arm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from awaken.calibrate.datasets import load
from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.problems._common import flatten
from awaken.lung.experiments import CHIA2025
from awaken.lung.model import PARAMETERS_BY_NAME

ESTIMATED = ("g", "alpha_il6", "il6_half", "rho", "k_ctl")
PRIOR_SD_LOG10 = 0.5  # prior: log-normal around the declared value, a factor ~3 (1 sd)
SPAN = 30.0  # bounds: declared value divided / multiplied by this (within the declared range)
FORMULAS = {
    "fold_change": ("dcc_count", "log10", "value"),
    "dividing_fraction": ("ki67_fraction", "lin", "value"),
    "virus": ("virus", "log10", "value"),
    "virus_peak_day": ("virus", "lin", "peak_time"),
    "il6_peak_day": ("il6", "lin", "peak_time"),
}


def _parameters(estimated: Sequence[str]) -> pd.DataFrame:
    rows = []
    for name in estimated:
        decl = PARAMETERS_BY_NAME[name]
        lower = max(decl.value / SPAN, decl.low) if decl.low > 0 else decl.value / SPAN
        upper = min(decl.value * SPAN, decl.high)
        rows.append({"parameter_id": name, "estimate": 1, "scale": "log10", "lower": lower,
                     "upper": upper, "nominal": decl.value, "prior": "parameterScaleNormal",
                     "prior_parameters": f"{math.log10(decl.value)!r};{PRIOR_SD_LOG10}"})
    return pd.DataFrame(rows)


def target_rows(targets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observables and measurements for the target rows."""
    obs, meas = [], []
    for t in targets.itertuples():
        formula, how, statistic = FORMULAS[t.observable]
        lo, hi = t.low, t.high
        log = how == "log10"
        if not (np.isnan(lo) or np.isnan(hi)):
            centre = math.sqrt(lo * hi) if log else 0.5 * (lo + hi)
            width = math.log10(hi / lo) if log else hi - lo
            sigma, value, cens = width / (2 * 1.96), centre, "none"
        else:
            sigma = t.sigma
            value, cens = (lo, "right") if np.isnan(hi) else (hi, "left")
        obs.append({"observable_id": t.target_id, "formula": formula, "transformation": how,
                    "noise": "normal", "noise_parameter": sigma, "statistic": statistic})
        meas.append({"observable_id": t.target_id, "condition_id": t.arm, "time": t.day,
                     "measurement": value, "censoring": cens,
                     "reference_condition": t.reference if isinstance(t.reference, str) else "",
                     "low": lo, "high": hi, "use": t.use})
    return pd.DataFrame(obs), pd.DataFrame(meas)


def chia2025(
    use: Sequence[str] = ("calibration",),
    estimated: Sequence[str] = ESTIMATED,
) -> Problem:
    """The chia2025 problem fitted on targets whose ``use`` is in ``use``."""
    targets = load("chia2025")
    chosen = targets[targets["use"].isin(list(use))]
    observables, measurements = target_rows(chosen)
    conditions = pd.DataFrame(
        [{"condition_id": arm.name, **flatten(arm.setup(), drop=estimated)}
         for arm in CHIA2025.arms]
    )
    return Problem(
        "chia2025" + ("" if tuple(use) == ("calibration",) else "_" + "_".join(use)),
        measurements, conditions, _parameters(estimated), observables,
        description="awakening and immune parameters of the lung model fitted to the "
        f"chia2025 targets used for {', '.join(use)}",
        derived={"doubling_time_d": "log(2) / g", "awake_lifetime_d": "1 / rho"},
        derived_condition="iav",
    )


def all_targets(estimated: Sequence[str] = ESTIMATED) -> Problem:
    """Every chia2025 target (calibration, timing and prediction), for predictive checks."""
    return chia2025(("calibration", "timing", "prediction"), estimated)


def check_predictions(problem: Problem, z: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """Posterior model value and probability that each target's statement holds.

    ``problem`` is :func:`all_targets`; ``z`` are posterior samples (estimation scale).
    """
    from awaken.calibrate.posterior import weighted_quantile

    sims = problem.simulate(z)
    m = problem.measurements
    rows = []
    for i, r in enumerate(m.itertuples()):
        v = sims[:, i]
        ok = np.ones_like(v, dtype=bool)
        if not np.isnan(r.low):
            ok &= v >= r.low
        if not np.isnan(r.high):
            ok &= v <= r.high
        lo, med, hi = weighted_quantile(v, weights, [0.025, 0.5, 0.975])
        rows.append({"target": r.observable_id, "use": r.use, "arm": r.condition_id,
                     "day": r.time, "low": r.low, "high": r.high, "median": med,
                     "ci95_low": lo, "ci95_high": hi,
                     "probability_met": float(np.sum(weights * ok) / np.sum(weights))})
    return pd.DataFrame(rows)
