"""Survival analyses of the human studies, numerically the same as R's ``survival``.

Cox models (``fit_cox``, formulas, residuals, predictions, ``cox_zph``), Kaplan–Meier and
Aalen–Johansen curves, log-rank tests, parametric models, Fine–Gray, Poisson and the study
designs. Names are imported on first use, so ``awaken epi cox`` does not pay for the designs
and their plotting.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from awaken.core.cache import use_kernel_cache

use_kernel_cache()  # before any kernel is defined: numba caches in the user cache folder

_WHERE = {
    "Cohort": "awaken.epi.schema",
    "CoxResult": "awaken.epi.cox",
    "DESIGNS": "awaken.epi.designs",
    "DesignResult": "awaken.epi.designs",
    "SurvdiffResult": "awaken.epi.logrank",
    "SurvregResult": "awaken.epi.survreg",
    "SyntheticSpec": "awaken.epi.synthetic",
    "Timeline": "awaken.epi.timelines",
    "aalen_johansen": "awaken.epi.nonparametric",
    "baseline_hazard": "awaken.epi.cox_predict",
    "cause_specific_cox": "awaken.epi.finegray",
    "cox_residuals": "awaken.epi.cox_residuals",
    "cox_survfit": "awaken.epi.cox_predict",
    "cox_zph": "awaken.epi.zph",
    "fine_gray": "awaken.epi.finegray",
    "finegray_expand": "awaken.epi.finegray",
    "fit_cox": "awaken.epi.cox",
    "fit_frailty": "awaken.epi.frailty",
    "FrailtyResult": "awaken.epi.frailty",
    "fit_logistic": "awaken.epi.poisson",
    "fit_poisson": "awaken.epi.poisson",
    "fit_survreg": "awaken.epi.survreg",
    "kaplan_meier": "awaken.epi.nonparametric",
    "load_cohort": "awaken.epi.schema",
    "make_design": "awaken.epi.designs",
    "make_synthetic_cohort": "awaken.epi.synthetic",
    "multistate_curves": "awaken.epi.multistate",
    "piecewise_exponential": "awaken.epi.poisson",
    "predict_cox": "awaken.epi.cox_predict",
    "restricted_mean": "awaken.epi.km_stats",
    "survdiff": "awaken.epi.logrank",
    "survival_quantiles": "awaken.epi.km_stats",
}

__all__ = [
    "DESIGNS",
    "Cohort",
    "CoxResult",
    "DesignResult",
    "FrailtyResult",
    "SurvdiffResult",
    "SurvregResult",
    "SyntheticSpec",
    "Timeline",
    "aalen_johansen",
    "baseline_hazard",
    "cause_specific_cox",
    "cox_residuals",
    "cox_survfit",
    "cox_zph",
    "fine_gray",
    "finegray_expand",
    "fit_cox",
    "fit_frailty",
    "fit_logistic",
    "fit_poisson",
    "fit_survreg",
    "kaplan_meier",
    "load_cohort",
    "make_design",
    "make_synthetic_cohort",
    "multistate_curves",
    "piecewise_exponential",
    "predict_cox",
    "restricted_mean",
    "survdiff",
    "survival_quantiles",
]



def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'awaken.epi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from awaken.epi.cox import CoxResult, fit_cox
    from awaken.epi.cox_predict import baseline_hazard, cox_survfit, predict_cox
    from awaken.epi.cox_residuals import cox_residuals
    from awaken.epi.designs import DESIGNS, DesignResult, make_design
    from awaken.epi.finegray import cause_specific_cox, fine_gray, finegray_expand
    from awaken.epi.frailty import FrailtyResult, fit_frailty
    from awaken.epi.km_stats import restricted_mean, survival_quantiles
    from awaken.epi.logrank import SurvdiffResult, survdiff
    from awaken.epi.multistate import multistate_curves
    from awaken.epi.nonparametric import aalen_johansen, kaplan_meier
    from awaken.epi.poisson import fit_logistic, fit_poisson, piecewise_exponential
    from awaken.epi.schema import Cohort, load_cohort
    from awaken.epi.survreg import SurvregResult, fit_survreg
    from awaken.epi.synthetic import SyntheticSpec, make_synthetic_cohort
    from awaken.epi.timelines import Timeline
    from awaken.epi.zph import cox_zph
