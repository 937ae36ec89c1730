"""Output the system refuses, on every command that writes: one line, exit code 2, nothing
left behind (a parent that is a file, the kernel's proc and sys file systems, a 300-character
name, a folder where a file goes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaken.cli import main

# (command, kind of --out, arguments before --out); {cohort} is a small synthetic cohort.
COMMANDS = [
    ("lung simulate", "file.csv", ["lung", "simulate", "--days", "2"]),
    ("lung stochastic", "file.csv", ["lung", "stochastic", "--mice", "3", "--days", "2"]),
    ("lung response", "file.csv", ["lung", "response", "--horizon", "30"]),
    ("lung export-sbml", "file.xml", ["lung", "export-sbml"]),
    ("lung experiment", "folder", ["lung", "experiment", "chia2025", "--mice", "0"]),
    ("epi synth", "file.duckdb", ["epi", "synth", "--n", "50"]),
    ("epi design", "folder", ["epi", "design", "ukb_like", "--cohort", "{cohort}"]),
    ("cohort simulate", "file.duckdb", ["cohort", "simulate", "--preset", "ukb", "--n", "50"]),
    ("policy run", "folder", ["policy", "run", "--scenarios", "antivirals", "--quick"]),
    ("reproduce", "folder", ["reproduce"]),
    ("calibrate baccam2006", "folder", ["calibrate", "baccam2006", "--method", "likelihood",
                                        "--starts", "1"]),
]
PLACES = ["parent_is_file", "proc", "sys", "long_name", "folder_for_a_file"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from awaken.epi import make_synthetic_cohort

    return make_synthetic_cohort(400, seed=2).to_duckdb(
        tmp_path_factory.mktemp("cohort") / "c.duckdb")


def _destination(place: str, kind: str, tmp: Path) -> Path | None:
    name = "out" + ("" if kind == "folder" else kind.removeprefix("file"))
    if place == "parent_is_file":
        (tmp / "afile").write_text("x")
        return tmp / "afile" / name
    if place == "proc":
        return Path("/proc/awaken-test") / name
    if place == "sys":
        return Path("/sys/awaken-test") / name
    if place == "long_name":
        return tmp / ("x" * 300 + ("" if kind == "folder" else kind.removeprefix("file")))
    if kind == "folder":
        return None  # a folder is the right thing to give
    (tmp / name).mkdir()
    return tmp / name


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("label", "kind", "args"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_unwritable_output_is_one_line_exit_2(label, kind, args, place, cohort, tmp_path,
                                              capsys, monkeypatch):
    if place in ("proc", "sys") and not Path(f"/{place}").is_dir():
        pytest.skip(f"no /{place} here")
    out = _destination(place, kind, tmp_path)
    if out is None:
        pytest.skip("a folder output given a folder is no mistake")
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main([a.format(cohort=cohort) for a in args] + ["--out", str(out)])
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "Traceback" not in err, err
    assert any(w in lines[-1] for w in ("cannot write", "cannot read or write", "is a file",
                                        "folder", "exists"))
    assert sorted(tmp_path.rglob("*")) == before  # nothing left behind
