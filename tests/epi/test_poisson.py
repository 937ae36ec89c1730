"""Piecewise-exponential Poisson regression: closed form, agreement with Cox."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.epi.cox import fit_cox
from awaken.epi.designs import UKBLike
from awaken.epi.poisson import event_time_cuts, fit_poisson, piecewise_exponential
from awaken.epi.synthetic import make_synthetic_cohort


def test_single_period_rate_ratio_is_closed_form() -> None:
    rng = np.random.default_rng(3)
    n = 400
    d = pd.DataFrame({"tstart": 0.0, "tstop": rng.uniform(1, 10, n),
                      "x": rng.integers(0, 2, n).astype(float)})
    d["event"] = (rng.random(n) < 0.2 + 0.2 * d["x"]).astype(int)
    fit = fit_poisson(d, event="event", covariates=["x"])
    pt = (d["tstop"] - d["tstart"]).groupby(d["x"]).sum()
    ev = d["event"].groupby(d["x"]).sum()
    expected = (ev[1] / pt[1]) / (ev[0] / pt[0])
    assert fit.hr[0] == pytest.approx(expected, rel=1e-8)
    assert fit.se[0] == pytest.approx(np.sqrt(1 / ev[0] + 1 / ev[1]), rel=1e-6)
    assert fit.baseline["rate"].iloc[0] == pytest.approx(ev[0] / pt[0], rel=1e-8)
    assert fit.events == d["event"].sum() and fit.n == n
    assert list(fit.summary.columns) == ["coef", "se", "hr", "ci_lower", "ci_upper", "p"]
    assert fit.to_dict()["terms"][0]["term"] == "x"


@pytest.fixture(scope="module")
def ukb_timeline():
    cohort = make_synthetic_cohort(4000, 1.85, seed=11)
    design = UKBLike(covariates=("deprivation",))
    frame = design.frame(cohort)
    return design.timeline(frame), frame.covariates


def test_piecewise_exponential_agrees_with_cox(ukb_timeline) -> None:
    tl, covs = ukb_timeline
    terms = ["exposed", *covs]
    cox = fit_cox(tl.data, start="tstart", stop="tstop", event="outcome", covariates=terms)
    pois = piecewise_exponential(tl, event="outcome", covariates=terms, n_periods=12)
    # same data, a baseline hazard constant within 12 periods: log-HRs within 0.2 SE
    diff = np.abs(np.asarray(pois.coef) - np.asarray(cox.coef))
    assert np.all(diff < 0.2 * np.asarray(cox.se)), (pois.coef, cox.coef)
    np.testing.assert_allclose(pois.se, cox.se, rtol=0.05)
    assert pois.events == cox.events
    assert len(pois.baseline) == 12
    robust = piecewise_exponential(tl, event="outcome", covariates=terms, n_periods=12,
                                   cluster=True)
    np.testing.assert_allclose(robust.coef, pois.coef, rtol=1e-10)


def test_cuts_and_errors(ukb_timeline) -> None:
    tl, _ = ukb_timeline
    cuts = event_time_cuts(tl.data, "outcome", 4)
    assert cuts.size == 3 and np.all(np.diff(cuts) > 0)
    assert event_time_cuts(tl.data.iloc[:5], "outcome", 4).size == 0
    with pytest.raises(InputError, match="no column"):
        fit_poisson(tl.data, event="outcome", covariates=["nope"])
    bad = tl.data.assign(tstop=tl.data["tstart"])
    with pytest.raises(InputError, match="stop > start"):
        fit_poisson(bad, event="outcome", covariates=["exposed"])
