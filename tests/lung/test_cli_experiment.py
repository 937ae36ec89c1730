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
    targets = pd.read_csv(tmp_path / "targets.csv")
    assert set(targets.id) == set(summary["checks"])
    assert {"pass", "value", "role"} == set(summary["checks"]["iav_fold_d15"])
    ablations = json.loads((tmp_path / "ablations.json").read_text())
    # the niche capacity is off by default (docs/model.md), so it is not ablated
    assert set(ablations) == {"redormancy", "cd4_protection", "il6_awakening", "cd8_killing"}
    assert all(ablations.values())
    assert "ablations" in res.stdout


def test_experiment_accepts_set_and_refuses_bad_values(tmp_path):
    res = _awaken("lung", "experiment", "chia2025", "--out", str(tmp_path / "a"), "--mice",
                  "0", "--set", "g=0.3")
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["arms"]["iav"]["15"]["fold_change"] < 100  # slower division, less growth
    res = _awaken("lung", "experiment", "chia2025", "--out", str(tmp_path / "b"), "--set",
                  "g=99")
    assert res.returncode == 2
    assert "outside its allowed range" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "b").exists()


def test_unknown_experiment_lists_choices(tmp_path):
    res = _awaken("lung", "experiment", "chia2026", "--out", str(tmp_path))
    assert res.returncode == 2
    assert "unknown experiment 'chia2026'; choose one of: chia2025" in res.stderr
    assert "Traceback" not in res.stderr
