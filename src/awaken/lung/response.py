"""The graded response of dormant cells to human infections, by severity class.

One row per severity class (``presets.SEVERITIES``) for a virus in a host, vaccinated or
not: IL-6 peak and excess area, the DCC burden's fold change on day 28 over the same
person without the infection, and the extra doublings that the burden has gained by the
end of the horizon. This table is what the cohort layer's awakening emulator is built from.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from awaken.core.errors import InputError
from awaken.lung.interventions import Intervention
from awaken.lung.presets import SEVERITIES, VACCINE_EFFICACY
from awaken.lung.solve import Setup, observe, simulate_batch

HORIZON = 365.0  # days: extra doublings are read at the end of the horizon
COLUMNS = (
    "severity", "il6_peak", "il6_auc", "fold_change_day28", "extra_doublings",
    "awakened_per_dormant", "lung_infected_peak",
)
UNITS = {
    "il6_peak": "pg/ml", "il6_auc": "pg/ml*d above baseline", "fold_change_day28": "fold",
    "extra_doublings": "log2 fold at the horizon",
    "awakened_per_dormant": "awakening events per dormant cell at the start (a cell can wake, "
    "return to dormancy and wake again, so this can exceed 1)",
    "lung_infected_peak": "fraction of lung epithelium",
}


def _grid(horizon: float) -> np.ndarray:
    fine = np.arange(0.0, 30.0 + 1e-9, 0.05)
    return np.union1d(fine, np.arange(0.0, horizon + 1e-9, 1.0))


def vaccinated_setup(setup: Setup, horizon: float = HORIZON) -> Setup:
    """``setup`` with vaccine-induced immunity over the whole horizon (``VACCINE_EFFICACY``)."""
    if setup.virus not in VACCINE_EFFICACY:
        raise InputError(
            f"no vaccine is declared for {setup.virus!r}; choose one of "
            f"{', '.join(VACCINE_EFFICACY)}"
        )
    efficacy = VACCINE_EFFICACY[setup.virus][0]
    vaccine = Intervention("vaccine", 0.0, horizon + 1.0, efficacy)
    return Setup(setup.virus, setup.host, (*setup.interventions, vaccine), setup.overrides,
                 setup.severity)


def response_rows(setups: list[Setup], horizon: float = HORIZON) -> pd.DataFrame:
    """The response columns for each setup against the same setup without infection."""
    if not (math.isfinite(horizon) and 28.0 <= horizon <= 3650.0):
        raise InputError(f"horizon={horizon:g}: choose 28 to 3650 days")
    times = _grid(horizon)
    infected = [s.vector() for s in setups]
    no_virus = {"Vu0": 0.0, "V0": 0.0, "reexposure_dose": 0.0}
    uninfected = [
        Setup(s.virus, s.host, s.interventions, {**s.overrides, **no_virus}, s.severity).vector()
        for s in setups
    ]
    params = np.stack(infected + uninfected)
    states = simulate_batch(params, times)
    n = len(setups)
    day28 = int(np.searchsorted(times, 28.0))
    rows = []
    for i in range(n):
        obs = observe(times, states[i], params[i])
        ref = observe(times, states[n + i], params[n + i])
        excess = np.maximum(obs["il6"] - ref["il6"], 0.0)
        count, ref_count = obs["dcc_count"], ref["dcc_count"]
        awakened = _awakened(times, states[i], params[i]) - _awakened(
            times, states[n + i], params[n + i]
        )
        rows.append({
            "il6_peak": float(obs["il6"].max()),
            "il6_auc": float(trapezoid(excess, times)),
            "fold_change_day28": float(count[day28] / ref_count[day28]),
            "extra_doublings": _above_round_off(float(np.log2(count[-1] / ref_count[-1]))),
            "awakened_per_dormant": float(max(awakened, 0.0)),
            "lung_infected_peak": _lung_peak(states[i], params[i]),
        })
    return pd.DataFrame(rows)


ROUND_OFF = 1e-9  # |log2 ratio| below this is solver round-off, not an effect


def _above_round_off(value: float) -> float:
    return 0.0 if abs(value) < ROUND_OFF else value


def _lung_peak(states: np.ndarray, params: np.ndarray) -> float:
    """Peak infected fraction of the lung; a count below the solver's absolute tolerance is 0."""
    from awaken.lung.model import STATE_IDS
    from awaken.lung.solve import ATOL

    if states[:, STATE_IDS.index("infected")].max() < ATOL:
        return 0.0
    return float(np.max(lung_infected_fraction(states, params)))


def lung_infected_fraction(states: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Productively infected fraction of the lung epithelium along a trajectory."""
    from awaken.lung.model import PARAMETER_INDEX, STATE_IDS

    return states[:, STATE_IDS.index("infected")] / params[PARAMETER_INDEX["T0"]]


def _awakened(times: np.ndarray, states: np.ndarray, params: np.ndarray) -> float:
    """Cells awakened over the run per dormant cell at the start (integrated flux)."""
    from awaken.lung._generated import N_PROCESSES, rates
    from awaken.lung.model import PARAMETER_INDEX, PROCESSES

    j = [proc.id for proc in PROCESSES].index("awakening")
    r = np.zeros(N_PROCESSES)
    flux = np.empty(times.size)
    for k in range(times.size):
        rates(times[k], states[k], params, r)
        flux[k] = r[j]
    return float(trapezoid(flux, times) / max(params[PARAMETER_INDEX["D0"]], 1e-300))


def _setups(virus: str, host: str, vaccinated: bool, horizon: float,
            overrides: dict[str, float] | None) -> list[Setup]:
    setups = []
    for name in SEVERITIES:
        setup = Setup(virus, host, (), dict(overrides or {}), name)
        setups.append(vaccinated_setup(setup, horizon) if vaccinated else setup)
    return setups


def response_key(virus: str, host: str, vaccinated: bool = False, *,
                 horizon: float = HORIZON, overrides: dict[str, float] | None = None) -> str:
    """A hash of everything :func:`response_table` depends on (for caches).

    The generated model's fingerprint, the parameter vectors of every class, the horizon.
    """
    import hashlib

    from awaken.lung.codegen import stamped_fingerprint

    digest = hashlib.sha256(stamped_fingerprint().encode())
    digest.update(np.float64(horizon).tobytes())
    for setup in _setups(virus, host, vaccinated, horizon, overrides):
        digest.update(setup.vector().tobytes())
    return digest.hexdigest()[:16]


def response_table(
    virus: str = "flu-human",
    host: str = "human",
    vaccinated: bool = False,
    *,
    horizon: float = HORIZON,
    overrides: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One row per severity class, mildest first (columns: :data:`COLUMNS`)."""
    table = response_rows(_setups(virus, host, vaccinated, horizon, overrides), horizon)
    table.insert(0, "severity", list(SEVERITIES))
    return table.loc[:, list(COLUMNS)]


def second_infection_gain(
    virus: str = "flu-human",
    host: str = "human",
    severity: str = "hospitalised",
    days_apart: float = 60.0,
    *,
    horizon: float = HORIZON,
    second_virus: str | None = None,
    second_severity: str | None = None,
) -> tuple[float, float]:
    """Extra doublings at the horizon after one infection, and after a second one.

    Same virus (``second_virus=None``): the first inoculum is delivered again
    ``days_apart`` days later (``reexposure`` window), and the first infection's antibody
    meets it. Another virus: its antibody is not shared, so the second infection starts
    from the DCC counts the first left on that day, with resting T cells, and its gain over
    the same counts without it is added to the first infection's (an approximation: the
    tumour T cells the first infection expanded are taken as back at rest).
    """
    first = Setup(virus, host, (), {}, severity)
    if second_virus is None:
        dose = first.parameters()["Vu0"] or first.parameters()["V0"]
        twice = Setup(virus, host, (), {"reexposure_start": days_apart,
                                        "reexposure_end": days_apart + 1.0,
                                        "reexposure_dose": dose}, severity)
        table = response_rows([first, twice], horizon)
        return float(table["extra_doublings"][0]), float(table["extra_doublings"][1])
    once = float(response_rows([first], horizon)["extra_doublings"][0])
    from awaken.lung.model import STATE_IDS

    times = np.array([0.0, days_apart])
    state = simulate_batch(first.vector()[None, :], times)[0, -1]
    counts = {"D0": float(state[STATE_IDS.index("dcc_dormant")]),
              "A0": float(state[STATE_IDS.index("dcc_awake")])}
    second = Setup(second_virus, host, (), counts, second_severity or severity)
    gain = float(response_rows([second], horizon - days_apart)["extra_doublings"][0])
    return once, once + gain
