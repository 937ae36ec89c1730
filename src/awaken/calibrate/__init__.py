"""Calibration: shipped data sets, fitting problems as tables, likelihood and ABC-SMC fits."""

from awaken.calibrate.datasets import DATASETS, dataset, load
from awaken.calibrate.problem import Problem

__all__ = ["DATASETS", "Problem", "dataset", "load"]
