"""Calibration targets of the cohort model: each row calibrated or predicted, with a pass.

* Pan et al. 2017, distant recurrence years 5-20 by T and N (six rows, **calibrated**: the
  reservoir is solved for them in closed form; the rows check the simulation against
  that); the steadiness of the yearly rate (**predicted**), the lung share of metastatic
  lesions (an input) and of women with a recurrence (**predicted**).
* ONS exposure: the shares of adults infected in the pre-Alpha, Alpha, Delta and BA.1 waves
  and at least once from April 2020 to February 2022 (**calibrated** by
  ``awaken cohort fit exposure``).
* Testing in the UK Biobank-like preset: the share of survivors with a SARS-CoV-2 test
  (4,837 of an assumed 50,000) and the share of them positive (~500 of 4,837), both
  **calibrated** by ``awaken cohort fit testing``.

Calibrated rows pass within 4 binomial standard errors at the validation's size (the fits
ran on larger cohorts); predicted rows carry the tolerance declared with them.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from awaken.cohort.config import Config, load_config
from awaken.cohort.emulator import Emulator, build_emulator
from awaken.cohort.model import build_model, simulate_chunk
from awaken.cohort.tumour import pan2017
from awaken.core.io import write_figure, write_json

NO_INFECTIONS: dict[str, list[Any]] = {"sars2_waves": [], "influenza_seasons": [],
                                       "rsv_seasons": []}
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
    rows, sites, rates, counts, involved = [], [], [], [], []
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
        years = (first - np.datetime64("2000-01-01")).dt.days / 365.25  # from diagnosis
        risk = len(first) / n
        target = float(r.risk_years_5_to_20)
        sd = float(np.sqrt(target * (1 - target) / n))
        rows.append(_row(f"pan2017_{r.category}", "Pan et al. 2017 NEJM (FACTS 4)",
                         target, risk, "calibrated", 4 * sd,
                         "distant recurrence years 5-20, ER+, no infections or other deaths"))
        ends = np.minimum(years.reindex(range(n)).fillna(20.0).to_numpy(), 20.0)
        events, at_risk = [], []
        for lo, hi in ((5.0, 10.0), (15.0, 20.0)):
            events.append(float(((ends >= lo) & (ends < hi)).sum()))
            at_risk.append(float((np.clip(ends, lo, hi) - lo).sum()))
        rates.append((events[1] / at_risk[1]) / max(1e-300, events[0] / at_risk[0]))
        counts.append(events[1] / max(1.0, events[0]))
        sites.append(t["metastases"]["site"])
        lung = t["metastases"].groupby("person_id")["site"].apply(lambda x: (x == "lung").any())
        involved.append(lung.to_numpy())
    # Pan's "steady rate", per T and N category as Pan's curves are: the yearly rate
    # (recurrences per person-year at risk, as the EBCTCG reports annual rates) in years
    # 15-20 over years 5-10, averaged over the six categories
    rows.append(_row("pan2017_rate_late_vs_early", "Pan et al. 2017: steady yearly rate "
                     "years 5-20", 1.0, float(np.mean(rates)), "predicted", 0.35,
                     "recurrences per person-year at risk, years 15-20 over years 5-10, mean "
                     f"of the six categories (range {min(rates):.3f}-{max(rates):.3f}); "
                     f"recurrence counts alone {np.mean(counts):.3f}, lower because fewer "
                     "women remain at risk"))
    all_sites = np.concatenate([s.to_numpy() for s in sites])
    rows.append(_row("lung_share_of_metastases", "SEER ~30% lung involvement [secondary] "
                     "(FACTS 5)", 0.30, float(np.mean(all_sites == "lung")), "calibrated",
                     0.03, "share_lung is set to this figure"))
    women = np.concatenate(involved)
    rows.append(_row("lung_involvement_of_metastatic", "SEER: ~30% of women with metastatic "
                     "breast cancer have lung involvement [secondary] (FACTS 5)", 0.30,
                     float(women.mean()), "predicted", 0.05,
                     "share of the women with a distant recurrence (years 5-20) who have a lung "
                     f"metastasis by year 20 ({women.size} women); SEER counts women at "
                     "diagnosis, the input share_lung counts lesions"))
    return rows


def _binomial_tolerance(p: float, m: int) -> float:
    """Four standard errors of a share ``p`` among ``m`` people."""
    return 4.0 * math.sqrt(p * (1.0 - p) / max(1, m))


def share_infected(t: dict[str, pd.DataFrame], start: str, end: str, strain: str | None) -> float:
    """Share of the people alive at ``end`` infected with SARS-CoV-2 from ``start`` to it."""
    persons = t["persons"]
    alive = persons.loc[persons["end_date"] >= np.datetime64(end), "person_id"]
    inf = t["truth_infections"]
    sel = inf[(inf["pathogen"] == "sars2") & inf["date"].between(start, end)]
    if strain is not None:
        sel = sel[sel["strain"] == strain]
    return sel["person_id"][sel["person_id"].isin(alive)].nunique() / max(1, len(alive))


def adults(seed: int, n: int, waves: list[dict[str, Any]] | None = None,
           omicron_escape: float | None = None) -> Config:
    """England's adults 18-90 (ONS's population) with the shipped calendars, or these waves."""
    update: dict[str, Any] = {
        "cohort": {"n": n, "chunk_size": n},
        "population": {"age_mean": 48.0, "age_sd": 18.0, "age_min": 18.0, "age_max": 90.0}}
    exposure: dict[str, Any] = {}
    if waves is not None:
        exposure["sars2_waves"] = waves
    if omicron_escape is not None:
        exposure["omicron_escape"] = omicron_escape
    if exposure:
        update["exposure"] = exposure
    return load_config("ukb", seed=seed, update=update)


def ons_rows(emulator: Emulator, n: int, seed: int) -> list[dict[str, Any]]:
    """ONS exposure rows, for an adult population of England (ages 18-90), all calibrated
    (``awaken cohort fit exposure`` gave the shipped wave attacks and ``omicron_escape``)."""
    cfg = adults(seed, n)
    t = simulate_chunk(build_model(cfg, emulator), 0, n)
    rows = []
    for name, start, end, strain, value in ONS:
        model = share_infected(t, start, end, strain)
        rows.append(_row(name, "ONS Coronavirus Infection Survey (FACTS 4)", value, model,
                         "calibrated", _binomial_tolerance(value, n),
                         f"adults 18-90 infected {start} to {end}"
                         + (f" by {strain}" if strain else "")
                         + "; fitted by `awaken cohort fit exposure`"))
    return rows


def tested_shares(t: dict[str, pd.DataFrame], n: int) -> tuple[float, float]:
    """Share of ``n`` people with a SARS-CoV-2 test, and the share of them with a positive."""
    tests = t["infections"][t["infections"]["pathogen"] == "sars2"]
    tested = tests["person_id"].nunique()
    positive = tests.loc[tests["result"] == "positive", "person_id"].nunique()
    return tested / n, positive / max(1, tested)


def testing_rows(emulator: Emulator, n: int, seed: int) -> list[dict[str, Any]]:
    """Tested share and positivity of the shipped ``ukb`` preset (both calibrated)."""
    cfg = load_config("ukb", seed=seed, update={"cohort": {"n": n, "chunk_size": n}})
    share, positivity = tested_shares(simulate_chunk(build_model(cfg, emulator), 0, n), n)
    target, pos = UKB_TESTED / UKB_SURVIVORS, UKB_POSITIVE / UKB_TESTED
    fitted = (f"testing.scale = {cfg.testing.scale:g}, testing.negative_scale = "
              f"{cfg.testing.negative_scale:g} (`awaken cohort fit testing`)")
    return [
        _row("ukb_tested_share", "UK Biobank: 4,837 survivors tested [secondary] (FACTS 3); "
             "50,000 survivors assumed", target, share, "calibrated",
             _binomial_tolerance(target, n), fitted),
        _row("ukb_positive_share_of_tested", "UK Biobank: ~500 of 4,837 positive [secondary]",
             pos, positivity, "calibrated", _binomial_tolerance(pos, round(target * n)), fitted),
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
