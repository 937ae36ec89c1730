"""R's timefix in every estimator, on age-scale data with left truncation
(fixtures made by make_fixtures_ties.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awaken.core.errors import InputError
from awaken.epi import aalen_johansen, fine_gray, finegray_expand, fit_cox, kaplan_meier
from awaken.epi.ties import timefix

FIX = Path(__file__).parent / "fixtures"


def _data() -> pd.DataFrame:
    return pd.read_csv(FIX / "ties_age.csv")


def _ref(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name)


def test_data_hold_round_off_ties() -> None:
    d = _data()
    times = np.unique(np.r_[d["entry"], d["exit"]])
    gaps = np.diff(times)
    assert np.sum(gaps < 1e-12) >= 20  # the test below would fail without the rule
    fixed, _ = timefix(d["exit"].to_numpy(), d["entry"].to_numpy())
    assert np.unique(fixed).size < np.unique(d["exit"]).size


def test_km_on_age_scale_matches_survfit() -> None:
    d, ref = _data(), _ref("ties_km.csv")
    ours = kaplan_meier(d["exit"], d["status"], entry=d["entry"])
    assert len(ours) == len(ref)
    for col in ("time", "n_risk", "n_event", "n_censor", "surv", "std_err"):
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-12, atol=0, err_msg=col)


def test_aj_on_age_scale_matches_survfit() -> None:
    d, ref = _data(), _ref("ties_aj.csv")
    ours = aalen_johansen(d["exit"], d["cause"], entry=d["entry"], id=d["id"])
    wide = ours.pivot(index="time", columns="state")
    assert len(wide) == len(ref)
    np.testing.assert_allclose(wide.index, ref["time"], rtol=1e-12)
    for ours_col, ref_col in (("event-free", "p0"), ("cause 1", "p1"), ("cause 2", "p2")):
        np.testing.assert_allclose(wide["probability"][ours_col], ref[ref_col], atol=1e-12)
    np.testing.assert_allclose(wide["std_err"]["cause 1"], ref["se1"], atol=1e-10)
    np.testing.assert_allclose(wide["std_err"]["cause 2"], ref["se2"], atol=1e-10)


def test_finegray_on_age_scale_matches_r() -> None:
    d, ref = _data(), _ref("ties_fg_expanded.csv")
    ours = finegray_expand(d, start="entry", stop="exit", status="cause", event=1, id="id")
    assert len(ours) == len(ref)
    for col in ("id", "fgstart", "fgstop", "fgstatus", "fgwt"):
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float),
                                   rtol=1e-12, atol=1e-14, err_msg=col)
    coef = _ref("ties_coef.csv").set_index("model")
    fg = fine_gray(d, start="entry", stop="exit", status="cause", event=1, id="id",
                   covariates=["x"])
    np.testing.assert_allclose(fg.coef[0], coef.loc["finegray", "coef"], rtol=1e-9)
    np.testing.assert_allclose(fg.se[0], coef.loc["finegray", "se"], rtol=1e-7)
    cox = fit_cox(d, start="entry", stop="exit", event="status", covariates=["x"])
    np.testing.assert_allclose(cox.coef[0], coef.loc["cox", "coef"], rtol=1e-9)
    np.testing.assert_allclose(cox.se[0], coef.loc["cox", "se"], rtol=1e-7)


def test_timefix_rule_is_aeqsurv() -> None:
    stop = np.array([1.0, 1.0 + 1e-12, 2.0, 3.0, np.inf])
    fixed, _ = timefix(stop)
    np.testing.assert_array_equal(fixed, [1.0, 1.0, 2.0, 3.0, np.inf])
    same, _ = timefix(np.array([1.0, 1.0 + 1e-6]))
    assert same[1] == 1.0 + 1e-6  # 1e-6 apart: two times
    with pytest.raises(InputError, match="length 0"):
        timefix(np.array([1.0 + 1e-13]), np.array([1.0]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=5, max_size=40), st.integers(0, 2**31 - 1))
def test_round_off_never_changes_a_curve(days: list[int], seed: int) -> None:
    """Each day twice, its age computed along two arithmetic paths (age + d/365.25 and
    (age*365.25 + d)/365.25, which differ in the last bit for some days, e.g. day 2): the
    Kaplan-Meier curve is the one of a single path."""
    rng = np.random.default_rng(seed)
    d = np.asarray([2, *days], dtype=float)  # day 2: the two paths differ at this age
    age0 = 70 + 17 / 365.25                   # one birth date: equal days are equal ages
    path1 = age0 + d / 365.25
    path2 = (age0 * 365.25 + d) / 365.25
    event = rng.integers(0, 2, 2 * d.size)
    event[0] = 1
    entry = np.full(2 * d.size, 70.0)
    mixed = kaplan_meier(np.r_[path1, path2], event, entry=entry)
    single = kaplan_meier(np.r_[path1, path1], event, entry=entry)
    assert len(mixed) == len(single) == np.unique(path1).size
    np.testing.assert_allclose(mixed["surv"], single["surv"], rtol=1e-13)
