"""Study designs of the human evidence, as declared immutable objects.

Each design is a frozen dataclass whose :meth:`run` takes a validated
:class:`~awaken.epi.schema.Cohort` and returns a :class:`DesignResult` (tidy estimates, the
counting-process rows used, cumulative-incidence curves, a figure). Time is calendar time in
days since ``origin`` (the pandemic start): risk sets compare people on the same date, which
absorbs the epidemic waves; later entrants are left-truncated.

* ``ukb_like``: survivors diagnosed >= 5 years before the pandemic and tested; exposure =
  first positive SARS-CoV-2 test (time-varying); outcome = cancer death.
* ``flatiron_like``: breast cancer; exposure = first positive test after diagnosis
  (time-varying); outcome = lung metastasis with death competing (cause-specific and
  Fine–Gray).
* ``naive_ever_exposed``, ``landmark``, ``risk_set_matched``: other analyses of a base
  population (``ukb_like`` by default), to show immortal-time bias and its remedies.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

import numpy as np
import pandas as pd

from awaken.core.errors import InputError, unknown_choice
from awaken.core.io import atomic_path, write_json, write_table
from awaken.core.rng import rng_stream
from awaken.epi.cox import fit_cox
from awaken.epi.finegray import fine_gray
from awaken.epi.nonparametric import aalen_johansen
from awaken.epi.poisson import fit_logistic
from awaken.epi.schema import Cohort
from awaken.epi.timelines import START, STOP, Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ID = "person_id"
ESTIMATE_COLUMNS = ["design", "model", "term", "measure", "estimate", "ci_lower", "ci_upper",
                    "p", "n", "events"]


# ---- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DesignResult:
    """What a design produced: tidy ``estimates``, the counting-process ``data`` of the main
    model, cumulative-incidence ``curves`` and the ``settings``/``counts`` behind them."""

    design: str
    estimates: pd.DataFrame
    data: pd.DataFrame
    curves: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    xlabel: str = "days"

    @property
    def exposure_estimates(self) -> pd.DataFrame:
        """Rows for the exposure term(s) only."""
        return self.estimates[self.estimates["term"].str.startswith("exposed")]

    def figure(self) -> Figure:
        """Cumulative incidence by exposure group (left) and a forest plot (right)."""
        from matplotlib.figure import Figure

        from awaken.epi.plots import forest_plot, plot_cumulative_incidence

        fig = Figure(figsize=(11.0, 4.5), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
        if self.curves is not None and not self.curves.empty:
            plot_cumulative_incidence(self.curves, ax=left, xlabel=self.xlabel)
        else:
            left.set_axis_off()
        forest_plot(self.exposure_estimates, label=["model", "term"], ax=right)
        fig.suptitle(self.design)
        return fig

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: design, settings, counts and estimates."""
        est = self.estimates.astype(object).where(self.estimates.notna(), None)
        return {"design": self.design, "settings": self.settings, "counts": self.counts,
                "estimates": est.to_dict(orient="records")}

    def write(self, out: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``estimates.csv``, ``figure.png`` and ``summary.json`` into ``out``,
        each atomically."""
        folder = Path(out)
        paths = {"estimates": write_table(
            folder / "estimates.csv", self.estimates, units={"n": "persons", "events": "events"},
            provenance={"design": self.design, "settings": self.settings})}
        fig = self.figure()
        with atomic_path(folder / "figure.png") as tmp:
            fig.savefig(tmp, format="png", dpi=110)
        paths["figure"] = folder / "figure.png"
        paths["summary"] = write_json(folder / "summary.json", self.to_dict())
        return paths


# ---- the person-level analysis frame ------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    """One row per person: entry, exit (days since origin), status (0 censored, 1 outcome,
    2 competing), t_exp (first exposure, NaN if none) and model covariates."""

    persons: pd.DataFrame
    covariates: tuple[str, ...]
    labels: dict[int, str]
    counts: dict[str, Any]


def _days(dates: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return (pd.to_datetime(dates) - origin).dt.days.to_numpy(dtype=float)


def _date(text: str | None, what: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{what} {text!r} is not a date; use YYYY-MM-DD") from exc


def _parse_period(text: str | None) -> tuple[str, str] | None:
    """``"2020-12-01:2022-01-31"`` -> ``("2020-12-01", "2022-01-31")`` (dates inclusive)."""
    if text is None or text == "":
        return None
    parts = text.split(":")
    if len(parts) != 2:
        raise InputError(f"period {text!r} must be START:END, e.g. 2020-12-01:2022-01-31")
    lo, hi = (_date(p.strip(), "period date") for p in parts)
    assert lo is not None and hi is not None
    if hi <= lo:
        raise InputError(f"period {text!r}: END must be after START")
    return lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d")


def _first_positive(cohort: Cohort, after: pd.Series | None = None) -> pd.Series:
    """Date of each person's first positive SARS-CoV-2 test (after ``after``, if given)."""
    inf = cohort.infections
    pos = inf[(inf["pathogen"] == "sars2") & (inf["result"] == "positive")]
    if after is not None:
        pos = pos[pos["date"].to_numpy() > after.reindex(pos[ID]).to_numpy()]
    return pos.groupby(ID)["date"].min()


def _covariates(cohort: Cohort, persons: pd.DataFrame, extra: tuple[str, ...],
                origin: pd.Timestamp) -> pd.DataFrame:
    """Model columns: age at origin (years), male, and ``extra`` (text -> indicators)."""
    p = cohort.persons.set_index(ID)
    age = cohort.age_at(origin)
    age.index = p.index
    out = pd.DataFrame({"age": age.reindex(persons[ID]).to_numpy(),
                        "male": (p["sex"].reindex(persons[ID]) == "male").astype(float)
                        .to_numpy()}, index=persons.index)
    for name in extra:
        if name not in p.columns:
            raise unknown_choice("covariate", name, cohort.covariates)
        col = p[name].reindex(persons[ID])
        col.index = persons.index
        if pd.api.types.is_numeric_dtype(col):
            out[name] = col.astype(float)
        else:
            levels = sorted(col.dropna().unique())
            for level in levels[1:]:
                out[f"{name}={level}"] = (col == level).astype(float).where(col.notna())
    return out


# ---- base populations -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Population:
    """Shared options: calendar origin, optional period (inclusive dates), covariates and
    bands of time since exposure (days, e.g. ``(0, 91, 365)``)."""

    origin: str = "2020-03-01"
    period: tuple[str, str] | None = None
    covariates: tuple[str, ...] = ()
    exposure_bands: tuple[float, ...] | None = None
    name: ClassVar[str] = ""
    outcome: ClassVar[str] = "outcome"

    def __post_init__(self) -> None:
        _date(self.origin, "origin")
        if self.period is not None:
            _parse_period(":".join(self.period))
        if self.exposure_bands is not None:
            b = np.asarray(self.exposure_bands, dtype=float)
            if b.size == 0 or b[0] != 0 or np.any(np.diff(b) <= 0):
                raise InputError("exposure_bands must start at 0 and increase, e.g. (0, 91, 365)")
        object.__setattr__(self, "covariates", tuple(self.covariates))

    # subclasses: persons with entry/exit dates, status and exposure date
    def _select(self, cohort: Cohort) -> tuple[pd.DataFrame, dict[str, Any]]:
        raise NotImplementedError

    def frame(self, cohort: Cohort) -> _Frame:
        """The person-level frame on the calendar time axis, restricted to the period."""
        origin = pd.Timestamp(self.origin)
        sel, counts = self._select(cohort)
        p = pd.DataFrame({ID: sel[ID].to_numpy(),
                          "entry": _days(sel["entry_date"], origin),
                          "exit": _days(sel["exit_date"], origin),
                          "status": sel["status"].to_numpy(dtype=int),
                          "t_exp": _days(sel["exposure_date"], origin)})
        if self.period is not None:
            lo = _days(pd.Series([self.period[0]]), origin)[0] - 1.0  # first day inclusive
            hi = _days(pd.Series([self.period[1]]), origin)[0]
            p.loc[p["exit"] > hi, "status"] = 0
            p["entry"] = np.maximum(p["entry"], lo)
            p["exit"] = np.minimum(p["exit"], hi)
        p = p[p["exit"] > p["entry"]].reset_index(drop=True)
        cov = _covariates(cohort, p, self.covariates, origin)
        complete = cov.notna().all(axis=1).to_numpy()
        p = pd.concat([p[complete].reset_index(drop=True),
                       cov[complete].reset_index(drop=True)], axis=1)
        keep = tuple(c for c in cov.columns if p[c].nunique() > 1)
        counts.update({
            "dropped_missing_covariates": int((~complete).sum()),
            "persons": len(p), "outcome_events": int((p["status"] == 1).sum()),
            "competing_events": int((p["status"] == 2).sum()),
            "exposed_during_follow_up": int(((p["t_exp"] > p["entry"])
                                             & (p["t_exp"] <= p["exit"])).sum()),
            "exposed_before_entry": int((p["t_exp"] <= p["entry"]).sum()),
        })
        if counts["persons"] == 0:
            raise InputError(f"{self.name}: no person meets the inclusion criteria")
        if counts["outcome_events"] == 0:
            raise InputError(f"{self.name}: no {self.outcome} event during follow-up")
        return _Frame(p, keep, {1: self.outcome, 2: "competing death"}, counts)

    def timeline(self, f: _Frame) -> Timeline:
        """Counting-process rows with outcome/competing events and the time-varying exposure
        (a step ``exposed`` or band indicators ``exposed_{lo}_{hi}``)."""
        p = f.persons
        tl = Timeline.from_base(p[[ID, "entry", "exit", *f.covariates]], id=ID, start="entry",
                                stop="exit")
        ends = p.rename(columns={"exit": "time"})
        tl = tl.event("outcome", ends.assign(v=(p["status"] == 1).astype(int)), value="v")
        tl = tl.event("competing", ends.assign(v=(p["status"] == 2).astype(int)), value="v")
        expo = p.loc[p["t_exp"].notna(), [ID, "t_exp"]]
        if self.exposure_bands is None:
            return tl.tdc("exposed", expo, time="t_exp")
        return tl.split_since("exposed", expo, self.exposure_bands, time="t_exp")

    def exposure_terms(self, data: pd.DataFrame) -> list[str]:
        """Exposure columns with some exposed person-time."""
        return [c for c in data.columns if c.startswith("exposed") and data[c].any()]

    def settings(self) -> dict[str, Any]:
        return {"design": self.name, **_jsonable(asdict(self))}

    def _estimate(self, cohort: Cohort) -> tuple[_Frame, pd.DataFrame, pd.DataFrame]:
        f = self.frame(cohort)
        data = self.timeline(f).data
        terms = self.exposure_terms(data)
        if not terms:
            raise InputError(f"{self.name}: nobody is exposed during follow-up")
        covs = [*terms, *f.covariates]
        fit = fit_cox(data, start=START, stop=STOP, event="outcome", covariates=covs)
        est = _cox_rows(self.name, "Cox, time-varying exposure", "HR", fit, f)
        return f, data, est

    def estimate(self, cohort: Cohort) -> pd.DataFrame:
        """Only the tidy estimates of the time-varying Cox model (no curves, no figure)."""
        return self._estimate(cohort)[2]

    def curves(self, f: _Frame, data: pd.DataFrame) -> pd.DataFrame:
        """Aalen–Johansen curves by current exposure (Simon–Makuch: rows switch group)."""
        exposed = data[[c for c in data.columns if c.startswith("exposed")]].sum(axis=1) > 0
        status = data["outcome"] + 2 * data["competing"]
        return _group_curves(data, status, np.where(exposed, "exposed", "unexposed"), f.labels)


@dataclass(frozen=True)
class UKBLike(_Population):
    """UK Biobank-like: cancer survivors diagnosed at least ``min_years_since_diagnosis``
    before ``origin``, with >= 1 SARS-CoV-2 test (``require_test``); exposure = first
    positive test; outcome = death with cause ``cancer`` (other deaths compete)."""

    min_years_since_diagnosis: float = 5.0
    require_test: bool = True
    name: ClassVar[str] = "ukb_like"
    outcome: ClassVar[str] = "cancer death"

    def _select(self, cohort: Cohort) -> tuple[pd.DataFrame, dict[str, Any]]:
        origin = pd.Timestamp(self.origin)
        p = cohort.persons
        counts: dict[str, Any] = {"cohort": len(p)}
        cutoff = origin - pd.DateOffset(days=round(365.25 * self.min_years_since_diagnosis))
        keep = (p["diagnosis_date"] <= cutoff) & (p["end_date"] > origin)
        counts["survivors_diagnosed_before_cutoff"] = int(keep.sum())
        if self.require_test:
            inf = cohort.infections
            tested = inf.loc[(inf["pathogen"] == "sars2") & (inf["date"] >= origin), ID]
            keep &= p[ID].isin(tested)
            counts["tested"] = int(keep.sum())
        sel = p[keep].copy()
        death = cohort.deaths.set_index(ID).reindex(sel[ID])
        exit_date = np.minimum(sel["end_date"].to_numpy(), death["date"].fillna(
            pd.Timestamp.max).to_numpy())
        cause = death["cause"].to_numpy()
        sel["status"] = np.where(cause == "cancer", 1, np.where(pd.isna(cause), 0, 2))
        sel["exit_date"] = exit_date
        sel["entry_date"] = np.maximum(sel["entry_date"].to_numpy(), origin.to_datetime64())
        sel["exposure_date"] = _first_positive(cohort).reindex(sel[ID]).to_numpy()
        return sel, counts

    def run(self, cohort: Cohort) -> DesignResult:
        """Time-varying Cox model of cancer death on infection."""
        f, data, est = self._estimate(cohort)
        return DesignResult(self.name, est, data, self.curves(f, data), self.settings(),
                            f.counts, _xlabel(self.origin))


@dataclass(frozen=True)
class FlatironLike(_Population):
    """Flatiron-like: ``cancer_type`` patients followed from max(origin, entry, diagnosis);
    exposure = first positive SARS-CoV-2 test after diagnosis; outcome = first lung
    metastasis (``site == "lung"``), any death competing. Persons with a lung metastasis
    before follow-up are excluded."""

    cancer_type: str = "breast"
    name: ClassVar[str] = "flatiron_like"
    outcome: ClassVar[str] = "lung metastasis"

    def _select(self, cohort: Cohort) -> tuple[pd.DataFrame, dict[str, Any]]:
        origin = pd.Timestamp(self.origin)
        p = cohort.persons
        counts: dict[str, Any] = {"cohort": len(p)}
        sel = p[(p["cancer_type"] == self.cancer_type) & (p["end_date"] > origin)].copy()
        counts[f"{self.cancer_type}_patients"] = len(sel)
        entry = np.maximum.reduce([sel["entry_date"].to_numpy(), sel["diagnosis_date"]
                                   .to_numpy(), np.full(len(sel), origin.to_datetime64())])
        met = cohort.metastases
        first_met = met[met["site"] == "lung"].groupby(ID)["date"].min().reindex(sel[ID])
        prevalent = (first_met.to_numpy() <= entry)
        counts["excluded_prevalent_lung_metastasis"] = int(np.nansum(prevalent))
        death = cohort.deaths.set_index(ID)["date"].reindex(sel[ID]).to_numpy()
        end = np.minimum(sel["end_date"].to_numpy(),
                         pd.Series(death).fillna(pd.Timestamp.max).to_numpy())
        has_met = first_met.notna().to_numpy() & (first_met.to_numpy() <= end)
        sel["status"] = np.where(has_met, 1, np.where(pd.notna(death), 2, 0))
        sel["exit_date"] = np.where(has_met, first_met.to_numpy(), end)
        sel["entry_date"] = entry
        after = sel.set_index(ID)["diagnosis_date"]
        sel["exposure_date"] = _first_positive(cohort, after).reindex(sel[ID]).to_numpy()
        return sel[~prevalent], counts

    def run(self, cohort: Cohort) -> DesignResult:
        """Cause-specific Cox and Fine–Gray models (time-varying exposure) and Aalen–Johansen
        curves by current exposure."""
        f, data, est = self._estimate(cohort)
        est["model"] = "cause-specific Cox, time-varying exposure"
        terms = self.exposure_terms(data)
        fg = fine_gray(data.assign(status=data["outcome"] + 2 * data["competing"]),
                       start=START, stop=STOP, status="status", event=1, id=ID,
                       covariates=[*terms, *f.covariates])
        est = pd.concat([est, _cox_rows(self.name, "Fine-Gray, time-varying exposure", "SHR",
                                        fg, f)], ignore_index=True)
        return DesignResult(self.name, est, data, self.curves(f, data), self.settings(),
                            f.counts, _xlabel(self.origin))


# ---- analyses of a base population ----------------------------------------------------------
@dataclass(frozen=True)
class NaiveEverExposed:
    """Time-fixed "ever infected" comparisons (Cox from entry, and logistic regression as
    an OR) beside the correct time-varying Cox model: the gap is immortal-time bias."""

    base: UKBLike | FlatironLike = field(default_factory=UKBLike)
    name: ClassVar[str] = "naive_ever_exposed"

    def run(self, cohort: Cohort) -> DesignResult:
        """Fit the naive models and the base design's time-varying model."""
        f = self.base.frame(cohort)
        p = f.persons.copy()
        p["exposed_ever"] = (p["t_exp"] <= p["exit"]).astype(float)
        p["outcome"] = (p["status"] == 1).astype(int)
        covs = ["exposed_ever", *f.covariates]
        cox = fit_cox(p, start="entry", stop="exit", event="outcome", covariates=covs)
        est = [_cox_rows(self.name, "Cox, ever exposed (time-fixed)", "HR", cox, f)]
        logit = fit_logistic(p, outcome="outcome", covariates=covs)
        est.append(logit.assign(design=self.name, model="logistic, ever exposed",
                                measure="OR", n=len(p), events=int(p["outcome"].sum()))
                   [ESTIMATE_COLUMNS])
        correct = self.base.run(cohort).estimates
        est.append(correct[correct["term"].str.startswith("exposed")])
        data = p.rename(columns={"entry": START, "exit": STOP})
        status = np.where(p["status"] == 1, 1, np.where(p["status"] == 2, 2, 0))
        groups = np.where(p["exposed_ever"] > 0, "ever exposed", "never exposed")
        curves = _group_curves(data, pd.Series(status), groups, f.labels)
        return DesignResult(self.name, pd.concat(est, ignore_index=True), data, curves,
                            {"design": self.name, "base": self.base.settings()}, f.counts,
                            _xlabel(self.base.origin))


@dataclass(frozen=True)
class Landmark:
    """Exposure status at a landmark date (default: 90 days into follow-up), followed from
    there; later infections are ignored (or censor the unexposed if ``censor_at_exposure``)."""

    base: UKBLike | FlatironLike = field(default_factory=UKBLike)
    landmark: str | None = None
    censor_at_exposure: bool = False
    name: ClassVar[str] = "landmark"

    def _landmark_day(self) -> float:
        origin = pd.Timestamp(self.base.origin)
        day = _date(self.landmark, "landmark") if self.landmark is not None else None
        if day is not None:
            return float((day - origin).days)
        start = origin if self.base.period is None else pd.Timestamp(self.base.period[0])
        return float((start - origin).days + 90)

    def run(self, cohort: Cohort) -> DesignResult:
        """Time-fixed Cox model from the landmark."""
        f = self.base.frame(cohort)
        lm = self._landmark_day()
        p = f.persons
        p = p[(p["entry"] <= lm) & (p["exit"] > lm)].copy()
        if p.empty:
            raise InputError(f"landmark: nobody is under follow-up at day {lm:g}")
        p["exposed_at_landmark"] = (p["t_exp"] <= lm).astype(float)
        p["entry"] = lm
        if self.censor_at_exposure:
            later = (p["exposed_at_landmark"] == 0) & (p["t_exp"] < p["exit"])
            p.loc[later, "status"] = 0
            p.loc[later, "exit"] = p.loc[later, "t_exp"]
            p = p[p["exit"] > p["entry"]]
        p["outcome"] = (p["status"] == 1).astype(int)
        if p["exposed_at_landmark"].nunique() < 2:
            raise InputError("landmark: everyone has the same exposure at the landmark")
        covs = ["exposed_at_landmark", *[c for c in f.covariates if p[c].nunique() > 1]]
        fit = fit_cox(p, start="entry", stop="exit", event="outcome", covariates=covs)
        sub = _Frame(p, f.covariates, f.labels, f.counts)
        est = _cox_rows(self.name, "Cox, exposure at landmark", "HR", fit, sub)
        data = p.rename(columns={"entry": START, "exit": STOP})
        groups = np.where(p["exposed_at_landmark"] > 0, "exposed at landmark", "unexposed")
        curves = _group_curves(data, p["status"].reset_index(drop=True), groups, f.labels)
        settings = {"design": self.name, "landmark_day": lm,
                    "censor_at_exposure": self.censor_at_exposure,
                    "base": self.base.settings()}
        counts = {**f.counts, "at_landmark": len(p),
                  "exposed_at_landmark": int(p["exposed_at_landmark"].sum())}
        return DesignResult(self.name, est, data, curves, settings, counts,
                            _xlabel(self.base.origin))


@dataclass(frozen=True)
class RiskSetMatched:
    """Risk-set (sequential) matching: each person newly exposed on day t is matched to up
    to ``n_controls`` persons at risk and not yet exposed on day t, with the same values of
    ``match_on`` and age within ``age_caliper`` years; everyone is followed from t, controls
    censored when they become exposed (``censor_controls_at_exposure``). Cox model stratified
    by matched set with robust errors clustered by person."""

    base: UKBLike | FlatironLike = field(default_factory=UKBLike)
    n_controls: int = 4
    match_on: tuple[str, ...] = ("male",)
    age_caliper: float | None = 5.0
    censor_controls_at_exposure: bool = True
    seed: int = 0
    name: ClassVar[str] = "risk_set_matched"

    def __post_init__(self) -> None:
        if self.n_controls < 1:
            raise InputError("risk_set_matched: n_controls must be >= 1")

    def match(self, f: _Frame) -> pd.DataFrame:
        """Matched sets: one row per member with set id, start (t), stop, status, exposed."""
        p = f.persons
        for col in self.match_on:
            if col not in p.columns:
                raise unknown_choice("matching column", col, p.columns)
        key = (pd.factorize(pd.MultiIndex.from_frame(p[list(self.match_on)]))[0]
               if self.match_on else np.zeros(len(p), dtype=int))
        entry, exit_ = p["entry"].to_numpy(), p["exit"].to_numpy()
        t_exp = p["t_exp"].fillna(np.inf).to_numpy()
        age = p["age"].to_numpy() if "age" in p.columns else np.zeros(len(p))
        cases = np.flatnonzero((t_exp > entry) & (t_exp < exit_))
        cases = cases[np.argsort(t_exp[cases], kind="stable")]
        rng = rng_stream(self.seed, "risk_set_matched")
        cal = np.inf if self.age_caliper is None else self.age_caliper
        # matching group -> its members sorted by age, and their ages
        by_key: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in np.unique(key):
            idx = np.flatnonzero(key == k)
            idx = idx[np.argsort(age[idx], kind="stable")]
            by_key[k] = (idx, age[idx])
        members: list[tuple[int, int, float]] = []  # (set, person position, t)
        for s, i in enumerate(cases):
            t = t_exp[i]
            idx, ages = by_key[key[i]]
            lo = np.searchsorted(ages, age[i] - cal, side="left")
            hi = np.searchsorted(ages, age[i] + cal, side="right")
            cand = idx[lo:hi]
            pool = cand[(entry[cand] <= t) & (exit_[cand] > t) & (t_exp[cand] > t)]
            if pool.size == 0:
                continue
            chosen = rng.choice(pool, size=min(self.n_controls, pool.size), replace=False)
            members.append((s, int(i), float(t)))
            members.extend((s, int(j), float(t)) for j in chosen)
        if not members:
            raise InputError("risk_set_matched: no exposed person has an eligible control")
        m = np.array(members, dtype=float)
        pos = m[:, 1].astype(int)
        out = p.iloc[pos].reset_index(drop=True)
        out["set"] = m[:, 0].astype(int)
        out[START] = m[:, 2]
        out["exposed"] = (pos == cases[out["set"].to_numpy()]).astype(float)
        stop = exit_[pos].copy()
        status = p["status"].to_numpy()[pos].copy()
        if self.censor_controls_at_exposure:
            cens = (out["exposed"].to_numpy() == 0) & (t_exp[pos] < stop)
            stop[cens] = t_exp[pos][cens]
            status[cens] = 0
        out[STOP] = stop
        out["status"] = status
        out["outcome"] = (status == 1).astype(int)
        return out[out[STOP] > out[START]].reset_index(drop=True)

    def run(self, cohort: Cohort) -> DesignResult:
        """Match, then fit the stratified Cox model."""
        f = self.base.frame(cohort)
        m = self.match(f)
        covs = ["exposed", *[c for c in f.covariates
                             if c not in self.match_on and m[c].nunique() > 1]]
        fit = fit_cox(m, start=START, stop=STOP, event="outcome", covariates=covs,
                      strata="set", cluster=ID)
        sub = _Frame(m.drop_duplicates(ID), f.covariates, f.labels, f.counts)
        est = _cox_rows(self.name, "Cox stratified by matched set", "HR", fit, sub)
        est["events"] = int(m["outcome"].sum())
        rel = m.copy()
        rel[START], rel[STOP] = 0.0, m[STOP] - m[START]
        groups = np.where(m["exposed"] > 0, "newly exposed", "matched unexposed")
        curves = _group_curves(rel, m["status"], groups, f.labels)
        n_sets = int(m["set"].nunique())
        counts = {**f.counts, "matched_sets": n_sets, "rows": len(m),
                  "controls_per_set": round((len(m) - n_sets) / max(n_sets, 1), 2)}
        settings = {"design": self.name, **_jsonable({k.name: getattr(self, k.name)
                                                      for k in fields(self) if k.name != "base"}),
                    "base": self.base.settings()}
        return DesignResult(self.name, est, m, curves, settings, counts,
                            "days since matching")


# ---- helpers --------------------------------------------------------------------------------
def _xlabel(origin: str) -> str:
    return f"days since {origin}"


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _cox_rows(design: str, model: str, measure: str, fit: Any, f: _Frame) -> pd.DataFrame:
    return pd.DataFrame({
        "design": design, "model": model, "term": list(fit.terms), "measure": measure,
        "estimate": np.asarray(fit.hr), "ci_lower": np.asarray(fit.ci_lower),
        "ci_upper": np.asarray(fit.ci_upper), "p": np.asarray(fit.p),
        "n": int(f.persons[ID].nunique()), "events": int((f.persons["status"] == 1).sum()),
    })[ESTIMATE_COLUMNS]


def _group_curves(data: pd.DataFrame, status: pd.Series, groups: np.ndarray,
                  labels: dict[int, str], min_at_risk: int = 20) -> pd.DataFrame:
    """Aalen–Johansen curves per group, each starting once ``min_at_risk`` rows are at risk
    (so a curve does not hinge on the first handful of people entering a group)."""
    frames = []
    codes = np.asarray(status)
    for g in dict.fromkeys(groups):
        sel = groups == g
        a, b, s = data[START].to_numpy()[sel], data[STOP].to_numpy()[sel], codes[sel]
        ids = data[ID].to_numpy()[sel]
        t0 = _first_time_with(a, b, min_at_risk)
        if t0 is None:
            continue
        keep = b > t0
        a, b, s, ids = np.maximum(a[keep], t0), b[keep], s[keep], ids[keep]
        if not np.any(s > 0):
            continue
        c = aalen_johansen(b, s, entry=a, id=ids, labels=labels)
        frames.append(c.assign(group=g))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _first_time_with(a: np.ndarray, b: np.ndarray, k: int) -> float | None:
    """Earliest time at which at least ``k`` intervals ``(a, b]`` are open."""
    times = np.r_[a, b]
    delta = np.r_[np.ones_like(a), -np.ones_like(b)]
    order = np.lexsort((-delta, times))  # at equal times, count entries first
    running = np.cumsum(delta[order])
    hit = np.flatnonzero(running >= k)
    return float(times[order][hit[0]]) if hit.size else None


# ---- registry -------------------------------------------------------------------------------
Design = UKBLike | FlatironLike | NaiveEverExposed | Landmark | RiskSetMatched
DESIGNS: MappingProxyType[str, type[Design]] = MappingProxyType(
    {c.name: c for c in (UKBLike, FlatironLike, NaiveEverExposed, Landmark, RiskSetMatched)}
)
"""The study designs by registry name (read-only; see :func:`make_design`)."""
BASES: MappingProxyType[str, type[UKBLike] | type[FlatironLike]] = MappingProxyType(
    {"ukb_like": UKBLike, "flatiron_like": FlatironLike}
)


def describe_design(design: Design | UKBLike | FlatironLike) -> dict[str, Any]:
    """A design's options as plain JSON values, its base population's nested under
    ``base`` (what ``awaken epi design NAME --show`` prints: covariates, exposure bands,
    landmark, matching ...)."""
    out: dict[str, Any] = {"design": design.name}
    for f in fields(design):
        value = getattr(design, f.name)
        out[f.name] = (describe_design(value) if isinstance(value, UKBLike | FlatironLike)
                       else list(value) if isinstance(value, tuple) else value)
    return out


def design_options() -> dict[str, dict[str, Any]]:
    """Per design, each option ``make_design`` takes with its default (those of the base
    population, for the analyses of one, included)."""
    out: dict[str, dict[str, Any]] = {}
    for name, cls in DESIGNS.items():
        shown = describe_design(cls())
        base = shown.pop("base", None)
        shown.pop("design")
        if base is not None:
            base.pop("design")
            shown = {**base, **shown}
        out[name] = shown
    return out


@overload
def make_design(name: Literal["ukb_like"], *, period: str | tuple[str, str] | None = ...,
                base: str | None = ..., **options: Any) -> UKBLike: ...
@overload
def make_design(name: Literal["flatiron_like"], *, period: str | tuple[str, str] | None = ...,
                base: str | None = ..., **options: Any) -> FlatironLike: ...
@overload
def make_design(name: Literal["naive_ever_exposed"], *,
                period: str | tuple[str, str] | None = ..., base: str | None = ...,
                **options: Any) -> NaiveEverExposed: ...
@overload
def make_design(name: str, *, period: str | tuple[str, str] | None = ..., base: str | None = ...,
                **options: Any) -> Design: ...


def make_design(
    name: str, *, period: str | tuple[str, str] | None = None, base: str | None = None,
    **options: Any,
) -> Design:
    """A design by registry name. ``period`` (``"START:END"`` or a pair of dates, inclusive)
    and, for the analyses of a base population, ``base`` (``ukb_like`` (default) or
    ``flatiron_like``) apply to the population; other options go to the design's fields."""
    if isinstance(period, str):
        period = _parse_period(period)
    if name not in DESIGNS:
        raise unknown_choice("design", name, DESIGNS)
    if period is not None and not (isinstance(period, tuple | list) and len(period) == 2
                                   and all(isinstance(p, str) for p in period)):
        raise InputError(f"period={period!r} must be 'START:END' or (START, END) dates, e.g. "
                         "('2020-12-01', '2022-01-31')")
    cls = DESIGNS[name]
    try:
        if issubclass(cls, _Population):
            if base is not None:
                analyses = [n for n, c in DESIGNS.items() if not issubclass(c, _Population)]
                raise InputError(f"design {name!r} is itself a base population: base= applies "
                                 f"only to {', '.join(analyses)}")
            return cls(period=period, **options)
        base = "ukb_like" if base is None else base
        if base not in BASES:
            raise unknown_choice("base population", base, BASES)
        pop_fields = {f.name for f in fields(BASES[base])}
        pop = {k: options.pop(k) for k in list(options) if k in pop_fields}
        return cls(base=BASES[base](period=period, **pop), **options)
    except TypeError as exc:
        raise InputError(f"design {name!r}: {exc}") from exc
