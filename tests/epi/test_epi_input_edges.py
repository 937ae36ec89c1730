"""Mistakes a new user makes in the epi API: one clear InputError (or warning) each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import fit_cox, make_design, make_synthetic_cohort
from awaken.epi.cox import CoxConvergenceWarning


def _data(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"time": rng.exponential(np.exp(-0.5 * x)), "status": 1, "x": x,
                         "z": rng.normal(size=n)})


def test_a_huge_covariate_is_not_called_collinear():
    data = _data()
    data.loc[3, "x"] = 1e308
    with pytest.raises(InputError, match=r"'x' holds values up to 1e\+308.*rescale"):
        fit_cox(data, stop="time", event="status", covariates=["x", "z"])


def test_a_fit_stopped_early_warns():
    with pytest.warns(CoxConvergenceWarning, match="did not converge in 2 iterations"):
        result = fit_cox(_data(), stop="time", event="status", covariates=["x", "z"],
                         max_iter=2, tol=1e-300)
    assert not result.converged and result.to_dict()["converged"] is False


@pytest.mark.parametrize(("call", "message"), [
    (lambda: make_synthetic_cohort("100"), "n='100' must be a whole number"),
    (lambda: make_synthetic_cohort(100, seed=-1), "<= 4,294,967,295"),
    (lambda: make_synthetic_cohort(10**12), "GiB"),
    (lambda: make_design("ukb_like", period="2020-12-01"), "must be START:END"),
    (lambda: make_design("ukb_like", period=5), "START:END"),
    (lambda: make_design("ukb_like", base="flatiron_like"), "itself a base population"),
])
def test_wrong_types_and_values_are_input_errors(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_base_still_chooses_the_population_of_an_analysis():
    assert make_design("landmark").base.name == "ukb_like"
    assert make_design("landmark", base="flatiron_like").base.name == "flatiron_like"


def test_a_truncated_duckdb_cohort_is_one_clear_error(tmp_path):
    from awaken.epi import load_cohort

    path = make_synthetic_cohort(300, seed=1).to_duckdb(tmp_path / "c.duckdb")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="c.duckdb"):
        load_cohort(path)
