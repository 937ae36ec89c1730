"""`awaken policy`: examples, run --quick end to end, bad input (one line, exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from awaken.cli.policy import app

AWAKEN = Path(sys.executable).parent / "awaken"


def test_examples_listed_and_printed():
    result = CliRunner().invoke(app, ["examples"])
    assert result.exit_code == 0, result.output
    for name in ("covid-survivor-boosters", "influenza-survivors", "rsv-75plus",
                 "il6-blockade-hospitalised", "antivirals"):
        assert name in result.output
    shown = CliRunner().invoke(app, ["examples", "rsv-75plus"])
    assert shown.exit_code == 0 and "[[scenarios]]" in shown.output


def test_run_quick_then_refused(tmp_path):
    out = tmp_path / "rsv"
    args = ["run", "--scenarios", "rsv-75plus", "--out", str(out), "--quick", "--n", "1500",
            "--posterior", "none"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "rsv-75plus-2020" in result.output and "simulation only" in result.output
    assert (out / "policy.csv").exists() and (out / "policy.svg").exists()
    shown = CliRunner().invoke(app, ["show", str(out), "--markdown"])
    assert shown.exit_code == 0 and "| `rsv-75plus-2020` |" in shown.output
    again = subprocess.run([str(AWAKEN), "policy", *args], capture_output=True, text=True)
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and "--force" in again.stderr


def test_bad_scenario_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenarios]]\nname = "x"\n[scenarios.il6_blockade]\ncoverage = 1.5\n')
    done = subprocess.run([str(AWAKEN), "policy", "run", "--scenarios", str(bad), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and "il6_blockade.coverage" in line and "Traceback" not in line
    assert not (tmp_path / "o").exists()
