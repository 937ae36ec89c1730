"""Deterministic solvers: agreement with an implicit reference, positivity, bad input."""

import numpy as np
import pytest

from awaken.core.errors import InputError
from awaken.lung import codegen
from awaken.lung.interventions import Intervention
from awaken.lung.model import PARAMETERS, STATE_IDS
from awaken.lung.solve import (
    Setup,
    parameter_vector,
    simulate,
    simulate_batch,
    solve_implicit,
    solver_work,
)


def test_generated_code_matches_declarations():
    assert codegen.GENERATED.read_text() == codegen.source(), (
        "run `python -m awaken.lung.codegen`"
    )


@pytest.mark.parametrize(
    "setup",
    [
        Setup(),
        Setup("sars2-ma10"),
        Setup(host="mouse-il6ko"),
        Setup(interventions=(Intervention("cd4_depletion", 6, 28),)),
        Setup(interventions=(Intervention("il6_blockade", 1, 10, 0.9),)),
        Setup("flu-human", "human"),
    ],
)
def test_dopri_matches_radau(setup):
    times = np.arange(0.0, 61.0)
    fast = simulate(setup, 60, times=times)
    ref = simulate(setup, 60, times=times, method="Radau")
    scale = np.abs(ref.states).max(axis=0)
    err = np.abs(fast.states - ref.states) / np.maximum(np.abs(ref.states), 1e-6 * scale + 1e-12)
    assert err.max() < 1e-4


def test_states_never_negative_and_batch_matches_single():
    rng = np.random.default_rng(1)
    base = Setup().vector()
    batch = np.tile(base, (16, 1))
    g = [p.name for p in PARAMETERS].index("g")
    batch[:, g] = rng.uniform(0.2, 1.2, 16)
    out = simulate_batch(batch, np.arange(0.0, 91.0))
    assert (out >= 0).all()
    single = solve_implicit(batch[3], np.arange(0.0, 91.0))
    assert np.allclose(out[3], single, rtol=1e-4, atol=1e-6)


def test_analytic_decay_without_infection():
    """With no virus and IL-6 at baseline, IL-6 stays at il6_base exactly."""
    tr = simulate(Setup(overrides={"V0": 0.0}), 30)
    assert np.allclose(tr.state("il6"), Setup().parameters()["il6_base"])
    assert np.allclose(tr.state("target"), Setup().parameters()["T0"])


def test_il6_blockade_lowers_awakening():
    base = simulate(Setup(), 15).observables()["dcc_count"].iloc[-1]
    blocked = [
        simulate(Setup(interventions=(Intervention("il6_blockade", 0, 15, e),)), 15)
        .observables()["dcc_count"].iloc[-1]
        for e in (0.5, 0.9, 0.99)
    ]
    assert base > blocked[0] > blocked[1] > blocked[2]
    assert blocked[2] < base / 10


def test_trajectory_frame_columns():
    frame = simulate(Setup(), 5).frame()
    assert list(frame.columns) == ["time", *STATE_IDS]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"virus": "ebola"}, "unknown virus 'ebola'; choose one of"),
        ({"host": "rat"}, "unknown host 'rat'"),
        ({"overrides": {"g": 99.0}}, "parameter g=99.0 is outside its allowed range"),
        ({"overrides": {"gg": 1.0}}, "unknown parameter 'gg'"),
    ],
)
def test_bad_setup_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        Setup(**kwargs).vector()


def test_bad_windows_are_refused():
    with pytest.raises(InputError, match="empty or inverted"):
        Intervention("cd4_depletion", 10, 5)
    with pytest.raises(InputError, match="overlap"):
        Setup(
            interventions=(
                Intervention("antiviral", 1, 5, 0.9),
                Intervention("antiviral", 3, 8, 0.9),
            )
        ).vector()
    with pytest.raises(InputError, match="unknown intervention 'tamiflu'"):
        Intervention.parse("tamiflu:1-5")
    with pytest.raises(InputError, match="must be a number of days > 0"):
        simulate(Setup(), 0)


def test_parameter_vector_defaults():
    assert np.array_equal(parameter_vector({}), np.array([p.value for p in PARAMETERS]))


def test_stamped_fingerprint_is_the_current_one():
    assert codegen.stamped_fingerprint() == codegen.fingerprint()


def test_cached_kernels_carry_the_model_fingerprint():
    """numba's cache ignores callee changes; each dependent module is stamped instead."""
    for name in codegen.DEPENDENTS:
        text = codegen.GENERATED.with_name(name).read_text()
        assert f'MODEL_FINGERPRINT = "{codegen.fingerprint()}"' in text, name
    driver = codegen.GENERATED.with_name(codegen.DRIVER).read_text()
    assert f'TIERS_FINGERPRINT = "{codegen.tiers_fingerprint()}"' in driver, (
        "run `python -m awaken.lung.codegen`"
    )


def _worst(ours: np.ndarray, ref: np.ndarray) -> float:
    """Largest relative difference; values below 100 atol (1e-8) are compared absolutely,
    up to 1e-12: below the tolerance both solvers carry noise."""
    scale = np.abs(ref).max(axis=0)
    return float((np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-6 * scale + 1e-8)).max())


@pytest.mark.parametrize("tier", ["bdf", "rodas"])
@pytest.mark.parametrize(
    "overrides",
    [{}, {"il6_decay": 100.0, "c": 50.0, "k_E": 5.0}],
    ids=["default", "stiff"],
)
def test_implicit_tier_matches_radau(monkeypatch, overrides, tier):
    """With no explicit budget every member goes to the compiled implicit tier, which lands
    on the window edges (days 6 and 28) and passes over the output days."""
    import awaken.lung.solve as solve

    times = np.arange(0.0, 31.0)
    p = Setup(interventions=(Intervention("cd4_depletion", 6, 28),), overrides=overrides).vector()
    ref = solve_implicit(p, times)

    def no_last_resort(*args, **kwargs):
        raise AssertionError("the implicit tier failed and the SciPy fallback was used")

    monkeypatch.setattr(solve, "EXPLICIT_STEPS", 1)
    monkeypatch.setattr(solve, "solve_implicit", no_last_resort)
    ours = simulate_batch(p[None, :], times, implicit=tier)[0]
    assert ours.min() >= 0.0
    assert _worst(ours, ref) < 1e-4


@pytest.mark.parametrize("tier", ["bdf", "rodas"])
def test_member_handed_over_midway_continues_where_it_stopped(monkeypatch, tier):
    """A member stopped by the explicit budget is continued by the implicit tier."""
    import awaken.lung.solve as solve

    times = np.arange(0.0, 31.0)
    p = Setup(overrides={"il6_decay": 100.0, "c": 50.0, "k_E": 5.0}).vector()
    ref = solve_implicit(p, times)
    monkeypatch.setattr(solve, "EXPLICIT_STEPS", 300)
    monkeypatch.setattr(solve, "STIFF_AFTER", {"rodas": 300, "bdf": 300})
    work = solve.solver_work(p[None, :], times, implicit=tier)
    assert work.loc[0, "dopri_steps"] == 300 and work.loc[0, f"{tier}_steps"] > 0
    assert work.loc[0, "status"] == 0
    assert _worst(simulate_batch(p[None, :], times, implicit=tier)[0], ref) < 1e-4


def test_unknown_implicit_tier_is_named():
    with pytest.raises(InputError, match="unknown implicit tier 'radau'"):
        simulate_batch(Setup().vector()[None, :], [0.0, 1.0], implicit="radau")


@pytest.mark.parametrize("tier", ["bdf", "rodas"])
def test_batch_result_does_not_depend_on_batch_size_or_threads(monkeypatch, tier):
    """The parallel path (>= PARALLEL_FROM members) and one member at a time agree exactly,
    members handed to the implicit tier included."""
    import numba

    import awaken.lung.solve as solve

    monkeypatch.setattr(solve, "EXPLICIT_STEPS", 300)
    monkeypatch.setattr(solve, "STIFF_AFTER", {"rodas": 300, "bdf": 300})
    rng = np.random.default_rng(7)
    base = Setup().vector()
    params = np.tile(base, (20, 1))
    stiff = Setup(overrides={"il6_decay": 100.0, "c": 50.0, "k_E": 5.0}).vector()
    params[::4] = stiff
    params[:, [p.name for p in PARAMETERS].index("beta")] *= rng.uniform(0.5, 2.0, 20)
    times = np.arange(0.0, 21.0)
    assert (solver_work(params, times, implicit=tier)[f"{tier}_steps"] > 0).sum() >= 3
    together = simulate_batch(params, times, implicit=tier)
    alone = np.array([simulate_batch(p[None, :], times, implicit=tier)[0] for p in params])
    assert np.array_equal(together, alone)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        assert np.array_equal(simulate_batch(params, times, implicit=tier), together)
    finally:
        numba.set_num_threads(threads)


@pytest.mark.parametrize("tier", ["bdf", "rodas"])
def test_implicit_tiers_seed_no_subnormal_states(monkeypatch, tier):
    """States that are 0 stay 0 in the implicit tiers (the upper airway of a mouse): the
    Jacobian once read every state with a 1e-300 floor, which put ~1e-313 values into them,
    and arithmetic on subnormal numbers made a Rodas4 step several times slower."""
    import awaken.lung.solve as solve

    monkeypatch.setattr(solve, "EXPLICIT_STEPS", 0)  # the implicit tier from day 0
    rng = np.random.default_rng(3)
    params = np.tile(Setup().vector(), (8, 1))
    params[:, [p.name for p in PARAMETERS].index("beta")] *= rng.uniform(0.5, 2.0, 8)
    work = solver_work(params, np.arange(0.0, 31.0), implicit=tier)
    assert (work[f"{tier}_steps"] > 0).all() and (work["dopri_steps"] == 0).all()
    out = simulate_batch(params, np.arange(0.0, 31.0), implicit=tier)
    tiny = np.finfo(float).tiny
    assert not ((out != 0.0) & (np.abs(out) < tiny)).any()
    upper = [STATE_IDS.index(s) for s in ("target_upper", "infected_upper", "virus_upper")]
    assert (out[:, :, upper] == 0.0).all()
