"""Calendars by week: infection hazards (waves, seasons), variants, testing.

Week ``w`` covers days ``[7w, 7w + 7)`` after the cohort start. A wave or season is a
Gaussian in time whose weekly hazards sum to ``-ln(1 - attack)`` (so an unprotected adult
under 65 is infected with probability ``attack``); only the part inside the window is kept.
Hazards are per day, constant within a week; cumulative hazards at week boundaries let the
kernel find the next infection time by inversion.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from awaken.cohort.config import VARIANTS, Config, Season, Wave
from awaken.core.schema import PATHOGENS


@dataclass(frozen=True)
class Calendars:
    """Weekly arrays for the kernel (``W`` weeks)."""

    rate: np.ndarray  # (pathogen, W) infection hazard per day, adults < 65, unprotected
    cumulative: np.ndarray  # (pathogen, W + 1) cumulative hazard at week starts
    variant: np.ndarray  # (W,) SARS-CoV-2 variant code (VARIANTS) of each week
    tested: np.ndarray  # (pathogen, W, 5) P(tested | infected, severity)
    negative_rate: np.ndarray  # (pathogen, W) negative tests per day
    negative_cumulative: np.ndarray  # (pathogen, W + 1)
    start: dt.date

    @property
    def weeks(self) -> int:
        return int(self.rate.shape[1])

    def week_start(self, w: int) -> dt.date:
        return self.start + dt.timedelta(days=7 * w)


def _bell(peak_day: float, sd_weeks: float, attack: float, weeks: int) -> np.ndarray:
    """Per-day hazards by week of a Gaussian wave, normalised over its whole support."""
    centres = 7.0 * np.arange(-260, weeks + 260) + 3.5
    shape = np.exp(-0.5 * ((centres - peak_day) / (7.0 * sd_weeks)) ** 2)
    total = -math.log1p(-attack)
    weekly = total * shape / shape.sum() if shape.sum() > 0 else shape
    return weekly[260:260 + weeks] / 7.0


def _day(cfg: Config, d: dt.date) -> float:
    return float((d - cfg.cohort.start).days)


def _cumulative(rate: np.ndarray) -> np.ndarray:
    out = np.zeros((rate.shape[0], rate.shape[1] + 1))
    out[:, 1:] = np.cumsum(rate * 7.0, axis=1)
    return out


def wave_hazard(cfg: Config, wave: Wave | Season) -> np.ndarray:
    """One wave's per-day hazards by week of the cohort window."""
    return _bell(_day(cfg, wave.peak), wave.sd_weeks, wave.attack, n_weeks(cfg))


def n_weeks(cfg: Config) -> int:
    """Weeks covering the cohort window."""
    return (cfg.cohort.end - cfg.cohort.start).days // 7 + 2


def build_calendars(cfg: Config) -> Calendars:
    """All weekly calendars of a configuration."""
    ex, weeks = cfg.exposure, n_weeks(cfg)
    rate = np.zeros((len(PATHOGENS), weeks))
    strength = np.zeros((len(VARIANTS), weeks))
    for wave in ex.sars2_waves:
        h = wave_hazard(cfg, wave)
        rate[0] += h
        strength[VARIANTS.index(wave.variant)] += h
    for p, seasons in ((1, ex.influenza_seasons), (2, ex.rsv_seasons)):
        for season in seasons:
            rate[p] += wave_hazard(cfg, season)
    # the variant of a week: the one with the most infection pressure (wild type if none)
    variant = np.argmax(strength, axis=0).astype(np.int8)
    tested = np.zeros((len(PATHOGENS), weeks, 5))
    negative = np.zeros((len(PATHOGENS), weeks))
    mid = np.array([_day(cfg, cfg.cohort.start) + 7.0 * w + 3.5 for w in range(weeks)])
    for period in cfg.testing.periods:
        p = PATHOGENS.index(period.pathogen)
        inside = (mid >= _day(cfg, period.start)) & (mid < _day(cfg, period.end))
        tested[p, inside] = np.minimum(1.0, np.array(period.tested) * cfg.testing.scale)
        negative[p, inside] = (period.negative_per_year * cfg.testing.scale
                               * cfg.testing.negative_scale / 365.25)
    return Calendars(rate, _cumulative(rate), variant, tested, negative, _cumulative(negative),
                     cfg.cohort.start)
