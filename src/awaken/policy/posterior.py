"""The calibration's posterior as emulators: one awakening emulator per posterior draw.

A draws table has one row per draw and one column per lung parameter it overrides (optional
columns ``draw``, an id, and ``weight``). Run ``r`` of a policy run takes draw ``r`` of
:func:`select_draws`; its emulator is built from the lung model with that row's overrides
(and cached on disk, like every emulator). A parameter that the human presets set (virus,
host or severity class, e.g. the tumour's ``g`` and ``rho``) is not carried over from a
(mouse) posterior: the human value stands, and the output names the columns left out.
Without a draws table every run uses the default emulator and the intervals carry the
simulation's uncertainty only: the output says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from awaken.cohort import Emulator, build_emulator
from awaken.core.errors import InputError

ID_COLUMNS = ("draw", "weight")
SIMULATION_ONLY = "simulation only"
"""What an interval carries without posterior draws: the simulation's spread over runs."""
WITH_POSTERIOR = "posterior and simulation"
"""What an interval carries when each run also has its own posterior draw."""


@dataclass(frozen=True)
class Draws:
    """Lung parameter overrides for each run (empty dicts: no posterior), and their origin."""

    overrides: tuple[dict[str, float], ...]
    source: str
    uncertainty: str  # SIMULATION_ONLY or WITH_POSTERIOR
    left_out: tuple[str, ...] = ()  # columns set by the human presets, not carried over


def check_draws(table: pd.DataFrame, where: str = "draws table") -> pd.DataFrame:
    """The table's override columns, checked: names are lung parameters, values finite."""
    from awaken.lung.model import PARAMETERS_BY_NAME

    params = [c for c in table.columns if c not in ID_COLUMNS]
    unknown = [c for c in params if c not in PARAMETERS_BY_NAME]
    if unknown:
        raise InputError(f"{where}: column {unknown[0]!r} is not a lung parameter; see "
                         "`awaken lung parameters` for the names")
    if table.empty or not params:
        raise InputError(f"{where}: needs at least one row and one parameter column")
    values = table[params].astype(float)
    if not np.isfinite(values.to_numpy()).all():
        raise InputError(f"{where}: every override must be a finite number")
    for name in params:
        for v in values[name]:
            PARAMETERS_BY_NAME[name].check(float(v))
    return values


def human_set() -> set[str]:
    """Lung parameters that the human virus, host and severity presets set."""
    from awaken.cohort.emulator import HOSTS, VIRUS
    from awaken.lung.presets import HOSTS as HOST_PRESETS
    from awaken.lung.presets import SEVERITIES, VIRUSES

    names: set[str] = set()
    for preset in (*(VIRUSES[v] for v in VIRUS.values()), *(HOST_PRESETS[h] for h in HOSTS),
                   *SEVERITIES.values()):
        names |= set(preset.values)
    return names


def select_draws(table: pd.DataFrame, runs: int, seed: int,
                 where: str = "draws table") -> list[dict[str, float]]:
    """``runs`` rows of overrides (without the parameters the human presets set): resampled
    by ``weight`` (seeded) if given, else rows spread evenly over the table."""
    values = check_draws(table, where)
    values = values[[c for c in values.columns if c not in human_set()]]
    if "weight" in table.columns:
        w = table["weight"].to_numpy(float)
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise InputError(f"{where}: weights must be finite, non-negative, not all zero")
        rows = np.random.default_rng([seed, 7]).choice(len(w), size=runs, p=w / w.sum())
    else:
        rows = np.linspace(0, len(values) - 1, runs).round().astype(int)
    return [{str(k): float(v) for k, v in values.iloc[int(i)].items()} for i in rows]


def default_draws_table() -> tuple[pd.DataFrame | None, str]:
    """``awaken.calibrate.posterior_draws("chia2025")`` when this install has it."""
    try:
        from awaken.calibrate import posterior_draws
    except ImportError:
        return None, "awaken.calibrate.posterior_draws is not available in this install"
    return posterior_draws("chia2025"), "awaken.calibrate.posterior_draws('chia2025')"


def resolve_draws(table: pd.DataFrame | None | str, runs: int, seed: int) -> Draws:
    """The overrides of each run: from ``table`` (a frame, ``"none"`` for no posterior, or
    ``None`` for the calibration's default posterior if available)."""
    if isinstance(table, str):
        if table != "none":
            raise InputError(f"posterior {table!r}: give a draws table, None or 'none'")
        return Draws(tuple({} for _ in range(runs)), "no posterior (asked)", SIMULATION_ONLY)
    source = "the draws table given"
    if table is None:
        table, source = default_draws_table()
        if table is None:
            return Draws(tuple({} for _ in range(runs)), source, SIMULATION_ONLY)
    left_out = tuple(c for c in table.columns if c in human_set())
    draws = tuple(select_draws(table, runs, seed))
    if left_out:
        source += (f"; not carried over (set by the human presets): {', '.join(left_out)}")
    if not any(draws):
        return Draws(tuple({} for _ in range(runs)), source + "; nothing left to vary",
                     SIMULATION_ONLY, left_out)
    return Draws(draws, source, WITH_POSTERIOR, left_out)


EmulatorFactory = Callable[[dict[str, float]], Emulator]


def lung_emulator(overrides: dict[str, float]) -> Emulator:
    """The emulator for one set of lung parameter overrides (cached on disk)."""
    return build_emulator("lung" if overrides else "auto", overrides or None)
