"""Other-cause death: a Gompertz hazard fitted to published England & Wales life-table rates.

Declared as a parametric fit, not the life table itself: ``mu(a) = A exp(B a)`` per sex,
least squares on ``log mu`` at ages 50-90, from the probabilities of dying within a year
(``qx``) below, then scaled by the share of deaths not due to cancer (survivors' cancer
deaths come from the tumour model).
"""

from __future__ import annotations

import math

import numpy as np

AGES = np.array([50.0, 60.0, 70.0, 80.0, 90.0])
QX = {
    "female": np.array([0.0023, 0.0053, 0.0125, 0.0385, 0.1346]),
    "male": np.array([0.0033, 0.0079, 0.0183, 0.0538, 0.1632]),
}
SOURCE = ("ONS National life tables, England and Wales, 2017-2019: qx at ages 50-90 by decade, "
          "rounded [values to re-check against the published table]")
NONCANCER_SHARE = 0.72
NONCANCER_SOURCE = "ONS deaths registered in England and Wales 2019: ~28% from cancer"


def gompertz(sex: str) -> tuple[float, float]:
    """``(A, B)`` of the all-cause Gompertz fit for ``female`` or ``male`` (per year)."""
    mu = -np.log1p(-QX[sex])
    b, log_a = np.polyfit(AGES, np.log(mu), 1)
    return float(math.exp(log_a)), float(b)


def other_cause_hazards() -> np.ndarray:
    """``[[A, B] female, [A, B] male]`` for other-cause death (per year, age in years)."""
    out = np.array([gompertz("female"), gompertz("male")])
    out[:, 0] *= NONCANCER_SHARE
    return out


def fit_table() -> list[dict[str, float | str]]:
    """Published and fitted one-year death probabilities, for the docs and validation."""
    rows = []
    for sex in ("female", "male"):
        a, b = gompertz(sex)
        for age, q in zip(AGES, QX[sex], strict=True):
            h = a / b * math.exp(b * age) * (math.exp(b) - 1.0)
            rows.append({"sex": sex, "age": float(age), "qx_published": float(q),
                         "qx_fitted": 1.0 - math.exp(-h)})
    return rows
