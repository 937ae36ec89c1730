"""A configuration assembled into the kernel's arrays, and one chunk simulated into tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from awaken.cohort import kernel as K
from awaken.cohort.calendars import Calendars, build_calendars
from awaken.cohort.columns import Codes, Column, Days, Tables, to_arrow, to_pandas
from awaken.cohort.config import SEVERITIES, SUBTYPES, VARIANTS, Config
from awaken.cohort.emulator import Emulator
from awaken.cohort.mortality import other_cause_hazards
from awaken.cohort.parameters import PATHWAYS
from awaken.cohort.population import CANCERS, ERAS, SMOKING, Population, sample_population
from awaken.cohort.severity import AGE_BANDS, STRAINS, fatality_table, severity_table
from awaken.cohort.tumour import NODES, SITES, doubling_days, site_cumulative, survival_days
from awaken.cohort.vaccines import Vaccines, build_vaccines
from awaken.core.schema import CAUSES, PATHOGENS, RESULTS

if TYPE_CHECKING:
    import pandas as pd

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
    # P(class <= c | infected) and P(death | class): the declared tables unless a caller (the
    # policy layer: antivirals, treatment) passes changed ones of the same shape
    severity: np.ndarray = field(default_factory=severity_table)
    fatality: np.ndarray = field(default_factory=fatality_table)


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


def _run_kernel(model: Model, pop: Population,
                caps: list[int]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    n = len(pop)
    cal, vac = model.calendars, model.vaccines
    end_day = np.empty(n)
    cause = np.empty(n, np.int64)
    cols = (K.TEST_COLS, K.VAX_COLS, K.MET_COLS, K.INF_COLS, K.LES_COLS)
    bufs = [np.empty((k, cap)) for k, cap in zip(cols, caps, strict=True)]  # a column a row
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
        cal.negative_cumulative, model.severity, model.fatality, np.array(AGE_BANDS),
        emu, model.emulator.doublings_at(doubling_days(model.config)), vac.product,
        vac.delivery, end_day, cause, *bufs, count)
    return end_day, cause, bufs, count


def chunk_columns(model: Model, start: int, stop: int) -> Tables:
    """People ``start .. stop-1`` simulated into the columns of every table (see columns.py)."""
    pop = sample_population(model.config, start, stop)
    n = len(pop)
    caps = [2 * n + 64, 8 * n + 64, n // 2 + 64, 4 * n + 64, 4 * n + 64]
    end_day, cause, bufs, count = _run_kernel(model, pop, caps)
    if any(int(c) > cap for c, cap in zip(count, caps, strict=True)):
        caps = [int(c) + 64 for c in count]
        end_day, cause, bufs, count = _run_kernel(model, pop, caps)
    tests, vax, mets, infs, les = (b[:, : int(c)] for b, c in zip(bufs, count, strict=True))
    t0 = model.config.cohort.start
    a = pop.arrays
    pid = a["person_id"]

    def ints(x: np.ndarray) -> np.ndarray:
        return x.astype(np.int64)

    def small(x: np.ndarray) -> np.ndarray:  # category codes
        return x.astype(np.int32)

    def real(x: np.ndarray) -> np.ndarray:  # a copy: views would keep the buffers alive
        return x.copy()

    persons: dict[str, Column] = {
        "person_id": pid,
        "sex": Codes(1 - a["female"].astype(np.int64), ("female", "male")),
        "age_at_entry": a["age"],
        "cancer_type": Codes(a["cancer"], CANCERS),
        "diagnosis_date": Days(a["diagnosis_day"], t0),
        "entry_date": Days(a["entry_day"], t0),
        "end_date": Days(end_day, t0),
        "subtype": Codes(a["subtype"], (*SUBTYPES, "none")),
        "er_status": Codes(a["er_positive"], ("negative", "positive")),
        "her2_status": Codes(a["her2_positive"], ("negative", "positive")),
        "t_stage": Codes(a["t_stage"] - 1, ("T1", "T2")),
        "nodes": Codes(a["nodes"], NODES),
        "era": Codes(a["era"], ERAS),
        "deprivation": ints(a["deprivation"]),
        "smoking": Codes(a["smoking"], SMOKING),
        "bmi": a["bmi"],
    }
    died = cause >= 0
    deaths: dict[str, Column] = {"person_id": pid[died], "date": Days(end_day[died], t0),
              "cause": Codes(cause[died], CAUSES)}
    infections: dict[str, Column] = {"person_id": ints(tests[0]), "date": Days(tests[1], t0),
                  "pathogen": Codes(small(tests[2]), PATHOGENS),
                  "result": Codes(small(tests[3]), RESULTS)}
    vaccinations: dict[str, Column] = {"person_id": ints(vax[0]), "date": Days(vax[1], t0),
                    "product": Codes(small(vax[2]), model.vaccines.names)}
    metastases: dict[str, Column] = {"person_id": ints(mets[0]), "date": Days(mets[1], t0),
                  "site": Codes(small(mets[2]), SITES)}
    truth_infections: dict[str, Column] = {
        "person_id": ints(infs[0]), "day": real(infs[1]), "date": Days(infs[1], t0),
        "pathogen": Codes(small(infs[2]), PATHOGENS),
        "strain": Codes(small(infs[3]), STRAINS),
        "severity": Codes(small(infs[4]), SEVERITIES),
        "tested": infs[5] > 0, "protection_remaining": real(infs[6]),
        "lesions_woken": ints(infs[7]), "extra_doublings": real(infs[8]),
        "fatal": infs[9] > 0}
    event = small(les[4])
    truth_lesions: dict[str, Column] = {
        "person_id": ints(les[0]), "day": real(les[1]), "date": Days(les[1], t0),
        "lesion": ints(les[2]), "site": Codes(small(les[3]), SITES),
        "event": Codes(event, LESION_EVENTS), "log2_cells": real(les[5]),
        "extra_doublings": real(les[6])}
    woke = (event == K.EV_WOKE) | (event == K.EV_WOKE_INFECTION)
    truth_awakenings: dict[str, Column] = {k: c[woke] if isinstance(c, np.ndarray) else c.take(woke)
                        for k, c in truth_lesions.items()
                        if k in ("person_id", "day", "date", "lesion", "site")}
    truth_awakenings["by_infection"] = event[woke] == K.EV_WOKE_INFECTION
    return {"persons": persons, "infections": infections, "vaccinations": vaccinations,
            "metastases": metastases, "deaths": deaths, "truth_infections": truth_infections,
            "truth_awakenings": truth_awakenings, "truth_lesions": truth_lesions}


def simulate_chunk(model: Model, start: int, stop: int) -> dict[str, pd.DataFrame]:
    """People ``start .. stop-1`` simulated into the schema's tables and the truth tables."""
    return to_pandas(chunk_columns(model, start, stop))


def chunk_tables(model: Model, start: int, stop: int) -> dict[str, pa.Table]:
    """The same tables as Arrow, built from the arrays (what a run writes)."""
    return to_arrow(chunk_columns(model, start, stop))


__all__ = ["TABLES", "VARIANTS", "Model", "build_model", "chunk_bounds", "chunk_tables",
           "simulate_chunk"]
