"""`awaken epi synth` and `awaken epi design`: files written, bad input exits 2 in one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from awaken.cli import main
from awaken.cli.epi import app


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cohort") / "synth.duckdb"
    result = CliRunner().invoke(app, ["synth", "--n", "3000", "--hr", "1.85", "--seed", "4",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "persons=3000" in result.stdout
    return out


def test_design_writes_three_files(cohort_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "ukb"
    result = CliRunner().invoke(app, ["design", "ukb_like", "--cohort", str(cohort_file),
                                      "--out", str(out), "--period", "2020-12-01:2022-01-31"])
    assert result.exit_code == 0, result.output
    assert "ukb_like | Cox, time-varying exposure | exposed: HR" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "estimates.csv", "estimates.csv-metadata.json", "figure.png", "summary.json"]
    est = pd.read_csv(out / "estimates.csv")
    assert est.loc[0, "term"] == "exposed"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["period"] == ["2020-12-01", "2022-01-31"]
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"


def test_design_on_a_folder_with_a_base(cohort_file: Path, tmp_path: Path) -> None:
    from awaken.epi.schema import load_cohort

    folder = load_cohort(cohort_file).to_folder(tmp_path / "tables", fmt="parquet")
    result = CliRunner().invoke(app, ["design", "landmark", "--cohort", str(folder),
                                      "--out", str(tmp_path / "lm"), "--base", "flatiron_like"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "lm" / "summary.json").read_text())
    assert summary["settings"]["base"]["design"] == "flatiron_like"


def test_design_options_from_the_command_line(cohort_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["design", "ukb_like", "--cohort", str(cohort_file),
                                      "--out", str(tmp_path / "b"), "--option",
                                      "exposure_bands=0,91,365"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["settings"]["exposure_bands"] == [0, 91, 365]
    bad = CliRunner().invoke(app, ["design", "ukb_like", "--cohort", str(cohort_file),
                                   "--out", str(tmp_path / "c"), "--option", "colour=red"])
    assert bad.exit_code != 0 and "colour" in str(bad.exception or bad.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["design", "cox", "--cohort", "{db}", "--out", "{tmp}"],
         "error: unknown design 'cox'; choose one of: flatiron_like, landmark"),
        (["design", "ukb_like", "--cohort", "{tmp}/none.duckdb", "--out", "{tmp}"],
         "does not exist"),
        (["design", "ukb_like", "--cohort", "{db}", "--out", "{tmp}", "--period", "2021"],
         "must be START:END"),
        (["design", "landmark", "--cohort", "{db}", "--out", "{tmp}", "--base", "nhs"],
         "unknown base population 'nhs'"),
        (["synth", "--out", "{tmp}/x.csv"], "must end in .duckdb"),
        (["synth", "--out", "{tmp}/x.duckdb", "--hr", "0"], "true_hr must be a positive"),
    ],
)
def test_bad_input_exits_2_in_one_line(
    args: list[str], message: str, cohort_file: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    filled = [a.format(db=cohort_file, tmp=tmp_path) for a in args]
    monkeypatch.setattr(sys, "argv", ["awaken", "epi", *filled])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "estimates.csv").exists()
