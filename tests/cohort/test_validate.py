"""Validation targets and the calibration fits (small runs, loose but honest)."""

import math

import pytest

from awaken.cohort import fit, validate

CALIBRATED = {"pan2017_T1N0", "pan2017_T2N0", "pan2017_T1N1-3", "pan2017_T2N1-3",
              "pan2017_T1N4-9", "pan2017_T2N4-9", "lung_share_of_metastases",
              "ons_ever_infected", "ons_pre_alpha", "ons_alpha", "ons_delta", "ons_ba1",
              "ukb_tested_share", "ukb_positive_share_of_tested"}
PREDICTED = {"pan2017_rate_late_vs_early", "lung_involvement_of_metastatic"}


def test_ons_rows_hold_the_shipped_fit(emulator):
    rows = validate.ons_rows(emulator, 20000, 0)
    assert {r["target"] for r in rows} == {name for name, *_ in validate.ONS}
    for r in rows:
        assert r["kind"] == "calibrated" and r["pass"], r


def test_testing_rows_hold_the_shipped_fit(emulator):
    tested, positive = validate.testing_rows(emulator, 20000, 0)
    assert tested["pass"] and positive["pass"], (tested, positive)
    assert tested["kind"] == positive["kind"] == "calibrated"


def test_steady_rate_is_the_hazard_ratio_of_a_poisson_reservoir(emulator):
    # without infections or other deaths the rate of first detection is m * lam * exp(-lam a)
    # in each T and N category: years 15-20 over 5-10 is exp(-10 lam) whatever the reservoir
    # (pooling the categories, or counting recurrences without the person-years, is lower)
    rows = {r["target"]: r for r in validate.pan_rows(emulator, 50000, 3)}
    rate = rows["pan2017_rate_late_vs_early"]
    assert rate["kind"] == "predicted"
    assert rate["model_value"] == pytest.approx(math.exp(-10 * 0.02), abs=0.05)


def test_testing_fit_hits_both_targets_on_a_tiny_cohort(emulator):
    result = fit.fit_testing(emulator, n=4000, seed=2)
    assert set(result.parameters) == {"scale", "negative_scale"}
    assert result.parameters["negative_scale"] > 1.2  # positivity needs more negative tests
    assert all(abs(r["relative_error"]) < 0.05 for r in result.rows()), result.rows()
    assert result.command == "awaken cohort fit testing --n 4000 --seed 2"


def test_exposure_fit_hits_the_five_ons_figures_on_a_tiny_cohort(emulator):
    result = fit.fit_exposure(emulator, n=3000, seed=2, max_evaluations=30)
    assert set(result.parameters["attack"]) == {"first", "autumn-2020", "alpha", "delta", "ba1"}
    assert 0.0 <= result.parameters["omicron_escape"] <= 1.0
    assert all(abs(r["relative_error"]) < 0.1 for r in result.rows()), result.rows()


def test_validate_writes_rows_with_their_kinds(tmp_path, emulator):
    import json

    rows = validate.validate(tmp_path, n=3000, seed=1, emulator=emulator)
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert saved["rows"] == rows and (tmp_path / "validation.png").stat().st_size > 1000
    kinds = {r["target"]: r["kind"] for r in rows}
    assert {t for t, k in kinds.items() if k == "calibrated"} == CALIBRATED
    assert {t for t, k in kinds.items() if k == "predicted"} == PREDICTED
    keys = {"target", "source", "value", "model_value", "kind", "tolerance", "pass", "note"}
    assert all(set(r) == keys for r in rows)
    assert all(isinstance(r["pass"], bool) and r["tolerance"] > 0 for r in rows)
