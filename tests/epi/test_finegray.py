"""Fine–Gray expansion and fit against R finegray + coxph (fixtures made by make_fixtures_np.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi.finegray import cause_specific_cox, fine_gray, finegray_expand

FIX = Path(__file__).parent / "fixtures"
FG_COLS = ["id", "fgstart", "fgstop", "fgstatus", "fgwt"]


def _mgus2() -> pd.DataFrame:
    d = pd.read_csv(FIX / "np_mgus2.csv")
    return d.assign(male=(d["sex"] == "M").astype(int))


CASES = {
    "mgus2": (_mgus2, dict(stop="etime", status="event", event=1), "fg_mgus2_expanded.csv.gz"),
    "split": (lambda: pd.read_csv(FIX / "fg_split_data.csv"),
              dict(start="tstart", stop="tstop", status="ev", event=1, id="id"),
              "fg_split_expanded.csv.gz"),
    "lefttrunc": (lambda: pd.read_csv(FIX / "np_lefttrunc.csv"),
                  dict(start="entry", stop="exit", status="cause", event=1, id="id"),
                  "fg_lefttrunc_expanded.csv"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_expansion_matches_r(case: str) -> None:
    load, args, ref_name = CASES[case]
    ours = finegray_expand(load(), **args)
    ref = pd.read_csv(FIX / ref_name)
    assert len(ours) == len(ref)
    for col in FG_COLS:
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float),
                                   rtol=0, atol=1e-12, err_msg=col)


def _ref(case: str) -> pd.DataFrame:
    ref = pd.read_csv(FIX / "fg_coef.csv")
    return ref[ref["case"] == case].set_index("term")


@pytest.mark.parametrize(("case", "data", "covs", "cluster"), [
    ("mgus2_robust", "mgus2", ["age", "male"], True),
    ("split_robust", "split", ["age", "male", "x"], True),
    ("lefttrunc_robust", "lefttrunc", ["sex"], True),
])
def test_fine_gray_fit_matches_coxph(case: str, data: str, covs: list[str],
                                     cluster: bool) -> None:
    load, args, _ = CASES[data]
    args = dict(args, id="id") if cluster else dict(args)
    fit = fine_gray(load(), covariates=covs, **args)
    ref = _ref(case)
    np.testing.assert_allclose(np.asarray(fit.coef), ref.loc[covs, "coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.asarray(fit.se), ref.loc[covs, "se"], rtol=1e-5)
    assert fit.loglik[-1] == pytest.approx(ref["loglik"].iloc[0], abs=1e-6)


def test_cause_specific_censors_the_other_cause() -> None:
    d = _mgus2()
    a = cause_specific_cox(d, stop="etime", status="event", event=1, covariates=["age", "male"])
    from awaken.epi.cox import fit_cox

    b = fit_cox(d.assign(pcm=(d["event"] == 1).astype(int)), stop="etime", event="pcm",
                covariates=["age", "male"])
    np.testing.assert_allclose(np.asarray(a.coef), np.asarray(b.coef), rtol=1e-12)


def test_bad_input() -> None:
    d = _mgus2()
    with pytest.raises(InputError, match="no row has event == 3"):
        finegray_expand(d, stop="etime", status="event", event=3)
    with pytest.raises(InputError, match="need an id"):
        finegray_expand(d.assign(t0=0.0), start="t0", stop="etime", status="event", event=1)
    rows = pd.DataFrame({"id": [1, 1], "a": [0.0, 6.0], "b": [5.0, 9.0], "s": [0, 1]})
    with pytest.raises(InputError, match="gaps in time"):
        finegray_expand(rows, start="a", stop="b", status="s", event=1, id="id")
    rows = pd.DataFrame({"id": [1, 1], "a": [0.0, 5.0], "b": [5.0, 9.0], "s": [1, 0]})
    with pytest.raises(InputError, match="before their last row"):
        finegray_expand(rows, start="a", stop="b", status="s", event=1, id="id")
