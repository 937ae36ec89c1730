"""The cohort model's scalar parameters, declared once (value, unit, range, source).

A configuration's ``[parameters]`` table overrides them by name, within the declared range.
Tables of probabilities (severity, infection fatality) live in :mod:`awaken.cohort.severity`.
"""

from __future__ import annotations

from types import MappingProxyType

from awaken.core.params import Parameter

_P = Parameter
ASSUMED = "assumption (no published figure found); vary it in sensitivity analyses"

PARAMETERS: MappingProxyType[str, Parameter] = MappingProxyType({p.name: p for p in (
    # tumour biology
    _P("awakening_rate", 0.02, "1/year", 0.005, 0.1,
       "spontaneous dormancy exit per dormant micrometastasis", "Willis et al. 2010 "
       "(0.01-0.06 per micrometastasis-year)"),
    _P("dormant_log2_cells", 20.0, "log2 cells", 0.0, 26.0,
       "size of a dormant micrometastasis (2**20 ~ 1e6 cells, below ~1 mm)", ASSUMED),
    _P("detect_log2_cells", 30.0, "log2 cells", 24.0, 36.0,
       "size at clinical detection (2**30 ~ 1e9 cells, ~1 cm)", "conventional 1 cm ~ 1e9 "
       "cells; FACTS 5"),
    _P("td_luminal", 241.0, "day", 50.0, 500.0, "volume doubling time, ER+ (luminal)",
       "Ryu et al. 2014 [secondary]"),
    _P("td_her2", 162.0, "day", 50.0, 500.0, "volume doubling time, HER2+",
       "Ryu et al. 2014 [secondary]"),
    _P("td_tnbc", 103.0, "day", 30.0, 500.0, "volume doubling time, triple negative",
       "Ryu et al. 2014 [secondary]"),
    _P("td_other", 150.0, "day", 30.0, 500.0, "volume doubling time, other cancers", ASSUMED),
    _P("seeding_lead_years", 3.0, "year", 0.0, 15.0,
       "dormant cells are seeded this long before diagnosis and may wake from then on",
       ASSUMED),
    _P("reservoir_other", 0.3, "lesions", 0.0, 20.0,
       "mean number of dormant micrometastases, cancers other than breast", ASSUMED),
    _P("share_lung", 0.30, "1", 0.0, 1.0, "share of metastatic lesions seeded in the lung",
       "SEER: ~30% of metastatic breast cancer has lung involvement [secondary] (FACTS 5)"),
    _P("share_liver", 0.20, "1", 0.0, 1.0, "share seeded in the liver", ASSUMED),
    _P("share_brain", 0.08, "1", 0.0, 1.0, "share seeded in the brain (the rest: bone)",
       ASSUMED),
    _P("survival_luminal", 42.0, "month", 3.0, 120.0,
       "median survival after a metastasis, ER+", "Xiao et al. 2018; Chen et al. 2019 "
       "(SEER, lung metastasis, 13-42 months by subtype)"),
    _P("survival_her2", 30.0, "month", 3.0, 120.0, "median survival after a metastasis, HER2+",
       "Xiao et al. 2018; Chen et al. 2019"),
    _P("survival_tnbc", 13.0, "month", 3.0, 120.0,
       "median survival after a metastasis, triple negative", "Xiao et al. 2018; Chen 2019"),
    _P("survival_other", 18.0, "month", 3.0, 120.0,
       "median survival after a metastasis, other cancers", ASSUMED),
    _P("other_cause_scale", 1.0, "1", 0.0, 10.0,
       "multiplier of other-cause mortality (0 isolates the tumour model, as in validation)",
       "the Gompertz fit of awaken.cohort.mortality is the default (1)"),
    # pathway (a) awakening
    _P("awakening_per_log_fold", 0.02, "1", 0.0, 1.0,
       "hazard of waking one dormant lung lesion per unit ln(DCC fold change at day 28) of an "
       "infection's response: p = 1 - fold**(-this)", "human scale factor; not fitted yet"),
    # pathway (b) acceleration
    _P("acceleration_scale", 1.0, "1", 0.0, 10.0,
       "multiplier of the emulator's extra doublings of growing lung lesions (the lung "
       "model re-run at the lesion's doubling time)",
       "human scale factor; not fitted yet"),
    _P("acceleration_halving", 3.0, "doublings", 0.1, 30.0,
       "extra doublings halve for every this many doublings a lesion has grown beyond "
       "dormant size (large lesions respond less)", ASSUMED),
    # pathway (c) infection deaths among people with advanced cancer
    _P("advanced_death_ratio", 3.0, "1", 1.0, 30.0,
       "multiplier of the infection fatality risk for people with metastatic cancer",
       "order of magnitude from COVID-19 cancer cohorts (CCC19, UKCCMP) [assumption]"),
    _P("infection_death_days", 18.0, "day", 1.0, 90.0,
       "mean delay from infection to an infection death", ASSUMED),
    # pathway (d) cause-of-death attribution
    _P("attribution_metastatic", 0.4, "1", 0.0, 1.0,
       "probability an infection death of a person with metastatic cancer is recorded as a "
       "cancer death", ASSUMED),
    _P("attribution_history", 0.03, "1", 0.0, 1.0,
       "the same for a person with a cancer history only", ASSUMED),
    # pathway (e) testing
    _P("testing_ratio_advanced", 3.0, "1", 1.0, 30.0,
       "odds ratio of being tested (and rate ratio of negative tests) for people with "
       "metastatic cancer, who are in contact with hospitals", ASSUMED),
)})
"""Every cohort parameter by name, with unit, range and source."""

# The five switchable pathways from infection to outcome, each with its parameters (the switch
# is ``[pathways] NAME = true/false``; docs/cohort.md explains each and the delay it implies).
PATHWAYS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "awakening": ("awakening_per_log_fold",),
    "acceleration": ("acceleration_scale", "acceleration_halving"),
    "infection_death": ("advanced_death_ratio", "infection_death_days"),
    "attribution": ("attribution_metastatic", "attribution_history"),
    "testing": ("testing_ratio_advanced",),
})
