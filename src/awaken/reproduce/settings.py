"""How big a reproduction is: the default (the studies' sizes, replicated) or ``--quick``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

UKB_N = 50_000  # survivors in the UK Biobank-like preset (4,837 of them tested)
FLATIRON_N = 36_845  # breast cancer patients in the Flatiron Health study
EARLY_PERIOD = ("2020-12-01", "2022-01-31")  # the seed's early period
BANDS = (0.0, 91.0, 365.0)  # days since infection: 0-3, 3-12, > 12 months


@dataclass(frozen=True)
class Settings:
    """Sizes and seed of one reproduction; stored with every stage so ``--resume`` can
    refuse to mix runs made with different settings."""

    seed: int = 0
    quick: bool = False
    replicates: int = 60  # cohorts at each study's size
    ukb_n: int = UKB_N
    flatiron_n: int = FLATIRON_N
    large_factor: int = 10  # the large cohorts (underlying effect, pathways) are this x size
    pathway_replicates: int = 2  # large cohorts per pathway configuration (common seeds)
    pan_n: int = 50_000  # persons per Pan 2017 category
    stochastic_checks: bool = True  # the 200 stochastic PBS mice of check pbs_escape
    vaccination_n: int = 200_000  # breast cancer survivors, with and without COVID-19 vaccines
    vaccination_replicates: int = 3
    bias_replicates: int = 10  # cohorts per study walked from the truth to the estimate
    posterior: str | None = None  # the posterior draws' fingerprint (None: no posterior)
    posterior_draws: int = 10  # draws (emulators) the study replicates cycle through
    posterior_mouse_draws: int = 200  # draws the mouse experiment is re-run for

    @classmethod
    def make(cls, seed: int = 0, quick: bool = False) -> Settings:
        """The default run, or the ``--quick`` one (small numbers, about a minute)."""
        if not quick:
            return cls(seed=seed)
        return cls(seed=seed, quick=True, replicates=3, ukb_n=20_000, flatiron_n=15_000,
                   large_factor=2, pathway_replicates=1, pan_n=5_000, stochastic_checks=False,
                   vaccination_n=20_000, vaccination_replicates=1,
                   bias_replicates=2, posterior_draws=3, posterior_mouse_draws=20)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cohort_seed(seed: int, study: str, replicate: int) -> int:
    """The cohort seed of one replicate: depends on (seed, study, replicate) only, so a
    configuration with a pathway switched off reuses the baseline's random numbers."""
    keys = [seed, sum(map(ord, study)), replicate]
    return int(np.random.SeedSequence(keys).generate_state(1, np.uint64)[0] >> np.uint64(2))
