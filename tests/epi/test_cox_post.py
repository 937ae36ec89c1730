"""Cox residuals, predictions, basehaz and survfit(coxph, newdata) against R
(fixtures made by make_fixtures_coxpost.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import baseline_hazard, cox_residuals, cox_survfit, fit_cox, predict_cox

FIX = Path(__file__).parent / "fixtures"
CASES = {
    "lung": dict(stop="time", event="status", covariates=["age", "sex", "ph_ecog"]),
    "lungw": dict(stop="time", event="status", covariates=["age", "sex"], weights="w"),
    "vet": dict(stop="time", event="status", covariates=["karno", "trt"], strata="celltype"),
    "heart": dict(start="start", stop="stop", event="event",
                  covariates=["age", "surgery", "transplant"], ties="breslow"),
    "ovarian": dict(stop="futime", event="fustat", covariates=["age", "rx"]),
    "lungoff": dict(stop="time", event="status", covariates=["age", "sex"], offset="off"),
}
DERIVED = {"lungoff": lambda d: d.assign(off=0.3 * d["ph_ecog"])}  # R: offset(0.3 * ph_ecog)
ATOL = 1e-11


def _case(name: str):
    data = _ref(name, "data")
    return data, fit_cox(data, **CASES[name])  # type: ignore[arg-type]


def _ref(name: str, part: str) -> pd.DataFrame:
    frame = pd.read_csv(FIX / f"cp_{name}_{part}.csv")
    return DERIVED[name](frame) if name in DERIVED and part in ("data", "new") else frame


@pytest.mark.parametrize("name", list(CASES))
def test_rowwise_residuals_and_predictions_match_r(name: str) -> None:
    data, fit = _case(name)
    ref = _ref(name, "rows")
    for kind in ("martingale", "deviance"):
        np.testing.assert_allclose(cox_residuals(fit, data, kind), ref[kind], atol=ATOL,
                                   rtol=0, err_msg=kind)
    for kind in ("lp", "risk", "expected"):
        np.testing.assert_allclose(predict_cox(fit, data, type=kind), ref[kind], atol=ATOL,
                                   rtol=1e-12, err_msg=kind)
    for kind in ("lp", "risk"):
        _, se = predict_cox(fit, data, type=kind, se_fit=True)
        np.testing.assert_allclose(se, ref[f"se_{kind}"], rtol=1e-10, err_msg=f"se {kind}")
    for kind in ("score", "dfbeta", "dfbetas"):
        cols = [f"{kind}_{c}" for c in fit.terms]
        np.testing.assert_allclose(cox_residuals(fit, data, kind).to_numpy(), ref[cols],
                                   atol=ATOL * 100, rtol=1e-10, err_msg=kind)


def _sorted(values: np.ndarray) -> np.ndarray:
    return values[np.lexsort(values.T[::-1])]


@pytest.mark.parametrize("name", list(CASES))
def test_schoenfeld_residuals_match_r(name: str) -> None:
    data, fit = _case(name)
    ref = _ref(name, "schoen")
    for kind in ("schoenfeld", "scaledsch"):
        ours = cox_residuals(fit, data, kind)
        cols = [f"{kind}_{c}" for c in fit.terms]
        a = _sorted(np.column_stack([ours["time"], ours[list(fit.terms)]]))
        b = _sorted(np.column_stack([ref["time"], ref[cols]]))
        np.testing.assert_allclose(a, b, atol=1e-11, rtol=1e-10, err_msg=kind)


@pytest.mark.parametrize("name", list(CASES))
def test_basehaz_and_survfit_match_r(name: str) -> None:
    data, fit = _case(name)
    ref = _ref(name, "basehaz")
    for centered, col in ((True, "hazard"), (False, "hazard0")):
        ours = baseline_hazard(fit, data, centered=centered)
        np.testing.assert_allclose(ours["time"], ref["time"])
        np.testing.assert_allclose(ours["hazard"], ref[col], rtol=1e-11, atol=1e-13)
    curves = cox_survfit(fit, data, _ref(name, "new"))
    sf = _ref(name, "survfit")
    assert len(curves) == len(sf)
    for col in ("curve", "time", "n_risk", "cumhaz", "surv", "std_err", "lower", "upper"):
        np.testing.assert_allclose(curves[col], sf[col], rtol=1e-11, atol=1e-13,
                                   equal_nan=True, err_msg=col)


def test_newdata_errors_are_named() -> None:
    data, fit = _case("vet")
    with pytest.raises(InputError, match="newdata lacks column 'trt'"):
        cox_survfit(fit, data, pd.DataFrame({"karno": [50], "celltype": ["large"]}))
    with pytest.raises(InputError, match="stratum not found"):
        cox_survfit(fit, data, pd.DataFrame({"karno": [50], "trt": [1], "celltype": ["x"]}))
    with pytest.raises(InputError, match="residual type"):
        cox_residuals(fit, data, "pearson")
    with pytest.raises(InputError, match="fitted on"):
        predict_cox(fit, data.iloc[::2])
    with pytest.raises(InputError, match="differ from those the model was fitted on"):
        cox_residuals(fit, data.assign(karno=data["karno"].to_numpy()[::-1]))
