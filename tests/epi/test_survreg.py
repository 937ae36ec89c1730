"""Parametric survival regression against R's survreg (fixtures made by
make_fixtures_survreg.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import fit_cox, fit_survreg

FIX = Path(__file__).parent / "fixtures"
DATA = {
    "lung": ("sr_lung.csv", dict(time="time", event="status", covariates=["age", "sex",
                                                                          "ph_ecog"])),
    "vet": ("sr_veteran.csv", dict(time="time", event="status", covariates=["karno", "trt"])),
}
CASES = [(d, dist) for d in DATA for dist in ("weibull", "exponential", "lognormal",
                                               "loglogistic")]


def _ref(case: str) -> pd.DataFrame:
    return pd.read_csv(FIX / "sr_coef.csv").query("case == @case")


def _check(fit, ref: pd.DataFrame) -> None:
    table = fit.summary
    assert list(table.index) == list(ref["term"])
    # R stops at a relative log-likelihood change of 1e-9: its estimates are that close
    np.testing.assert_allclose(table["Value"], ref["value"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(table["Std. Error"], ref["se"], rtol=1e-7)
    assert fit.scale == pytest.approx(ref["scale"].iloc[0], rel=1e-7)
    np.testing.assert_allclose(fit.loglik, [ref["loglik0"].iloc[0], ref["loglik"].iloc[0]],
                               rtol=1e-12)


@pytest.mark.parametrize(("data", "dist"), CASES)
def test_survreg_matches_r(data: str, dist: str) -> None:
    name, kw = DATA[data]
    fit = fit_survreg(pd.read_csv(FIX / name), dist=dist, **kw)  # type: ignore[arg-type]
    _check(fit, _ref(f"{data}_{dist}"))


def test_survreg_ovarian_and_weights_match_r() -> None:
    ova = pd.read_csv(FIX / "sr_ovarian.csv")
    _check(fit_survreg(ova, time="futime", event="fustat", covariates=["age", "rx"]),
           _ref("ovarian_weibull"))
    lung = pd.read_csv(FIX / "sr_lung.csv")
    _check(fit_survreg(lung, time="time", event="status", covariates=["age", "sex"],
                       weights="w"), _ref("lung_weibull_w"))


def test_weibull_hazard_ratios_are_close_to_cox() -> None:
    lung = pd.read_csv(FIX / "sr_lung.csv")
    wb = fit_survreg(lung, time="time", event="status", covariates=["age", "sex", "ph_ecog"])
    cox = fit_cox(lung, stop="time", event="status", covariates=["age", "sex", "ph_ecog"])
    np.testing.assert_allclose(np.log(wb.hazard_ratios), cox.coef, atol=0.03)
    with pytest.raises(InputError, match="no hazard ratios"):
        _ = fit_survreg(lung, time="time", event="status", covariates=["age"],
                        dist="lognormal").hazard_ratios


def test_survreg_bad_input() -> None:
    lung = pd.read_csv(FIX / "sr_lung.csv")
    with pytest.raises(InputError, match="unknown dist 'gamma'"):
        fit_survreg(lung, time="time", event="status", dist="gamma")
    with pytest.raises(InputError, match="must be > 0"):
        fit_survreg(lung.assign(time=lung["time"] - 5), time="time", event="status")
    with pytest.raises(InputError, match="covariate column 'karno' not found"):
        fit_survreg(lung, time="time", event="status", covariates=["karno"])


def test_survreg_formula_equals_columns() -> None:
    lung = pd.read_csv(FIX / "sr_lung.csv")
    cols = fit_survreg(lung, time="time", event="status", covariates=["age", "sex"],
                       dist="loglogistic")
    form = fit_survreg(lung, "Surv(time, status) ~ age + sex", dist="loglogistic")
    np.testing.assert_allclose(form.coef, cols.coef, rtol=1e-12)
    with pytest.raises(InputError, match="without start times"):
        fit_survreg(lung, "Surv(time, status) ~ age + strata(sex)")


def test_survreg_formula_with_factor_and_missing_values_matches_r() -> None:
    lung = pd.read_csv(FIX / "fm_lung.csv")  # as shipped: status 1/2, missing ph.ecog
    with pytest.warns(UserWarning, match="1 of 228 rows dropped"):
        fit = fit_survreg(lung, "Surv(time, status) ~ age + C(ph_ecog)", dist="lognormal")
    _check(fit, _ref("lung_factor_lognormal").assign(
        term=["(Intercept)", *fit.terms[1:], "Log(scale)"]))
