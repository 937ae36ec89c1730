"""`awaken lung experiment`: the outputs a user gets, and bad input."""

import json
import subprocess
import sys

import pandas as pd


def _awaken(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from awaken.cli import main; sys.argv[0] = 'awaken'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300
    )


def test_experiment_writes_results(tmp_path):
    res = _awaken("lung", "experiment", "chia2025", "--out", str(tmp_path), "--mice", "20")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "results.csv")
    assert {"arm", "day", "observable", "value", "sd"} <= set(table.columns)
    spread = table[(table.observable == "dcc_count") & (table.arm == "iav") & (table.day == 15)]
    assert spread.sd.iloc[0] > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    fold = summary["arms"]["iav"]["15"]["fold_change"]
    assert 100 <= fold <= 1000
    assert 2 <= summary["virus_peak_day"]["iav"] <= 3
    assert (tmp_path / "figure.png").stat().st_size > 10_000
    assert pd.read_csv(tmp_path / "targets.csv").passed.all()


def test_unknown_experiment_lists_choices(tmp_path):
    res = _awaken("lung", "experiment", "chia2026", "--out", str(tmp_path))
    assert res.returncode == 2
    assert "unknown experiment 'chia2026'; choose one of: chia2025" in res.stderr
    assert "Traceback" not in res.stderr
