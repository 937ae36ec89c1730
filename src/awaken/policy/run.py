"""A policy run: every arm on the same survivors, run after run, then the table.

Run ``r`` draws its own survivors (cohort seed from ``(seed, r)``) and takes posterior draw
``r`` (its own emulator); within a run the baseline and every scenario share every random
number (common random numbers), so their difference carries no noise from the people drawn
beyond what the intervention changes. The interval of a difference is the 2.5-97.5% range
over runs: it carries the simulation's uncertainty (a cohort of ``n``) and, with a
posterior, the calibration's.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from awaken.cohort.model import chunk_bounds, simulate_chunk
from awaken.core import checks
from awaken.core.errors import InputError
from awaken.core.io import cannot_write, write_json, write_table
from awaken.policy.arms import (
    BASELINE,
    build_arms,
    check_dose_capacity,
    il6_overrides,
    union_config,
)
from awaken.policy.outcomes import GAINED, OUTCOMES, PER, counts, dose_counts, vaccinated
from awaken.policy.posterior import Draws, EmulatorFactory, lung_emulator, resolve_draws
from awaken.policy.scenarios import ScenarioFile

Progress = Callable[[int, int], None]
CHUNK = 100_000
QUICK = {"n": 5_000, "runs": 2}
RESULT_FILES = ("policy.json", "policy.csv", "runs.csv", "policy.png", "policy.svg")
NNV = {"lung_metastases": "nnv_lung_metastasis", "cancer_deaths": "nnv_cancer_death"}


@dataclass(frozen=True)
class PolicyResult:
    """The summary table (one row per scenario and measure), every run's rows, and how the
    intervals were made."""

    table: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any]  # written to policy.json with the table (no timings: reproducible)
    out: Path | None = None
    seconds: float = 0.0


def run_seed(seed: int, run: int) -> int:
    """The cohort seed of run ``run``."""
    return int(np.random.SeedSequence([seed, run, 9]).generate_state(1, np.uint64)[0] >> 2)


def simulate_run(spec: ScenarioFile, run: int, *, n: int, seed: int, horizon_years: float,
                 overrides: dict[str, float], emulator: EmulatorFactory = lung_emulator
                 ) -> list[dict[str, Any]]:
    """One run: every arm's outcomes per 100,000 on the same survivors."""
    cfg = union_config(spec, n, run_seed(seed, run), horizon_years)
    emu = emulator(overrides)
    blocked = {sc.name: emulator({**overrides, **il6_overrides(sc.il6_blockade)})
               for sc in spec.scenarios
               if sc.il6_blockade is not None and sc.il6_blockade.coverage > 0}
    rows, base_doses = [], None
    for arm in build_arms(spec, cfg, emu, blocked, (seed, run)):
        totals = dict.fromkeys(OUTCOMES, 0.0)
        parts = []
        n_products = len(arm.model.vaccines.names)
        for lo, hi in chunk_bounds(n, CHUNK):
            tables = simulate_chunk(arm.model, lo, hi)
            for k, v in counts(tables).items():
                totals[k] += v
            parts.append(dose_counts(tables, lo, hi, n_products))
        doses = np.concatenate(parts)
        base_doses = doses if base_doses is None else base_doses
        people, extra = vaccinated(doses, base_doses, arm.products)
        rows.append({"run": run, "arm": arm.name,
                     **{k: PER * v / n for k, v in totals.items()},
                     "vaccinated": PER * people / n, "doses": PER * extra / n})
    return rows


def _interval(values: np.ndarray) -> tuple[float | None, float | None]:
    if values.size < 2:
        return None, None
    lo, hi = np.quantile(values, [0.025, 0.975])
    return float(lo), float(hi)


def _nnv(vaccinated: np.ndarray, averted: np.ndarray) -> tuple[float | None, ...]:
    """People vaccinated per event averted: the ratio of means, and the interval as the
    inverted 2.5-97.5% range of averted-per-vaccinated over runs (inf when it reaches 0)."""
    if vaccinated.mean() <= 0 or averted.mean() <= 0:
        return None, None, None
    value = float(vaccinated.mean() / averted.mean())
    rate = averted / np.maximum(vaccinated, 1e-300)
    lo, hi = _interval(rate)
    if lo is None or hi is None:
        return value, None, None
    return value, (1.0 / hi if hi > 0 else float("inf")), (1.0 / lo if lo > 0 else float("inf"))


def summarise(runs: pd.DataFrame, uncertainty: str) -> pd.DataFrame:
    """One row per scenario and measure: baseline and scenario means, the difference (averted
    or gained) with its interval over runs, and the numbers needed to vaccinate."""
    base = runs[runs["arm"] == BASELINE].set_index("run").sort_index()
    rows = []
    for arm in dict.fromkeys(runs["arm"]):
        if arm == BASELINE:
            continue
        sc = runs[runs["arm"] == arm].set_index("run").sort_index()
        for o in OUTCOMES:
            diff = (sc[o] - base[o]) if o in GAINED else (base[o] - sc[o])
            lo, hi = _interval(diff.to_numpy())
            kind = "gained" if o in GAINED else "averted"
            rows.append({"scenario": arm, "measure": f"{o}_{kind}",
                         "baseline": float(base[o].mean()), "scenario_value": float(sc[o].mean()),
                         "value": float(diff.mean()), "low": lo, "high": hi})
        for measure in ("vaccinated", "doses"):
            x = sc[measure].to_numpy()
            lo, hi = _interval(x)
            rows.append({"scenario": arm, "measure": measure, "baseline": None,
                         "scenario_value": None, "value": float(x.mean()), "low": lo,
                         "high": hi})
        vacc = sc["vaccinated"].to_numpy()
        for o, name in NNV.items():
            value, lo, hi = _nnv(vacc, (base[o] - sc[o]).to_numpy())
            rows.append({"scenario": arm, "measure": name, "baseline": None,
                         "scenario_value": None, "value": value, "low": lo, "high": hi})
    table = pd.DataFrame(rows)
    table["runs"] = len(base)
    table["uncertainty"] = uncertainty
    return table


def _fingerprint(spec: ScenarioFile, settings: dict[str, Any], draws: Draws) -> str:
    text = json.dumps({"spec": spec.model_dump(mode="json"), "settings": settings,
                       "draws": draws.overrides}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _prepare(out: Path, resume: bool, force: bool) -> None:
    try:
        _check_folder(out, resume, force)
    except OSError as exc:  # a parent that is a file, a read-only place, a name too long
        raise cannot_write(out, exc) from None


def _check_folder(out: Path, resume: bool, force: bool) -> None:
    if resume and force:
        raise InputError("give --resume or --force, not both")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file; give a folder")
    held = (out / "runs").is_dir() or any((out / f).exists() for f in RESULT_FILES)
    if held and not (resume or force):
        raise InputError(f"{str(out)!r} already holds a policy run; use --resume to reuse its "
                         "finished runs or --force to replace it")
    if force:  # remove the old run first: never a mix of old and new files
        for f in RESULT_FILES:
            (out / f).unlink(missing_ok=True)
        if (out / "runs").is_dir():
            for p in (out / "runs").glob("*.json"):
                p.unlink()
    (out / "runs").mkdir(parents=True, exist_ok=True)


def run_policy(
    spec: ScenarioFile,
    out: str | Path | None = None,
    *,
    n: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    horizon_years: float | None = None,
    quick: bool = False,
    draws: pd.DataFrame | str | None = None,
    emulator: EmulatorFactory = lung_emulator,
    resume: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> PolicyResult:
    """Run every scenario of ``spec`` against its baseline (see the module doc).

    ``n``, ``runs``, ``seed``, ``horizon_years`` override the file's ``[settings]``;
    ``quick`` sets small ones. ``draws``: a table of lung parameter overrides (one row per
    posterior draw), ``None`` for the calibration's posterior when available, ``"none"`` to
    use the default emulator. With ``out``, writes ``policy.csv``, ``policy.json``,
    ``runs.csv`` and the figure ``policy.png``/``.svg``; each finished run is kept in
    ``out/runs/`` so ``resume`` reuses it.
    """
    s = spec.settings
    n = n if n is not None else (QUICK["n"] if quick else s.n)
    runs = runs if runs is not None else (QUICK["runs"] if quick else s.runs)
    seed = seed if seed is not None else s.seed
    horizon = horizon_years if horizon_years is not None else s.horizon_years
    n = checks.count("n", n, 1, 10_000_000)
    runs = checks.count("runs", runs, 1, 1000)
    seed = checks.seed(seed)
    if isinstance(horizon, bool) or not isinstance(horizon, int | float) \
            or not 0.1 <= horizon <= 20.0:
        raise InputError(f"horizon_years={horizon!r} must be a number of years in [0.1, 20]")
    from awaken.policy.scenarios import check_against_preset

    check_against_preset(spec, "scenarios", horizon)
    check_dose_capacity(spec, union_config(spec, 1, 0, horizon))
    resolved = resolve_draws(draws, runs, seed)
    settings = {"preset": s.preset, "n": n, "runs": runs, "seed": seed,
                "horizon_years": horizon, "extend_calendar": s.extend_calendar}
    key = _fingerprint(spec, settings, resolved)
    target = Path(out) if out is not None else None
    if target is not None:
        _prepare(target, resume, force)
    began = time.perf_counter()
    all_rows: list[dict[str, Any]] = []
    if progress:
        progress(0, runs)
    for r in range(runs):
        saved = target / "runs" / f"{r:04d}.json" if target is not None else None
        rows = None
        if saved is not None and resume and saved.exists():
            stored = json.loads(saved.read_text())
            if stored.get("key") != key:
                raise InputError(f"cannot resume {str(target)!r}: its runs were made with other "
                                 "scenarios or settings; use --force")
            rows = stored["rows"]
        if rows is None:
            rows = simulate_run(spec, r, n=n, seed=seed, horizon_years=horizon,
                                overrides=resolved.overrides[r], emulator=emulator)
            if saved is not None:
                write_json(saved, {"key": key, "rows": rows})
        all_rows += rows
        if progress:
            progress(r + 1, runs)
    frame = pd.DataFrame(all_rows)
    table = summarise(frame, resolved.uncertainty)
    meta = {"settings": settings, "uncertainty": resolved.uncertainty,
            "posterior": resolved.source, "per": PER,
            "scenarios": {sc.name: sc.description for sc in spec.scenarios},
            "baseline_programme": spec.baseline.programme,
            "key": key}
    result = PolicyResult(table, frame, meta, target, time.perf_counter() - began)
    if target is not None:
        _write(target, result)
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None if np.isnan(v) else "inf"
        return v

    return [{str(k): clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _write(out: Path, result: PolicyResult) -> None:
    from awaken.policy.figure import policy_figure

    s = result.meta["settings"]
    write_table(out / "runs.csv", result.runs, provenance={"settings": s})
    write_table(out / "policy.csv", result.table, provenance={"settings": s})
    policy_figure(result.table, out / "policy", f", {s['horizon_years']:g} years, {s['runs']} "
                  f"runs of {s['n']:,} survivors")
    write_json(out / "policy.json", {**result.meta, "table": _records(result.table)})
