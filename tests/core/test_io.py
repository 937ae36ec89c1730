"""Atomic writes: files follow the umask, bad destinations are one clear error."""

import os
import stat

import numpy as np
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


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_carry_units_and_provenance(tmp_path, suffix):
    from awaken import __version__
    from awaken.core.io import read_table, table_metadata

    frame = pd.DataFrame({"time": [0.0, 0.5], "virus": [1e-10, 3.25], "arm": ["a", "b"]})
    path = write_table(tmp_path / f"t{suffix}", frame, units={"time": "d", "virus": "vu"},
                       provenance={"seed": 7, "setup": {"virus": "iav-pr8"}})
    meta = table_metadata(path)
    assert meta["awaken"] == __version__ and meta["provenance"]["seed"] == 7
    assert [c["unit"] for c in meta["columns"]] == ["d", "vu", None]
    back = read_table(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back.attrs["units"]["virus"] == "vu"
    assert back.attrs["awaken"]["provenance"]["setup"] == {"virus": "iav-pr8"}


def test_parquet_fields_carry_their_unit(tmp_path):
    import pyarrow.parquet as pq

    path = write_table(tmp_path / "t.parquet", pd.DataFrame({"time": [1.0], "n": [2]}),
                       units={"time": "d"})
    schema = pq.read_schema(path)
    assert schema.field("time").metadata == {b"unit": b"d"}
    assert not schema.field("n").metadata


def test_a_csv_sidecar_of_other_contents_is_refused(tmp_path):
    from awaken.core.io import sidecar, table_metadata

    path = write_table(tmp_path / "t.csv", pd.DataFrame({"a": [1]}))
    assert sidecar(path).name == "t.csv-metadata.json"
    path.write_text("a\n2\n")  # rewritten without its metadata
    with pytest.raises(InputError, match="does not describe"):
        table_metadata(path)
    sidecar(path).unlink()
    with pytest.raises(InputError, match="no metadata file"):
        table_metadata(path)


def test_units_of_missing_columns_are_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="lacks: speed"):
        write_table(tmp_path / "t.csv", pd.DataFrame({"a": [1]}), units={"speed": "m/s"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_lung_simulate_records_units_and_setup(tmp_path, suffix):
    from awaken.cli import main
    from awaken.core.io import read_table

    out = tmp_path / f"traj{suffix}"
    with pytest.raises(SystemExit) as stop:
        main(["lung", "simulate", "--days", "3", "-i", "il6_blockade:1-2:0.5", "--out", str(out)])
    assert stop.value.code == 0
    back = read_table(out)
    assert back.attrs["units"]["time"] == "d" and back.attrs["units"]["il6"] == "pg/ml"
    prov = back.attrs["awaken"]["provenance"]
    assert prov["setup"]["virus"] == "iav-pr8" and prov["days"] == 3.0
    assert prov["setup"]["interventions"] == ["il6_blockade:1-2:0.5"]


def test_columns_write_the_same_csv_bytes_as_pandas(tmp_path):
    """The pandas-free path (a mapping of arrays) writes what DataFrame.to_csv writes."""
    columns = {"t": np.array([0.0, 0.1, 1 / 3, 1e-320, 2.5e10]),
               "n": np.array([0, 1, -2, 3, 40]),
               "x": np.array([np.nan, 1e-7, 123456.789, -0.0, 1e300])}
    from_columns = write_table(tmp_path / "a.csv", columns)
    from_frame = write_table(tmp_path / "b.csv", pd.DataFrame(columns))
    assert from_columns.read_bytes() == from_frame.read_bytes()
