"""Stochastic DCCs: agreement with the ODE, the no-awakening probability, reproducibility.

Tolerances. The ensemble mean of a nonlinear model (logistic division, T-cell feedback on
awakened cells) is not the ODE solution, and tau-leaping adds a bias that shrinks with the
leap control ``eps``. Measured on the default infected arm (4,000 mice, docs/stochastic.md):
leap bias <= 0.8% at eps = 0.02, nonlinearity effect <= 1% (mean at eps -> 0 vs ODE). So we
require |mean - ODE| <= 5% of the ODE value + 4 standard errors (the SE term covers small
counts, where the relative error means little). p_no_awakening is checked against
exp(-integrated awakening hazard) within 4 binomial standard errors + 0.005.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from numba import njit
from typer.testing import CliRunner

from awaken.core.errors import InputError
from awaken.lung import _tauleap
from awaken.lung.interventions import Intervention
from awaken.lung.model import PROCESSES
from awaken.lung.solve import Setup, simulate
from awaken.lung.stochastic import (
    DCC_STATES,
    MouseEnsemble,
    channels,
    ode_agreement,
    simulate_mice,
)

N_MICE = 2000
REL_TOL = 0.05
N_SE = 4.0
PBS = Setup(overrides={"V0": 0.0})
INFECTED = Setup()
# Dormant turnover (supply and death) changes the dormant count, so exp(-hazard) is exact
# for the chance of no awakening only without it.
NO_TURNOVER = {"d_D": 0.0}
CHECK_DAYS = [1.0, 3.0, 6.0, 9.0, 15.0, 20.0, 28.0]


@pytest.fixture(scope="module")
def infected() -> MouseEnsemble:
    return simulate_mice(INFECTED, N_MICE, 28, seed=11)


@pytest.fixture(scope="module")
def pbs() -> MouseEnsemble:
    return simulate_mice(PBS, N_MICE, 60, seed=12)


# --------------------------------------------------------------------------- samplers
@njit(cache=True)
def _draw_poisson(lam: float, n: int, seed: int) -> np.ndarray:
    s = np.array([seed, 2, 3, 4], dtype=np.uint64)
    return np.array([_tauleap.poisson(s, lam) for _ in range(n)])


@njit(cache=True)
def _draw_binomial(trials: int, p: float, n: int, seed: int) -> np.ndarray:
    s = np.array([seed, 5, 6, 7], dtype=np.uint64)
    return np.array([_tauleap.binomial(s, trials, p) for _ in range(n)])


@pytest.mark.parametrize("lam", [0.3, 4.0, 12.0, 250.0, 3e4])
def test_poisson_moments(lam: float) -> None:
    x = _draw_poisson(lam, 40_000, 1)
    assert abs(x.mean() - lam) < 4 * np.sqrt(lam / x.size)
    assert abs(x.var() / lam - 1) < 0.04
    if lam < 1:
        assert abs(np.mean(x == 0) - np.exp(-lam)) < 0.01


@pytest.mark.parametrize(
    ("trials", "p"), [(5, 0.3), (60, 0.9), (1000, 0.01), (1000, 0.5), (100_000, 0.97)]
)
def test_binomial_moments(trials: int, p: float) -> None:
    x = _draw_binomial(trials, p, 40_000, 2)
    mean, var = trials * p, trials * p * (1 - p)
    assert x.min() >= 0 and x.max() <= trials
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / x.size)
    assert abs(x.var() / var - 1) < 0.04


# --------------------------------------------------------------------------- declarations
def test_event_channels_are_the_processes_touching_dccs() -> None:
    ch = channels()
    touching = [p.id for p in PROCESSES if any(sid in DCC_STATES for sid, _ in p.change)]
    assert list(ch.names) == touching
    assert ch.is_awakening.any()
    for name, consumed in zip(ch.names, ch.consumes, strict=True):
        change = dict(next(p for p in PROCESSES if p.id == name).change)
        removes = [i for i, sid in zip(ch.dcc, DCC_STATES, strict=True) if change.get(sid) == -1]
        assert (consumed in removes) if removes else consumed == -1


# --------------------------------------------------------------------------- agreement
def _assert_mean_close(ens: MouseEnsemble, setup: Setup, days: list[float]) -> None:
    table = ode_agreement(ens, simulate(setup, ens.times[-1], times=ens.times))
    table = table[table["time"].isin(days)]
    # When no mouse shows an event the sample SE is 0; the Poisson SE of a mean count
    # (sqrt(ode / n)) is then the floor.
    se = np.maximum(table["se"], np.sqrt(table["ode"].clip(lower=0) / ens.n_mice))
    allowed = REL_TOL * table["ode"].abs() + N_SE * se + 1e-9
    bad = table[(table["mean"] - table["ode"]).abs() > allowed]
    assert bad.empty, f"ensemble mean departs from the ODE:\n{bad.to_string()}"


def test_infected_mean_agrees_with_ode(infected: MouseEnsemble) -> None:
    _assert_mean_close(infected, INFECTED, CHECK_DAYS)


def test_pbs_mean_agrees_with_ode(pbs: MouseEnsemble) -> None:
    _assert_mean_close(pbs, PBS, [*CHECK_DAYS, 60.0])


def _assert_p_none_close(ens: MouseEnsemble) -> None:
    assert ens.analytic_valid
    p, exact = ens.p_no_awakening(), ens.p_no_awakening_analytic()
    se = np.sqrt(exact * (1 - exact) / ens.n_mice)
    assert np.all(np.abs(p - exact) <= N_SE * se + 0.005), np.c_[ens.times, p, exact]


def test_p_no_awakening_matches_analytic_pbs() -> None:
    ens = simulate_mice(Setup(overrides={"V0": 0.0, **NO_TURNOVER}), N_MICE, 60, seed=12)
    assert 0.2 < ens.p_no_awakening_analytic()[-1] < 0.999  # the check is informative
    _assert_p_none_close(ens)


def test_turnover_makes_the_analytic_answer_inexact(pbs: MouseEnsemble) -> None:
    assert not pbs.analytic_valid
    assert np.all(np.isnan(pbs.p_no_awakening_analytic()))


def test_p_no_awakening_matches_analytic_early_infection() -> None:
    times = np.linspace(0.0, 2.0, 17)
    ens = simulate_mice(Setup(overrides=NO_TURNOVER), N_MICE, 2.0, times=times, seed=13)
    exact = ens.p_no_awakening_analytic()
    assert np.any((exact > 0.05) & (exact < 0.95))  # the check is informative
    _assert_p_none_close(ens)


def test_no_awakening_keeps_counts_constant() -> None:
    setup = Setup(host="mouse-il6ko", overrides={"V0": 0.0, **NO_TURNOVER})
    ens = simulate_mice(setup, 50, 60, seed=3)
    assert ens.hazard[-1] < 1e-9, "precondition: no baseline awakening in this setup"
    assert np.all(ens.dormant == ens.dormant[:, :1])
    assert np.all(ens.awake == ens.awake[:, :1])
    assert np.all(ens.p_no_awakening() == 1.0)


# --------------------------------------------------------------------------- invariants
@pytest.mark.parametrize(
    "setup",
    [
        INFECTED,
        Setup(interventions=(Intervention("cd4_depletion", 5, 28),)),
        Setup(overrides={"k_ctl": 16.0, "kill_h": 0.5, "D0": 3.0}),
    ],
    ids=["default", "cd4-depletion", "strong-killing"],
)
def test_counts_are_whole_and_never_negative(setup: Setup) -> None:
    ens = simulate_mice(setup, 100, 30, seed=4)
    for sid in DCC_STATES:
        values = ens.state(sid)
        assert np.all(values >= 0)
        assert np.all(values == np.rint(values))
    assert np.all(np.diff(ens.awakened.astype(int), axis=1) >= 0)


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_same_mice_whatever_the_batch_split() -> None:
    whole = simulate_mice(INFECTED, 30, 20, seed=7)
    first = simulate_mice(INFECTED, 12, 20, seed=7)
    rest = simulate_mice(INFECTED, 18, 20, seed=7, first_mouse=12)
    np.testing.assert_array_equal(whole.states, np.concatenate([first.states, rest.states]))
    np.testing.assert_array_equal(
        whole.awakened, np.concatenate([first.awakened, rest.awakened])
    )
    np.testing.assert_array_equal(rest.mice, np.arange(12, 30))
    other = simulate_mice(INFECTED, 30, 20, seed=8)
    assert not np.array_equal(whole.states, other.states)


def test_same_seed_same_mice_whatever_the_thread_count() -> None:
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_mice(INFECTED, 40, 20, seed=9)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = simulate_mice(INFECTED, 40, 20, seed=9)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.states, many.states)


# --------------------------------------------------------------------------- API and CLI
def test_frame_is_tidy(infected: MouseEnsemble) -> None:
    frame = infected.frame()
    assert list(frame.columns[:6]) == ["time", "observable", "mean", "sd", "q05", "q95"]
    day = frame[(frame["time"] == 6.0) & (frame["observable"] == "dcc_count")].iloc[0]
    assert day["q05"] <= day["mean"] <= day["q95"] and day["sd"] > 0
    mice = infected.mice_frame()
    assert len(mice) == infected.n_mice * infected.times.size


@pytest.mark.parametrize(
    "kwargs",
    [{"n_mice": 0}, {"days": 0.0}, {"days": -3.0}, {"seed": -1}, {"times": [0, 5, 3]}],
)
def test_bad_input(kwargs: dict) -> None:
    args = {"setup": INFECTED, "n_mice": 5, "days": 10.0} | kwargs
    with pytest.raises(InputError):
        simulate_mice(**args)


def test_unknown_virus() -> None:
    with pytest.raises(InputError):
        simulate_mice(Setup(virus="no-such-virus"), 5, 10)


def test_cli_writes_table_and_plot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lung_cli = pytest.importorskip("awaken.cli.lung")
    out = tmp_path / "mice.csv"
    args = ["stochastic", "--mice", "20", "--days", "10", "--seed", "1", "--out", str(out)]
    result = CliRunner().invoke(lung_cli.app, [*args, "--plot"])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.with_suffix(".png").exists()
    bad = CliRunner().invoke(lung_cli.app, ["stochastic", "--mice", "0", "--out", str(out)])
    assert isinstance(bad.exception, InputError)
