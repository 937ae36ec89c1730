"""SBML export: a valid document that libroadrunner simulates to the same trajectories."""

from __future__ import annotations

import math

import libsbml
import numpy as np
import pytest

from awaken.lung import sbml
from awaken.lung.interventions import Intervention
from awaken.lung.model import AUXILIARIES, PARAMETERS, PROCESSES, STATE_IDS, STATES, WINDOWS
from awaken.lung.solve import Setup, simulate

DAYS = 60
RTOL = 1e-4  # agreement required between roadrunner and simulate()
FLOOR = 1e-6  # relative to a state's peak: below this a state counts as ~0
ABS_FLOOR = 1e-12  # for states that stay exactly zero (e.g. IL-6 in a knockout)

SETUPS = {
    "default": Setup(),
    "sars2-ma10": Setup(virus="sars2-ma10"),
    "mouse-il6ko": Setup(host="mouse-il6ko"),
    "interventions": Setup(
        interventions=(
            Intervention("cd4_depletion", 5, 28),
            Intervention("il6_blockade", 1, 10, 0.9),
        )
    ),
}


def _roadrunner(setup: Setup):  # type: ignore[no-untyped-def]
    roadrunner = pytest.importorskip("roadrunner")
    rr = roadrunner.RoadRunner(sbml.to_sbml(setup))
    integrator = rr.getIntegrator()
    integrator.setValue("relative_tolerance", 1e-10)
    integrator.setValue("absolute_tolerance", 1e-12)
    integrator.setValue("maximum_num_steps", 200_000)
    return rr


def _columns(names: list[str]) -> list[str]:
    """Roadrunner column names (``[x]`` for concentrations, ``x`` for amounts) → ids."""
    return [n[1:-1] if n.startswith("[") and n.endswith("]") else n for n in names]


def test_document_is_consistent() -> None:
    for setup in SETUPS.values():
        doc = sbml.document(setup)
        assert (doc.getLevel(), doc.getVersion()) == (3, 2)
        assert sbml.errors(doc) == []


def test_elements_follow_the_declarations() -> None:
    setup = SETUPS["interventions"]
    values = setup.parameters()
    model = sbml.document(setup).getModel()
    assert model.getNumCompartments() == 1
    assert model.getCompartment(0).getId() == "lung"
    assert model.getCompartment(0).getSize() == 1.0
    assert [model.getSpecies(i).getId() for i in range(model.getNumSpecies())] == list(STATE_IDS)
    for s in STATES:
        sp = model.getSpecies(s.id)
        assert sp.getHasOnlySubstanceUnits()
        assert sp.getInitialAmount() == values[s.initial]
        assert s.unit in sp.getAnnotationString()
        assert model.getInitialAssignmentBySymbol(s.id) is not None
    for p in PARAMETERS:
        par = model.getParameter(p.name)
        assert par.getConstant()
        assert par.getValue() == values[p.name]
        assert p.source in par.getNotesString()
    for name, _, meaning in AUXILIARIES:
        assert not model.getParameter(name).getConstant()
        assert model.getAssignmentRuleByVariable(name) is not None
        assert meaning.split(",")[0] in model.getParameter(name).getNotesString()
    for w in WINDOWS:
        par = model.getParameter(w.id)
        assert not par.getConstant()
        expected = 1.0 if values[w.start] <= 0 < values[w.end] else 0.0
        assert par.getValue() == expected
        for edge in ("on", "off"):
            trigger = model.getEvent(f"{w.id}_{edge}").getTrigger()
            assert trigger.getInitialValue() and trigger.getPersistent()
    reversible = sbml.reversible_processes()
    assert model.getNumReactions() == len(PROCESSES)
    for proc in PROCESSES:
        rx = model.getReaction(proc.id)
        assert rx.getReversible() == (proc.id in reversible)
        stoich = {r.getSpecies(): -r.getStoichiometry() for r in rx.getListOfReactants()}
        stoich |= {r.getSpecies(): r.getStoichiometry() for r in rx.getListOfProducts()}
        assert stoich == {sid: float(sign) for sid, sign in proc.change}


def test_infix_translation() -> None:
    assert sbml.to_infix("T0 ** 2 / -c") == "((T0 ^ 2.0) / (-c))"
    with pytest.raises(sbml.SBMLExportError, match="unknown name"):
        sbml.to_infix("T0 * nonsense")
    with pytest.raises(sbml.SBMLExportError, match="unsupported"):
        sbml.to_infix("T0 if c else p")


def test_interval_bounds() -> None:
    env = {"x": (0.0, math.inf), "x0": (1.0, 2.0), "k": (0.5, 1.0), "w": (0.0, 1.0)}
    assert sbml._bounds("k * (x - x0)", env)[0] < 0
    assert sbml._bounds("x * (1 - k * w)", env)[0] >= 0
    assert sbml._bounds("x**2 / (x**2 + x0**2)", env) == (0.0, math.inf)
    assert sbml._bounds("x * (1 - x / x0)", env)[0] < 0


def test_reversibility_is_sound() -> None:
    """Rates of irreversible reactions are never negative at random admissible points."""
    rng = np.random.default_rng(1)
    reversible = sbml.reversible_processes()
    for _ in range(200):
        env = {
            p.name: float(
                np.exp(rng.uniform(np.log(max(p.low, 1e-12)), np.log(p.high)))
                if p.log
                else rng.uniform(p.low, p.high)
            )
            for p in PARAMETERS
        }
        env |= {s.id: float(10 ** rng.uniform(-6, 9)) for s in STATES}
        env |= {w.id: float(rng.integers(0, 2)) for w in WINDOWS}
        for name, expr, _ in AUXILIARIES:
            env[name] = eval(expr, {}, env)  # noqa: S307 - declared model expressions
        for proc in PROCESSES:
            if proc.id not in reversible:
                assert eval(proc.rate, {}, env) >= 0, proc.id  # noqa: S307


@pytest.mark.parametrize("name", list(SETUPS))
def test_roadrunner_matches_simulate(name: str) -> None:
    """Roadrunner (CVODE, rtol 1e-10, atol 1e-12) reproduces ``simulate`` at every day.

    Rule, per state and output time: |rr - ours| <= 1e-4 * max(|ours|, floor) with
    floor = max(1e-6 * max_t |ours_state|, 1e-12): relative error 1e-4, except for states
    that decay to ~0, which are compared on the scale of their own peak.
    """
    setup = SETUPS[name]
    rr = _roadrunner(setup)
    result = rr.simulate(0, DAYS, DAYS + 1)
    columns = _columns(list(result.colnames))
    assert columns[0] == "time"
    assert sorted(columns[1:]) == sorted(STATE_IDS)
    table = np.asarray(result)
    ours = simulate(setup, DAYS)
    np.testing.assert_allclose(table[:, 0], ours.times, rtol=0, atol=1e-9)
    theirs = table[:, [columns.index(sid) for sid in STATE_IDS]]
    floor = np.maximum(FLOOR * np.abs(ours.states).max(axis=0), ABS_FLOOR)
    scale = np.maximum(np.abs(ours.states), floor)
    error = np.abs(theirs - ours.states) / scale
    worst = np.unravel_index(np.argmax(error), error.shape)
    assert error.max() <= RTOL, (
        f"{name}: {STATE_IDS[worst[1]]} at day {ours.times[worst[0]]:g}: "
        f"roadrunner {theirs[worst]:.6g} vs {ours.states[worst]:.6g}"
    )


def test_window_events_switch_at_the_edges() -> None:
    setup = SETUPS["interventions"]
    values = setup.parameters()
    rr = _roadrunner(setup)
    windows = [w for w in WINDOWS if values[w.end] > values[w.start]]
    assert windows
    rr.timeCourseSelections = ["time"] + [w.id for w in windows]
    edges = sorted({values[e] for w in windows for e in (w.start, w.end)})
    probes = sorted({max(0.0, e + d) for e in edges for d in (-0.01, 0.01)} | {0.0})
    table = np.asarray(rr.simulate(times=probes))
    for j, w in enumerate(windows, start=1):
        expected = [1.0 if values[w.start] <= t < values[w.end] else 0.0 for t in probes]
        np.testing.assert_array_equal(table[:, j], expected, err_msg=w.id)


def test_write_sbml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = sbml.write_sbml(Setup(virus="sars2-ma10"), tmp_path / "model.xml")
    doc = libsbml.readSBMLFromFile(str(path))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert (
        doc.getModel().getParameter("beta").getValue() == Setup("sars2-ma10").parameters()["beta"]
    )
    assert not list(tmp_path.glob(".model.xml.*"))  # no temporary file left behind
