"""Time-transformed covariates against R's coxph(tt=) (fixtures made by make_fixtures_tt.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import fit_cox

FIX = Path(__file__).parent / "fixtures"
CASES = {
    "lung": ("tt_lung.csv", dict(stop="time", event="status", covariates=["age", "sex"],
                                 tt={"tt_age": ("age", lambda x, t: x * np.log(t))})),
    "vet_strata": ("tt_veteran.csv", dict(
        stop="time", event="status", covariates=["karno", "trt"], strata="celltype",
        tt={"tt_karno": ("karno", lambda x, t: x * np.log(t + 20))})),
    "heart_breslow": ("tt_heart.csv", dict(
        start="start", stop="stop", event="event", ties="breslow",
        covariates=["age", "surgery", "transplant"],
        tt={"tt_age": ("age", lambda x, t: x * t / 365)})),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tt_matches_r(case: str) -> None:
    name, kw = CASES[case]
    fit = fit_cox(pd.read_csv(FIX / name), **kw)  # type: ignore[arg-type]
    ref = pd.read_csv(FIX / "tt_coef.csv").query("case == @case")
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-8)
    assert fit.loglik[1] == pytest.approx(ref["loglik"].iloc[0], rel=1e-12)


def test_tt_bad_input() -> None:
    lung = pd.read_csv(FIX / "tt_lung.csv")
    base = dict(stop="time", event="status", covariates=["age"])
    with pytest.raises(InputError, match="not in the data"):
        fit_cox(lung, tt={"g": ("karno", lambda x, t: x)}, **base)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="one value per row"):
        fit_cox(lung, tt={"g": ("age", lambda x, t: x[:3])}, **base)  # type: ignore[arg-type]


def test_tt_in_a_formula_matches_r() -> None:
    vet = pd.read_csv(FIX / "tt_veteran.csv")
    fit = fit_cox(vet, "Surv(time, status) ~ karno + trt + tt(karno) + strata(celltype)",
                  tt=lambda x, t: x * np.log(t + 20))
    ref = pd.read_csv(FIX / "tt_coef.csv").query("case == 'vet_strata'")
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9)
    assert fit.terms[-1] == "tt(karno)"
    with pytest.raises(InputError, match="pass tt= a function"):
        fit_cox(vet, "Surv(time, status) ~ karno + tt(karno)")
