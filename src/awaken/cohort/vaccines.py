"""Vaccine products and their deliveries as arrays for the kernel (kept apart, as declared).

A product says what a dose does (efficacy against infection and severe disease, waning); a
delivery says who is offered which product, when, and with what uptake. Efficacy decays
exponentially from its initial value to its floor with time constant ``waning_days``, from
``onset_days`` after the dose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from awaken.cohort.config import Config
from awaken.core.schema import PATHOGENS


@dataclass(frozen=True)
class Vaccines:
    """Products (``P``) and deliveries (``D``) as arrays."""

    names: tuple[str, ...]  # product names, as written in the vaccinations table
    product: np.ndarray  # (P, 7): pathogen, ve_inf, ve_inf_floor, ve_sev, ve_sev_floor,
    #                              waning_days, onset_days
    delivery: np.ndarray  # (D, 8): product, start, end, age_min, age_max, coverage, after,
    #                               gap_days (days since the cohort start; after -1 if none)
    delivery_names: tuple[str, ...]


def build_vaccines(cfg: Config) -> Vaccines:
    """Arrays of the configured products and deliveries."""
    vc = cfg.vaccination
    names = tuple(vc.products)
    product = np.array([[PATHOGENS.index(p.pathogen), p.ve_infection, p.ve_infection_floor,
                         p.ve_severe, p.ve_severe_floor, p.waning_days, p.onset_days]
                        for p in vc.products.values()], dtype=float).reshape(-1, 7)
    t0 = cfg.cohort.start
    delivery = np.array([[names.index(d.product), (d.start - t0).days, (d.end - t0).days,
                          d.age_min, d.age_max, d.coverage,
                          -1 if d.after is None else names.index(d.after), d.gap_days]
                         for d in vc.deliveries], dtype=float).reshape(-1, 8)
    return Vaccines(names, product, delivery, tuple(d.name for d in vc.deliveries))
