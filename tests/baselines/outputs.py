"""The main outputs kept as golden baselines: what each computes, and how close it must stay.

Each entry computes a flat ``{key: number}`` from seeded inputs. ``tests/baselines/*.json``
hold the values last accepted; ``test_baselines.py`` compares within the tolerance given
here, and ``python -m tests.baselines.update`` rewrites the files after an intended change
(review the diff: every changed number is a changed result).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent


@dataclass(frozen=True)
class Baseline:
    """One output kept as a baseline: ``compute`` gives ``{key: value}``; values match when
    within ``rtol`` (relative) or ``atol`` (absolute)."""

    name: str
    compute: Callable[[], dict[str, Any]]
    rtol: float
    atol: float
    command: str

    @property
    def path(self) -> Path:
        return FOLDER / f"{self.name}.json"


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists as ``{"a.b.0": leaf}``."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple):
        items = enumerate(obj)
    else:
        return {prefix: obj}
    out: dict[str, Any] = {}
    for key, value in items:
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    value = float(value)
    return None if math.isnan(value) else value


def chia2025_summary() -> dict[str, Any]:
    """The mouse experiment's summary (fold changes, dividing fractions, peak days) and the
    value and verdict of every published-target check."""
    from awaken.lung import check_targets, run_experiment

    run = run_experiment("chia2025")
    out = flatten(run.summary())
    for check in check_targets(run):
        out[f"check.{check['id']}.value"] = check["value"]
        out[f"check.{check['id']}.passed"] = bool(check["passed"])
    return {k: _number(v) for k, v in out.items()}


def design_estimates() -> dict[str, Any]:
    """Every design's estimates (coefficient, HR, CI, counts) on a seeded synthetic cohort."""
    from awaken.epi import DESIGNS, make_design, make_synthetic_cohort

    cohort = make_synthetic_cohort(n=1500, true_hr=1.85, seed=11)
    out: dict[str, Any] = {}
    for name in DESIGNS:
        result = make_design(name).run(cohort)
        out.update(flatten(result.counts, f"{name}.counts"))
        for row in result.estimates.to_dict(orient="records"):
            key = f"{name}.{row.get('model', '')}.{row['term']}"
            for column, value in row.items():
                if column not in ("design", "model", "term") and not isinstance(value, str):
                    out[f"{key}.{column}"] = value
    return {k: _number(v) for k, v in out.items() if not isinstance(v, str)}


def cohort_summary() -> dict[str, Any]:
    """:func:`awaken.cohort.summarise` of a small seeded UK Biobank-like cohort (fixture
    emulator, two chunks), without the run's provenance."""
    from awaken.cohort import build_emulator, load_config, simulate, summarise

    cfg = load_config("ukb", n=600, chunk_size=300, seed=5)
    with tempfile.TemporaryDirectory() as tmp:
        simulate(cfg, Path(tmp) / "c.duckdb", workers=1, emulator=build_emulator("fixture"))
        summary = summarise(Path(tmp) / "c.duckdb")
    summary.pop("emulator", None)
    return {k: _number(v) for k, v in flatten(summary).items()}


BASELINES = (
    # ODE results at rtol 1e-8: other CPUs and libm versions move the last digits only.
    Baseline("chia2025_summary", chia2025_summary, rtol=1e-5, atol=1e-9,
             command="awaken lung experiment chia2025"),
    Baseline("design_estimates", design_estimates, rtol=1e-6, atol=1e-9,
             command="make_synthetic_cohort(n=1500, true_hr=1.85, seed=11), every design"),
    # Counts from counter-based draws: exact (person-years are rounded to 0.1).
    Baseline("cohort_summary", cohort_summary, rtol=0.0, atol=0.0,
             command="awaken cohort simulate --preset ukb --n 600 --chunk-size 300 --seed 5"),
)


def compare(baseline: Baseline, new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Lines describing every difference beyond the tolerance (empty: the same)."""
    lines = [f"{k}: gone (was {old[k]!r})" for k in sorted(set(old) - set(new))]
    lines += [f"{k}: new ({new[k]!r})" for k in sorted(set(new) - set(old))]
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        if isinstance(a, float) and isinstance(b, float):
            if not math.isclose(a, b, rel_tol=baseline.rtol, abs_tol=baseline.atol):
                lines.append(f"{key}: {a!r} -> {b!r}")
        elif a != b:
            lines.append(f"{key}: {a!r} -> {b!r}")
    return lines
