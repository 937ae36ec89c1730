import numpy as np
import pytest

from awaken.calibrate import Problem
from awaken.core.errors import InputError


def build(tables, **changes):
    frames = tables()
    for key, fn in changes.items():
        frames[key] = fn(frames[key].copy())
    return Problem("tiny", **frames)


def test_tiny_problem_builds_and_evaluates(tables):
    p = build(tables)
    assert p.free_ids == ("c", "V0")
    ll = p.loglik(np.array([[np.log10(5.0), 3.0], [1.0, 2.0]]))
    assert ll.shape == (2,) and np.all(np.isfinite(ll))


@pytest.mark.parametrize(
    ("table", "change", "words"),
    [
        ("measurements", lambda f: f.assign(condition_id=["a", "a", "zz", "a"]),
         ["measurements table", "row 3", "condition_id", "zz"]),
        ("measurements", lambda f: f.drop(columns="time"), ["measurements table", "time"]),
        ("measurements", lambda f: f.assign(measurement=[1.0, -1.0, 1.0, 1.0]),
         ["row 2", "measurement", "positive"]),
        ("measurements", lambda f: f.assign(censoring=["none", "sideways", "none", "none"]),
         ["row 2", "censoring"]),
        ("observables", lambda f: f.assign(noise_parameter=-0.1),
         ["observables table", "row 1", "noise_parameter", "positive"]),
        ("observables", lambda f: f.assign(formula="virus + nonsense"),
         ["observables table", "formula", "nonsense"]),
        ("observables", lambda f: f.assign(formula="__import__('os')"),
         ["observables table", "formula"]),
        ("parameters", lambda f: f.assign(prior_parameters=["0;5", np.nan]),
         ["parameters table", "row 1", "prior_parameters", "bounds"]),
        ("parameters", lambda f: f.assign(lower=[1.0, -1.0]),
         ["parameters table", "row 2", "lower"]),
        ("parameters", lambda f: f.assign(nominal=[50.0, 1000.0]),
         ["parameters table", "row 1", "nominal"]),
        ("parameters", lambda f: f.assign(upper=[1000.0, 1e4]),
         ["parameters table", "row 1", "declared range"]),
        ("conditions", lambda f: f.assign(bogus=1.0), ["conditions table", "bogus"]),
        ("conditions", lambda f: f.assign(beta="unknown_id"),
         ["conditions table", "row 1", "beta", "unknown_id"]),
        ("conditions", lambda f: f.assign(delta=1e6), ["conditions table", "delta", "range"]),
    ],
)
def test_bad_tables_are_refused_with_table_row_column(tables, table, change, words):
    with pytest.raises(InputError) as info:
        build(tables, **{table: change})
    for word in words:
        assert word in str(info.value)


def test_folder_roundtrip(tmp_path, baccam):
    baccam.to_folder(tmp_path)
    again = Problem.from_folder(tmp_path)
    assert again.free_ids == baccam.free_ids
    np.testing.assert_allclose(again.loglik(baccam.nominal), baccam.loglik(baccam.nominal))


def test_censored_rows_use_the_cdf(baccam):
    z = baccam.nominal[None]
    sims = baccam.simulate(z)
    cens = baccam.measurements["censoring"] == "left"
    assert cens.sum() == 7
    low = sims.copy()
    low[:, cens.to_numpy()] = 1e-6  # far below the limit: censored terms -> log(1) = 0
    high = sims.copy()
    high[:, cens.to_numpy()] = 1e6  # far above the limit: very unlikely
    assert baccam.loglik_from_sims(low, z) > baccam.loglik_from_sims(high, z) + 50


def test_prior_density_integrates_to_one(tables):
    p = build(tables)
    grid = np.linspace(*p.bounds[1], 4001)
    z = np.column_stack([np.full_like(grid, 0.5), grid])
    dens = np.exp(p.priors[1].logpdf(z[:, 1]))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-3)
    draws = p.prior_sample(np.random.default_rng(0), 500)
    assert np.all((draws >= p.bounds[:, 0]) & (draws <= p.bounds[:, 1]))
