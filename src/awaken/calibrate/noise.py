"""Measurement noise: log-likelihood of each observation, with censoring.

Model value and measurement are compared on the observable's transformed scale
(``lin``, ``log`` or ``log10``); ``sigma`` is the noise scale there. A left-censored
observation (value below a detection limit) contributes the CDF at the limit, a
right-censored one (a lower bound) the survival function.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

NOISE_MODELS = ("normal", "lognormal", "laplace")
TRANSFORMATIONS = ("lin", "log", "log10")
CENSORING = ("none", "left", "right")
_HALF_LOG_2PI = 0.5 * float(np.log(2 * np.pi))
_LOG2 = float(np.log(2.0))
FLOOR = 1e-300  # model values at or below zero are floored before a log transformation


def transform(values: np.ndarray, how: str) -> np.ndarray:
    """Apply an observable transformation (values floored at ``FLOOR`` for logs)."""
    values = np.asarray(values, dtype=float)
    if how == "log10":
        return np.log10(np.maximum(values, FLOOR))
    if how == "log":
        return np.log(np.maximum(values, FLOOR))
    return values


def _laplace_logcdf(r: np.ndarray) -> np.ndarray:
    r = np.asarray(r, dtype=float)
    neg = np.minimum(r, 0.0)
    pos = np.maximum(r, 0.0)
    return np.where(r < 0, neg - _LOG2, np.log1p(-0.5 * np.exp(-pos)))


def loglik_terms(
    model: np.ndarray,
    data: np.ndarray,
    sigma: np.ndarray,
    laplace: np.ndarray,
    censoring: np.ndarray,
) -> np.ndarray:
    """Per-observation log-likelihoods (transformed scale), shape of ``model``.

    ``laplace`` is a boolean mask (else normal); ``censoring`` holds 0 none, 1 left, 2 right.
    """
    r = (data - model) / sigma
    normal_pdf = -0.5 * r**2 - np.log(sigma) - _HALF_LOG_2PI
    laplace_pdf = -np.abs(r) - np.log(2.0 * sigma)
    pdf = np.where(laplace, laplace_pdf, normal_pdf)
    left = np.where(laplace, _laplace_logcdf(r), log_ndtr(r))
    right = np.where(laplace, _laplace_logcdf(-r), log_ndtr(-r))
    out = np.where(censoring == 1, left, np.where(censoring == 2, right, pdf))
    return np.where(np.isfinite(out), out, -np.inf)


def sample(
    model: np.ndarray, sigma: np.ndarray, laplace: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Noisy observations around ``model`` on the transformed scale."""
    model = np.asarray(model, dtype=float)
    eps = np.where(
        laplace, rng.laplace(0.0, 1.0, model.shape), rng.standard_normal(model.shape)
    )
    return model + sigma * eps
