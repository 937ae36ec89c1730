"""The published targets of the ``chia2025`` experiment (FACTS.md §1-2), as checks.

Each target says whether it set a parameter (``calibration``) or was only compared after
the parameters were fixed (``prediction``). :func:`check_targets` evaluates them on a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from awaken.lung.experiments import ExperimentRun
from awaken.lung.model import STATE_IDS

DETECTION_LIMIT = 10.0  # TCID50 per lung: titres below this count as undetectable
IL6_NEAR_BASELINE = 0.05  # "near baseline": within 5% of the peak rise


@dataclass(frozen=True)
class Target:
    """A published statement about the experiment and how to check it."""

    id: str
    statement: str
    role: str  # "calibration", "timing" (viral/IL-6 values set by hand) or "prediction"
    measure: Callable[[ExperimentRun], float]
    passes: Callable[[float], bool]
    unit: str = ""


def fold_change(run: ExperimentRun, arm: str, day: float) -> float:
    """DCC count of ``arm`` over the reference arm's on an observation ``day``."""
    s = run.at_days(arm)[list(run.experiment.days).index(day)]
    ref = run.at_days(run.experiment.reference)[list(run.experiment.days).index(day)]
    idx = [STATE_IDS.index("dcc_dormant"), STATE_IDS.index("dcc_awake")]
    return float(s[idx].sum() / ref[idx].sum())


def _dividing(run: ExperimentRun, arm: str, day: float) -> float:
    s = run.at_days(arm)[list(run.experiment.days).index(day)]
    dormant, awake = s[STATE_IDS.index("dcc_dormant")], s[STATE_IDS.index("dcc_awake")]
    return float(awake / (dormant + awake))


def _series(run: ExperimentRun, arm: str, state: str) -> np.ndarray:
    return run.states[run.arm_index(arm), :, STATE_IDS.index(state)]


def _pbs_drift(run: ExperimentRun) -> float:
    counts = _series(run, "pbs", "dcc_dormant") + _series(run, "pbs", "dcc_awake")
    return float(np.max(np.abs(counts / counts[0] - 1.0)))


def _clearance_day(run: ExperimentRun) -> float:
    virus = _series(run, "iav", "virus")
    after_peak = run.times > run.peak_day("iav", "virus")
    below = np.flatnonzero(after_peak & (virus < DETECTION_LIMIT))
    return float(run.times[below[0]]) if below.size else float("inf")


def _il6_return_day(run: ExperimentRun) -> float:
    il6 = _series(run, "iav", "il6")
    rise = il6.max() - il6[0]
    after_peak = run.times > run.peak_day("iav", "il6")
    near = np.flatnonzero(after_peak & (il6 - il6[0] <= IL6_NEAR_BASELINE * rise))
    return float(run.times[near[0]]) if near.size else float("inf")


def _cd8_activity_ratio(run: ExperimentRun) -> float:
    """Mean CD8 killing activity, days 6-28: CD4-depleted over wild type."""
    from awaken.lung._generated import cd8_activity

    window = (run.times >= 6) & (run.times <= 28)

    def mean_activity(arm: str) -> float:
        i = run.arm_index(arm)
        values = [
            cd8_activity(t, y, run.params[i])
            for t, y in zip(run.times[window], run.states[i, window], strict=True)
        ]
        return float(np.mean(values))

    return mean_activity("iav_cd4_depleted") / mean_activity("iav")


TARGETS: tuple[Target, ...] = (
    Target(
        "iav_fold_d15",
        "influenza: DCCs rise 100-1000-fold by day 15",
        "calibration",
        lambda r: fold_change(r, "iav", 15.0),
        lambda v: 100.0 <= v <= 1000.0,
        "fold",
    ),
    Target(
        "virus_peak_day",
        "PR8 lung titre peaks on day 2-3",
        "timing",
        lambda r: r.peak_day("iav", "virus"),
        lambda v: 2.0 <= v <= 3.0,
        "day",
    ),
    Target(
        "virus_cleared_day",
        f"PR8 titre below detection ({DETECTION_LIMIT:g} TCID50) by day 10",
        "timing",
        _clearance_day,
        lambda v: v <= 10.0,
        "day",
    ),
    Target(
        "il6_peak_day",
        "IL-6 peaks by day 4",
        "timing",
        lambda r: r.peak_day("iav", "il6"),
        lambda v: v <= 4.0,
        "day",
    ),
    Target(
        "il6_baseline_day",
        "IL-6 back near baseline (within 5% of the rise) by day 14",
        "timing",
        _il6_return_day,
        lambda v: v <= 14.0,
        "day",
    ),
    Target(
        "pbs_flat",
        "PBS: DCC count within 10% of its start through day 270",
        "prediction",
        _pbs_drift,
        lambda v: v <= 0.10,
        "max relative change",
    ),
    Target(
        "iav_dividing_d3",
        "influenza: fraction dividing (Ki67+) up by day 3",
        "prediction",
        lambda r: _dividing(r, "iav", 3.0) - _dividing(r, "pbs", 3.0),
        lambda v: v > 0.1,
        "difference vs PBS",
    ),
    Target(
        "iav_fold_d270",
        "influenza: burden still >= 10-fold at day 270",
        "prediction",
        lambda r: fold_change(r, "iav", 270.0),
        lambda v: v >= 10.0,
        "fold",
    ),
    Target(
        "il6ko_fold_d15",
        "IL-6 knockout: day-15 fold change <= 5",
        "prediction",
        lambda r: fold_change(r, "iav_il6ko", 15.0),
        lambda v: v <= 5.0,
        "fold",
    ),
    Target(
        "il6ko_vs_iav_d15",
        "IL-6 knockout: day-15 fold change <= a tenth of wild type's",
        "prediction",
        lambda r: fold_change(r, "iav_il6ko", 15.0) / fold_change(r, "iav", 15.0),
        lambda v: v <= 0.1,
        "ratio",
    ),
    Target(
        "cd4_depleted_d28",
        "CD4 depletion after infection: day-28 burden at most a third of wild type's",
        "prediction",
        lambda r: fold_change(r, "iav_cd4_depleted", 28.0) / fold_change(r, "iav", 28.0),
        lambda v: v <= 1.0 / 3.0,
        "ratio",
    ),
    Target(
        "cd4_depleted_cd8_activity",
        "CD4 depletion: more CD8 killing activity (days 6-28) than wild type",
        "prediction",
        _cd8_activity_ratio,
        lambda v: v > 1.0,
        "ratio",
    ),
    Target(
        "cd8_depleted_d28",
        "CD8 depletion: day-28 burden at least wild type's",
        "prediction",
        lambda r: fold_change(r, "iav_cd8_depleted", 28.0) / fold_change(r, "iav", 28.0),
        lambda v: v >= 1.0,
        "ratio",
    ),
    Target(
        "sars2_fold_d15",
        "SARS-CoV-2 MA10: marked expansion (>= 10-fold by day 15) from its own kinetics",
        "prediction",
        lambda r: fold_change(r, "sars2", 15.0),
        lambda v: v >= 10.0,
        "fold",
    ),
)


def check_targets(run: ExperimentRun) -> list[dict]:
    """Evaluate every target on ``run``: id, statement, role, value, unit, passed."""
    rows = []
    for target in TARGETS:
        value = target.measure(run)
        rows.append(
            {
                "id": target.id,
                "statement": target.statement,
                "role": target.role,
                "value": value,
                "unit": target.unit,
                "passed": bool(target.passes(value)),
            }
        )
    return rows
