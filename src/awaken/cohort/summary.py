"""Counts and rates of a simulated cohort: what ``awaken cohort summary`` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awaken.cohort.storage import read_tables

if TYPE_CHECKING:
    import pandas as pd


def _counts(frame: pd.DataFrame, by: str | list[str]) -> dict[str, int]:
    if frame.empty:
        return {}
    g = frame.groupby(by, observed=True).size()
    return {("/".join(map(str, k)) if isinstance(k, tuple) else str(k)): int(v)
            for k, v in g.items()}


def summarise(path: str | Path) -> dict[str, Any]:
    """Persons, infections by strain and severity, tested share, vaccinations, metastases by
    site, deaths by cause, and the run's provenance."""
    import pandas as pd

    t = read_tables(Path(path), ("persons", "infections", "vaccinations", "metastases",
                                 "deaths", "truth_infections", "truth_awakenings", "run"))
    persons = t["persons"]
    years = ((pd.to_datetime(persons["end_date"]) - pd.to_datetime(persons["entry_date"]))
             .dt.days.sum() / 365.25)
    truth = t["truth_infections"]
    tests = t["infections"]
    sars2 = tests[tests["pathogen"] == "sars2"]
    run = dict(zip(t["run"]["key"], t["run"]["value"], strict=True)) if "run" in t else {}
    emulator = json.loads(run["emulator"]) if "emulator" in run else {}
    return {
        "persons": int(len(persons)),
        "person_years": round(float(years), 1),
        "infections_true": int(len(truth)),
        "infections_by_strain": _counts(truth, "strain"),
        "infections_by_severity": _counts(truth, "severity"),
        "infections_by_strain_severity": _counts(truth, ["strain", "severity"]),
        "tested_share_of_infections": round(float(truth["tested"].mean()), 4) if len(truth)
        else 0.0,
        "persons_tested_sars2": int(sars2["person_id"].nunique()),
        "persons_positive_sars2": int(sars2.loc[sars2["result"] == "positive",
                                                "person_id"].nunique()),
        "tests_by_pathogen_result": _counts(tests, ["pathogen", "result"]),
        "vaccinations_by_product": _counts(t["vaccinations"], "product"),
        "metastases_by_site": _counts(t["metastases"], "site"),
        "awakenings": _counts(t["truth_awakenings"], "by_infection"),
        "deaths_by_cause": _counts(t["deaths"], "cause"),
        "deaths_per_1000_person_years": round(1000 * len(t["deaths"]) / years, 2) if years
        else 0.0,
        "emulator": emulator,
    }
