"""The formula interface of fit_cox and cox.zph per term, against R (fixtures made by
make_fixtures_formula.R)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import cox_residuals, cox_survfit, cox_zph, fit_cox, predict_cox
from awaken.epi.formula import MissingRowsWarning

FIX = Path(__file__).parent / "fixtures"
CASES = {
    "lung_factor": ("lung", "Surv(time, status) ~ age + C(ph_ecog) + sex + wt_loss"),
    "lung_interaction": ("lung", "Surv(time, status) ~ age * sex + C(ph_ecog)"),
    "lung_spline": ("lung", "Surv(time, status) ~ bs(age, df=4) + sex"),
    "colon_strata": ("colon", "Surv(time, status) ~ rx + sex + age + C(differ) + strata(extent)"),
    "colon_cluster": ("colon", "Surv(time, status) ~ rx + nodes + cluster(id)"),
}


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / f"fm_{name}.csv")


def _fit(case: str):
    name, formula = CASES[case]
    data = _data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingRowsWarning)
        return data, fit_cox(data, formula)


@pytest.mark.parametrize("case", list(CASES))
def test_formula_fit_matches_r(case: str) -> None:
    name, formula = CASES[case]
    data = _data(name)
    ref = pd.read_csv(FIX / "fm_coef.csv").query("case == @case")
    dropped = int(ref["dropped"].iloc[0])
    if dropped:
        with pytest.warns(MissingRowsWarning, match=f"{dropped} of {len(data)} rows dropped"):
            fit = fit_cox(data, formula)
    else:
        fit = fit_cox(data, formula)
    assert len(fit.terms) == len(ref)
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-8)
    assert fit.loglik[1] == pytest.approx(ref["loglik"].iloc[0], rel=1e-12)
    assert fit.n == ref["n"].iloc[0] and fit.events == ref["nevent"].iloc[0]
    assert fit.formula is not None and fit.formula.n_dropped == dropped


@pytest.mark.parametrize("case", ["lung_factor", "colon_strata"])
def test_zph_tests_a_factor_jointly_as_r(case: str) -> None:
    data, fit = _fit(case)
    ref = pd.read_csv(FIX / "fm_zph.csv").query("case == @case")
    table = cox_zph(fit, data)
    np.testing.assert_array_equal(table["df"], ref["df"])
    np.testing.assert_allclose(table["chisq"], ref["chisq"], rtol=1e-9)
    per_column = cox_zph(fit, data, terms=False)
    assert len(per_column) == len(fit.terms) + 1


def test_formula_predictions_on_newdata_match_r() -> None:
    new = _data("new")
    ref = _data("predict")
    for case, col in (("lung_factor", "lp"), ("lung_spline", "lp_spline")):
        data, fit = _fit(case)
        # R's reference = "sample": centred at fit$means
        lp = predict_cox(fit, data, new, type="lp")
        np.testing.assert_allclose(lp, ref[col], rtol=1e-10, atol=1e-12)


def test_formula_fit_equals_column_fit_and_postestimation_runs() -> None:
    data, fit = _fit("lung_factor")
    kept = data.dropna(subset=["ph_ecog", "wt_loss"]).assign(status=lambda d: d["status"] - 1)
    for level in (1, 2, 3):
        kept[f"e{level}"] = (kept["ph_ecog"] == level).astype(float)
    cols = fit_cox(kept, stop="time", event="status",
                   covariates=["age", "e1", "e2", "e3", "sex", "wt_loss"])
    np.testing.assert_allclose(fit.coef, cols.coef, rtol=1e-12)
    np.testing.assert_allclose(cox_residuals(fit, data), cox_residuals(cols, kept), atol=1e-12)
    curves = cox_survfit(fit, data, _data("new"))
    assert set(curves["curve"]) == {0, 1}


def test_formula_errors_name_the_problem() -> None:
    data, fit = _fit("lung_factor")
    with pytest.raises(InputError, match="lacks column 'karno'"):
        fit_cox(data, "Surv(time, status) ~ age + karno")
    with pytest.raises(InputError, match="newdata lacks column 'wt_loss'"):
        predict_cox(fit, data, pd.DataFrame({"age": [60], "sex": [1], "ph_ecog": [1]}))
    with pytest.raises(InputError, match=r"level 4\.0 at row 1, not seen"):
        predict_cox(fit, data, pd.DataFrame({"age": [60, 61], "sex": [1, 1],
                                             "ph_ecog": [1.0, 4.0], "wt_loss": [0, 0]}))
    with pytest.raises(InputError, match="left side"):
        fit_cox(data, "time ~ age")
    with pytest.raises(InputError, match="not both"):
        fit_cox(data, "Surv(time, status) ~ age", covariates=["age"])
    with pytest.raises(InputError, match="interaction"):
        fit_cox(data, "Surv(time, status) ~ age:strata(sex)")
