"""Stage: the bias decomposition. Each human estimate is walked from the truth to the study's
number one design step at a time, on the same simulated cohorts (the replicates of the
``replicates`` stage: same seeds), so that each step's change of the log estimate is a
measured bias, with its range over replicates.

Steps (estimands, defined in ``docs/reproduce.md``), each differing from the one before in
one thing only:

* ``truth``: every SARS-CoV-2 infection known (the cohort's truth table, dated the day it
  began) and every survivor followed: the time-varying Cox HR the design aims at;
* ``random_recorded``: as ``truth``, but only a random share of the infections known, the
  share the registry records (under-recording alone, unrelated to anything else);
* ``recorded``: the registry's positive tests (who is tested follows severity and, with
  pathway (e), metastatic cancer), still every survivor;
* ``study``: the design's population (UK Biobank-like: tested at least once);
* ``naive_cox``: exposure "ever positive", fixed from entry (immortal time);
* ``odds_ratio``: the logistic OR of the same (the study's measure).

A component is the change of the log estimate between two consecutive steps; the components
add up to ``log(final) - log(truth)`` in every replicate (and so in the mean).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from awaken.reproduce.human import (
    Advance,
    _safe,
    _value,
    as_cohort,
    pathway_names,
    simulate_tables,
)
from awaken.reproduce.settings import EARLY_PERIOD, Settings, cohort_seed

# estimand -> its steps, from the truth to the study's number
CHAINS: dict[str, tuple[str, ...]] = {
    "ukb_or": ("truth", "random_recorded", "recorded", "study", "naive_cox", "odds_ratio"),
    "ukb_hr": ("truth", "random_recorded", "recorded", "study"),
    "ukb_early_hr": ("truth", "random_recorded", "recorded", "study"),
    "flatiron_hr": ("truth", "random_recorded", "recorded"),
}
# (step before, step after) -> the bias the change measures
COMPONENTS: dict[tuple[str, str], str] = {
    ("truth", "random_recorded"): "under_recording",
    ("truth", "recorded"): "recording",  # when random_recorded cannot be estimated
    ("random_recorded", "recorded"): "selective_testing",
    ("recorded", "study"): "tested_population",
    ("study", "naive_cox"): "immortal_time",
    ("naive_cox", "odds_ratio"): "odds_ratio_vs_hr",
}
GROUPS = {"testing_selection": ("selective_testing", "tested_population")}
CONFIGS = ("all", "none")  # every pathway on; every pathway off (no effect: truth ~ 1)


def oracle_registry(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every SARS-CoV-2 infection of the truth table as a positive test on the day it began:
    the registry had everyone been tested at once."""
    inf = tables["truth_infections"]
    return _as_tests(inf[inf["pathogen"] == "sars2"], tables["infections"])


def random_registry(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> pd.DataFrame:
    """A random share of the SARS-CoV-2 infections, dated as in the truth table: the share
    that was tested, but chosen at random (under-recording unrelated to anything)."""
    inf = tables["truth_infections"]
    sars2 = inf[inf["pathogen"] == "sars2"]
    share = float(sars2["tested"].mean()) if len(sars2) else 0.0
    return _as_tests(sars2[rng.random(len(sars2)) < share], tables["infections"])


def _as_tests(infections: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    result = pd.Categorical(["positive"] * len(infections),
                            categories=like["result"].cat.categories)
    return pd.DataFrame({"person_id": infections["person_id"].to_numpy(),
                         "date": infections["date"].to_numpy(),
                         "pathogen": pd.Categorical(infections["pathogen"].astype(str),
                                                    categories=like["pathogen"].cat.categories),
                         "result": result})


DEGENERATE = 10.0  # |log HR| beyond this: no exposed event (or no unexposed), no finite MLE


def _hr(design: str, cohort: Any, **options: Any) -> float:
    """The design's exposure HR; NaN when it has no finite maximum (|log HR| > DEGENERATE:
    small cohorts with no exposed event in the period)."""
    from awaken.epi import make_design
    from awaken.epi.designs import FlatironLike, UKBLike

    chosen = make_design(design, **options)
    assert isinstance(chosen, UKBLike | FlatironLike), design  # the population designs
    hr = _value(_safe(lambda: chosen.estimate(cohort)), "exposed")
    return hr if math.isfinite(hr) and abs(math.log(max(hr, 1e-300))) <= DEGENERATE else math.nan


def ukb_steps(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, float]:
    """Every step of the UK Biobank-like chains (overall and early period) on one cohort."""
    from awaken.epi import make_design

    cohorts = {"truth": as_cohort(tables, oracle_registry(tables)),
               "random_recorded": as_cohort(tables, random_registry(tables, rng)),
               "recorded": as_cohort(tables)}
    out: dict[str, float] = {}
    for step, cohort in cohorts.items():
        out[f"ukb_hr.{step}"] = _hr("ukb_like", cohort, require_test=False)
        out[f"ukb_early_hr.{step}"] = _hr("ukb_like", cohort, require_test=False,
                                          period=EARLY_PERIOD)
    recorded = cohorts["recorded"]
    naive = _safe(lambda: make_design("naive_ever_exposed").run(recorded).estimates)
    out["ukb_hr.study"] = _value(naive, "exposed", "Cox, time-varying")
    out["ukb_early_hr.study"] = _hr("ukb_like", recorded, period=EARLY_PERIOD)
    for step in ("truth", "random_recorded", "recorded", "study"):
        out[f"ukb_or.{step}"] = out[f"ukb_hr.{step}"]
    out["ukb_or.naive_cox"] = _value(naive, "exposed_ever", "Cox")
    out["ukb_or.odds_ratio"] = _value(naive, "exposed_ever", "logistic")
    return out


def flatiron_steps(tables: dict[str, pd.DataFrame], rng: np.random.Generator
                   ) -> dict[str, float]:
    """The Flatiron-like chain (the design follows every patient: no tested-only step)."""
    registries = {"truth": oracle_registry(tables),
                  "random_recorded": random_registry(tables, rng), "recorded": None}
    return {f"flatiron_hr.{step}": _hr("flatiron_like", as_cohort(tables, reg))
            for step, reg in registries.items()}


def _rng(seed: int, study: str, replicate: int) -> np.random.Generator:
    """Draws of the random registry: keyed by (seed, study, replicate), the same in both
    configurations (common random numbers)."""
    return np.random.default_rng([seed, sum(map(ord, study)), replicate, 2])


def bias_stage(settings: Settings, emulators: list[Any], advance: Advance,
               draws: int = 0) -> dict[str, Any]:
    """``settings.bias_replicates`` cohorts of each study's size (the first replicates of the
    ``replicates`` stage: same seeds and emulators), with every pathway on and with every
    pathway off; ``draws``: how many emulators are posterior draws (0: none)."""
    from awaken.reproduce.posterior import pick, uncertainty

    rows = []
    for config in CONFIGS:
        off = () if config == "all" else pathway_names()
        for r in range(settings.bias_replicates):
            seed = settings.seed
            emulator = pick(emulators, r)
            ukb = simulate_tables("ukb", settings.ukb_n, cohort_seed(seed, "ukb", r),
                                  emulator, off)
            flat = simulate_tables("flatiron", settings.flatiron_n,
                                   cohort_seed(seed, "flatiron", r), emulator, off)
            steps = {**ukb_steps(ukb, _rng(seed, "ukb", r)),
                     **flatiron_steps(flat, _rng(seed, "flatiron", r))}
            rows.append({"config": config, "replicate": r,
                         **{k: (v if math.isfinite(v) else None) for k, v in steps.items()}})
            advance()
    return {"rows": rows, "ukb_n": settings.ukb_n, "flatiron_n": settings.flatiron_n,
            "posterior_draws": draws, "uncertainty": uncertainty(draws)}


def _summary(values: np.ndarray) -> dict[str, Any]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"value": None, "mean": None, "interval": None, "replicates": 0}
    lo, mid, hi = np.quantile(v, [0.025, 0.5, 0.975])
    return {"value": float(mid), "mean": float(v.mean()), "interval": [float(lo), float(hi)],
            "replicates": int(v.size)}


def decomposition(rows: list[dict[str, Any]], estimand: str, config: str = "all"
                  ) -> dict[str, Any] | None:
    """One estimand's chain: each step's estimate (median and 2.5-97.5% range over
    replicates) and each component's change of the log estimate (``mean``: the additive
    decomposition, components sum to ``total``; ``value``: the median; ``interval``: the
    range over replicates). Replicates missing any step are left out of the components; when
    that leaves fewer than half of them because ``random_recorded`` has no estimate (too few
    exposed events), that step is dropped and ``recording`` takes its two components."""
    frame = pd.DataFrame([r for r in rows if r["config"] == config])
    steps = CHAINS[estimand]
    cols = [f"{estimand}.{s}" for s in steps]
    if frame.empty or any(c not in frame for c in cols):
        return None
    est = frame[cols].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(est)
    whole = np.isfinite(logs).all(axis=1)
    merged = 2 * whole.sum() < len(frame) and "random_recorded" in steps
    if merged:
        keep = [i for i, s in enumerate(steps) if s != "random_recorded"]
        steps, logs = tuple(steps[i] for i in keep), logs[:, keep]
        whole = np.isfinite(logs).all(axis=1)
    summary = {s: _summary(est[:, cols.index(f"{estimand}.{s}")]) for s in CHAINS[estimand]}
    logs = logs[whole]
    pairs = list(zip(steps[:-1], steps[1:], strict=True))
    components = {COMPONENTS[p]: _summary(logs[:, i + 1] - logs[:, i])
                  for i, p in enumerate(pairs)}
    for group, parts in GROUPS.items():
        idx = [i for i, p in enumerate(pairs) if COMPONENTS[p] in parts]
        if len(idx) == len(parts):
            components[group] = _summary(sum(logs[:, i + 1] - logs[:, i] for i in idx))
    return {"estimand": estimand, "config": config, "steps_in_order": list(steps),
            "steps": summary, "random_recorded_dropped": bool(merged),
            "log_truth": _summary(logs[:, 0]), "log_final": _summary(logs[:, -1]),
            "components": components, "total": _summary(logs[:, -1] - logs[:, 0]),
            "truth_split": _truth_split(rows, estimand, frame["replicate"][whole].tolist())
            if config == "all" else None,
            "replicates": int(whole.sum()), "missing_replicates": int((~whole).sum())}


def _truth_split(rows: list[dict[str, Any]], estimand: str, replicates: list[int]
                 ) -> dict[str, Any] | None:
    """The truth's log split, per replicate, into ``confounding`` (its value with every
    pathway off, where infection has no effect: what the design's model leaves unadjusted)
    and ``effect`` (the rest: what the pathways produce), on the same replicates as the
    components (common random numbers), so that effect + confounding + components =
    log(final estimate)."""
    key = f"{estimand}.truth"
    on = {r["replicate"]: r.get(key) for r in rows if r["config"] == "all"}
    off = {r["replicate"]: r.get(key) for r in rows if r["config"] == "none"}
    pairs = [(on[r], off[r]) for r in replicates if r in off and None not in (on[r], off[r])]
    if len(pairs) != len(replicates) or not pairs:
        return None
    v = np.log(np.array(pairs, dtype=float))
    return {"effect": _summary(v[:, 0] - v[:, 1]), "confounding": _summary(v[:, 1])}


def largest_bias(d: dict[str, Any]) -> str | None:
    """The component that moves the mean log estimate most in its own direction."""
    final = d["log_final"]["mean"]
    parts = {k: c["mean"] for k, c in d["components"].items()
             if k not in GROUPS and c["mean"] is not None}
    if final is None or not parts:
        return None
    return max(parts, key=lambda k: parts[k] * math.copysign(1.0, final)).replace("_", " ")


def what_carries_it(d: dict[str, Any]) -> str:
    """A plain sentence: how the mean log estimate splits into the truth and the biases."""
    final, truth = d["log_final"]["mean"], d["log_truth"]["mean"]
    if final is None or truth is None:
        return "the bias decomposition could not be computed (no replicate has every step)"
    split = d.get("truth_split")
    parts = ({"the effect of the pathways": split["effect"]["mean"],
              "confounding left by the design": split["confounding"]["mean"]}
             if split else {"the truth": truth})
    parts.update({k.replace("_", " "): c["mean"] for k, c in d["components"].items()
                  if k not in GROUPS and c["mean"] is not None})
    big = max(parts, key=lambda k: parts[k] * math.copysign(1.0, final))
    terms = ", ".join(f"{k} {v:+.2f}" for k, v in parts.items())
    t = d["steps"]["truth"]
    where = "" if t["interval"] is None else (
        f" [{t['interval'][0]:.3g}, {t['interval'][1]:.3g}]")
    design = sum(c["mean"] for k, c in d["components"].items()
                 if k not in GROUPS and c["mean"] is not None)
    versus = ("" if not split else
              f"; the design's biases together {design:+.2f} against the pathways' effect "
              f"{split['effect']['mean']:+.2f}")
    return (f"bias decomposition ({d['replicates']} cohorts of the study's size): the truth "
            f"(every infection known, every survivor) is {t['value']:.3g}{where}; the mean "
            f"log estimate {final:+.2f} = {terms}; the largest contribution: {big}{versus}")


def bias_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Long table: config, replicate, estimand, step, estimate."""
    out = []
    for r in rows:
        for key, v in r.items():
            if "." in key:
                estimand, step = key.split(".", 1)
                out.append({"config": r["config"], "replicate": r["replicate"],
                            "estimand": estimand, "step": step, "estimate": v})
    return pd.DataFrame(out, columns=["config", "replicate", "estimand", "step", "estimate"])


def components_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (config, estimand, step or component): median, mean, 95% range."""
    out = []
    for config in CONFIGS:
        for estimand in CHAINS:
            d = decomposition(rows, estimand, config)
            if d is None:
                continue
            for kind, items in (("step", d["steps"]), ("truth_split", d["truth_split"] or {}),
                                ("component", d["components"]),
                                ("total", {"total": d["total"]})):
                for name, s in items.items():
                    iv = s["interval"] or [None, None]
                    out.append({"config": config, "estimand": estimand, "kind": kind,
                                "name": name, "median": s["value"], "mean": s["mean"],
                                "low": iv[0], "high": iv[1], "replicates": s["replicates"]})
    return pd.DataFrame(out, columns=["config", "estimand", "kind", "name", "median", "mean",
                                      "low", "high", "replicates"])
