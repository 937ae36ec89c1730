"""Baccam et al. 2006: influenza nasal-wash titres of 6 volunteers, target-cell-limited model.

The lung model runs with the ``flu-human`` virus in the ``human`` host with CD8 killing of
infected cells, antibody and regeneration switched off (:data:`BACCAM_MODEL`), which leaves
the upper airway as the target-cell-limited model with an eclipse phase (Baccam's model);
nasal-wash titres are ``virus_upper``. Lung, IL-6, T-cell and DCC states are computed but
not observed.
Titres are compared on the log10 scale with normal noise (``sigma`` estimated); values below
the detection limit contribute the probability of being below it.
"""

from __future__ import annotations

import pandas as pd

from awaken.calibrate.datasets import load
from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.problems._common import flatten
from awaken.lung.solve import Setup

# id: (nominal, lower, upper) on the linear scale; all estimated on log10.
ESTIMATED = {
    "beta_u": (3.2e-5, 1e-7, 1e-3),
    "p_u": (4.6e-2, 1e-4, 10.0),
    "c_u": (5.2, 0.5, 50.0),
    "delta_u": (5.2, 0.5, 20.0),
    "Vu0": (0.25, 1e-4, 1e3),
}
SIGMA = (0.8, 0.1, 3.0)
# Baccam's model is the upper airway alone: no CD8 killing of infected cells, no antibody,
# no epithelial regeneration (the lung compartment downstream does not feed back).
BACCAM_MODEL = {"k_E": 0.0, "ab_rate": 0.0, "regen": 0.0}
PUBLISHED = {
    "beta_u": 3.2e-5, "p_u": 4.6e-2, "c_u": 5.2, "delta_u": 5.2, "R0": 22.0,
    "eclipse_h": 6.0, "productive_lifetime_h": 4.6, "infected_lifetime_h": 11.0,
    "virus_half_life_h": 3.2,
}
DERIVED = {
    "R0": "beta_u * p_u * Tu0 / (c_u * delta_u)",
    "eclipse_h": "24 / k_ecl",
    "productive_lifetime_h": "24 / delta_u",
    "infected_lifetime_h": "24 * (1 / k_ecl + 1 / delta_u)",
    "virus_half_life_h": "24 * log(2) / c_u",
}


def baccam2006(individual: bool = False) -> Problem:
    """The Baccam problem: one parameter set for all volunteers, or one each."""
    data = load("baccam2006")
    patients = sorted(data["patient"].unique())
    base = flatten(Setup("flu-human", "human", overrides=BACCAM_MODEL), drop=ESTIMATED)
    conditions = pd.DataFrame(
        [{"condition_id": pid, **base,
          **({k: f"{k}_{pid}" for k in ESTIMATED} if individual else {})}
         for pid in patients]
    )
    rows = []
    names = [f"{k}_{pid}" for pid in patients for k in ESTIMATED] if individual else ESTIMATED
    for name in names:
        nominal, lower, upper = ESTIMATED[name.split("_P")[0]]
        rows.append((name, 1, "log10", lower, upper, nominal))
    rows.append(("sigma", 1, "log10", *SIGMA[1:], SIGMA[0]))
    parameters = pd.DataFrame(rows, columns=["parameter_id", "estimate", "scale", "lower",
                                             "upper", "nominal"])
    observables = pd.DataFrame([{
        "observable_id": "titre", "formula": "virus_upper", "transformation": "log10",
        "noise": "normal", "noise_parameter": "sigma",
    }])
    limit = 10.0 ** data["detection_limit_log10"]
    measurements = pd.DataFrame({
        "observable_id": "titre",
        "condition_id": data["patient"],
        "time": data["day"].astype(float),
        "measurement": (10.0 ** data["log10_titre"]).where(data["censored"] == 0, limit),
        "censoring": data["censored"].map({0: "none", 1: "left"}),
        "detection_limit": limit,
    })
    return Problem(
        "baccam2006" + ("_individual" if individual else ""),
        measurements, conditions, parameters, observables,
        description="influenza A nasal-wash titres of 6 volunteers (Baccam et al. 2006); "
        "target-cell-limited model with eclipse phase (flu-human upper airway, k_E = 0)",
        derived=DERIVED,
    )
