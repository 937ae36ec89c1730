"""Small fitting problems shared by the calibrate tests."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from awaken.calibrate.problems import problem  # noqa: E402


def tiny_tables() -> dict[str, pd.DataFrame]:
    """A 2-parameter virus-only problem: c and V0 on log10, fixed noise."""
    conditions = pd.DataFrame([{"condition_id": "a", "k_E": 0.0, "beta": 1e-9, "T0": 1e4}])
    parameters = pd.DataFrame([
        {"parameter_id": "c", "estimate": 1, "scale": "log10", "lower": 1.0, "upper": 20.0,
         "nominal": 5.0},
        {"parameter_id": "V0", "estimate": 1, "scale": "log10", "lower": 10.0,
         "upper": 1e4, "nominal": 1000.0, "prior": "parameterScaleNormal",
         "prior_parameters": "3;1"},
    ])
    observables = pd.DataFrame([{"observable_id": "v", "formula": "virus",
                                 "transformation": "log10", "noise": "normal",
                                 "noise_parameter": 0.2}])
    measurements = pd.DataFrame({"observable_id": "v", "condition_id": "a",
                                 "time": [0.0, 0.5, 1.0, 1.5],
                                 "measurement": [1000.0, 80.0, 7.0, 0.5]})
    return {"measurements": measurements, "conditions": conditions,
            "parameters": parameters, "observables": observables}


@pytest.fixture(scope="session")
def tables():
    """A factory of fresh tiny tables."""
    return tiny_tables


@pytest.fixture(scope="session")
def baccam():
    """The pooled Baccam problem."""
    return problem("baccam2006")
