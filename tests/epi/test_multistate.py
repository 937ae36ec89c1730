"""General multi-state curves against R's survfit(Surv(start, stop, state) ~ 1, id=)
(fixtures made by make_fixtures_ms.R: the mgus2 illness-death model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import aalen_johansen, multistate_curves

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("weighted", "ref_name"), [(False, "ms_fit.csv"),
                                                    (True, "ms_fit_weighted.csv")])
def test_illness_death_matches_r(weighted: bool, ref_name: str) -> None:
    d = pd.read_csv(FIX / "ms_mgus2.csv")
    ref = pd.read_csv(FIX / ref_name)
    ours = multistate_curves(d["tstart"], d["tstop"], d["to"], d["id"],
                             weights=d["w"] if weighted else None,
                             labels={1: "pcm", 2: "death"})
    wide = ours.pivot(index="time", columns="state")
    np.testing.assert_allclose(wide.index, ref["time"])
    for j, state in enumerate(("(s0)", "pcm", "death")):
        np.testing.assert_allclose(wide["probability"][state], ref[f"p{j}"], atol=1e-12)
        np.testing.assert_allclose(wide["std_err"][state], ref[f"se{j}"], atol=1e-12)
    np.testing.assert_array_equal(wide["n_risk"]["(s0)"], ref["n0"])
    np.testing.assert_array_equal(wide["n_risk"]["pcm"], ref["n1"])


def test_competing_risks_is_a_special_case() -> None:
    d = pd.read_csv(FIX / "np_mgus2.csv")
    ms = multistate_curves(np.zeros(len(d)), d["etime"], d["event"], d["id"]).pivot(
        index="time", columns="state")
    aj = aalen_johansen(d["etime"], d["event"]).pivot(index="time", columns="state")
    np.testing.assert_allclose(ms["probability"]["state 1"], aj["probability"]["cause 1"],
                               atol=1e-13)
    np.testing.assert_allclose(ms["std_err"]["state 2"], aj["std_err"]["cause 2"], atol=1e-13)


def test_multistate_bad_input() -> None:
    with pytest.raises(InputError, match="row 1"):
        multistate_curves([0, 5], [3, 4], [1, 0], [1, 2])
    with pytest.raises(InputError, match="weights"):
        multistate_curves([0, 0], [3, 4], [1, 0], [1, 2], weights=[1, 0])


def test_curves_by_group_are_the_separate_fits() -> None:
    d = pd.read_csv(FIX / "ms_mgus2.csv")
    sex = np.where(d["id"] % 2 == 0, "even", "odd")
    both = multistate_curves(d["tstart"], d["tstop"], d["to"], d["id"], group=sex)
    odd = d[sex == "odd"]
    alone = multistate_curves(odd["tstart"], odd["tstop"], odd["to"], odd["id"])
    part = both[both["group"] == "odd"].drop(columns="group").reset_index(drop=True)
    pd.testing.assert_frame_equal(part, alone)
