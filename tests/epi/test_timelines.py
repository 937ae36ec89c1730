"""Counting-process builder against R's tmerge/survSplit (fixtures made by make_fixtures_np.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi.timelines import Timeline, to_days

FIX = Path(__file__).parent / "fixtures"
COLS = ["id", "tstart", "tstop", "death", "exposed", "met", "crp"]


def _build() -> Timeline:
    base = pd.read_csv(FIX / "tm_base.csv")
    tl = Timeline.from_base(base[["id", "entry", "futime", "age"]], id="id", start="entry",
                            stop="futime")
    tl = tl.event("death", base.rename(columns={"futime": "time"}), value="death")
    tl = tl.tdc("exposed", pd.read_csv(FIX / "tm_expo.csv"), time="t")
    tl = tl.event("met", pd.read_csv(FIX / "tm_mets.csv"), time="t")
    return tl.tdc("crp", pd.read_csv(FIX / "tm_lab.csv"), time="t", value="crp")


def _compare(ours: pd.DataFrame, ref: pd.DataFrame, cols: list[str]) -> None:
    ours = ours.reset_index(drop=True)
    assert len(ours) == len(ref)
    for c in cols:
        np.testing.assert_allclose(ours[c].to_numpy(float), ref[c].to_numpy(float),
                                   err_msg=c, equal_nan=True)


def test_matches_tmerge() -> None:
    tl = _build()
    _compare(tl.data, pd.read_csv(FIX / "tm_tmerge.csv"), COLS + ["age"])
    assert tl.events == ("death", "met")


def test_split_matches_survsplit() -> None:
    tl = _build().split([25, 75], name="period")
    ref = pd.read_csv(FIX / "tm_split.csv")
    ref["period"] -= 1  # R counts episodes from 1
    # survSplit copies columns outside Surv() (here `met`) into every piece; we count
    # every declared event once, on the piece ending at its time
    _compare(tl.data, ref, [c for c in COLS if c != "met"] + ["period"])
    assert tl.data["death"].sum() == 5 and tl.data["met"].sum() == 4


def test_split_labels_and_restrict() -> None:
    tl = _build().split([25, 75], name="period", labels=["early", "mid", "late"])
    assert set(tl.data["period"]) == {"early", "mid", "late"}
    r = _build().restrict(25, 75)
    assert r.data["tstart"].min() == 25 and r.data["tstop"].max() == 75
    assert r.data["death"].sum() == 3  # ids 6 (t=30), 8 (t=45) and 5 (t=60)
    person_time = (r.data["tstop"] - r.data["tstart"]).sum()
    full = _build().data
    expect = (np.clip(full["tstop"], 25, 75) - np.clip(full["tstart"], 25, 75)).sum()
    assert person_time == pytest.approx(expect)


def test_split_since_bands() -> None:
    tl = _build()
    expo = pd.read_csv(FIX / "tm_expo.csv")
    out = tl.split_since("inf", expo, [0, 10, 30], time="t").data
    bands = ["inf_0_10", "inf_10_30", "inf_30_plus"]
    assert out[bands].sum(axis=1).le(1).all()
    # band indicators agree with the step covariate
    np.testing.assert_array_equal(out[bands].sum(axis=1), out["exposed"])
    p1 = out[out["id"] == 1].set_index("tstart")
    assert p1.loc[20, "inf_0_10"] == 1 and p1.loc[30, "inf_10_30"] == 1
    assert p1.loc[50, "inf_30_plus"] == 1
    # id 3 exposed at 3, before entry at 5: starts in the first band, 2 days in
    p3 = out[out["id"] == 3]
    assert p3["tstart"].tolist() == [5, 13, 33]
    assert (out["tstop"] - out["tstart"]).sum() == pytest.approx(
        (tl.data["tstop"] - tl.data["tstart"]).sum())


def test_person_ids_as_text_and_errors() -> None:
    base = pd.DataFrame({"pid": ["a", "b"], "stop": [10.0, 5.0]})
    tl = Timeline.from_base(base, id="pid", stop="stop")
    tl = tl.tdc("x", pd.DataFrame({"pid": ["a"], "time": [4.0]}))
    assert tl.data["tstart"].tolist() == [0, 4, 0] and tl.n_persons == 2
    with pytest.raises(InputError, match="one row per"):
        Timeline.from_base(pd.concat([base, base]), id="pid", stop="stop")
    with pytest.raises(InputError, match="no column 'when'"):
        tl.event("e", pd.DataFrame({"pid": ["a"]}), time="when")
    with pytest.raises(InputError, match="labels"):
        tl.split([1, 2], labels=["a"])


def test_to_days() -> None:
    d = to_days(pd.Series(pd.to_datetime(["2020-03-02", None])), "2020-03-01")
    assert d.iloc[0] == 1.0 and np.isnan(d.iloc[1])


def test_large_random_split_preserves_person_time() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    base = pd.DataFrame({"id": np.arange(n), "a": rng.uniform(0, 50, n)})
    base["b"] = base["a"] + rng.uniform(1, 500, n)
    ev = pd.DataFrame({"id": rng.integers(0, n, 3 * n), "time": rng.uniform(0, 600, 3 * n)})
    tl = Timeline.from_base(base, id="id", start="a", stop="b").tdc("x", ev).split(
        [100, 200, 300], name="p")
    d = tl.data
    assert (d["tstop"] > d["tstart"]).all()
    pt = (d["tstop"] - d["tstart"]).groupby(d["id"]).sum()
    np.testing.assert_allclose(pt.to_numpy(), (base["b"] - base["a"]).to_numpy())
