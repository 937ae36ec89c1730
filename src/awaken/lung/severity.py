"""Severity classes of a human infection, defined by how much of the lung it reaches.

A class is a target for the peak fraction of lung epithelium infected in an unvaccinated
adult (host ``human``): :data:`LUNG_INFECTED`; ``critical`` takes the ``hospitalised``
seeding with an impaired adaptive response. For each human virus, the seeding rate
``spread`` (upper airway → lung) that reaches the target is solved once and stored in
``severity_spread.json``, which ``Setup`` reads; a test re-solves it. Other hosts and
vaccination then change the outcome of the same seeding. Regenerate with
``python -m awaken.lung.severity``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import MappingProxyType

import numpy as np

from awaken.core.errors import InputError, unknown_choice

TABLE = Path(__file__).with_name("severity_spread.json")
REFERENCE_HOST = "human"
# Peak infected fraction of the lung epithelium, by class (0: the lung is not reached).
# ``critical`` seeds the lung as ``hospitalised`` does; its impaired adaptive response
# (presets.SEVERITIES) makes it worse, in every host and vaccination state.
LUNG_INFECTED: MappingProxyType[str, float] = MappingProxyType(
    {"upper": 0.0, "symptomatic": 1e-4, "lower": 1e-2, "hospitalised": 0.05}
)
SAME_SEEDING = MappingProxyType({"critical": "hospitalised"})
SPREAD_RANGE = (1e-10, 10.0)


def lung_infected_peak(virus: str, spread: float, overrides: dict[str, float]) -> float:
    """Peak infected fraction of the lung over 30 days in the reference host."""
    from awaken.lung.response import lung_infected_fraction
    from awaken.lung.solve import Setup, simulate_batch

    params = Setup(virus, REFERENCE_HOST, (), {**overrides, "spread": spread}).vector()
    states = simulate_batch(params[None, :], np.arange(0.0, 30.0 + 1e-9, 0.1))[0]
    return float(lung_infected_fraction(states, params).max())


def solve_spread(virus: str, severity: str, overrides: dict[str, float]) -> float:
    """The ``spread`` at which the class's lung-infected target is reached."""
    from scipy.optimize import brentq  # only when the table is rebuilt

    if severity in SAME_SEEDING:
        return solve_spread(virus, SAME_SEEDING[severity], {})
    target = LUNG_INFECTED[severity]
    if target == 0.0:
        return 0.0

    def gap(log_spread: float) -> float:
        peak = lung_infected_peak(virus, 10.0**log_spread, overrides)
        return math.log10(max(peak, 1e-30)) - math.log10(target)

    lo, hi = (math.log10(x) for x in SPREAD_RANGE)
    if gap(hi) < 0:
        return SPREAD_RANGE[1]  # the virus cannot reach the target: the widest seeding
    return float(f"{10.0 ** brentq(gap, lo, hi, xtol=1e-4):.4g}")


def stored() -> dict[str, dict[str, float]]:
    """``{virus: {severity: spread}}`` as stored."""
    return json.loads(TABLE.read_text())


def spread_for(virus: str, severity: str) -> float:
    """The stored ``spread`` of ``severity`` for ``virus``."""
    from awaken.lung.presets import SEVERITIES

    if severity not in SEVERITIES:
        raise unknown_choice("severity class", severity, SEVERITIES)
    table = stored()
    if virus not in table:
        raise InputError(
            f"severity {severity!r} needs a human virus (one with an upper airway); "
            f"{virus!r} is not one of {', '.join(table)}"
        )
    return table[virus][severity]


def solve_all() -> dict[str, dict[str, float]]:
    """Solve every human virus and class (each class's own preset values apply)."""
    from awaken.lung.presets import SEVERITIES, VIRUSES

    human = [name for name, p in VIRUSES.items() if p.values.get("Tu0", 0.0) > 0]
    return {
        v: {s: solve_spread(v, s, dict(SEVERITIES[s].values)) for s in SEVERITIES}
        for v in human
    }


if __name__ == "__main__":
    from awaken.core.io import write_json

    write_json(TABLE, solve_all())
    print(TABLE.read_text())
