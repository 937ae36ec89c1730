"""A calibration problem is frozen: its tables and compiled form cannot be changed."""

import dataclasses

import numpy as np
import pytest

from awaken.calibrate import problem
from awaken.calibrate.fit_problem import CompiledProblem, ObservableRule


def test_problem_is_frozen_and_compiled_once() -> None:
    prob = problem("baccam2006")
    assert isinstance(prob.compiled, CompiledProblem)
    assert all(isinstance(r, ObservableRule) for r in prob.compiled.rules.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        prob.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        prob.compiled = prob.compiled  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        prob.bounds[0, 0] = 0.0
    with pytest.raises(TypeError):
        prob.compiled.fixed["beta"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        prob.derived["x"] = "beta"  # type: ignore[index]
    again = prob.replace(measurements=prob.measurements)
    assert again is not prob and again.free_ids == prob.free_ids
    np.testing.assert_array_equal(again.nominal, prob.nominal)
