"""Calibrated parameter sets shipped with the package, with their provenance.

``data/calibrated.json`` holds one entry per set: the parameter values (overrides for
:class:`awaken.lung.solve.Setup`), their 95% intervals, and where they come from (data,
method, date, seed, the awaken command that reproduces them). :func:`calibrated` reads one.
:func:`entry_from_summary` turns a fit's ``summary.json`` into a new entry.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from awaken.core.errors import unknown_choice
from awaken.lung.model import PARAMETERS_BY_NAME

FILE = "calibrated.json"


def _all() -> dict[str, Any]:
    path = resources.files("awaken.calibrate").joinpath("data").joinpath(FILE)
    return json.loads(path.read_text())


def calibrated_sets() -> dict[str, dict[str, Any]]:
    """Every shipped calibrated set, by name."""
    return _all()


def calibrated(name: str) -> dict[str, float]:
    """The parameter overrides of the calibrated set ``name`` (checked against the model)."""
    sets = _all()
    if name not in sets:
        raise unknown_choice("calibrated parameter set", name, sets)
    values = sets[name]["values"]
    return {k: PARAMETERS_BY_NAME[k].check(v) for k, v in values.items()}


def provenance(name: str) -> dict[str, Any]:
    """Where the set ``name`` comes from (data, method, date, seed, command)."""
    sets = _all()
    if name not in sets:
        raise unknown_choice("calibrated parameter set", name, sets)
    return {k: v for k, v in sets[name].items() if k not in ("values", "ci95")}


def entry_from_summary(summary: dict[str, Any], *, statistic: str, command: str,
                       citation: str, note: str = "") -> dict[str, Any]:
    """A calibrated-set entry from a fit's ``summary.json`` (model parameters only).

    ``statistic`` names where the values come from: ``"median"`` (posterior medians) or
    ``"estimate"`` (the maximum-likelihood estimate stored in the metadata).
    """
    meta = summary.get("meta", {})
    params = {k: v for k, v in summary["parameters"].items() if k in PARAMETERS_BY_NAME}
    if statistic == "estimate":
        values = {k: meta["estimate"][k] for k in params}
    else:
        values = {k: v["median"] for k, v in params.items()}
    return {
        "values": values,
        "ci95": {k: v["ci95"] for k, v in params.items()},
        "statistic": statistic,
        "data": citation,
        "problem": summary.get("problem"),
        "method": meta.get("method"),
        "date": meta.get("date"),
        "seed": meta.get("seed"),
        "command": command,
        "note": note,
    }
