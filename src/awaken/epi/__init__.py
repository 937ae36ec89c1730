"""Survival analyses of the human studies: Cox models on counting-process data.

Numerically the same as R's ``survival`` (``coxph``, ``cox.zph``), and faster.
"""

from awaken.epi.cox import CoxResult, fit_cox
from awaken.epi.cox_predict import baseline_hazard, cox_survfit, predict_cox
from awaken.epi.cox_residuals import cox_residuals
from awaken.epi.designs import DESIGNS, DesignResult, make_design
from awaken.epi.finegray import cause_specific_cox, fine_gray, finegray_expand
from awaken.epi.km_stats import restricted_mean, survival_quantiles
from awaken.epi.logrank import SurvdiffResult, survdiff
from awaken.epi.nonparametric import aalen_johansen, kaplan_meier
from awaken.epi.poisson import fit_logistic, fit_poisson, piecewise_exponential
from awaken.epi.schema import Cohort, load_cohort
from awaken.epi.survreg import SurvregResult, fit_survreg
from awaken.epi.synthetic import SyntheticSpec, make_synthetic_cohort
from awaken.epi.timelines import Timeline
from awaken.epi.zph import cox_zph

__all__ = [
    "DESIGNS",
    "Cohort",
    "CoxResult",
    "DesignResult",
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
    "fit_logistic",
    "fit_poisson",
    "fit_survreg",
    "kaplan_meier",
    "load_cohort",
    "make_design",
    "make_synthetic_cohort",
    "piecewise_exponential",
    "predict_cox",
    "restricted_mean",
    "survdiff",
    "survival_quantiles",
]
