"""`awaken cohort`: simulate, summary --json, --help, bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from awaken.cli.cohort import app

AWAKEN = Path(sys.executable).parent / "awaken"


def test_simulate_then_summary(tmp_path):
    out = tmp_path / "c.duckdb"
    args = ["simulate", "--preset", "ukb", "--n", "600", "--chunk-size", "250", "--seed", "2",
            "--emulator", "fixture", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (tmp_path / "c.duckdb.partial").exists()
    summary = CliRunner().invoke(app, ["summary", str(out), "--json"])
    assert summary.exit_code == 0, summary.output
    s = json.loads(summary.stdout)
    assert s["persons"] == 600 and s["emulator"]["source"] == "fixture"
    assert sum(s["deaths_by_cause"].values()) > 0
    assert 0 <= s["tested_share_of_infections"] <= 1


def test_help_teaches():
    result = CliRunner().invoke(app, ["simulate", "--help"])
    assert result.exit_code == 0
    assert "--preset" in result.output and "--workers" in result.output


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nfemale = 2.0\n")
    proc = subprocess.run([str(AWAKEN), "cohort", "simulate", "--preset", "ukb", "--config",
                           str(bad), "--out", str(tmp_path / "x.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "population.female" in lines[0], proc.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_fit_prints_and_writes_the_fitted_values(tmp_path):
    from awaken.core.errors import InputError

    args = ["fit", "testing", "--n", "2000", "--seed", "1", "--emulator", "fixture",
            "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "fit-testing.json").read_text())
    assert saved["command"] == "awaken cohort fit testing --n 2000 --seed 1"
    assert set(saved["parameters"]) == {"scale", "negative_scale"}
    assert "negative_scale" in result.output
    bad = CliRunner().invoke(app, ["fit", "reservoir"])
    assert isinstance(bad.exception, InputError) and "exposure" in str(bad.exception)


def test_too_many_doses_is_refused_with_the_limit(tmp_path, capsys):
    import pytest

    from awaken.cli import main
    from awaken.cohort.kernel import MAX_DOSES

    toml = tmp_path / "doses.toml"
    toml.write_text("".join(
        f"[[vaccination.deliveries]]\nname = 'x{i}'\nproduct = 'influenza'\n"
        f"start = 2021-{1 + i % 12:02d}-0{1 + i // 12}\nend = 2021-{1 + i % 12:02d}-25\n"
        "age_min = 0\nage_max = 130\ncoverage = 0.9\n" for i in range(MAX_DOSES + 1)))
    out = tmp_path / "x.duckdb"
    with pytest.raises(SystemExit) as done:
        main(["cohort", "simulate", "--preset", "ukb", "--config", str(toml), "--n", "50",
              "--emulator", "fixture", "--out", str(out)])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"more than the {MAX_DOSES}" in err[0] and "MAX_DOSES" in err[0]
    assert not out.exists()
