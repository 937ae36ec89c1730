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
from awaken.cohort.kernel import MAX_DOSES
from awaken.core.errors import InputError
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


def most_doses(cfg: Config, coverage: np.ndarray | None = None) -> int:
    """The most doses the deliveries could offer one person over the cohort's window.

    A delivery counts for everyone whose age at its start is in its range, if its coverage
    (``coverage``, one value per delivery, else the configured ones) is above 0 and it starts
    before the cohort's end: an upper bound (the ``after`` rules are not applied).
    """
    vc = cfg.vaccination.deliveries
    if not vc:
        return 0
    start, end = cfg.cohort.start, cfg.cohort.end
    cov = np.array([d.coverage for d in vc]) if coverage is None else np.asarray(coverage)
    offsets = np.array([(d.start - start).days / 365.25 for d in vc])
    lo = np.array([d.age_min for d in vc])
    hi = np.array([d.age_max for d in vc])
    used = (cov > 0) & np.array([d.start <= end for d in vc])
    ages = np.arange(0.0, 130.0, 0.25)[:, None] + offsets[None, :]  # age at each delivery
    eligible = (ages >= lo) & (ages < hi) & used
    return int(eligible.sum(axis=1).max())


def check_dose_capacity(cfg: Config, coverage: np.ndarray | None = None,
                        what: str = "vaccination.deliveries",
                        advice: str = "shorten the cohort's window or merge deliveries") -> None:
    """Refuse deliveries that could offer one person more doses than the kernel keeps
    (``MAX_DOSES``): it would drop the last ones without a word."""
    most = most_doses(cfg, coverage)
    if most > MAX_DOSES:
        raise InputError(
            f"{what}: one person could be offered {most} vaccine doses from "
            f"{cfg.cohort.start} to {cfg.cohort.end}, more than the {MAX_DOSES} the cohort "
            f"kernel keeps (MAX_DOSES); {advice}")
