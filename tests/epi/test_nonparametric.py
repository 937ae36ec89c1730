"""Kaplan–Meier and Aalen–Johansen against R survfit (fixtures made by make_fixtures_np.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi.nonparametric import aalen_johansen, kaplan_meier
from awaken.epi.timelines import Timeline

FIX = Path(__file__).parent / "fixtures"
EST, SE = 1e-8, 1e-6


def _close(ours: pd.Series, ref: pd.Series, tol: float) -> None:
    np.testing.assert_allclose(ours.to_numpy(float), ref.to_numpy(float), rtol=0, atol=tol,
                               equal_nan=True)


@pytest.mark.parametrize(("conf_type", "name"),
                         [("log", "log"), ("log-log", "loglog"), ("plain", "plain")])
def test_km_matches_survfit(conf_type: str, name: str) -> None:
    lung = pd.read_csv(FIX / "np_lung.csv")
    ref = pd.read_csv(FIX / f"np_km_{name}.csv")
    ours = kaplan_meier(lung["time"], lung["status"], conf_type=conf_type)
    for col in ("time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"):
        _close(ours[col], ref[col], EST)
    _close(ours["std_err"], ref["std_err"], SE)


def test_km_left_truncated_matches_survfit() -> None:
    lt = pd.read_csv(FIX / "np_lefttrunc.csv")
    ref = pd.read_csv(FIX / "np_km_lefttrunc.csv")
    ours = kaplan_meier(lt["exit"], lt["status"], entry=lt["entry"], conf_type="log-log")
    for col in ("time", "n_risk", "surv", "lower", "upper"):
        _close(ours[col], ref[col], EST)
    _close(ours["std_err"], ref["std_err"], SE)


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot(index="time", columns="state")


@pytest.mark.parametrize("case", ["mgus2", "lefttrunc"])
def test_aalen_johansen_matches_multistate_survfit(case: str) -> None:
    if case == "mgus2":
        d = pd.read_csv(FIX / "np_mgus2.csv")
        ours = aalen_johansen(d["etime"], d["event"], labels={1: "pcm", 2: "death"})
    else:
        d = pd.read_csv(FIX / "np_lefttrunc.csv")
        ours = aalen_johansen(d["exit"], d["cause"], entry=d["entry"], id=d["id"],
                              labels={1: "pcm", 2: "death"})
    ref = pd.read_csv(FIX / f"np_aj_{case}.csv")
    w = _wide(ours)
    assert len(w) == len(ref)
    _close(w["n_risk"]["event-free"], ref["n_risk"], EST)
    for j, state in enumerate(["event-free", "pcm", "death"]):
        _close(w["probability"][state], ref[f"p{j}"], EST)
        _close(w["std_err"][state], ref[f"se{j}"], SE)
    for j, state in ((1, "pcm"), (2, "death")):
        _close(w["lower"][state], ref[f"lo{j}"], EST)
        _close(w["upper"][state], ref[f"up{j}"], EST)


def test_aalen_johansen_invariant_to_splitting_rows() -> None:
    """Counting-process rows of one person (clustered by id) give the same curve and SE."""
    d = pd.read_csv(FIX / "np_mgus2.csv")
    whole = aalen_johansen(d["etime"], d["event"])
    tl = Timeline.from_base(d[["id", "etime"]], id="id", stop="etime")
    tl = tl.event("event", d.rename(columns={"etime": "time"}), value="event").split([30, 90])
    rows = tl.data
    split = aalen_johansen(rows["tstop"], rows["event"], entry=rows["tstart"], id=rows["id"])
    for col in ("probability", "std_err"):
        _close(split[col], whole[col], 1e-12)


def test_aalen_johansen_single_cause_is_kaplan_meier() -> None:
    lung = pd.read_csv(FIX / "np_lung.csv")
    aj = aalen_johansen(lung["time"], lung["status"])
    km = kaplan_meier(lung["time"], lung["status"])
    _close(aj.loc[aj["state"] == "event-free", "probability"].reset_index(drop=True),
           km["surv"], 1e-12)


def test_km_weights_act_as_replication() -> None:
    lung = pd.read_csv(FIX / "np_lung.csv").iloc[:40]
    twice = pd.concat([lung, lung])
    a = kaplan_meier(twice["time"], twice["status"])
    b = kaplan_meier(lung["time"], lung["status"], weights=np.full(len(lung), 2.0))
    _close(a["surv"], b["surv"], 1e-12)
    _close(a["n_risk"], b["n_risk"], 1e-12)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="time > entry"):
        kaplan_meier([1.0, 2.0], [1, 0], entry=[1.0, 0.0])
    with pytest.raises(InputError, match="0 .censored. or 1"):
        kaplan_meier([1.0, 2.0], [2, 0])
    with pytest.raises(InputError, match="no events"):
        aalen_johansen([1.0, 2.0], [0, 0])
    with pytest.raises(InputError, match="conf_type"):
        kaplan_meier([1.0, 2.0], [1, 0], conf_type="arcsin")  # type: ignore[arg-type]
