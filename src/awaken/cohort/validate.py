"""Calibration targets of the cohort model: each row calibrated or predicted, with a pass.

* Pan et al. 2017, distant recurrence years 5-20 by T and N (six rows, **calibrated**: the
  reservoir is solved for them analytically; the rows check the simulation against that);
  the flatness of the yearly rate (Pan: "steady") and the lung share of metastases.
* ONS exposure: infected at least once April 2020 - February 2022 (70.7%), and the share
  infected in the Alpha, Delta and BA.1 waves (**predicted**: waves are declared for an
  unprotected adult; vaccination, reinfection protection and age lower the population
  figure).
* Testing in the UK Biobank-like preset: share of survivors with a SARS-CoV-2 test
  (4,837 of an assumed 50,000; **calibrated** by the testing scale) and the share of them
  positive (~500 of 4,837; **predicted**).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from awaken.cohort.config import Config, load_config
from awaken.cohort.emulator import Emulator, build_emulator
from awaken.cohort.model import build_model, simulate_chunk
from awaken.cohort.tumour import pan2017
from awaken.core.io import write_figure, write_json

NO_INFECTIONS = {"sars2_waves": [], "influenza_seasons": [], "rsv_seasons": []}
ONS = (("ons_ever_infected", "2020-04-01", "2022-02-28", None, 0.707),
       ("ons_pre_alpha", "2020-04-01", "2020-12-31", "sars2-wildtype", 0.07),
       ("ons_alpha", "2020-12-01", "2021-05-15", "sars2-alpha", 0.08),
       ("ons_delta", "2021-05-15", "2021-12-15", "sars2-delta", 0.24),
       ("ons_ba1", "2021-12-15", "2022-02-28", "sars2-omicron", 0.34))
UKB_TESTED, UKB_SURVIVORS, UKB_POSITIVE = 4837, 50000, 500


def _row(target: str, source: str, value: float, model: float, kind: str, tol: float,
         note: str = "") -> dict[str, Any]:
    return {"target": target, "source": source, "value": value, "model_value": float(model),
            "kind": kind, "tolerance": tol, "pass": bool(abs(model - value) <= tol),
            "note": note}


def pan_rows(emulator: Emulator, n: int, seed: int) -> list[dict[str, Any]]:
    """Pan 2017 rows: six risks, the flatness of the yearly rate, the lung share."""
    rows, sites, early, late = [], [], 0.0, 0.0
    for r in pan2017().itertuples():
        shares = {"N0": 0.0, "N1-3": 0.0, "N4-9": 0.0} | {r.nodes: 1.0}
        cfg = load_config("england-breast", seed=seed, update={
            "cohort": {"n": n, "chunk_size": n, "start": "2005-01-01", "end": "2020-01-01"},
            "population": {"diagnosis_start": "2000-01-01", "diagnosis_end": "2000-01-01",
                           "er_positive": 1.0, "her2_positive": 0.0,
                           "t1": 1.0 if r.t_stage == "T1" else 0.0, "nodes_t1": shares,
                           "nodes_t2": shares},
            "exposure": NO_INFECTIONS, "parameters": {"other_cause_scale": 0.0}})
        t = simulate_chunk(build_model(cfg, emulator), 0, n)
        first = t["metastases"].groupby("person_id")["date"].min()
        years = (first - np.datetime64("2000-01-01")).dt.days / 365.25
        risk = len(first) / n
        sd = float(np.sqrt(r.risk_years_5_to_20 * (1 - r.risk_years_5_to_20) / n))
        rows.append(_row(f"pan2017_{r.category}", "Pan et al. 2017 NEJM (FACTS 4)",
                         r.risk_years_5_to_20, risk, "calibrated", 4 * sd,
                         "distant recurrence years 5-20, ER+, no infections or other deaths"))
        early += float((years < 10).sum())
        late += float((years >= 15).sum())
        sites.append(t["metastases"]["site"])
    # steady rate: events in years 15-20 against years 5-10, at risk ~ equal (risks small)
    rows.append(_row("pan2017_rate_late_vs_early", "Pan et al. 2017: steady yearly rate "
                     "years 5-20", 1.0, late / early, "predicted", 0.35,
                     "ratio of recurrences in years 15-20 to years 5-10 (events ratio)"))
    all_sites = np.concatenate([s.to_numpy() for s in sites])
    rows.append(_row("lung_share_of_metastases", "SEER ~30% lung involvement [secondary] "
                     "(FACTS 5)", 0.30, float(np.mean(all_sites == "lung")), "calibrated",
                     0.03, "share_lung is set to this figure"))
    return rows


def _share_infected(t: dict, start: str, end: str, strain: str | None) -> float:
    """Share of the people alive at ``end`` infected with SARS-CoV-2 from ``start`` to it."""
    persons = t["persons"]
    alive = persons.loc[persons["end_date"] >= np.datetime64(end), "person_id"]
    inf = t["truth_infections"]
    sel = inf[(inf["pathogen"] == "sars2") & inf["date"].between(start, end)]
    if strain is not None:
        sel = sel[sel["strain"] == strain]
    return sel["person_id"][sel["person_id"].isin(alive)].nunique() / max(1, len(alive))


def _adults(seed: int, n: int, waves: list[dict[str, Any]] | None = None) -> Config:
    update: dict[str, Any] = {
        "cohort": {"n": n, "chunk_size": n},
        "population": {"age_mean": 48.0, "age_sd": 18.0, "age_min": 18.0, "age_max": 90.0}}
    if waves is not None:
        update["exposure"] = {"sars2_waves": waves}
    return load_config("ukb", seed=seed, update=update)


def ons_rows(emulator: Emulator, n: int, seed: int) -> list[dict[str, Any]]:
    """ONS exposure rows, for an adult population of England (ages 18-90).

    The per-wave shares are calibrated (:func:`calibrate_exposure` gave the shipped attack
    rates); the share infected at least once over the four waves is predicted from them.
    """
    cfg = _adults(seed, n)
    t = simulate_chunk(build_model(cfg, emulator), 0, n)
    return [_row(name, "ONS Coronavirus Infection Survey (FACTS 4)", value,
                 _share_infected(t, start, end, strain),
                 "predicted" if strain is None else "calibrated", 0.1 * value,
                 f"adults 18-90 infected {start} to {end}" + (f" by {strain}" if strain else ""))
            for name, start, end, strain, value in ONS]


def calibrate_exposure(emulator: Emulator, n: int = 50000, seed: int = 0,
                       rounds: int = 4) -> list[dict[str, Any]]:
    """Wave attack rates (for an unprotected adult) that give ONS's population shares.

    Fixed-point iteration on each wave's cumulative hazard: ``H <- H * target / model``
    (the pre-Alpha waves share one factor). Returns the ``sars2_waves`` list; the shipped
    ``defaults.toml`` values come from ``calibrate_exposure(build_emulator("fixture"))``.
    """
    waves = [w.model_dump(mode="json") for w in _adults(seed, n).exposure.sars2_waves]
    targets = {s: (start, end, v) for _, start, end, s, v in ONS if s is not None}
    groups = {"sars2-wildtype": ("first", "autumn-2020"), "sars2-alpha": ("alpha",),
              "sars2-delta": ("delta",), "sars2-omicron": ("ba1",)}
    for _ in range(rounds):
        t = simulate_chunk(build_model(_adults(seed, n, waves), emulator), 0, n)
        for strain, names in groups.items():
            start, end, value = targets[strain]
            ratio = value / max(1e-9, _share_infected(t, start, end, strain))
            for w in waves:
                if w["name"] in names:
                    h = -np.log1p(-w["attack"]) * ratio
                    w["attack"] = float(min(0.95, -np.expm1(-h)))
    return waves


def _tested(cfg: Config, emulator: Emulator, n: int) -> tuple[float, float]:
    t = simulate_chunk(build_model(cfg, emulator), 0, n)
    tests = t["infections"][t["infections"]["pathogen"] == "sars2"]
    tested = tests["person_id"].nunique()
    positive = tests.loc[tests["result"] == "positive", "person_id"].nunique()
    return tested / n, positive / max(1, tested)


def calibrate_testing(emulator: Emulator, n: int, seed: int) -> tuple[float, float, float]:
    """The testing scale giving the UK Biobank tested share (bisection on a log scale)."""
    target = UKB_TESTED / UKB_SURVIVORS
    lo, hi = -6.0, 1.0  # log2 scale
    share = positivity = 0.0
    for _ in range(10):
        mid = 0.5 * (lo + hi)
        cfg = load_config("ukb", seed=seed, update={"cohort": {"n": n, "chunk_size": n},
                                                    "testing": {"scale": 2.0 ** mid}})
        share, positivity = _tested(cfg, emulator, n)
        lo, hi = (mid, hi) if share < target else (lo, mid)
    return 2.0 ** (0.5 * (lo + hi)), share, positivity


def testing_rows(emulator: Emulator, n: int, seed: int) -> list[dict[str, Any]]:
    """Tested share (calibrated by the scale) and positivity (predicted), UK Biobank-like."""
    scale, share, positivity = calibrate_testing(emulator, n, seed)
    target = UKB_TESTED / UKB_SURVIVORS
    return [
        _row("ukb_tested_share", "UK Biobank: 4,837 survivors tested [secondary] (FACTS 3); "
             "50,000 survivors assumed", target, share, "calibrated", 0.1 * target,
             f"testing.scale = {scale:.4g} reproduces it (2020-2023)"),
        _row("ukb_positive_share_of_tested", "UK Biobank: ~500 of 4,837 positive [secondary]",
             UKB_POSITIVE / UKB_TESTED, positivity, "predicted", 0.5 * UKB_POSITIVE / UKB_TESTED,
             f"at testing.scale = {scale:.4g}"),
    ]


def _figure(rows: list[dict[str, Any]], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.35 * len(rows) + 1.2), layout="tight")
    ax = fig.subplots()
    y = np.arange(len(rows))
    ax.errorbar([r["value"] for r in rows], y, xerr=[r["tolerance"] for r in rows], fmt="o",
                color="0.4", label="target (tolerance)")
    colours = ["tab:blue" if r["kind"] == "calibrated" else "tab:orange" for r in rows]
    ax.scatter([r["model_value"] for r in rows], y, c=colours, marker="x", zorder=3,
               label="model (blue calibrated, orange predicted)")
    ax.set_yticks(y, [r["target"] + ("" if r["pass"] else "  (fails)") for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("value")
    ax.legend(loc="lower right", fontsize=8)
    write_figure(path, fig, dpi=110)


def validate(out: str | Path, n: int = 20000, seed: int = 0,
             emulator: Emulator | None = None) -> list[dict[str, Any]]:
    """Run every target; write ``validation.json`` and ``validation.png`` into ``out``."""
    emu = emulator or build_emulator()
    rows = pan_rows(emu, n, seed) + ons_rows(emu, n, seed) + testing_rows(emu, n, seed)
    folder = Path(out)
    write_json(folder / "validation.json", {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": f"awaken cohort validate --out {out} --n {n} --seed {seed}",
        "emulator": {"source": emu.source, "fingerprint": emu.fingerprint}, "rows": rows})
    _figure(rows, folder / "validation.png")
    return rows
