"""Study designs on synthetic cohorts with a known effect: recovery, coverage, bias."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy.stats import binom

from awaken.core.errors import InputError
from awaken.epi.designs import (
    DESIGNS,
    ESTIMATE_COLUMNS,
    FlatironLike,
    Landmark,
    NaiveEverExposed,
    RiskSetMatched,
    UKBLike,
    make_design,
)
from awaken.epi.synthetic import SyntheticSpec, make_synthetic_cohort


@pytest.fixture(scope="module")
def cohort():
    return make_synthetic_cohort(6000, true_hr=1.85, seed=7)


def _exposure_row(table: pd.DataFrame, model_prefix: str = "") -> pd.Series:
    rows = table[table["term"].str.startswith("exposed") & table["model"].str.startswith(
        model_prefix)]
    return rows.iloc[0]


def test_synthetic_is_reproducible_and_valid() -> None:
    a = make_synthetic_cohort(300, 1.5, seed=3)
    b = make_synthetic_cohort(300, 1.5, seed=3)
    c = make_synthetic_cohort(300, 1.5, seed=4)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    assert not a.persons.equals(c.persons)
    assert set(a.deaths["cause"]) <= {"cancer", "other", "cardiovascular", "respiratory"}
    assert (a.metastases.merge(a.persons, on="person_id")["cancer_type"] == "breast").all()
    with pytest.raises(InputError, match="true_hr"):
        make_synthetic_cohort(10, -1.0)
    with pytest.raises(InputError, match="p_tested"):
        SyntheticSpec(p_tested=1.5)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_every_design_runs_and_writes(cohort, name, tmp_path) -> None:
    result = make_design(name).run(cohort)
    assert list(result.estimates.columns) == ESTIMATE_COLUMNS
    assert not result.exposure_estimates.empty
    assert np.isfinite(result.exposure_estimates["estimate"]).all()
    assert {"tstart", "tstop", "person_id"} <= set(result.data.columns)
    assert result.curves is not None and {"time", "state", "probability", "group"} <= set(
        result.curves.columns)
    assert isinstance(result.figure(), Figure)
    paths = result.write(tmp_path / name)
    assert sorted(p.name for p in (tmp_path / name).iterdir()) == [
        "estimates.csv", "estimates.csv-metadata.json", "figure.png", "summary.json"]
    summary = json.loads(paths["summary"].read_text())
    assert summary["design"] == name and summary["counts"]["persons"] > 0
    back = pd.read_csv(paths["estimates"])
    assert len(back) == len(result.estimates)


def test_ukb_like_population_and_counting_process(cohort) -> None:
    design = UKBLike()
    frame = design.frame(cohort)
    persons = cohort.persons.set_index("person_id").loc[frame.persons["person_id"]]
    assert (persons["diagnosis_date"] <= pd.Timestamp("2015-03-01")).all()
    tested = cohort.infections.loc[cohort.infections["pathogen"] == "sars2", "person_id"]
    assert frame.persons["person_id"].isin(tested).all()
    data = design.timeline(frame).data
    # exposure switches on at the first positive test and stays on
    assert (data.groupby("person_id")["exposed"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert data["outcome"].sum() == (frame.persons["status"] == 1).sum()
    assert (data["tstop"] > data["tstart"]).all()


def test_time_varying_cox_recovers_true_hr_with_nominal_coverage() -> None:
    """40 synthetic cohorts: the 95% CI covers the true HR in about 95% of them."""
    true_hr, reps = 1.85, 40
    design = UKBLike(covariates=("deprivation",))
    logs, covered = [], 0
    for seed in range(reps):
        row = _exposure_row(design.estimate(make_synthetic_cohort(2500, true_hr, seed=seed)))
        logs.append(np.log(row["estimate"]))
        covered += row["ci_lower"] <= true_hr <= row["ci_upper"]
    # P(covered <= 33 | p = 0.95, n = 40) ~ 0.005
    assert covered >= binom.ppf(0.005, reps, 0.95), covered
    se_mean = np.std(logs, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(logs) - np.log(true_hr)) < 3 * se_mean


def test_naive_ever_exposed_shows_immortal_time_bias() -> None:
    """True HR 1: ever-infected looks protective; the time-varying model does not."""
    cohort = make_synthetic_cohort(8000, true_hr=1.0, seed=5)
    est = NaiveEverExposed().run(cohort).exposure_estimates.set_index("model")
    naive = est.loc["Cox, ever exposed (time-fixed)"]
    logistic = est.loc["logistic, ever exposed"]
    correct = est.loc["Cox, time-varying exposure"]
    assert naive["ci_upper"] < 0.8 and logistic["ci_upper"] < 0.8
    assert correct["ci_lower"] <= 1.0 <= correct["ci_upper"]


def test_period_restriction(cohort) -> None:
    period = ("2020-12-01", "2022-01-31")
    design = make_design("ukb_like", period="2020-12-01:2022-01-31")
    assert design.period == period
    frame = design.frame(cohort)
    origin = pd.Timestamp("2020-03-01")
    assert frame.persons["entry"].min() == (pd.Timestamp("2020-12-01") - origin).days - 1
    assert frame.persons["exit"].max() == (pd.Timestamp("2022-01-31") - origin).days
    full = UKBLike().frame(cohort)
    assert frame.counts["outcome_events"] < full.counts["outcome_events"]
    assert frame.counts["exposed_before_entry"] > 0
    row = _exposure_row(design.run(cohort).estimates)
    assert row["ci_lower"] < 1.85 < row["ci_upper"]
    assert make_design("naive_ever_exposed", period=period).base.period == period


def test_exposure_bands_find_a_transient_effect() -> None:
    spec = SyntheticSpec(effect_days=90)
    cohort = make_synthetic_cohort(8000, true_hr=3.0, seed=2, spec=spec)
    est = UKBLike(exposure_bands=(0, 91, 365)).estimate(cohort).set_index("term")
    assert est.loc["exposed_0_91", "ci_lower"] > 1.8
    assert est.loc["exposed_91_365", "ci_lower"] < 1.0 < est.loc["exposed_91_365", "ci_upper"]
    assert est.loc["exposed_365_plus", "estimate"] < 1.5


def test_flatiron_like_competing_risks() -> None:
    everyone_tested = SyntheticSpec(p_tested=1.0)
    cohort = make_synthetic_cohort(8000, true_hr=1.85, seed=9, spec=everyone_tested)
    result = FlatironLike().run(cohort)
    est = result.exposure_estimates.set_index("measure")
    assert est.loc["HR", "ci_lower"] < 1.85 < est.loc["HR", "ci_upper"]
    assert est.loc["SHR", "estimate"] > 1.2
    assert "male" not in set(result.estimates["term"])  # constant among breast patients
    states = set(result.curves["state"])
    assert {"lung metastasis", "competing death", "event-free"} <= states
    assert set(result.curves["group"]) == {"exposed", "unexposed"}
    # untested infections are recorded as unexposed: the estimate shrinks towards 1
    half_tested = make_synthetic_cohort(8000, true_hr=1.85, seed=9,
                                        spec=SyntheticSpec(p_tested=0.5))
    diluted = _exposure_row(FlatironLike().estimate(half_tested))
    assert diluted["estimate"] < est.loc["HR", "estimate"] and diluted["ci_upper"] < 1.85
    first = cohort.metastases.groupby("person_id")["date"].min()
    dx = cohort.persons.set_index("person_id")["diagnosis_date"]
    assert (first <= dx.reindex(first.index)).sum() == 0  # synthetic: no prevalent cases


def test_landmark(cohort) -> None:
    result = Landmark(landmark="2021-03-01").run(cohort)
    lm = result.settings["landmark_day"]
    assert lm == (pd.Timestamp("2021-03-01") - pd.Timestamp("2020-03-01")).days
    assert (result.data["tstart"] == lm).all()
    assert result.counts["exposed_at_landmark"] > 0
    censored = Landmark(landmark="2021-03-01", censor_at_exposure=True).run(cohort)
    assert censored.data["tstop"].sum() < result.data["tstop"].sum()
    with pytest.raises(InputError, match="nobody is under follow-up"):
        Landmark(landmark="2030-01-01").run(cohort)


def test_risk_set_matching(cohort) -> None:
    design = RiskSetMatched(n_controls=3, seed=1)
    frame = design.base.frame(cohort)
    m = design.match(frame)
    sets = m.groupby("set")
    assert (sets["exposed"].sum() == 1).all()
    assert sets.size().max() <= 4
    assert (sets["male"].nunique() == 1).all()
    # controls were at risk and not yet exposed when matched
    controls = m[m["exposed"] == 0]
    assert (controls["entry"] <= controls["tstart"]).all()
    assert (controls["t_exp"].fillna(np.inf) > controls["tstart"]).all()
    assert (controls["tstop"] <= controls["t_exp"].fillna(np.inf)).all()
    again = RiskSetMatched(n_controls=3, seed=1).match(frame)
    pd.testing.assert_frame_equal(m, again)
    # same target as the time-varying model (checked over 20 cohorts of 10,000 persons:
    # mean log-HR difference +0.008, SE 0.013); here its CI holds that model's estimate
    row = _exposure_row(design.run(cohort).estimates)
    full = _exposure_row(UKBLike().estimate(cohort))
    assert row["ci_lower"] < full["estimate"] < row["ci_upper"] and row["ci_lower"] > 1.1


def test_registry_and_validation() -> None:
    with pytest.raises(InputError, match="unknown design 'cox'; choose one of: flatiron_like"):
        make_design("cox")
    with pytest.raises(InputError, match="unknown base population"):
        make_design("landmark", base="nhs")
    with pytest.raises(InputError, match="unexpected keyword"):
        make_design("ukb_like", colour="red")
    d = make_design("landmark", base="flatiron_like", cancer_type="breast",
                    landmark="2021-01-01")
    assert isinstance(d.base, FlatironLike) and d.landmark == "2021-01-01"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.landmark = "2022-01-01"  # type: ignore[misc]
    with pytest.raises(InputError, match="START:END"):
        make_design("ukb_like", period="2020-12-01")
    with pytest.raises(InputError, match="END must be after START"):
        make_design("ukb_like", period="2022-01-01:2021-01-01")
    with pytest.raises(InputError, match="not a date"):
        make_design("ukb_like", period="2022-01-01:soon")
    with pytest.raises(InputError, match="exposure_bands"):
        UKBLike(exposure_bands=(5, 2))
    with pytest.raises(InputError, match="unknown covariate 'bmi'; choose one of: deprivation"):
        UKBLike(covariates=("bmi",)).frame(make_synthetic_cohort(200, 1.0, seed=1))


def test_adjustment_removes_confounding_by_a_covariate() -> None:
    """Deprivation raises both infection and cancer death: unadjusted HR > 1 at true HR 1."""
    cohort = make_synthetic_cohort(10000, true_hr=1.0, seed=3,
                                   spec=SyntheticSpec(confounding=1.0))
    crude = _exposure_row(UKBLike().estimate(cohort))
    adjusted = _exposure_row(UKBLike(covariates=("deprivation",)).estimate(cohort))
    assert crude["ci_lower"] > 1.0
    assert adjusted["ci_lower"] < 1.0 < adjusted["ci_upper"]
