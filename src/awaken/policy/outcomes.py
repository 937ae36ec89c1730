"""Outcomes of one arm per 100,000 survivors over the horizon, from the cohort's tables.

| outcome | counted |
|---|---|
| ``infections`` | every infection (truth table), all pathogens |
| ``severe_infections`` | infections of class hospitalised or critical |
| ``awakenings`` | dormant lung lesions woken by an infection |
| ``lung_metastases`` | persons with a clinically detected lung metastasis |
| ``cancer_deaths`` | deaths recorded as cancer deaths (as a registry would record them) |
| ``life_years`` | years lived from entry to death or the horizon |

``vaccinated`` counts the people given more doses than in the baseline of the products whose
deliveries the scenario changes (its own campaigns, or programme), ``doses`` the extra doses,
before the horizon; zero for a scenario without vaccines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PER = 100_000
OUTCOMES = ("infections", "severe_infections", "awakenings", "lung_metastases",
            "cancer_deaths", "life_years")
GAINED = ("life_years",)  # reported as gained (scenario - baseline); the rest as averted


def dose_counts(tables: dict[str, pd.DataFrame], lo: int, hi: int,
                n_products: int) -> np.ndarray:
    """Doses per person of the chunk of ids ``lo .. hi-1`` and product: ``(hi - lo, P)``."""
    vax = tables["vaccinations"]
    ids = vax["person_id"].to_numpy(np.int64) - lo
    code = vax["product"].cat.codes.to_numpy(np.int64)
    flat = np.bincount(ids * n_products + code, minlength=(hi - lo) * n_products)
    return flat.reshape(hi - lo, n_products)


def vaccinated(doses: np.ndarray, base: np.ndarray, products: tuple[int, ...]
               ) -> tuple[float, float]:
    """People given more doses of ``products`` than in the baseline, and the extra doses."""
    cols = list(products)
    mine, ref = doses[:, cols].sum(axis=1), base[:, cols].sum(axis=1)
    return float((mine > ref).sum()), float(mine.sum() - ref.sum())


def counts(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The outcomes of one arm as counts (life-years in years)."""
    inf = tables["truth_infections"]
    mets = tables["metastases"]
    persons = tables["persons"]
    lived = (persons["end_date"] - persons["entry_date"]).dt.days.to_numpy(float) / 365.25
    return {
        "infections": float(len(inf)),
        "severe_infections": float(inf["severity"].isin(("hospitalised", "critical")).sum()),
        "awakenings": float(tables["truth_awakenings"]["by_infection"].sum()),
        "lung_metastases": float(mets.loc[mets["site"] == "lung", "person_id"].nunique()),
        "cancer_deaths": float((tables["deaths"]["cause"] == "cancer").sum()),
        "life_years": float(lived.sum()),
    }


