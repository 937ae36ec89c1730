"""Calibration: shipped data sets, fitting problems as tables, likelihood and ABC-SMC fits.

Entry points: :func:`problem` (named problems ``baccam2006``, ``chia2025``), :class:`Problem`
(build your own from four tables), :func:`fit_likelihood`, ``awaken.calibrate.abcsmc.fit``
(imports pyABC), :func:`run` (a fit end to end, as ``awaken calibrate`` does) and
:func:`calibrated` (shipped calibrated parameter sets with provenance) and
:func:`posterior_draws` (shipped posterior draws of lung parameters).

Names load lazily, as in :mod:`awaken.lung`: ``--calibrated NAME`` reads a shipped set
without importing the fitting machinery (pandas, SciPy's optimisers, pyABC).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> its module; _ATTRIBUTE: where the module's name differs
_EXPORTS: dict[str, str] = {
    "calibrated": "sets",
    "calibrated_sets": "sets",
    "provenance": "sets",
    "DATASETS": "datasets",
    "dataset": "datasets",
    "load": "datasets",
    "posterior_draws": "draws",
    "Problem": "fit_problem",
    "fit_likelihood": "likelihood",
    "Posterior": "posterior",
    "summarize": "posterior",
    "problem": "problems",
    "run": "workflow",
}
_ATTRIBUTE = {"fit_likelihood": "fit"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'awaken.calibrate' has no attribute {name!r}")
    module = importlib.import_module(f"awaken.calibrate.{_EXPORTS[name]}")
    value = getattr(module, _ATTRIBUTE.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
