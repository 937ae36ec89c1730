"""Synthetic cohorts in the event-table schema with a known effect of infection.

Cancer survivors are followed over calendar time from ``start``; SARS-CoV-2 infections come
in waves; after a person's first infection, the hazards of cancer death and (for breast
cancer) lung metastasis are multiplied by ``true_hr`` (for ``effect_days`` days, or for ever).
Other deaths compete. "Testers" (a baseline trait) are tested at entry and routinely, and
their infections are detected with probability ``p_detect``; non-testers are never tested.
All hazards are proportional in calendar time, so a time-varying Cox model adjusted for age,
sex and deprivation recovers ``true_hr``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from awaken.core import checks
from awaken.core.errors import InputError
from awaken.core.rng import rng_stream
from awaken.epi.schema import Cohort

YEAR = 365.25
DateFn = Callable[[np.ndarray], pd.Series]  # days since start -> dates
_BIG = 1e9


@dataclass(frozen=True, slots=True)
class Wave:
    """An epidemic wave: Gaussian infection pressure with a peak date, width and weight."""

    peak: str
    sd_days: float
    weight: float


# England-like SARS-CoV-2 waves (wild type, Alpha, Delta, Omicron BA.1, BA.2/BA.5)
WAVES = (
    Wave("2020-04-10", 20, 0.08), Wave("2021-01-05", 30, 0.22), Wave("2021-09-15", 60, 0.20),
    Wave("2022-01-05", 25, 0.30), Wave("2022-06-15", 60, 0.20),
)
COVARIATE_LOG_HR = {"age_per_year": 0.04, "male": 0.1, "deprivation": 0.2}
OTHER_CANCERS = ("colorectal", "prostate", "melanoma", "bladder", "lymphoma")


@dataclass(frozen=True)
class SyntheticSpec:
    """Rates (per year, at age 70, female, deprivation 0) and design of a synthetic cohort."""

    start: str = "2020-03-01"
    end: str = "2022-12-31"
    cancer_death_rate: float = 0.06
    other_death_rate: float = 0.03
    lung_met_rate: float = 0.05
    infection_hazard: float = 1.2  # cumulative over all waves: P(infected) = 1 - exp(-1.2)
    effect_days: float | None = None  # None: the hazard stays multiplied after infection
    confounding: float = 0.0  # log rate ratio of infection per SD of deprivation
    p_tested: float = 0.8
    p_detect: float = 1.0
    test_rate: float = 2.0  # routine negative tests per year among testers
    breast_fraction: float = 0.5
    late_diagnosis_fraction: float = 0.2  # diagnosed during follow-up, entering at diagnosis
    loss_rate: float = 0.02
    waves: tuple[Wave, ...] = WAVES

    def __post_init__(self) -> None:
        for name in ("cancer_death_rate", "other_death_rate", "lung_met_rate",
                     "infection_hazard", "test_rate", "loss_rate"):
            if getattr(self, name) < 0:
                raise InputError(f"synthetic: {name} must be >= 0")
        for name in ("p_tested", "p_detect", "breast_fraction", "late_diagnosis_fraction"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(f"synthetic: {name} must lie in [0, 1]")
        if pd.Timestamp(self.end) <= pd.Timestamp(self.start) + pd.Timedelta(days=200):
            raise InputError("synthetic: end must be at least 200 days after start")


def make_synthetic_cohort(
    n: int = 5000, true_hr: float = 1.85, seed: int = 0, spec: SyntheticSpec | None = None
) -> Cohort:
    """A validated :class:`Cohort` of ``n`` persons whose outcome hazards are multiplied by
    ``true_hr`` after the first SARS-CoV-2 infection."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InputError(f"synthetic: n={n!r} must be a whole number >= 1")
    seed = checks.seed(seed)
    # peak ~2 kB per person (tracemalloc, n = 20,000): refuses 1e9 persons, not 1e6
    checks.fits_in_memory("a synthetic cohort of n persons", n, 2000.0)
    if not (isinstance(true_hr, numbers.Real) and np.isfinite(true_hr) and true_hr > 0):
        raise InputError("synthetic: true_hr must be a positive number")
    s = spec or SyntheticSpec()
    start, end = pd.Timestamp(s.start), pd.Timestamp(s.end)
    horizon = float((end - start).days)

    def rng(purpose: str) -> np.random.Generator:
        return rng_stream(seed, "epi-synthetic", purpose)

    p = _persons(n, s, start, horizon, rng("persons"))
    e = p["_entry"].to_numpy()
    risk = np.exp(COVARIATE_LOG_HR["age_per_year"] * (p["_age"].to_numpy() - 70)
                  + COVARIATE_LOG_HR["male"] * (p["sex"] == "male").to_numpy()
                  + COVARIATE_LOG_HR["deprivation"] * p["deprivation"].to_numpy())
    t_inf = _infection_times(e, s, start, horizon, p["deprivation"].to_numpy(), rng("infection"))
    b2 = np.minimum(t_inf + (_BIG if s.effect_days is None else s.effect_days), _BIG)
    g = rng("outcomes")
    t_cancer = _time_to_event(g.standard_exponential(n), s.cancer_death_rate / YEAR * risk,
                              e, t_inf, b2, true_hr)
    with np.errstate(divide="ignore"):
        t_other = e + g.standard_exponential(n) / (s.other_death_rate / YEAR * risk)
        t_loss = e + g.standard_exponential(n) / (s.loss_rate / YEAR)
    breast = (p["cancer_type"] == "breast").to_numpy()
    met_rate = np.where(breast, s.lung_met_rate, 0.0) / YEAR * risk
    t_met = _time_to_event(g.standard_exponential(n), met_rate, e, t_inf, b2, true_hr)
    exit_ = np.minimum.reduce([t_cancer, t_other, t_loss, np.full(n, horizon)])
    end_day = np.ceil(exit_ - 1e-9)
    died = (t_cancer <= exit_) | (t_other <= exit_)
    died &= exit_ < horizon
    cause = np.where(t_cancer <= t_other, "cancer",
                     g.choice(np.array(["other", "cardiovascular", "respiratory"]), n))

    def date(days: np.ndarray) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(days, unit="D"))

    p["end_date"] = date(end_day).to_numpy()
    persons = p.drop(columns=["_entry", "_age"])
    deaths = pd.DataFrame({"person_id": p["person_id"][died].to_numpy(),
                           "date": date(end_day[died]).to_numpy(), "cause": cause[died]})
    has_met = t_met < exit_
    mets = pd.DataFrame({"person_id": p["person_id"][has_met].to_numpy(),
                         "date": date(np.ceil(t_met[has_met])).to_numpy(), "site": "lung"})
    tests = _tests(p, e, end_day, t_inf, s, rng("tests"), date)
    vacc = _vaccinations(p, end_day, start, rng("vaccinations"), date)
    return Cohort.from_frames(persons=persons, infections=tests, vaccinations=vacc,
                              metastases=mets, deaths=deaths)


def _persons(n: int, s: SyntheticSpec, start: pd.Timestamp, horizon: float,
             g: np.random.Generator) -> pd.DataFrame:
    age = g.uniform(50, 85, n)
    breast = g.random(n) < s.breast_fraction
    male = ~breast & (g.random(n) < 0.5)
    other = g.choice(np.array(OTHER_CANCERS), n)
    other = np.where(~male & (other == "prostate"), "colorectal", other)
    late = g.random(n) < s.late_diagnosis_fraction
    dx_days = np.where(late, np.floor(g.uniform(0, horizon - 180, n)),
                       -np.floor(g.uniform(1, 20, n) * YEAR))
    entry = np.maximum(dx_days, 0.0)
    dep = g.standard_normal(n)
    return pd.DataFrame({
        "person_id": [f"P{i:07d}" for i in range(1, n + 1)],
        "sex": np.where(male, "male", "female"),
        "birth_date": start - pd.to_timedelta(np.floor(age * YEAR), unit="D"),
        "cancer_type": np.where(breast, "breast", other),
        "diagnosis_date": start + pd.to_timedelta(dx_days, unit="D"),
        "entry_date": start + pd.to_timedelta(entry, unit="D"),
        "deprivation": np.round(dep, 3),
        "_entry": entry, "_age": np.floor(age * YEAR) / YEAR,
    })


def _wave_cumhaz(s: SyntheticSpec, start: pd.Timestamp, t: np.ndarray) -> np.ndarray:
    """Cumulative infection hazard from day 0 to day ``t`` (total = infection_hazard)."""
    w = np.array([v.weight for v in s.waves], dtype=float)
    w = w / w.sum() * s.infection_hazard
    mu = np.array([(pd.Timestamp(v.peak) - start).days for v in s.waves], dtype=float)
    sd = np.array([v.sd_days for v in s.waves], dtype=float)
    return (w * (ndtr((t[:, None] - mu) / sd) - ndtr(-mu / sd))).sum(axis=1)


def _infection_times(entry: np.ndarray, s: SyntheticSpec, start: pd.Timestamp, horizon: float,
                     dep: np.ndarray, g: np.random.Generator) -> np.ndarray:
    """First infection (days since start) after entry; ``_BIG`` if none by ``horizon``."""
    grid = np.arange(0.0, horizon + 1.0)
    cum = _wave_cumhaz(s, start, grid)
    scale = np.exp(s.confounding * dep)
    target = np.interp(entry, grid, cum) + g.standard_exponential(entry.size) / scale
    t = np.interp(target, cum, grid, right=_BIG)
    return np.where(target > cum[-1], _BIG, t)


def _time_to_event(u: np.ndarray, rate: np.ndarray, entry: np.ndarray, b1: np.ndarray,
                   b2: np.ndarray, hr: float) -> np.ndarray:
    """Event time with hazard ``rate`` from entry, ``rate * hr`` on ``[b1, b2)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(rate > 0, u / rate, np.inf)  # cumulative hazard in "rate-days"
    b1 = np.maximum(b1, entry)
    seg1 = b1 - entry
    seg2 = hr * (np.maximum(b2, b1) - b1)
    return np.where(x <= seg1, entry + x,
                    np.where(x <= seg1 + seg2, b1 + (x - seg1) / hr, b2 + (x - seg1 - seg2)))


def _tests(p: pd.DataFrame, entry: np.ndarray, end_day: np.ndarray, t_inf: np.ndarray,
           s: SyntheticSpec, g: np.random.Generator, date: DateFn) -> pd.DataFrame:
    n = len(p)
    tester = g.random(n) < s.p_tested
    ids = p["person_id"].to_numpy()
    # a first test at entry, routine negative tests, a positive test at detected infection
    fu = end_day - entry
    k = g.poisson(s.test_rate * fu / YEAR) * tester
    who = np.repeat(np.arange(n), k)
    routine = entry[who] + np.ceil(g.random(who.size) * fu[who])
    inf_day = np.ceil(t_inf)
    detected = tester & (g.random(n) < s.p_detect) & (inf_day <= end_day)
    flu_k = g.poisson(0.3 * fu / YEAR) * tester
    flu_who = np.repeat(np.arange(n), flu_k)
    flu_day = entry[flu_who] + np.ceil(g.random(flu_who.size) * fu[flu_who])
    frames = [
        pd.DataFrame({"i": np.flatnonzero(tester), "day": entry[tester], "pathogen": "sars2",
                      "result": "negative"}),
        pd.DataFrame({"i": who, "day": routine, "pathogen": "sars2", "result": "negative"}),
        pd.DataFrame({"i": np.flatnonzero(detected), "day": inf_day[detected],
                      "pathogen": "sars2", "result": "positive"}),
        pd.DataFrame({"i": flu_who, "day": flu_day,
                      "pathogen": g.choice(np.array(["influenza", "rsv"]), flu_who.size),
                      "result": np.where(g.random(flu_who.size) < 0.1, "positive", "negative")}),
    ]
    t = pd.concat(frames, ignore_index=True)
    # a routine test after a detected infection is negative; one before it cannot be positive
    t = t.sort_values(["i", "day"], kind="stable")
    return pd.DataFrame({"person_id": ids[t["i"].to_numpy()],
                         "date": date(t["day"].to_numpy()).to_numpy(),
                         "pathogen": t["pathogen"].to_numpy(), "result": t["result"].to_numpy()})


def _vaccinations(p: pd.DataFrame, end_day: np.ndarray, start: pd.Timestamp,
                  g: np.random.Generator, date: DateFn) -> pd.DataFrame:
    """Two primary doses from mid-December 2020 and a booster about 9 months later."""
    n = len(p)
    first = (pd.Timestamp("2020-12-15") - start).days + g.uniform(0, 120, n)
    days = np.ceil(np.stack([first, first + g.uniform(56, 84, n), first + g.uniform(240, 330, n)]))
    primary = np.where(g.random(n) < 0.5, "BNT162b2", "ChAdOx1")
    vaccinated = g.random(n) < 0.9
    frames = []
    for k in range(3):
        who = np.flatnonzero(vaccinated & (days[k] <= end_day))
        frames.append(pd.DataFrame({"i": who, "day": days[k][who],
                                    "product": primary[who] if k < 2 else "BNT162b2"}))
    v = pd.concat(frames, ignore_index=True).sort_values(["i", "day"], kind="stable")
    return pd.DataFrame({"person_id": p["person_id"].to_numpy()[v["i"].to_numpy()],
                         "date": date(v["day"].to_numpy()).to_numpy(),
                         "product": v["product"].to_numpy()})
