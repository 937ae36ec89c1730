"""Validation targets: the shipped calibrations still hold (small runs, loose but honest)."""

from awaken.cohort import validate


def test_ons_waves_match_the_shipped_calibration(emulator):
    rows = {r["target"]: r for r in validate.ons_rows(emulator, 20000, 0)}
    for name in ("ons_pre_alpha", "ons_alpha", "ons_delta", "ons_ba1"):
        assert rows[name]["kind"] == "calibrated" and rows[name]["pass"], rows[name]
    assert rows["ons_ever_infected"]["kind"] == "predicted"


def test_testing_scale_calibration_hits_the_tested_share(emulator):
    tested, positive = validate.testing_rows(emulator, 10000, 0)
    assert tested["pass"] and tested["kind"] == "calibrated"
    assert positive["kind"] == "predicted" and 0 < positive["model_value"] < 1


def test_validate_writes_json_and_figure(tmp_path, emulator):
    import json

    rows = validate.validate(tmp_path, n=3000, seed=1, emulator=emulator)
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert saved["rows"] == rows and (tmp_path / "validation.png").stat().st_size > 1000
    assert {r["kind"] for r in rows} == {"calibrated", "predicted"}
    assert all(set(r) >= {"target", "source", "value", "model_value", "pass"} for r in rows)
