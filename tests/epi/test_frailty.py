"""Shared gamma frailty Cox models against R's coxph(... + frailty()) (fixtures made by
make_fixtures_frailty.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi import fit_frailty

FIX = Path(__file__).parent / "fixtures"
CASES = {  # case: (data, covariates, group, theta, ties)
    "rats": ("fr_rats.csv", ["rx"], "litter", None, "efron"),
    "rats_fixed": ("fr_rats.csv", ["rx"], "litter", 0.5, "efron"),
    "kidney": ("fr_kidney.csv", ["age", "sex"], "id", None, "efron"),
    "kidney_breslow": ("fr_kidney.csv", ["age", "sex"], "id", 1.0, "breslow"),
    "kidney_at_theta": ("fr_kidney.csv", ["age", "sex"], "id", "R", "efron"),
    "rats_at_theta": ("fr_rats.csv", ["rx"], "litter", "R", "efron"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_frailty_matches_r(case: str) -> None:
    name, covs, group, theta, ties = CASES[case]
    ref = pd.read_csv(FIX / "fr_coef.csv").query("case == @case")
    if theta == "R":  # the theta R estimated
        theta = float(ref["theta"].iloc[0])
    fit = fit_frailty(pd.read_csv(FIX / name), stop="time", event="status", covariates=covs,
                      group=group, theta=theta, ties=ties)
    main, frail = ref.iloc[:len(covs)], ref.iloc[len(covs):]
    if theta is None:
        # R's outer search stops at a relative I-likelihood change of 1e-5 and returns its last
        # inner iterate; awaken maximises to the optimum: theta agrees to 1e-4, the
        # I-likelihood to 1e-6 (never below R's), coefficients to 5e-3 (kidney: R's inner fit
        # unconverged, see the *_at_theta cases for the exact comparison)
        assert fit.theta == pytest.approx(main["theta"].iloc[0], rel=2e-4)
        assert fit.i_loglik >= main["i_loglik"].iloc[0] - 1e-9
        assert fit.i_loglik == pytest.approx(main["i_loglik"].iloc[0], rel=1e-6)
        rtol = 5e-3
    else:
        # theta fixed: the same penalised optimum; R's inner loop stops at 1e-9 relative
        assert fit.i_loglik == pytest.approx(main["i_loglik"].iloc[0], rel=1e-10)
        assert fit.loglik == pytest.approx(main["loglik"].iloc[0], rel=1e-7)
        assert fit.penalty == pytest.approx(main["penalty"].iloc[0], rel=1e-5)
        rtol = 1e-6
    np.testing.assert_allclose(fit.coef, main["coef"], rtol=rtol, atol=rtol / 50)
    np.testing.assert_allclose(fit.se, main["se"], rtol=rtol)
    np.testing.assert_allclose(fit.frailty, frail["coef"], rtol=rtol * 100, atol=rtol * 10)


def test_frailty_bad_input() -> None:
    rats = pd.read_csv(FIX / "fr_rats.csv")
    with pytest.raises(InputError, match="group column 'cage' not found"):
        fit_frailty(rats, stop="time", event="status", covariates=["rx"], group="cage")
    with pytest.raises(InputError, match="theta must be > 0"):
        fit_frailty(rats, stop="time", event="status", covariates=["rx"], group="litter",
                    theta=0.0)
