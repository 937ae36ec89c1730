"""The chia2025 experiment: every published target, and the shape of the summary."""

import pytest

from awaken.lung.experiments import CHIA2025, run_experiment
from awaken.lung.fit import TARGET_FOLD_D15, fit_division_rate
from awaken.lung.model import PARAMETERS_BY_NAME
from awaken.lung.targets import TARGETS, check_targets


@pytest.fixture(scope="module")
def run():
    return run_experiment(CHIA2025)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_target(run, target):
    value = target.measure(run)
    assert target.passes(value), f"{target.statement}: got {value:.4g} {target.unit}"


def test_summary_shape(run):
    summary = run.summary()
    assert set(summary) == {"arms", "virus_peak_day", "il6_peak_day"}
    assert set(summary["arms"]) == {a.name for a in CHIA2025.arms}
    for arm in summary["arms"].values():
        assert set(arm) == {"0", "3", "6", "9", "15", "28", "60", "270"}
        assert set(arm["15"]) == {"fold_change", "dividing_fraction"}
    assert summary["arms"]["pbs"]["15"]["fold_change"] == pytest.approx(1.0)
    assert "pbs" not in summary["virus_peak_day"]


def test_declared_division_rate_is_the_fitted_one():
    """The default g is what `python -m awaken.lung.fit` computes."""
    assert fit_division_rate() == pytest.approx(PARAMETERS_BY_NAME["g"].value, abs=1e-3)


def test_fitted_target_is_hit(run):
    fold = next(r for r in check_targets(run) if r["id"] == "iav_fold_d15")["value"]
    assert fold == pytest.approx(TARGET_FOLD_D15, rel=0.01)


def test_every_role_is_known():
    assert {t.role for t in TARGETS} <= {"calibration", "timing", "prediction"}
