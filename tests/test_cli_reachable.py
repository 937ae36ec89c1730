"""What Python can set, the command line can too: calibrated parameter sets (lung) and the
options of the study designs (covariates, exposure bands, landmark day)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from awaken.calibrate import calibrated
from awaken.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def test_presets_list_the_calibrated_sets(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = _run(["lung", "presets"], capsys)
    assert code == 0 and "--calibrated NAME" in out and "baccam2006-mle" in out


def test_simulate_starts_from_a_calibrated_set_and_set_overrides_it(capsys, tmp_path):
    from awaken.core.io import read_table
    from awaken.lung.solve import Setup, simulate

    values = calibrated("baccam2006-mle")
    runs = {"plain": [], "calibrated": ["--calibrated", "baccam2006-mle"],
            "both": ["-c", "baccam2006-mle", "--set", "Vu0=2"]}
    tables = {}
    for label, extra in runs.items():
        out = tmp_path / f"{label}.csv"
        assert _run(["lung", "simulate", "--days", "5", *extra, "--out", str(out)],
                    capsys)[0] == 0
        tables[label] = read_table(out)
    want = simulate(Setup(overrides=values), 5.0).frame()
    np.testing.assert_allclose(tables["calibrated"].to_numpy(), want.to_numpy(), rtol=1e-12)
    assert not np.allclose(tables["plain"].to_numpy(), want.to_numpy())
    both = simulate(Setup(overrides={**values, "Vu0": 2.0}), 5.0).frame()
    np.testing.assert_allclose(tables["both"].to_numpy(), both.to_numpy(), rtol=1e-12)
    assert tables["calibrated"].attrs["awaken"]["provenance"]["calibrated"] == "baccam2006-mle"


def test_an_unknown_calibrated_set_is_one_line(capsys, tmp_path):
    code, _, err = _run(["lung", "simulate", "--calibrated", "nope", "--out",
                         str(tmp_path / "t.csv")], capsys)
    assert code == 2 and "baccam2006-mle" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["stochastic", "response", "export-sbml", "experiment"])
def test_every_lung_command_that_takes_a_setup_takes_calibrated(command, capsys,
                                                                monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = _run(["lung", command, "--help"], capsys)
    assert "--calibrated" in out


def test_design_show_prints_covariates_bands_and_landmark(capsys):
    code, out, _ = _run(["epi", "design", "landmark", "--option", "landmark=2021-06-01",
                         "--option", "covariates=stage,site", "--option",
                         "exposure_bands=0,91,365", "--period", "2020-12-01:2022-01-31",
                         "--show"], capsys)
    assert code == 0
    shown = json.loads(out)
    assert shown["design"] == "landmark" and shown["landmark"] == "2021-06-01"
    assert shown["base"]["covariates"] == ["stage", "site"]
    assert shown["base"]["exposure_bands"] == [0, 91, 365]
    assert shown["base"]["period"] == ["2020-12-01", "2022-01-31"]


def test_design_without_cohort_or_show_is_one_line(capsys):
    code, _, err = _run(["epi", "design", "ukb_like"], capsys)
    assert code == 2 and "--cohort and --out" in err


def test_designs_lists_each_design_and_its_options(capsys, monkeypatch):
    from awaken.epi.designs import DESIGNS

    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(["epi", "designs"], capsys)
    assert code == 0
    for name in DESIGNS:
        assert f"{name}:" in out
    for option in ("covariates", "exposure_bands", "landmark", "n_controls", "cancer_type"):
        assert option in out


def test_design_options_from_the_cli_reach_the_estimates(capsys, tmp_path):
    from awaken.epi.synthetic import make_synthetic_cohort

    make_synthetic_cohort(1500, 1.85, 3).to_duckdb(tmp_path / "c.duckdb")
    out = tmp_path / "ukb"
    code, _, err = _run(["epi", "design", "ukb_like", "--cohort", str(tmp_path / "c.duckdb"),
                         "--out", str(out), "--option", "exposure_bands=0,91,"], capsys)
    assert code == 0, err
    terms = pd.read_csv(out / "estimates.csv")["term"].tolist()
    assert any(t.startswith("exposed_0_91") for t in terms), terms
    assert json.loads((out / "summary.json").read_text())["settings"]["exposure_bands"] == [
        0, 91]
