"""Calibration fits of the cohort model: a few declared parameters, least squares, one seed.

Each fit simulates one seeded cohort (common random numbers: the same people and the same
draws at every evaluation), changes only its declared parameters, and solves
``scipy.optimize.least_squares`` on relative residuals (model / target - 1) from a declared
start. Its fitted values are written into the presets with the command that produced them
(``awaken cohort fit exposure|testing``):

* ``exposure``: the cumulative hazards of the first five SARS-CoV-2 waves (the two
  pre-Alpha waves share one factor) and ``omicron_escape``, to ONS's shares of adults
  infected per wave and at least once from April 2020 to February 2022 (five targets, five
  parameters; adults 18-90);
* ``testing``: ``testing.scale`` and ``testing.negative_scale`` of the ``ukb`` preset, to
  UK Biobank's tested share (4,837 of an assumed 50,000 survivors) and the positive share
  of the tested (~500 of 4,837): two targets, two parameters.

The Pan 2017 reservoir needs no numerical fit: it is solved in closed form
(:func:`awaken.cohort.tumour.reservoir_by_stage`), and the validation checks the simulation
against it. The mechanism's human scale factors (``awakening_per_log_fold``,
``acceleration_scale``) are not fitted here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import OptimizeResult, least_squares

from awaken.cohort.config import load_config
from awaken.cohort.emulator import Emulator
from awaken.cohort.model import build_model, simulate_chunk
from awaken.cohort.validate import (
    ONS,
    UKB_POSITIVE,
    UKB_SURVIVORS,
    UKB_TESTED,
    adults,
    share_infected,
    tested_shares,
)

# Waves fitted to ONS, grouped by the ONS figure they answer to.
WAVE_GROUPS = {"sars2-wildtype": ("first", "autumn-2020"), "sars2-alpha": ("alpha",),
               "sars2-delta": ("delta",), "sars2-omicron": ("ba1",)}
# Declared start: each wave's attack is its ONS share (the pre-Alpha share split evenly
# between the spring and autumn 2020 waves, an assumption), omicron_escape 0.5.
OMICRON_ESCAPE_START = 0.5
TESTING_START = {"scale": 0.08, "negative_scale": 1.0}


@dataclass(frozen=True)
class Fit:
    """A fit's result: parameters, targets and the model's values at the fitted parameters."""

    name: str
    parameters: dict[str, Any]
    targets: dict[str, float]
    model: dict[str, float]
    evaluations: int
    command: str
    extra: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One row per target: value, model value, relative error."""
        return [{"target": k, "value": v, "model_value": self.model[k],
                 "relative_error": self.model[k] / v - 1.0} for k, v in self.targets.items()]


def _solve(residuals: Callable[[np.ndarray], np.ndarray], theta0: np.ndarray,
           lower: list[float], upper: list[float], steps: np.ndarray,
           max_evaluations: int) -> OptimizeResult:
    """``least_squares`` with forward differences of fixed absolute ``steps``.

    With common random numbers the residuals change in small jumps (whole people), so the
    Jacobian needs steps wide enough to move many people; scipy's relative steps vanish at 0.
    """
    memo: dict[bytes, np.ndarray] = {}

    def fun(theta: np.ndarray) -> np.ndarray:
        key = np.asarray(theta, float).tobytes()
        if key not in memo:
            memo[key] = residuals(np.asarray(theta, float))
        return memo[key]

    def jac(theta: np.ndarray) -> np.ndarray:
        f0 = fun(theta)
        cols = []
        for i, h in enumerate(steps):
            step = h if theta[i] + h <= upper[i] else -h
            shifted = theta.copy()
            shifted[i] += step
            cols.append((fun(shifted) - f0) / step)
        return np.column_stack(cols)

    return least_squares(fun, theta0, jac=jac, bounds=(lower, upper), xtol=1e-3, ftol=1e-4,
                         max_nfev=max_evaluations)


def _ons_targets() -> dict[str, float]:
    return {name: value for name, *_, value in ONS}


def ons_measures(emulator: Emulator, waves: list[dict[str, Any]], omicron_escape: float,
                 n: int, seed: int) -> dict[str, float]:
    """ONS shares (named as in :data:`awaken.cohort.validate.ONS`) for these waves."""
    cfg = adults(seed, n, waves, omicron_escape)
    t = simulate_chunk(build_model(cfg, emulator), 0, n)
    return {name: share_infected(t, start, end, strain) for name, start, end, strain, _ in ONS}


def _start_waves(seed: int) -> list[dict[str, Any]]:
    waves = [w.model_dump(mode="json") for w in adults(seed, 10).exposure.sars2_waves]
    share = {strain: v for _, _, _, strain, v in ONS if strain is not None}
    for strain, names in WAVE_GROUPS.items():
        h = -math.log1p(-share[strain]) / len(names)
        for w in waves:
            if w["name"] in names:
                w["attack"] = -math.expm1(-h)
    return waves


def _apply(waves: list[dict[str, Any]], x: np.ndarray) -> list[dict[str, Any]]:
    out = [dict(w) for w in waves]
    for factor, names in zip(np.exp(x), WAVE_GROUPS.values(), strict=True):
        for w in out:
            if w["name"] in names:
                w["attack"] = float(min(0.95, -math.expm1(math.log1p(-w["attack"]) * factor)))
    return out


def fit_exposure(emulator: Emulator, n: int = 100_000, seed: int = 0,
                 max_evaluations: int = 60) -> Fit:
    """Wave hazards and ``omicron_escape`` fitted to the five ONS figures (least squares)."""
    start = _start_waves(seed)
    targets = _ons_targets()
    names = list(targets)
    evaluations = 0

    def residuals(theta: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        model = ons_measures(emulator, _apply(start, theta[:4]), float(theta[4]), n, seed)
        return np.array([model[k] / targets[k] - 1.0 for k in names])

    theta0 = np.array([0.0, 0.0, 0.0, 0.0, OMICRON_ESCAPE_START])
    sol = _solve(residuals, theta0, [-3.0] * 4 + [0.0], [3.0] * 4 + [1.0],
                 np.array([0.05] * 4 + [0.05]), max_evaluations)
    waves = _apply(start, sol.x[:4])
    escape = float(sol.x[4])
    model = ons_measures(emulator, waves, escape, n, seed)
    fitted = {w["name"]: round(w["attack"], 4) for w in waves
              if any(w["name"] in g for g in WAVE_GROUPS.values())}
    return Fit("exposure", {"attack": fitted, "omicron_escape": round(escape, 4)}, targets,
               model, evaluations, f"awaken cohort fit exposure --n {n} --seed {seed}",
               {"emulator": emulator.source, "status": sol.message})


def testing_measures(emulator: Emulator, scale: float, negative_scale: float, n: int,
                     seed: int) -> dict[str, float]:
    """UK Biobank-like tested share and positive share of the tested."""
    cfg = load_config("ukb", seed=seed, update={
        "cohort": {"n": n, "chunk_size": n},
        "testing": {"scale": scale, "negative_scale": negative_scale}})
    share, positivity = tested_shares(simulate_chunk(build_model(cfg, emulator), 0, n), n)
    return {"ukb_tested_share": share, "ukb_positive_share_of_tested": positivity}


def fit_testing(emulator: Emulator, n: int = 50_000, seed: int = 0,
                max_evaluations: int = 40) -> Fit:
    """``testing.scale`` and ``testing.negative_scale`` of ``ukb`` (least squares, log scale)."""
    targets = {"ukb_tested_share": UKB_TESTED / UKB_SURVIVORS,
               "ukb_positive_share_of_tested": UKB_POSITIVE / UKB_TESTED}
    evaluations = 0

    def residuals(theta: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        scale, negative_scale = (float(v) for v in np.exp(theta))
        model = testing_measures(emulator, scale, negative_scale, n, seed)
        return np.array([model[k] / v - 1.0 for k, v in targets.items()])

    theta0 = np.log([TESTING_START["scale"], TESTING_START["negative_scale"]])
    sol = _solve(residuals, theta0, list(np.log([1e-3, 1e-2])), list(np.log([10.0, 100.0])),
                 np.array([0.05, 0.05]), max_evaluations)
    scale, negative = (float(v) for v in np.exp(sol.x))
    model = testing_measures(emulator, scale, negative, n, seed)
    return Fit("testing", {"scale": round(scale, 4), "negative_scale": round(negative, 4)},
               targets, model, evaluations, f"awaken cohort fit testing --n {n} --seed {seed}",
               {"emulator": emulator.source, "status": sol.message})


FITS = {"exposure": fit_exposure, "testing": fit_testing}
