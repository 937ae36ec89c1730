"""Tumour biology per person: a Poisson reservoir of micrometastases, calibrated to Pan 2017.

Each survivor carries ``Poisson(m)`` micrometastases, seeded ``seeding_lead_years`` before
diagnosis at ``dormant_log2_cells``. Each wakes at ``awakening_rate`` (Willis 2010), then grows
with its subtype's doubling time until ``detect_log2_cells`` (clinical detection, at a site
drawn once per lesion); a first detected metastasis sets a cancer death time with the
subtype's median survival. The mean ``m`` for breast cancer is calibrated by T and N so that,
without infections and other-cause death, the risk of distant recurrence in years 5-20 equals
Pan et al. 2017's; the same reservoir is used for every breast subtype (Pan's women were ER+).
"""

from __future__ import annotations

import csv
import math
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from awaken.cohort.config import SUBTYPES, Config

if TYPE_CHECKING:
    import pandas as pd

NODES = ("N0", "N1-3", "N4-9")
SITES = ("lung", "liver", "brain", "bone")  # the order of the site draw


def pan2017() -> pd.DataFrame:
    """Pan et al. 2017 risks of distant recurrence, years 5-20, by T and N.

    The table shipped with the calibrate layer, read as a file (cohort does not import
    calibrate).
    """
    import pandas as pd

    with resources.as_file(_PAN2017) as p:
        return pd.read_csv(p)


_PAN2017 = resources.files("awaken").joinpath("calibrate", "data", "pan2017_recurrence.csv")


def _pan2017_risks() -> dict[tuple[str, str], float]:
    """Pan 2017's risks by (T, N), read without pandas (every chunk's population uses them)."""
    rows = csv.DictReader(_PAN2017.read_text().splitlines())
    return {(r["t_stage"], r["nodes"]): float(r["risk_years_5_to_20"]) for r in rows}


def doubling_days(cfg: Config) -> np.ndarray:
    """Doubling time (days) by subtype code: luminal, her2, tnbc, other cancers."""
    return np.array([cfg.value(f"td_{s}") for s in (*SUBTYPES, "other")])


def growth_years(cfg: Config, subtype: int) -> float:
    """Years from waking to clinical detection for a subtype code."""
    doublings = cfg.value("detect_log2_cells") - cfg.value("dormant_log2_cells")
    return doublings * doubling_days(cfg)[subtype] / 365.25


def detected_by(cfg: Config, years: float, subtype: int = 0) -> float:
    """P(one micrometastasis is detected by ``years`` after diagnosis), infections aside."""
    lam = cfg.value("awakening_rate")
    age = years + cfg.value("seeding_lead_years") - growth_years(cfg, subtype)
    return 1.0 - math.exp(-lam * max(0.0, age))


def reservoir_by_stage(cfg: Config) -> np.ndarray:
    """Calibrated mean reservoir ``m`` as an array ``(T1/T2, N0/N1-3/N4-9)``.

    ``1 - exp(-m (F(20) - F(5))) = risk`` (Poisson thinning), F from :func:`detected_by`
    for the luminal doubling time.
    """
    window = detected_by(cfg, 20.0) - detected_by(cfg, 5.0)
    out = np.empty((2, 3))
    for (t_stage, nodes), risk in _pan2017_risks().items():
        out[int(t_stage[1]) - 1, NODES.index(nodes)] = -math.log1p(-risk) / window
    return out


def site_cumulative(cfg: Config) -> np.ndarray:
    """Cumulative probabilities of :data:`SITES` for a lesion's site."""
    p = np.array([cfg.value("share_lung"), cfg.value("share_liver"), cfg.value("share_brain")])
    p = np.append(p, max(0.0, 1.0 - p.sum()))
    return np.cumsum(p / p.sum())


def survival_days(cfg: Config) -> np.ndarray:
    """Mean survival (days, exponential) after a first metastasis, by subtype code."""
    months = np.array([cfg.value(f"survival_{s}") for s in (*SUBTYPES, "other")])
    return months * 30.4375 / math.log(2.0)
