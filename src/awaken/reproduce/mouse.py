"""Stage (a): the ``chia2025`` mouse experiment, its checks and its ablations."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from awaken.reproduce.settings import Settings


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def mouse_stage(settings: Settings, figure: Path) -> dict[str, Any]:
    """Run every arm, evaluate each check (with its role and interval) and each ablation;
    draw the experiment's figure into ``figure`` (PNG)."""
    from awaken.lung import TARGETS, ablations, check_targets, run_experiment
    from awaken.lung.outputs import plot_experiment

    run = run_experiment("chia2025")
    bounds = {t.id: (t.low, t.high) for t in TARGETS}
    checks = []
    for row in check_targets(run, stochastic=settings.stochastic_checks):
        low, high = bounds[row["id"]]
        checks.append({"id": row["id"], "statement": row["statement"], "role": row["role"],
                       "value": _finite(row["value"]), "unit": row["unit"],
                       "low": _finite(low), "high": _finite(high),
                       "passed": bool(row["passed"]),
                       "by_construction": row["by_construction"]})
    plot_experiment(run, None, figure)
    return {"checks": checks, "ablations": ablations(run)}
