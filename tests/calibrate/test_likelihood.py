import numpy as np
import pytest

from awaken.calibrate import Problem
from awaken.calibrate.likelihood import fit, profile


def test_tiny_fit_recovers_truth_and_profile_agrees_with_laplace(tables):
    truth = np.array([[np.log10(4.0), 3.0]])
    base = Problem("tiny", **tables())
    data = base.synthetic(truth, np.random.default_rng(3))
    result = fit(data, n_starts=3, seed=1)
    table = result.table().set_index("parameter")
    for pid, true in zip(data.free_ids, data.linear(truth)[0], strict=True):
        assert table.loc[pid, "ci95_low"] < true < table.loc[pid, "ci95_high"]
    _, (lo, hi) = profile(result, "c", n_points=9)
    assert lo == pytest.approx(table.loc["c", "ci95_low"], rel=0.1)
    assert hi == pytest.approx(table.loc["c", "ci95_high"], rel=0.1)


def test_baccam_pooled_fit_matches_published_orders(baccam):
    result = fit(baccam, n_starts=2, screen=5, seed=0)
    est = dict(zip(baccam.free_ids, baccam.linear(result.z[None])[0], strict=True))
    derived = baccam.derived_values(result.z[None]).iloc[0]
    assert 3 < derived["R0"] < 60  # published ~22
    assert 1 < derived["productive_lifetime_h"] < 24  # published ~5 h
    assert 0.5 < derived["virus_half_life_h"] < 12  # published ~3 h
    assert 1e-6 < est["beta_u"] < 1e-3
    assert np.all(np.isfinite(result.covariance))
