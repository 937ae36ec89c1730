"""Value objects of the lung layer are immutable and hashable; one status table."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.core.frozen import FrozenMap
from awaken.lung import status
from awaken.lung.experiments import CHIA2025, Arm, ExperimentRun
from awaken.lung.interventions import Intervention
from awaken.lung.solve import Setup, parameter_matrix, peak_time

LUNG = Path(__file__).parents[2] / "src" / "awaken" / "lung"


def test_setup_is_hashable_and_cannot_change() -> None:
    assert hash(Setup()) == hash(Setup())
    a = Setup(overrides={"beta": 1e-5}, interventions=[Intervention("il6_blockade", 1, 5, 0.9)])
    assert a == Setup(overrides={"beta": 1e-5},
                      interventions=(Intervention("il6_blockade", 1, 5, 0.9),))
    assert len({a, Setup(), Setup()}) == 2
    assert isinstance(a.overrides, FrozenMap) and isinstance(a.interventions, tuple)
    with pytest.raises(TypeError):
        a.overrides["beta"] = 2.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.virus = "ma10"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(a)) == a


def test_overrides_do_not_follow_the_callers_dict() -> None:
    values = {"beta": 1e-5}
    a = Setup(overrides=values)
    values["beta"] = 2e-5
    assert a.overrides["beta"] == 1e-5


def test_arms_are_hashable() -> None:
    assert all(isinstance(hash(arm), int) for arm in CHIA2025.arms)
    arm = Arm("x", "y", overrides={"V0": 0.0})
    with pytest.raises(TypeError):
        arm.overrides["V0"] = 1.0  # type: ignore[index]


def test_experiment_run_is_read_only() -> None:
    times = np.arange(3.0)
    run = ExperimentRun(CHIA2025, times, np.zeros((1, 3, 2)), np.zeros((1, 4)), {"beta": 1.0})
    with pytest.raises(ValueError, match="read-only"):
        run.states[0, 0, 0] = 1.0
    with pytest.raises(TypeError):
        run.overrides["beta"] = 2.0  # type: ignore[index]
    times[0] = 9.0
    assert run.times[0] == 0.0
    hash(run)  # by identity: arrays have no hash


def test_one_status_table_for_every_kernel() -> None:
    codes = [int(s) for s in status.Status]
    assert len(set(codes)) == len(codes)
    assert set(status.MESSAGES) == set(status.Status)
    assert len(set(status.MESSAGES.values())) == len(codes)
    assert status.describe(status.STEP_LIMIT) == status.Status.STEP_LIMIT.message
    assert status.describe(99) == "unknown status 99"
    # no kernel defines codes of its own: they all import them from status.py
    # (MAX_STEPS is a step count in solve.py and stochastic.py, never a status)
    own_codes = re.compile(r"^(OK|STIFF|STEP_LIMIT|BAD_VALUE|SINGULAR|TAU_UNDERFLOW|ODE_FAILED"
                           r"|MAX_STEPS\b.*, )\b.*=", re.MULTILINE)
    for name in ("_dopri.py", "_rodas.py", "_ensemble.py", "_tauleap.py", "stochastic.py",
                 "solve.py"):
        text = (LUNG / name).read_text()
        assert not own_codes.search(text), name
    for name in ("_dopri.py", "_rodas.py", "_ensemble.py", "_tauleap.py"):
        assert "from awaken.lung.status import" in (LUNG / name).read_text(), name


def test_parameter_sets_as_setups_table_or_array() -> None:
    setups = [Setup(), Setup(overrides={"beta": 2e-5})]
    vectors = parameter_matrix(setups)
    table = pd.DataFrame({"beta": [setups[0].parameters()["beta"], 2e-5]})
    np.testing.assert_array_equal(parameter_matrix(table), vectors)
    np.testing.assert_array_equal(parameter_matrix(vectors), vectors)
    with pytest.raises(InputError, match="unknown columns \\['colour'\\]"):
        parameter_matrix(pd.DataFrame({"colour": [1.0]}))
    with pytest.raises(InputError, match="sequence of Setup"):
        parameter_matrix(["iav-pr8"])  # type: ignore[list-item]


def test_peak_time_is_the_grid_maximum_within_the_window() -> None:
    times = np.arange(0.0, 5.01, 0.5)
    values = np.vstack([np.exp(-((times - 2.0) ** 2)), -((times - 4.5) ** 2)])
    np.testing.assert_array_equal(peak_time(values, times), [2.0, 4.5])
    np.testing.assert_array_equal(peak_time(values, times, until=3.0), [2.0, 3.0])
    values[1, 3] = np.nan
    assert np.isnan(peak_time(values, times)[1])


def test_the_api_checks_days_mice_and_seeds() -> None:
    from awaken.lung.solve import simulate
    from awaken.lung.stochastic import simulate_mice

    with pytest.raises(InputError, match="days=1e\\+300 must be a number of days > 0 and <= 3650"):
        simulate(Setup(), days=1e300)
    with pytest.raises(InputError, match="seed=4294967296 must be an integer"):
        simulate_mice(Setup(), n_mice=1, days=2, seed=2**32)
    with pytest.raises(InputError, match="at most .* fit in .* GiB"):
        simulate_mice(Setup(), n_mice=10**7, days=60)


def test_the_cli_reports_the_api_rule() -> None:
    from typer.testing import CliRunner

    from awaken.cli import app

    result = CliRunner().invoke(app, ["lung", "simulate", "--out", "x.csv", "--days", "1e300"])
    assert isinstance(result.exception, InputError)  # main() prints it on one line, exit 2
    assert "must be a number of days > 0 and <= 3650" in str(result.exception)


def test_a_trajectory_is_read_only() -> None:
    from awaken.lung.solve import simulate

    traj = simulate(Setup(), days=3)
    with pytest.raises(ValueError, match="read-only"):
        traj.states[0, 0] = 1.0
    assert traj.frame().shape == (4, traj.states.shape[1] + 1)
