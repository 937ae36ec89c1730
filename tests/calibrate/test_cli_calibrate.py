import json

import pytest
from typer.testing import CliRunner

from awaken.cli import app
from awaken.core.errors import InputError

runner = CliRunner()


def test_cli_likelihood_writes_summary(tmp_path):
    out = tmp_path / "b"
    result = runner.invoke(app, ["calibrate", "baccam2006", "--out", str(out),
                                 "--method", "likelihood", "--starts", "1"])
    assert result.exit_code == 0, result.output
    assert "maximum-likelihood estimate" in result.output  # not a "posterior" it did not fit
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["parameters"]["beta_u"]) >= {"median", "ci95"}
    assert "R0" in summary["derived"]
    for name in ("posterior.parquet", "predictive_check.png", "petab/problem.yaml"):
        assert (out / name).exists()


def test_cli_chia_abc_small(tmp_path):
    out = tmp_path / "c"
    result = runner.invoke(app, ["calibrate", "chia2025", "--single-stage", "--out", str(out),
                                 "--populations", "2", "--particles", "20", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "posterior median and 95% interval" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert {p["target"] for p in summary["predictions"]} >= {"il6ko_fold_d15"}
    from awaken.lung.targets import TARGETS

    assert set(summary["predictive"]) == {t.id for t in TARGETS} - {"pbs_escape"}
    assert all(0.0 <= v <= 1.0 for v in summary["predictive"].values())
    assert set(summary["narrowing"]) == set(summary["parameters"])
    assert all(v > 0 for v in summary["narrowing"].values())
    assert (out / "abc.db").exists()


@pytest.mark.parametrize("args", [["--method", "mcmc"], ["--particles", "1"],
                                  ["--scheduler", "localhost:1"], ["--resume", "--method",
                                                                   "likelihood"]])
def test_cli_bad_input_is_an_input_error(tmp_path, args):
    result = runner.invoke(app, ["calibrate", "baccam2006", "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
