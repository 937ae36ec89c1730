"""Properties every Cox fit must have, on random data (hypothesis): the fit does not depend on
row order, rescaling a covariate rescales its coefficient only, and splitting follow-up into
counting-process intervals (timelines) changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from awaken.epi import Timeline, fit_cox

SETTINGS = settings(max_examples=15, deadline=None)


def _data(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.binomial(1, 0.4, size=n).astype(float)
    t = rng.exponential(1.0 / np.exp(0.4 * x - 0.3 * z))
    c = rng.exponential(1.5, size=n)
    # rounded times: ties, so that Efron's handling of tied events is exercised too
    time = np.maximum(np.round(np.minimum(t, c), 2), 0.01)
    return pd.DataFrame({"id": np.arange(n), "time": time, "status": (t <= c).astype(int),
                         "x": x, "z": z})


def _fit(data: pd.DataFrame, **kw: object):
    return fit_cox(data, stop="time", event="status", covariates=["x", "z"], **kw)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 120), perm=st.randoms())
def test_row_order_does_not_matter(seed, n, perm):
    data = _data(seed, n)
    order = list(range(n))
    perm.shuffle(order)
    a, b = _fit(data), _fit(data.iloc[order].reset_index(drop=True))
    np.testing.assert_allclose(b.coef, a.coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b.se, a.se, rtol=1e-8)
    assert abs(b.loglik[1] - a.loglik[1]) < 1e-8 * abs(a.loglik[1])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-3, 1e3), shift=st.floats(-50, 50))
def test_rescaling_a_covariate_rescales_its_coefficient(seed, scale, shift):
    data = _data(seed, 80)
    a = _fit(data)
    b = _fit(data.assign(x=data["x"] * scale + shift))
    np.testing.assert_allclose(b.coef, a.coef / np.array([scale, 1.0]), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(b.z, a.z, rtol=1e-6, atol=1e-9)
    assert abs(b.loglik[1] - a.loglik[1]) < 1e-7 * abs(a.loglik[1])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1),
       cuts=st.lists(st.floats(0.02, 3.0), min_size=1, max_size=4))
def test_splitting_follow_up_changes_nothing(seed, cuts):
    data = _data(seed, 60)
    split = Timeline.from_base(data, id="id", stop="time").split(cuts).data
    # the event belongs to the last interval of each person only
    last = split["tstop"] == split.groupby("id")["tstop"].transform("max")
    split = split.assign(status=split["status"].where(last, 0))
    whole = _fit(data)
    parts = fit_cox(split, start="tstart", stop="tstop", event="status", covariates=["x", "z"])
    assert parts.events == whole.events
    np.testing.assert_allclose(parts.coef, whole.coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(parts.se, whole.se, rtol=1e-8)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1),
       cuts=st.lists(st.floats(-1.0, 5.0, allow_nan=False), max_size=6),
       since=st.floats(0.0, 3.0))
def test_timelines_conserve_person_time(seed, cuts, since):
    data = _data(seed, 40).assign(entry=lambda d: d["time"] * 0.2)
    base = Timeline.from_base(data, id="id", start="entry", stop="time")
    events = pd.DataFrame({"id": data["id"], "time": data["entry"] + since})
    timeline = base.split(cuts).tdc("after", events).event("hit", events)
    rows = timeline.data
    assert np.all(rows["tstop"] > rows["tstart"])
    per_person = (rows["tstop"] - rows["tstart"]).groupby(rows["id"]).sum()
    expected = (data["time"] - data["entry"]).set_axis(data["id"])
    np.testing.assert_allclose(per_person.sort_index(), expected.sort_index(), rtol=1e-12)
    # intervals of a person tile (entry, exit]: each starts where the previous stopped
    gaps = rows.groupby("id").apply(lambda r: np.abs(r["tstart"].iloc[1:].to_numpy()
                                                     - r["tstop"].iloc[:-1].to_numpy()).sum(),
                                    include_groups=False)
    assert float(gaps.max()) == 0.0
