"""`awaken lung …` through the installed script, as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import libsbml
import pandas as pd
import pytest

from awaken.lung.model import PARAMETERS, STATE_IDS
from awaken.lung.sbml import document
from awaken.lung.solve import Setup

_SCRIPT = Path(sys.executable).with_name("awaken")
AWAKEN = str(_SCRIPT) if _SCRIPT.exists() else shutil.which("awaken")
ENV = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}  # a narrow terminal must not wrap

pytestmark = pytest.mark.skipif(AWAKEN is None, reason="the awaken script is not installed")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWAKEN, "lung", *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize("command", [[], ["export-sbml"], ["simulate"], ["parameters"]])
def test_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_simulate_writes_a_table(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"run{suffix}"
    result = run(
        "simulate", "--virus", "sars2-ma10", "--host", "mouse",
        "--intervention", "il6_blockade:1-10:0.9", "--set", "D0=50", "--days", "20",
        "--out", str(out), *(["--plot"] if suffix == ".csv" else []),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns) == ["time", *STATE_IDS]
    model = document(Setup()).getModel()
    species = [model.getSpecies(i).getId() for i in range(model.getNumSpecies())]
    assert list(frame.columns[1:]) == species  # columns are named as the SBML species
    assert frame["time"].tolist() == [float(d) for d in range(21)]
    assert frame[list(STATE_IDS)].notna().all().all()
    assert frame.loc[0, "dcc_dormant" if "dcc_dormant" in frame else STATE_IDS[0]] >= 0
    if suffix == ".csv":
        assert out.with_suffix(".png").stat().st_size > 10_000


def test_export_sbml(tmp_path: Path) -> None:
    out = tmp_path / "model.xml"
    result = run(
        "export-sbml", "--virus", "sars2-ma10", "--intervention", "cd4_depletion:5-28",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = libsbml.readSBMLFromFile(str(out))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = doc.getModel()
    ids = [model.getSpecies(i).getId() for i in range(model.getNumSpecies())]
    assert ids == list(STATE_IDS)
    assert model.getParameter("cd4_dep_end").getValue() == 28.0


def test_parameters_markdown() -> None:
    result = run("parameters", "--markdown", "--virus", "sars2-ma10")
    assert result.returncode == 0, result.stderr
    for p in PARAMETERS:
        assert f"`{p.name}`" in result.stdout
    table = run("parameters")
    assert table.returncode == 0 and "description" in table.stdout


BAD = {
    "unknown virus": (["simulate", "--virus", "ebola"], "iav-pr8"),
    "unknown host": (["export-sbml", "--host", "rat"], "mouse-il6ko"),
    "unknown intervention": (["simulate", "-i", "chemo:1-5"], "il6_blockade"),
    "inverted window": (["simulate", "-i", "cd4_depletion:28-5"], "inverted"),
    "zero days": (["simulate", "--days", "0"], "number of days > 0"),
    "out-of-range set": (["simulate", "--set", "beta=10"], "allowed range"),
    "unknown set": (["simulate", "--set", "nonsense=1"], "unknown parameter"),
}


def _bad_args(case: str, folder: Path) -> tuple[list[str], Path]:
    args, _ = BAD[case]
    name = case.replace(" ", "_")
    out = folder / (f"{name}.xml" if args[0] == "export-sbml" else f"{name}.csv")
    return [*args, "--out", str(out)], out


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path]]:
    """Run every bad-input case at once (each run is mostly interpreter start-up)."""
    folder = tmp_path_factory.mktemp("bad")
    procs = {}
    for case in BAD:
        args, out = _bad_args(case, folder)
        procs[case] = (
            subprocess.Popen(
                [AWAKEN, "lung", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=ENV,
            ),
            out,
        )  # fmt: skip
    results = {}
    for case, (proc, out) in procs.items():
        _, err = proc.communicate(timeout=120)
        results[case] = (proc.returncode, err, out)
    return results


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2(
    bad_runs: dict[str, tuple[int, str, Path]], case: str
) -> None:
    code, stderr, out = bad_runs[case]
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:") and BAD[case][1] in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "--out", "run.txt"], "extension"),
        (["simulate", "--set", "beta", "--out", "run.csv"], "NAME=VALUE"),
        (["simulate", "--set", "beta=fast", "--out", "run.csv"], "not a number"),
        (["simulate", "-i", "cd4_depletion", "--out", "run.csv"], "KIND:START-END"),
    ],
)
def test_bad_input_in_process(tmp_path: Path, args: list[str], message: str) -> None:
    """The same checks, without a subprocess: the command raises InputError."""
    from typer.testing import CliRunner

    from awaken.cli.lung import app
    from awaken.core.errors import InputError

    args = [str(tmp_path / a) if a.startswith("run.") else a for a in args]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_intervention_text_is_trimmed_and_negative_days_are_named():
    from awaken.core.errors import InputError
    from awaken.lung.interventions import Intervention

    assert Intervention.parse(" il6_blockade : 1 - 10 : 0.9") == Intervention(
        "il6_blockade", 1.0, 10.0, 0.9)
    with pytest.raises(InputError, match="starts before day 0"):
        Intervention.parse("il6_blockade:-1-5")


def test_export_sbml_wants_an_sbml_name(tmp_path):
    from typer.testing import CliRunner

    from awaken.cli import app

    res = CliRunner().invoke(app, ["lung", "export-sbml", "--out", str(tmp_path / "m.csv")])
    assert res.exit_code != 0
    assert ".xml or .sbml" in str(res.exception)
    assert not (tmp_path / "m.csv").exists()
