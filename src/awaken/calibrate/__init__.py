"""Calibration: shipped data sets, fitting problems as tables, likelihood and ABC-SMC fits.

Entry points: :func:`problem` (named problems ``baccam2006``, ``chia2025``), :class:`Problem`
(build your own from four tables), :func:`fit_likelihood`, ``awaken.calibrate.abcsmc.fit``
(imports pyABC), :func:`run` (a fit end to end, as ``awaken calibrate`` does) and
:func:`calibrated` (shipped calibrated parameter sets with provenance) and
:func:`posterior_draws` (shipped posterior draws of lung parameters).
"""

from awaken.calibrate.calibrated import calibrated, calibrated_sets, provenance
from awaken.calibrate.datasets import DATASETS, dataset, load
from awaken.calibrate.draws import posterior_draws
from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.likelihood import fit as fit_likelihood
from awaken.calibrate.posterior import Posterior, summarize
from awaken.calibrate.problems import problem
from awaken.calibrate.workflow import run

__all__ = [
    "DATASETS",
    "Posterior",
    "Problem",
    "calibrated",
    "calibrated_sets",
    "dataset",
    "fit_likelihood",
    "load",
    "posterior_draws",
    "problem",
    "provenance",
    "run",
    "summarize",
]
