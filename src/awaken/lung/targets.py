"""The published targets of the ``chia2025`` experiment (FACTS.md §1-2, §5), as checks.

Each check has an id and a role: ``calibration`` (parameters were set or fitted against
it), ``timing`` (viral and IL-6 kinetics set by hand) or ``prediction`` (compared only,
after the parameters were fixed). A check that holds whatever the parameters says so in
``by_construction``: it is not evidence. :func:`check_targets` evaluates them on a run;
:func:`ablations` removes each mechanism in turn and lists the checks that then fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from awaken.lung.experiments import ExperimentRun
from awaken.lung.model import PARAMETER_INDEX, PARAMETERS_BY_NAME

DETECTION_LIMIT = 10.0  # TCID50 per lung: titres below this count as undetectable
IL6_NEAR_BASELINE = 0.05  # "near baseline": within 5% of the peak rise
ESCAPE_FOLD = 10.0  # a PBS mouse "escapes" when its DCC count reaches 10x its start
ESCAPE_MICE = 200  # stochastic PBS mice for the escape check
MAX_DAILY_FALL = 10.0  # awakened cells may fall at most 10x per day (no finite-time extinction)


@dataclass(frozen=True)
class Target:
    """A published statement about the experiment and how to check it."""

    id: str
    statement: str
    role: str  # "calibration", "timing" or "prediction"
    measure: Callable[[ExperimentRun], float]
    low: float  # the statement holds for low <= value <= high
    high: float
    unit: str = ""
    by_construction: str = ""  # why it holds whatever the parameters, if it does

    def passes(self, value: float) -> bool:
        """Whether ``value`` satisfies the statement."""
        return bool(self.low <= value <= self.high)


def fold_change(run: ExperimentRun, arm: str, day: float) -> float:
    """DCC count of ``arm`` over the reference arm's on an observation ``day``."""
    return run.at(arm, "dcc_count", day) / run.at(run.experiment.reference, "dcc_count", day)


def _mean(run: ExperimentRun, arm: str, observable: str, first: float, last: float) -> float:
    window = (run.times >= first) & (run.times <= last)
    return float(np.mean(run.observed(arm)[observable][window]))


def _pbs_drift(run: ExperimentRun) -> float:
    counts = run.observed("pbs")["dcc_count"]
    return float(np.max(np.abs(counts / counts[0] - 1.0)))


def _clearance_day(run: ExperimentRun, arm: str = "iav") -> float:
    """First day after the peak from which the titre stays below detection."""
    virus = run.observed(arm)["virus"]
    after_peak = run.times > run.peak_day(arm, "virus")
    above = np.flatnonzero(after_peak & (virus >= DETECTION_LIMIT))
    if above.size and above[-1] == run.times.size - 1:
        return float("inf")
    last = above[-1] if above.size else int(np.flatnonzero(after_peak)[0]) - 1
    return float(run.times[last + 1])


def _il6_return_day(run: ExperimentRun) -> float:
    il6 = run.observed("iav")["il6"]
    rise = il6.max() - il6[0]
    after_peak = run.times > run.peak_day("iav", "il6")
    near = np.flatnonzero(after_peak & (il6 - il6[0] <= IL6_NEAR_BASELINE * rise))
    return float(run.times[near[0]]) if near.size else float("inf")


def _fastest_daily_fall(run: ExperimentRun) -> float:
    """Largest one-day fall factor of awakened cells in any arm (where >= 1e-3 cells)."""
    daily = np.isin(run.times, np.arange(0.0, run.times[-1] + 1.0))
    worst = 1.0
    for arm in run.experiment.arms:
        count = run.observed(arm.name)["dcc_count"] * run.observed(arm.name)["awake_fraction"]
        x = count[daily]
        present = x[:-1] >= 1e-3
        if present.any():
            worst = max(worst, float(np.max(x[:-1][present] / np.maximum(x[1:][present], 1e-300))))
    return worst


def _il6ko_ki67(run: ExperimentRun) -> float:
    """Largest Ki67+ ratio IL-6 knockout / PBS on days 3-9."""
    window = (run.times >= 3.0) & (run.times <= 9.0)
    ko = run.observed("iav_il6ko")["ki67_fraction"][window]
    pbs = run.observed("pbs")["ki67_fraction"][window]
    return float(np.max(ko / pbs))


def _d0_invariance(run: ExperimentRun) -> float:
    """Day-15 fold change with twice the dormant count, over the fold change as run."""
    d0 = run.params[run.arm_index("iav"), PARAMETER_INDEX["D0"]]
    doubled = run.rerun({"D0": 2.0 * d0})
    return fold_change(doubled, "iav", 15.0) / fold_change(run, "iav", 15.0)


def _pbs_escape(run: ExperimentRun) -> float:
    """Share of stochastic PBS mice whose DCC count reaches 10x its start by day 270."""
    from awaken.lung.stochastic import simulate_mice

    setup = run.arm_setup("pbs")
    days = np.arange(0.0, 271.0, 5.0)
    mice = simulate_mice(setup, ESCAPE_MICE, 270.0, times=days, seed=0)
    counts = mice.values("dcc_count")
    return float(np.mean(np.max(counts, axis=1) >= ESCAPE_FOLD * np.maximum(counts[:, 0], 1.0)))


TARGETS: tuple[Target, ...] = (
    Target(
        "iav_fold_d15",
        "influenza: DCCs rise 100-1000-fold by day 15",
        "calibration",
        lambda r: fold_change(r, "iav", 15.0),
        100.0, 1000.0,
        "fold",
    ),
    Target(
        "virus_peak_day",
        "PR8 lung titre peaks on day 2-3",
        "timing",
        lambda r: r.peak_day("iav", "virus"),
        2.0, 3.0,
        "day",
    ),
    Target(
        "virus_cleared_day",
        f"PR8 titre below detection ({DETECTION_LIMIT:g} TCID50) by day 10 and after",
        "timing",
        _clearance_day,
        0.0, 10.0,
        "day",
    ),
    Target(
        "sars2_cleared_day",
        f"SARS-CoV-2 MA10 titre below detection ({DETECTION_LIMIT:g} TCID50) by day 10 and "
        "after",
        "timing",
        lambda r: _clearance_day(r, "sars2"),
        0.0, 10.0,
        "day",
    ),
    Target(
        "il6_peak_day",
        "IL-6 peaks by day 4",
        "timing",
        lambda r: r.peak_day("iav", "il6"),
        0.0, 4.0,
        "day",
    ),
    Target(
        "il6_baseline_day",
        "IL-6 back near baseline (within 5% of the rise) by day 14",
        "timing",
        _il6_return_day,
        0.0, 14.0,
        "day",
    ),
    Target(
        "pbs_flat",
        "PBS: DCC count within 10% of its start through day 270 (deterministic)",
        "calibration",
        _pbs_drift,
        0.0, 0.10,
        "max relative change",
    ),
    Target(
        "pbs_escape",
        f"PBS: fewer than 5% of stochastic mice reach {ESCAPE_FOLD:g}x their DCC start by "
        "day 270",
        "prediction",
        _pbs_escape,
        0.0, 0.049,
        "share of mice",
    ),
    Target(
        "iav_dividing_d3",
        "influenza: Ki67+ (cycling) fraction up by day 3",
        "prediction",
        lambda r: r.at("iav", "ki67_fraction", 3.0) - r.at("pbs", "ki67_fraction", 3.0),
        0.1, 1.0,
        "difference vs PBS",
    ),
    Target(
        "iav_plateau_d28",
        "influenza: day-28 burden within 0.3-3x of day 15's",
        "calibration",
        lambda r: fold_change(r, "iav", 28.0) / fold_change(r, "iav", 15.0),
        0.3, 3.0,
        "ratio to day 15",
    ),
    Target(
        "iav_plateau_d60",
        "influenza: day-60 burden within 0.3-3x of day 15's",
        "calibration",
        lambda r: fold_change(r, "iav", 60.0) / fold_change(r, "iav", 15.0),
        0.3, 3.0,
        "ratio to day 15",
    ),
    Target(
        "iav_max_fold",
        "influenza: burden at most 1000-fold on days 28 and 60",
        "calibration",
        lambda r: max(fold_change(r, "iav", 28.0), fold_change(r, "iav", 60.0)),
        0.0, 1000.0,
        "fold",
    ),
    Target(
        "iav_fold_d270",
        "influenza: burden still 10-1000-fold at day 270",
        "calibration",
        lambda r: fold_change(r, "iav", 270.0),
        10.0, 1000.0,
        "fold",
    ),
    Target(
        "il6ko_fold_d15",
        "IL-6 knockout: day-15 fold change <= 5",
        "prediction",
        lambda r: fold_change(r, "iav_il6ko", 15.0),
        0.0, 5.0,
        "fold",
    ),
    Target(
        "il6ko_vs_iav_d15",
        "IL-6 knockout: day-15 fold change <= a tenth of wild type's",
        "prediction",
        lambda r: fold_change(r, "iav_il6ko", 15.0) / fold_change(r, "iav", 15.0),
        0.0, 0.1,
        "ratio",
    ),
    Target(
        "il6ko_ki67",
        "IL-6 knockout: Ki67+ fraction below 2x PBS's on days 3-9",
        "prediction",
        _il6ko_ki67,
        0.0, 2.0,
        "ratio",
    ),
    Target(
        "cd4_depleted_d28",
        "CD4 depletion after infection: day-28 burden 0.05-0.5x wild type's",
        "calibration",
        lambda r: fold_change(r, "iav_cd4_depleted", 28.0) / fold_change(r, "iav", 28.0),
        0.05, 0.5,
        "ratio",
    ),
    Target(
        "cd4_depleted_cd8_numbers",
        "CD4 depletion: tumour-reactive CD8 numbers (mean, days 9-28) 1.5-5x wild type's",
        "calibration",
        lambda r: _mean(r, "iav_cd4_depleted", "cd8_tumour", 9, 28)
        / _mean(r, "iav", "cd8_tumour", 9, 28),
        1.5, 5.0,
        "ratio",
    ),
    Target(
        "cd4_depleted_cd8_activation",
        "CD4 depletion: CD8 activation (free fraction, mean days 9-28) 1.5-5x wild type's",
        "prediction",
        lambda r: _mean(r, "iav_cd4_depleted", "cd8_activation", 9, 28)
        / _mean(r, "iav", "cd8_activation", 9, 28),
        1.5, 5.0,
        "ratio",
    ),
    Target(
        "cd8_depleted_d28",
        "CD8 depletion: day-28 burden at least wild type's",
        "prediction",
        lambda r: fold_change(r, "iav_cd8_depleted", 28.0) / fold_change(r, "iav", 28.0),
        1.0, math.inf,
        "ratio",
    ),
    Target(
        "awake_fall_rate",
        f"awakened cells fall at most {MAX_DAILY_FALL:g}x per day in any arm",
        "calibration",
        _fastest_daily_fall,
        1.0, MAX_DAILY_FALL,
        "fold per day",
    ),
    Target(
        "d0_invariance",
        "doubling the dormant count changes the day-15 fold change by less than 2x",
        "prediction",
        _d0_invariance,
        0.5, 2.0,
        "ratio",
    ),
    Target(
        "sars2_fold_d15",
        "SARS-CoV-2 MA10: marked expansion (>= 10-fold by day 15) from its own kinetics",
        "prediction",
        lambda r: fold_change(r, "sars2", 15.0),
        10.0, math.inf,
        "fold",
    ),
)
"""The published targets of the mouse experiment that :func:`check_targets` checks."""

# Each mechanism, and the parameter values that remove it.
MECHANISMS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "niche_capacity": MappingProxyType({"lesion_max": 1e9}),
        "redormancy": MappingProxyType({"rho": 0.0}),
        "cd4_protection": MappingProxyType({"r_H": 0.0, "H0": 0.01}),
        "il6_awakening": MappingProxyType({"alpha_il6": 0.0}),
        "cd8_killing": MappingProxyType({"k_ctl": 0.0}),
    }
)


def check_targets(run: ExperimentRun, *, stochastic: bool = True) -> list[dict[str, Any]]:
    """Evaluate every target on ``run``: id, statement, role, value, unit, passed.

    ``stochastic=False`` skips the checks that simulate stochastic mice.
    """
    rows = []
    for target in TARGETS:
        if not stochastic and target.id == "pbs_escape":
            continue
        value = target.measure(run)
        rows.append(
            {
                "id": target.id,
                "statement": target.statement,
                "role": target.role,
                "value": value,
                "unit": target.unit,
                "passed": target.passes(value),
                "by_construction": target.by_construction,
            }
        )
    return rows


def checks_summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{ID: {"pass", "value", "role"}}`` for ``summary.json``."""
    return {r["id"]: {"pass": r["passed"], "value": r["value"], "role": r["role"]} for r in rows}


def present(run: ExperimentRun, mechanism: str) -> bool:
    """Whether ``mechanism`` acts in ``run`` (its removal values differ from the run's)."""
    values = run.params[run.arm_index(run.experiment.reference)]
    return any(values[PARAMETER_INDEX[k]] != v for k, v in MECHANISMS[mechanism].items())


def ablations(run: ExperimentRun) -> dict[str, list[str]]:
    """``{MECHANISM: [ids of the checks that fail without it]}`` (deterministic checks).

    Mechanisms the run does not have (e.g. the niche capacity, off by default) are left out.
    """
    out = {}
    for mechanism, removal in MECHANISMS.items():
        if not present(run, mechanism):
            continue
        ablated = run.rerun(removal)
        out[mechanism] = [
            r["id"] for r in check_targets(ablated, stochastic=False) if not r["passed"]
        ]
    return out


FACTORS = (1 / 3, 1 / 2, 2 / 3, 3 / 2, 2.0, 3.0)


def one_at_a_time(
    run: ExperimentRun, names: tuple[str, ...], factors: tuple[float, ...] = FACTORS
) -> dict[str, dict[float, list[str]]]:
    """``{NAME: {FACTOR: [ids of the checks that fail]}}`` with one parameter scaled at a time.

    Values outside a parameter's declared range are clipped to it (deterministic checks).
    """
    values = run.params[run.arm_index(run.experiment.reference)]
    out: dict[str, dict[float, list[str]]] = {}
    for name in names:
        decl = PARAMETERS_BY_NAME[name]
        out[name] = {}
        for factor in factors:
            scaled = min(max(values[PARAMETER_INDEX[name]] * factor, decl.low), decl.high)
            rows = check_targets(run.rerun({name: scaled}), stochastic=False)
            out[name][factor] = [r["id"] for r in rows if not r["passed"]]
    return out
