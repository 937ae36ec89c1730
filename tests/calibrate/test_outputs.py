import json

import numpy as np
import pytest

from awaken.calibrate.petab_export import lint, write_petab
from awaken.calibrate.posterior import Posterior, summarize, weighted_quantile
from awaken.calibrate.problems.chia2025 import all_targets, chia2025


def test_weighted_quantile_matches_repeated_samples():
    v = np.array([1.0, 2.0, 3.0])
    w = np.array([0.25, 0.5, 0.25])
    assert weighted_quantile(v, w, [0.5])[0] == pytest.approx(2.0)


def test_posterior_roundtrip_and_summary(tmp_path, baccam):
    rng = np.random.default_rng(0)
    z = baccam.nominal + 0.05 * rng.standard_normal((300, baccam.n_free))
    post = Posterior.from_samples(baccam, z, method="test", seed=0)
    path = post.write(tmp_path / "posterior.parquet")
    again = Posterior.read(path)
    np.testing.assert_allclose(again.values, post.values)
    assert again.meta["method"] == "test"
    summary = summarize(baccam, again)
    json.dumps(summary)
    r0 = summary["derived"]["R0"]
    assert r0["ci95"][0] < r0["median"] < r0["ci95"][1]
    assert set(summary["parameters"]) == set(baccam.free_ids)
    assert summary["correlations"]["beta_u"]["beta_u"] == pytest.approx(1.0)


@pytest.mark.parametrize("build", ["baccam", "chia_all"])
def test_petab_export_lints_clean(tmp_path, baccam, build):
    problem = baccam if build == "baccam" else all_targets()
    yaml = write_petab(problem, tmp_path / "petab")
    assert lint(yaml)
    assert (tmp_path / "petab" / "model.xml").exists()
    unsupported = tmp_path / "petab" / "unsupported_measurements.tsv"
    assert unsupported.exists()  # censored rows (baccam), ratios and peak days (chia2025)


def test_chia_problem_hits_the_day15_target_at_declared_values():
    problem = chia2025()
    fold = problem.simulate(problem.nominal[None])[0, 0]
    assert 100 <= fold <= 1000


@pytest.mark.parametrize("which", ["declared", "perturbed"])
def test_chia_targets_agree_with_the_lung_layer(which):
    """Our target table and awaken.lung.targets pass or fail together (drift detector)."""
    from awaken.calibrate.problems.chia2025 import check_predictions
    from awaken.lung.experiments import run_experiment
    from awaken.lung.targets import check_targets

    problem = all_targets()
    overrides = {"g": 0.4, "rho": 0.3, "k_ctl": 6.0} if which == "perturbed" else {}
    z = problem.nominal.copy()
    for i, pid in enumerate(problem.free_ids):
        if pid in overrides:
            z[i] = np.log10(overrides[pid])
    ours = check_predictions(problem, z[None], np.ones(1)).set_index("target")
    lung = {row["id"]: row["passed"] for row in check_targets(run_experiment("chia2025",
                                                                             overrides))}
    shared = [t for t in ours.index if t in lung]
    assert len(shared) >= 8
    for target in shared:
        assert (ours.loc[target, "probability_met"] == 1.0) == lung[target], target
