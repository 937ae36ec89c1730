"""A configuration assembled into the kernel's arrays, and one chunk simulated into tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from awaken.cohort import kernel as K
from awaken.cohort.calendars import Calendars, build_calendars
from awaken.cohort.config import PATHOGENS, SEVERITIES, SUBTYPES, VARIANTS, Config
from awaken.cohort.emulator import Emulator
from awaken.cohort.mortality import other_cause_hazards
from awaken.cohort.parameters import PATHWAYS
from awaken.cohort.population import CANCERS, ERAS, SMOKING, Population, sample_population
from awaken.cohort.severity import AGE_BANDS, STRAINS, fatality_table, severity_table
from awaken.cohort.tumour import NODES, SITES, doubling_days, site_cumulative, survival_days
from awaken.cohort.vaccines import Vaccines, build_vaccines
from awaken.core.schema import CAUSES, RESULTS

SCHEMA_TABLES = ("persons", "infections", "vaccinations", "metastases", "deaths")
TRUTH_TABLES = ("truth_infections", "truth_awakenings", "truth_lesions")
TABLES = SCHEMA_TABLES + TRUTH_TABLES
"""Tables a run writes: the event-table schema's, then the truth tables."""
LESION_EVENTS = ("dormant", "growing", "woke", "woke_by_infection", "accelerated", "detected")


@dataclass(frozen=True)
class Model:
    """Everything the kernel needs, built once per run (picklable: sent to Dask workers)."""

    config: Config
    calendars: Calendars
    vaccines: Vaccines
    emulator: Emulator
    params: np.ndarray
    switches: np.ndarray


def build_model(cfg: Config, emulator: Emulator) -> Model:
    """Assemble the arrays of a configuration."""
    par = np.zeros(K.N_PARAMS)
    v = cfg.value
    par[K.P_WAKE] = v("awakening_rate") / 365.25
    par[K.P_L0] = v("dormant_log2_cells")
    par[K.P_LDET] = v("detect_log2_cells")
    par[K.P_LEAD] = v("seeding_lead_years") * 365.25
    par[K.P_WAKE_LOGFOLD] = v("awakening_per_log_fold")
    par[K.P_ACC_SCALE] = v("acceleration_scale")
    par[K.P_ACC_HALVING] = v("acceleration_halving")
    par[K.P_ADV_DEATH] = v("advanced_death_ratio")
    par[K.P_DEATH_DELAY] = v("infection_death_days")
    par[K.P_ATTR_MET] = v("attribution_metastatic")
    par[K.P_ATTR_HIST] = v("attribution_history")
    par[K.P_TEST_ADV] = v("testing_ratio_advanced")
    par[K.P_REINF_PROT] = cfg.exposure.reinfection_protection
    par[K.P_REINF_WANE] = cfg.exposure.reinfection_waning_days
    par[K.P_OMICRON_ESCAPE] = cfg.exposure.omicron_escape
    par[K.P_HORIZON] = float((cfg.cohort.end - cfg.cohort.start).days)
    par[K.P_OTHER_SCALE] = v("other_cause_scale")
    par[K.P_TEST_DELAY] = 2.0
    switches = np.array([getattr(cfg.pathways, p) for p in PATHWAYS], dtype=np.int8)
    return Model(cfg, build_calendars(cfg), build_vaccines(cfg), emulator, par, switches)


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """Fixed ranges of person ids, whatever the number of workers."""
    return [(s, min(n, s + chunk_size)) for s in range(0, n, chunk_size)]


def _run_kernel(model: Model, pop: Population, caps: list[int]) -> tuple:
    n = len(pop)
    cal, vac = model.calendars, model.vaccines
    end_day = np.empty(n)
    cause = np.empty(n, np.int64)
    bufs = [np.empty((caps[0], K.TEST_COLS)), np.empty((caps[1], K.VAX_COLS)),
            np.empty((caps[2], K.MET_COLS)), np.empty((caps[3], K.INF_COLS)),
            np.empty((caps[4], K.LES_COLS))]
    count = np.zeros(5, np.int64)
    susc = np.array([model.config.exposure.susceptibility_65plus[p] for p in PATHOGENS])
    emu = model.emulator.values.copy()
    emu[..., 2] = np.log(emu[..., 2])  # the kernel interpolates ln(fold change)
    K.simulate_people(
        np.uint64(model.config.cohort.seed), pop["person_id"], pop["female"], pop["age"],
        pop["entry_day"], pop["diagnosis_day"], pop["subtype"].astype(np.int64),
        pop["reservoir"], model.params, model.switches, doubling_days(model.config),
        survival_days(model.config), site_cumulative(model.config), other_cause_hazards(),
        susc, cal.rate, cal.cumulative, cal.variant, cal.tested, cal.negative_rate,
        cal.negative_cumulative, severity_table(), fatality_table(), np.array(AGE_BANDS),
        emu, vac.product, vac.delivery, end_day, cause, *bufs, count)
    return end_day, cause, bufs, count


def _dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    return (np.datetime64(start, "D") + np.floor(days).astype("timedelta64[D]")).astype(
        "datetime64[ns]")


def _codes(values: np.ndarray, names: tuple[str, ...], missing: str = "none") -> pd.Categorical:
    """Codes as a categorical (cheap to build and to store); negative codes are ``missing``."""
    labels = list(names) if missing in names else [*names, missing]
    codes = np.where(values < 0, labels.index(missing), values).astype(np.int32)
    return pd.Categorical.from_codes(codes, categories=labels)


def simulate_chunk(model: Model, start: int, stop: int) -> dict[str, pd.DataFrame]:
    """People ``start .. stop-1`` simulated into the schema's tables and the truth tables."""
    pop = sample_population(model.config, start, stop)
    n = len(pop)
    caps = [2 * n + 64, 8 * n + 64, n // 2 + 64, 4 * n + 64, 4 * n + 64]
    end_day, cause, bufs, count = _run_kernel(model, pop, caps)
    if any(int(c) > cap for c, cap in zip(count, caps, strict=True)):
        caps = [int(c) + 64 for c in count]
        end_day, cause, bufs, count = _run_kernel(model, pop, caps)
    tests, vax, mets, infs, les = (b[: int(c)] for b, c in zip(bufs, count, strict=True))
    t0 = model.config.cohort.start
    a = pop.arrays
    pid = a["person_id"]
    persons = pd.DataFrame({
        "person_id": pid,
        "sex": _codes(1 - a["female"].astype(np.int64), ("female", "male")),
        "age_at_entry": a["age"],
        "cancer_type": _codes(a["cancer"], CANCERS),
        "diagnosis_date": _dates(t0, a["diagnosis_day"]),
        "entry_date": _dates(t0, a["entry_day"]),
        "end_date": _dates(t0, end_day),
        "subtype": _codes(a["subtype"], (*SUBTYPES, "none")),
        "er_status": _codes(a["er_positive"], ("negative", "positive")),
        "her2_status": _codes(a["her2_positive"], ("negative", "positive")),
        "t_stage": _codes(a["t_stage"] - 1, ("T1", "T2")),
        "nodes": _codes(a["nodes"], NODES),
        "era": _codes(a["era"], ERAS),
        "deprivation": a["deprivation"].astype(np.int64),
        "smoking": _codes(a["smoking"], SMOKING),
        "bmi": a["bmi"],
    })
    died = cause >= 0
    deaths = pd.DataFrame({"person_id": pid[died], "date": _dates(t0, end_day[died]),
                           "cause": _codes(cause[died], CAUSES)})
    infections = pd.DataFrame({
        "person_id": tests[:, 0].astype(np.int64), "date": _dates(t0, tests[:, 1]),
        "pathogen": _codes(tests[:, 2].astype(np.int64), PATHOGENS),
        "result": _codes(tests[:, 3].astype(np.int64), RESULTS)})
    vaccinations = pd.DataFrame({
        "person_id": vax[:, 0].astype(np.int64), "date": _dates(t0, vax[:, 1]),
        "product": _codes(vax[:, 2].astype(np.int64), model.vaccines.names)})
    metastases = pd.DataFrame({
        "person_id": mets[:, 0].astype(np.int64), "date": _dates(t0, mets[:, 1]),
        "site": _codes(mets[:, 2].astype(np.int64), SITES)})
    truth_infections = pd.DataFrame({
        "person_id": infs[:, 0].astype(np.int64), "day": infs[:, 1],
        "date": _dates(t0, infs[:, 1]),
        "pathogen": _codes(infs[:, 2].astype(np.int64), PATHOGENS),
        "strain": _codes(infs[:, 3].astype(np.int64), STRAINS),
        "severity": _codes(infs[:, 4].astype(np.int64), SEVERITIES),
        "tested": infs[:, 5] > 0, "protection_remaining": infs[:, 6],
        "lesions_woken": infs[:, 7].astype(np.int64), "extra_doublings": infs[:, 8],
        "fatal": infs[:, 9] > 0})
    truth_lesions = pd.DataFrame({
        "person_id": les[:, 0].astype(np.int64), "day": les[:, 1],
        "date": _dates(t0, les[:, 1]), "lesion": les[:, 2].astype(np.int64),
        "site": _codes(les[:, 3].astype(np.int64), SITES),
        "event": _codes(les[:, 4].astype(np.int64), LESION_EVENTS),
        "log2_cells": les[:, 5], "extra_doublings": les[:, 6]})
    woke = truth_lesions["event"].isin(("woke", "woke_by_infection")).to_numpy()
    truth_awakenings = truth_lesions.loc[woke, ["person_id", "day", "date", "lesion", "site",
                                                "event"]].reset_index(drop=True)
    truth_awakenings["by_infection"] = truth_awakenings.pop("event") == "woke_by_infection"
    return {"persons": persons, "infections": infections, "vaccinations": vaccinations,
            "metastases": metastases, "deaths": deaths, "truth_infections": truth_infections,
            "truth_awakenings": truth_awakenings, "truth_lesions": truth_lesions}


__all__ = ["TABLES", "VARIANTS", "Model", "build_model", "chunk_bounds", "simulate_chunk"]
