"""Stages (b) and (d): simulated UK Biobank-like and Flatiron-like studies, analysed with the
``awaken.epi`` designs; replicated at the studies' sizes, and at a large size with each
cohort pathway switched off in turn (same seeds: common random numbers)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from awaken.core.errors import InputError
from awaken.reproduce.settings import BANDS, EARLY_PERIOD, Settings, cohort_seed

Advance = Callable[[], None]
ANALYSED = ("persons", "infections", "metastases", "deaths")  # the designs use no vaccinations
UKB_METRICS = ("ukb_or", "ukb_naive_hr", "ukb_hr", "ukb_early_hr", "ukb_hr_0_91",
               "ukb_hr_91_365", "ukb_hr_365_plus")
FLATIRON_METRICS = ("flatiron_hr",)


def pathway_names() -> tuple[str, ...]:
    from awaken.cohort.parameters import PATHWAYS

    return tuple(PATHWAYS)


def simulate_tables(preset: str, n: int, seed: int, emulator: Any,
                    off: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """One simulated study population (in memory): the registry-like and the truth tables."""
    from awaken.cohort import build_model, load_config, simulate_chunk

    cfg = load_config(preset, seed=seed, n=n, chunk_size=n,
                      update={"pathways": {p: False for p in off}} if off else None)
    return simulate_chunk(build_model(cfg, emulator), 0, n)


def as_cohort(tables: dict[str, pd.DataFrame], infections: pd.DataFrame | None = None) -> Any:
    """The tables as a validated ``awaken.epi`` cohort (``infections`` replaces the recorded
    tests, e.g. by a registry built from the truth table)."""
    from awaken.epi import Cohort

    frames = {k: tables[k] for k in ANALYSED}
    if infections is not None:
        frames["infections"] = infections
    return Cohort.from_frames(**frames, vaccinations=tables["vaccinations"].iloc[:0])


def simulate_cohort(preset: str, n: int, seed: int, emulator: Any,
                    off: tuple[str, ...] = ()) -> Any:
    """One simulated study population (in memory) as a validated ``awaken.epi`` cohort."""
    return as_cohort(simulate_tables(preset, n, seed, emulator, off))


def _value(estimates: pd.DataFrame, term: str, model: str | None = None) -> float:
    rows = estimates[estimates["term"] == term]
    if model is not None:
        rows = rows[rows["model"].str.startswith(model)]
    return float(rows["estimate"].iloc[0]) if len(rows) else math.nan


def _safe(fn: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A design's estimates, or none when the replicate has no events or no exposed person
    (small cohorts): the replicate then counts as missing for that estimate."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except InputError:
        return pd.DataFrame(columns=["term", "model", "estimate"])


def analyse_ukb(cohort: Any) -> dict[str, float]:
    """UK Biobank-like analyses: the study's OR (ever vs never infected, logistic), the naive
    and the time-varying Cox HR, the early period, and HR by time since infection."""
    from awaken.epi import make_design

    naive = _safe(lambda: make_design("naive_ever_exposed").run(cohort).estimates)
    early = _safe(lambda: make_design("ukb_like", period=EARLY_PERIOD).estimate(cohort))
    bands = _safe(lambda: make_design("ukb_like", exposure_bands=BANDS).estimate(cohort))
    return {"ukb_or": _value(naive, "exposed_ever", "logistic"),
            "ukb_naive_hr": _value(naive, "exposed_ever", "Cox"),
            "ukb_hr": _value(naive, "exposed", "Cox, time-varying"),
            "ukb_early_hr": _value(early, "exposed"),
            "ukb_hr_0_91": _value(bands, "exposed_0_91"),
            "ukb_hr_91_365": _value(bands, "exposed_91_365"),
            "ukb_hr_365_plus": _value(bands, "exposed_365_plus")}


def analyse_flatiron(cohort: Any) -> dict[str, float]:
    """Flatiron-like: cause-specific Cox HR of lung metastasis on a positive test."""
    from awaken.epi import make_design

    est = _safe(lambda: make_design("flatiron_like").estimate(cohort))
    return {"flatiron_hr": _value(est, "exposed")}


def _study(settings: Settings, emulator: Any, replicate: int, scale: int,
           off: tuple[str, ...] = ()) -> dict[str, float]:
    seed = settings.seed
    ukb = simulate_cohort("ukb", settings.ukb_n * scale, cohort_seed(seed, "ukb", replicate),
                          emulator, off)
    flat = simulate_cohort("flatiron", settings.flatiron_n * scale,
                           cohort_seed(seed, "flatiron", replicate), emulator, off)
    return {**analyse_ukb(ukb), **analyse_flatiron(flat)}


def _clean(row: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in row.items()}


def replicates_stage(settings: Settings, emulators: list[Any], advance: Advance,
                     draws: int = 0) -> dict[str, Any]:
    """Stage (b): ``settings.replicates`` studies at the published sizes; replicate ``r``
    uses ``emulators[r mod k]`` (one per posterior draw, or the fitted defaults alone);
    ``draws``: how many of them are posterior draws (0: none)."""
    from awaken.reproduce.posterior import pick, uncertainty

    rows = []
    for r in range(settings.replicates):
        rows.append({"replicate": r, **_clean(_study(settings, pick(emulators, r), r, 1))})
        advance()
    return {"rows": rows, "ukb_n": settings.ukb_n, "flatiron_n": settings.flatiron_n,
            "posterior_draws": draws, "uncertainty": uncertainty(draws)}


def pathway_configs() -> list[tuple[str, tuple[str, ...]]]:
    """(label, pathways switched off): all on, each one off, all off."""
    names = pathway_names()
    return [("all", ()), *((f"no_{p}", (p,)) for p in names), ("none", names)]


def pathways_stage(settings: Settings, emulator: Any, advance: Advance) -> dict[str, Any]:
    """Stage (d): large studies, all pathways on (the underlying effect), each pathway off,
    all off; replicate ``r`` of every configuration shares its seeds."""
    rows = []
    for label, off in pathway_configs():
        for r in range(settings.pathway_replicates):
            row = _study(settings, emulator, 10_000 + r, settings.large_factor, off)
            rows.append({"config": label, "off": list(off), "replicate": r, **_clean(row)})
            advance()
    return {"rows": rows, "scale": settings.large_factor}


NULL_EFFECT = 0.05  # |log effect| below this: the effect is too close to none to share out


def _log_table(rows: list[dict[str, Any]], metric: str) -> pd.DataFrame | None:
    frame = pd.DataFrame(rows)
    if metric not in frame:
        return None
    table = frame.pivot(index="replicate", columns="config", values=metric).astype(float)
    return pd.DataFrame(np.log(table), index=table.index, columns=table.columns)


def pathway_shares(rows: list[dict[str, Any]], metric: str) -> dict[str, float | None]:
    """Each pathway's share of the effect on the log scale: ``1 - log(est without it) /
    log(est with all)``, averaged over replicates; ``residual_all_off`` = the share left with
    every pathway off (shares need not add up to 1: pathways interact). All ``None`` when the
    full effect is within ``NULL_EFFECT`` of none (a share of nothing has no meaning; see
    :func:`pathway_log_changes`)."""
    logs = _log_table(rows, metric)
    if logs is None:
        return {}
    full = logs["all"]
    null = not abs(float(np.nanmean(full))) >= NULL_EFFECT
    out: dict[str, float | None] = {}
    for p in pathway_names():
        share = float(np.nanmean(1.0 - logs[f"no_{p}"] / full))
        out[p] = share if math.isfinite(share) and not null else None
    residual = float(np.nanmean(logs["none"] / full))
    out["residual_all_off"] = residual if math.isfinite(residual) and not null else None
    return out


def pathway_log_changes(rows: list[dict[str, Any]], metric: str) -> dict[str, float | None]:
    """``log(est with all) - log(est without the pathway)``, averaged over replicates (and
    ``all_on``: the log estimate itself; ``all_off``: with every pathway off)."""
    logs = _log_table(rows, metric)
    if logs is None:
        return {}
    def mean(x: pd.Series) -> float | None:
        v = float(np.nanmean(x))
        return v if math.isfinite(v) else None
    out = {"all_on": mean(logs["all"]), "all_off": mean(logs["none"])}
    out.update({p: mean(logs["all"] - logs[f"no_{p}"]) for p in pathway_names()})
    return out
