"""Severity of an infection and death from it, by pathogen, variant and age group.

Classes (the lung model's): upper, symptomatic, lower, hospitalised, critical. Rows of the
tables are the six *strains* below; columns the age groups (< 65, >= 65). All values are
assumptions of plausible order of magnitude (no single published table matches these classes);
vaccination moves mass from the severe classes to ``symptomatic`` (see the kernel).
"""

from __future__ import annotations

import numpy as np

STRAINS = ("sars2-wildtype", "sars2-alpha", "sars2-delta", "sars2-omicron", "influenza", "rsv")
SOURCE = ("assumption: order of magnitude from UK hospitalisation and infection-fatality "
          "estimates; vary it in sensitivity analyses")

# P(class | infected), wild-type SARS-CoV-2, influenza and RSV, by age group (< 65, >= 65).
_BASE = {
    "sars2": ((0.40, 0.50, 0.075, 0.020, 0.005), (0.30, 0.50, 0.12, 0.06, 0.02)),
    "influenza": ((0.50, 0.44, 0.05, 0.008, 0.002), (0.50, 0.38, 0.08, 0.03, 0.01)),
    "rsv": ((0.55, 0.40, 0.04, 0.008, 0.002), (0.45, 0.40, 0.10, 0.04, 0.01)),
}
# Severity of each variant relative to wild type (hospitalised and critical scale by it,
# lower-tract disease by its square root), and of death given a severe class.
VARIANT_SEVERITY = {"wildtype": 1.0, "alpha": 1.4, "delta": 1.8, "omicron": 0.35}
VARIANT_FATALITY = {"wildtype": 1.0, "alpha": 1.0, "delta": 1.0, "omicron": 0.6}
# P(death | class) for hospitalised and critical infections, by age band.
AGE_BANDS = (50.0, 65.0, 75.0, 85.0)  # upper limits of the first four bands
_DEATH_HOSPITALISED = (0.02, 0.05, 0.12, 0.22, 0.35)
_DEATH_CRITICAL = (0.20, 0.30, 0.45, 0.60, 0.70)
_FLU_RSV_FATALITY = 0.8


def severity_table() -> np.ndarray:
    """Cumulative P(class <= c | infected): shape (strain, age group, 5)."""
    out = np.empty((len(STRAINS), 2, 5))
    for s, strain in enumerate(STRAINS):
        pathogen, _, variant = strain.partition("-")
        for g in range(2):
            p = np.array(_BASE[pathogen][g])
            if variant:
                f = VARIANT_SEVERITY[variant]
                p[3:] *= f
                p[2] *= np.sqrt(f)
                p[0] = 1.0 - p[1:].sum()
            out[s, g] = np.cumsum(p / p.sum())
    return out


def fatality_table() -> np.ndarray:
    """P(death | class): shape (strain, age band, 5); zero for the mild classes."""
    out = np.zeros((len(STRAINS), len(AGE_BANDS) + 1, 5))
    for s, strain in enumerate(STRAINS):
        pathogen, _, variant = strain.partition("-")
        f = VARIANT_FATALITY[variant] if variant else _FLU_RSV_FATALITY
        out[s, :, 3] = np.minimum(1.0, f * np.array(_DEATH_HOSPITALISED))
        out[s, :, 4] = np.minimum(1.0, f * np.array(_DEATH_CRITICAL))
    return out
