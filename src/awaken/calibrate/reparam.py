"""The DCC/immune part of the lung model, reparametrised to what the chia2025 data identify.

Declared once: :data:`QUANTITIES` (names of :data:`awaken.calibrate.literature.DCC_IMMUNE`)
map to lung parameters by :func:`to_model` and back by :func:`from_model` (a bijection; a
test checks the round trip). The awakening pulse is measured along the IL-6 course of the
wild-type PR8 arm (:class:`Il6Course`, from the virus/IL-6 module), which the DCC part does
not feed back on:

=====================  =====================================================  ===========
quantity               definition                                             parameters
=====================  =====================================================  ===========
awake_doubling_d       ln 2 / g                                               g
awakening_pulse        alpha_il6 * integral_0^30 wake_il6(il6(t)) dt           alpha_il6
il6_threshold          il6_half / max il6(t)                                  il6_half
awake_lifetime_d       1 / rho                                                rho
dormant_half_life_d    ln 2 / d_D                                             d_D
k_ctl                  k_ctl                                                  k_ctl
ctl_doubling_h         24 ln 2 / r_K                                          r_K
ctl_lifetime_d         1 / d_K                                                d_K
kill_h                 kill_h                                                 kill_h
cd4_brake              1 + H0 / (cd4_ratio * K0)                              cd4_ratio
=====================  =====================================================  ===========
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from awaken.core.errors import InputError
from awaken.lung.model import PARAMETERS_BY_NAME

QUANTITIES: tuple[str, ...] = (
    "awake_doubling_d", "awakening_pulse", "il6_threshold", "awake_lifetime_d",
    "dormant_half_life_d", "k_ctl", "ctl_doubling_h", "ctl_lifetime_d", "kill_h", "cd4_brake",
)
MODEL_PARAMETERS: tuple[str, ...] = (
    "g", "alpha_il6", "il6_half", "rho", "d_D", "k_ctl", "r_K", "d_K", "kill_h", "cd4_ratio",
)
PULSE_WINDOW = 30.0  # days of the IL-6 course over which the awakening signal is integrated
LN2 = math.log(2.0)


@dataclass(frozen=True, eq=False)
class Il6Course:
    """IL-6 (pg/ml) of the wild-type PR8 arm on a time grid, and the Hill exponent."""

    times: np.ndarray
    il6: np.ndarray
    n_il6: float = PARAMETERS_BY_NAME["n_il6"].value

    @property
    def peak(self) -> float:
        """Highest IL-6 of the course."""
        return float(np.max(self.il6))

    def signal_integral(self, il6_half: float) -> float:
        """Integral over the first :data:`PULSE_WINDOW` days of the awakening signal (days)."""
        keep = self.times <= PULSE_WINDOW
        x = (self.il6[keep] / il6_half) ** self.n_il6
        return float(np.trapezoid(x / (1.0 + x), self.times[keep]))


def _resting_ratio(fixed: Mapping[str, float]) -> float:
    values = {**{k: PARAMETERS_BY_NAME[k].value for k in ("H0", "K0")}, **fixed}
    return float(values["H0"]) / float(values["K0"])


def to_model(q: Mapping[str, float], course: Il6Course,
             fixed: Mapping[str, float] | None = None) -> dict[str, float]:
    """Lung parameters from the identifiable quantities ``q`` (``fixed``: H0, K0 if changed)."""
    missing = [k for k in QUANTITIES if k not in q]
    if missing:
        raise InputError(f"reparametrisation: missing quantities {missing}")
    il6_half = q["il6_threshold"] * course.peak
    brake = q["cd4_brake"]
    if brake <= 1.0:
        raise InputError(f"cd4_brake {brake:g} must exceed 1 (free CD8 rise without CD4)")
    return {
        "g": LN2 / q["awake_doubling_d"],
        "alpha_il6": q["awakening_pulse"] / course.signal_integral(il6_half),
        "il6_half": il6_half,
        "rho": 1.0 / q["awake_lifetime_d"],
        "d_D": LN2 / q["dormant_half_life_d"],
        "k_ctl": q["k_ctl"],
        "r_K": 24.0 * LN2 / q["ctl_doubling_h"],
        "d_K": 1.0 / q["ctl_lifetime_d"],
        "kill_h": q["kill_h"],
        "cd4_ratio": _resting_ratio(fixed or {}) / (brake - 1.0),
    }


def from_model(params: Mapping[str, float], course: Il6Course,
               fixed: Mapping[str, float] | None = None) -> dict[str, float]:
    """The identifiable quantities of lung parameters ``params`` (inverse of :func:`to_model`)."""
    p = params
    return {
        "awake_doubling_d": LN2 / p["g"],
        "awakening_pulse": p["alpha_il6"] * course.signal_integral(p["il6_half"]),
        "il6_threshold": p["il6_half"] / course.peak,
        "awake_lifetime_d": 1.0 / p["rho"],
        "dormant_half_life_d": LN2 / p["d_D"],
        "k_ctl": p["k_ctl"],
        "ctl_doubling_h": 24.0 * LN2 / p["r_K"],
        "ctl_lifetime_d": 1.0 / p["d_K"],
        "kill_h": p["kill_h"],
        "cd4_brake": 1.0 + _resting_ratio(fixed or {}) / p["cd4_ratio"],
    }
