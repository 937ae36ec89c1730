"""survdiff, Kaplan–Meier by group, quantiles, restricted mean and weighted curves against R
(fixtures made by make_fixtures_km.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import (
    aalen_johansen,
    kaplan_meier,
    restricted_mean,
    survdiff,
    survival_quantiles,
)

FIX = Path(__file__).parent / "fixtures"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / f"km_{name}.csv")


SURVDIFF = {  # case: (data, time, event, group, strata, rho)
    "lung_sex": ("lung", "time", "status", "sex", None, 0.0),
    "lung_sex_rho1": ("lung", "time", "status", "sex", None, 1.0),
    "lung_ecog_rho05": ("lung", "time", "status", "ph_ecog", None, 0.5),
    "lung_sex_strata": ("lung", "time", "status", "sex", "ph_ecog", 0.0),
    "vet_trt_strata": ("veteran", "time", "status", "trt", "celltype", 0.0),
    "ovarian_rx": ("ovarian", "futime", "fustat", "rx", None, 0.0),
}


@pytest.mark.parametrize("case", list(SURVDIFF))
def test_survdiff_matches_r(case: str) -> None:
    name, t, e, g, s, rho = SURVDIFF[case]
    d = _read(name)
    ref = _read("survdiff").query("case == @case")
    res = survdiff(d[t], d[e], d[g], strata=None if s is None else d[s], rho=rho)
    np.testing.assert_array_equal(res.table["n"], ref["n"])
    for ours, theirs in ((res.table["observed"], ref["observed"]),
                         (res.table["expected"], ref["expected"]),
                         (np.diag(res.var), ref["var_diag"])):
        np.testing.assert_allclose(np.asarray(ours, float), theirs, rtol=1e-12)
    assert res.chisq == pytest.approx(ref["chisq"].iloc[0], rel=1e-12)
    assert res.df == ref["df"].iloc[0]
    assert res.p == pytest.approx(ref["p"].iloc[0], rel=1e-10)


def test_km_by_group_matches_survfit_strata() -> None:
    lung, ref = _read("lung"), _read("bysex")
    ours = kaplan_meier(lung["time"], lung["status"], group=lung["sex"])
    assert list(ours.columns[:2]) == ["group", "time"] and len(ours) == len(ref)
    for col in ref.columns:
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col], rtol=1e-12, atol=1e-15,
                                   err_msg=col)


QUANTILES = {  # case: (data, time, event, group, conf_type)
    "lung_sex": ("lung", "time", "status", "sex", "log"),
    "lung_sex_loglog": ("lung", "time", "status", "sex", "log-log"),
    "ovarian_rx": ("ovarian", "futime", "fustat", "rx", "log"),
    "vet_trt": ("veteran", "time", "status", "trt", "log"),  # medians on flat stretches
}


@pytest.mark.parametrize("case", list(QUANTILES))
def test_quantiles_match_r(case: str) -> None:
    name, t, e, g, conf = QUANTILES[case]
    d = _read(name)
    ref = _read("quantiles").query("case == @case").sort_values(["group", "prob"])
    curve = kaplan_meier(d[t], d[e], group=d[g], conf_type=conf)  # type: ignore[arg-type]
    ours = survival_quantiles(curve, probs=[0.1, 0.25, 0.5, 0.75])
    ours = ours.sort_values(["group", "prob"])
    for col in ("quantile", "lower", "upper"):
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float),
                                   rtol=1e-12, equal_nan=True, err_msg=col)


def test_restricted_mean_matches_r() -> None:
    ref = _read("rmst")
    lung, vet = _read("lung"), _read("veteran")
    by_sex = kaplan_meier(lung["time"], lung["status"], group=lung["sex"])
    by_trt = kaplan_meier(vet["time"], vet["status"], group=vet["trt"])
    for case, curve, tau in (("lung_sex_365", by_sex, 365), ("lung_sex_800", by_sex, 800),
                             ("vet_trt_200", by_trt, 200)):
        r = ref[ref["case"] == case]
        ours = restricted_mean(curve, tau)
        np.testing.assert_allclose(ours["rmean"], r["rmean"], rtol=1e-12)
        np.testing.assert_allclose(ours["se"], r["se"], rtol=1e-12)
        med = survival_quantiles(curve, [0.5])["quantile"]
        np.testing.assert_allclose(med, r["median"], rtol=1e-12)


def test_weighted_km_uses_robust_variance_as_r() -> None:
    lung, ref = _read("lung"), _read("weighted")
    ours = kaplan_meier(lung["time"], lung["status"], weights=lung["w"])
    for col in ref.columns:
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[col], rtol=1e-10,
                                   atol=1e-14, err_msg=col)
    greenwood = kaplan_meier(lung["time"], lung["status"], weights=lung["w"], robust=False)
    assert not np.allclose(greenwood["std_err"], ours["std_err"])


def test_weighted_aalen_johansen_matches_r() -> None:
    d, ref = _read("mgus2w"), _read("aj_weighted")
    wide = aalen_johansen(d["etime"], d["event"], weights=d["w"]).pivot(index="time",
                                                                         columns="state")
    np.testing.assert_allclose(wide.index, ref["time"])
    np.testing.assert_allclose(wide["n_risk"]["event-free"], ref["n_risk"])
    for k, state in enumerate(("event-free", "cause 1", "cause 2")):
        np.testing.assert_allclose(wide["probability"][state], ref[f"p{k}"], atol=1e-12)
        np.testing.assert_allclose(wide["std_err"][state], ref[f"se{k}"], atol=1e-12)


def test_bad_input_is_named() -> None:
    with pytest.raises(InputError, match="only one level"):
        survdiff([1.0, 2.0], [1, 1], [0, 0])
    with pytest.raises(InputError, match="group has a missing value at row 1"):
        survdiff([1.0, 2.0], [1, 1], [0.0, np.nan])
    with pytest.raises(InputError, match="probs"):
        survival_quantiles(kaplan_meier([1.0, 2.0], [1, 0]), probs=[1.5])
    with pytest.raises(InputError, match="lacks column"):
        restricted_mean(pd.DataFrame({"time": [1.0]}))
