"""Survival analyses of the human studies: Cox models on counting-process data.

Numerically the same as R's ``survival`` (``coxph``, ``cox.zph``), and faster.
"""

from awaken.epi.cox import CoxResult, fit_cox
from awaken.epi.zph import cox_zph

__all__ = [
    "CoxResult",
    "cox_zph",
    "fit_cox",
]
