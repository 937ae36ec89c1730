"""cox_zph against R's cox.zph (fixtures made by make_fixtures.R)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import cox_zph, fit_cox

FIX = Path(__file__).parent / "fixtures"
CASES: dict[str, dict[str, Any]] = json.loads((FIX / "cox_r_results.json").read_text())["cases"]
ZPH = [(name, tr) for name, case in sorted(CASES.items()) for tr in case.get("zph", {})]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / f"cox_{name}.csv")


def _fit(case: dict[str, Any], data: pd.DataFrame) -> Any:
    spec = case["spec"]
    return fit_cox(data, stop=spec["stop"], event=spec["event"], covariates=spec["covariates"],
                   start=spec["start"], strata=spec["strata"], weights=spec["weights"],
                   offset=spec["offset"], cluster=spec["cluster"], ties=spec["ties"],
                   robust=spec["robust"], max_iter=spec["max_iter"])


@pytest.mark.parametrize(("name", "transform"), ZPH)
def test_matches_r(name: str, transform: str) -> None:
    case = CASES[name]
    data = _data(case["data"])
    table = cox_zph(_fit(case, data), data, transform=transform)
    ref = case["zph"][transform]
    assert list(table.index) == ref["terms"]
    assert list(table.columns) == ["chisq", "df", "p"]
    np.testing.assert_allclose(table["chisq"], ref["chisq"], rtol=1e-6)
    np.testing.assert_array_equal(table["df"], ref["df"])
    np.testing.assert_allclose(table["p"], ref["p"], rtol=1e-6, atol=1e-12)


def test_fixtures_cover_counting_process_strata_and_weights() -> None:
    covered = {name for name, _ in ZPH}
    assert {"heart_efron", "cgd_strata_cluster", "synth_efron_all", "lung_breslow"} <= covered


def test_other_data_are_refused() -> None:
    case = CASES["heart_efron"]
    data = _data("heart")
    res = _fit(case, data)
    with pytest.raises(InputError, match="fitted on 172 rows"):
        cox_zph(res, data.iloc[:-5])
    changed = data.assign(age=data["age"] + np.linspace(0, 1, len(data)))
    with pytest.raises(InputError, match="differ from those the model was fitted on"):
        cox_zph(res, changed)


def test_unknown_transform() -> None:
    case = CASES["lung_efron"]
    data = _data("lung")
    with pytest.raises(InputError, match="unknown transform 'sqrt'"):
        cox_zph(_fit(case, data), data, transform="sqrt")
