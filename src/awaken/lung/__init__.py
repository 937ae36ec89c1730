"""Within-host lung model: virus → IL-6 → T cells → dormant ⇄ awakened cancer cells.

One entry point per job: :func:`simulate` (one trajectory), :func:`simulate_batch`
(ensembles of parameter sets), :func:`simulate_mice` (stochastic DCCs),
:func:`run_experiment` (named protocols such as ``chia2025``), :func:`response_table`
(the graded response to human infections by severity) and :func:`to_sbml`.

Names load lazily: ``import awaken.lung`` compiles nothing until a name is used (so the
code generator and ``--help`` can run without the generated kernels).
"""

from __future__ import annotations

import importlib
from typing import Any

from awaken.core.cache import use_kernel_cache

use_kernel_cache()  # before any kernel is defined: numba caches in the user cache folder

_EXPORTS: dict[str, str] = {
    "CHIA2025": "experiments",
    "EXPERIMENTS": "experiments",
    "run_experiment": "experiments",
    "Intervention": "interventions",
    "OBSERVABLES": "model",
    "PARAMETERS": "model",
    "PROCESSES": "model",
    "STATE_IDS": "model",
    "STATES": "model",
    "HOSTS": "presets",
    "SEVERITIES": "presets",
    "VIRUSES": "presets",
    "response_table": "response",
    "to_sbml": "sbml",
    "write_sbml": "sbml",
    "Setup": "solve",
    "Trajectory": "solve",
    "parameter_matrix": "solve",
    "parameter_vector": "solve",
    "peak_time": "solve",
    "simulate": "solve",
    "simulate_batch": "solve",
    "solve_implicit": "solve",
    "Status": "status",
    "simulate_mice": "stochastic",
    "TARGETS": "targets",
    "ablations": "targets",
    "check_targets": "targets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'awaken.lung' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"awaken.lung.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
