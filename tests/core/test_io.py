"""Atomic writes: files follow the umask, bad destinations are one clear error."""

import os
import stat

import pandas as pd
import pytest

from awaken.core.errors import InputError
from awaken.core.io import write_json, write_table


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("where", ["folder", "parent_is_file", "long_name"])
def test_unwritable_destinations_are_input_errors(tmp_path, where):
    frame = pd.DataFrame({"a": [1]})
    if where == "folder":
        (tmp_path / "out.csv").mkdir()
        target, message = tmp_path / "out.csv", "it is a folder"
    elif where == "parent_is_file":
        (tmp_path / "file").write_text("x")
        target, message = tmp_path / "file" / "out.csv", "cannot write"
    else:
        target, message = tmp_path / ("x" * 300 + ".csv"), "cannot write"
    with pytest.raises(InputError, match=message):
        write_table(target, frame)
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_cli_reports_an_unwritable_output_in_one_line(tmp_path):
    import subprocess
    import sys

    (tmp_path / "file").write_text("x")
    res = subprocess.run([sys.executable, "-m", "awaken", "lung", "simulate", "--days", "2",
                          "--out", str(tmp_path / "file" / "t.csv")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert "cannot write" in res.stderr and "Traceback" not in res.stderr


def test_version():
    import subprocess
    import sys

    from awaken import __version__

    res = subprocess.run([sys.executable, "-m", "awaken", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == f"awaken {__version__}"
