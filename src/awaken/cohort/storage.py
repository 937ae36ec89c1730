"""Where a run's tables go: Parquet parts by chunk, then a DuckDB file or a Parquet folder.

While a run is under way, every chunk writes one Parquet file per table into
``OUT.partial/<table>.parquet/part-NNNNN.parquet`` (each written atomically) and then a marker
``OUT.partial/done/NNNNN``; ``--resume`` skips chunks with a marker. At the end only the driver
builds the output: a DuckDB file (built in a temporary file, then renamed) or the Parquet
folder (the partial folder renamed). An interrupted run therefore leaves no torn output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from awaken.cohort.model import TABLES
from awaken.core.errors import InputError
from awaken.core.io import atomic_path, write_json


def output_format(out: Path) -> str:
    """``duckdb`` for a ``.duckdb`` file, ``parquet`` for a folder."""
    return "duckdb" if out.suffix.lower() in (".duckdb", ".db") else "parquet"


def partial_dir(out: Path) -> Path:
    """The work folder of a run that writes ``out``."""
    return out.with_name(out.name + ".partial")


def _arrow(frame: pd.DataFrame) -> pa.Table:
    cols, names = [], []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            arr = pa.array(s.to_numpy().astype("datetime64[D]"), type=pa.date32())
        elif isinstance(s.dtype, pd.CategoricalDtype):
            arr = pa.DictionaryArray.from_arrays(
                pa.array(s.cat.codes.to_numpy().astype("int32")),
                pa.array([str(c) for c in s.cat.categories], type=pa.string()))
        elif s.dtype == object:
            arr = pa.array(s.astype(str).to_numpy() if len(s) else [], type=pa.string())
        else:
            arr = pa.array(s.to_numpy())
        cols.append(arr)
        names.append(name)
    return pa.Table.from_arrays(cols, names=names)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """One table as Parquet (dates as DATE, text as strings), atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(_arrow(frame), tmp)


def config_hash(manifest: dict[str, Any]) -> str:
    """A hash of what determines a run's result (config and emulator)."""
    text = json.dumps({k: manifest[k] for k in ("config", "emulator")}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare(out: Path, manifest: dict[str, Any], resume: bool,
            force: bool) -> tuple[Path, set[int]]:
    """Check the target and the work folder; return the work folder and finished chunks."""
    if out.exists() and not force:
        raise InputError(f"output {str(out)!r} exists; pass --force to replace it")
    work = partial_dir(out)
    if work.exists():
        if resume:
            old = json.loads((work / "manifest.json").read_text()) if (
                work / "manifest.json").is_file() else {}
            if old.get("hash") != config_hash(manifest):
                raise InputError(f"{str(work)!r} was written with another configuration; "
                                 "pass --force to start again")
        elif force:
            shutil.rmtree(work)
        else:
            raise InputError(f"an interrupted run left {str(work)!r}; pass --resume to "
                             "continue it or --force to start again")
    (work / "done").mkdir(parents=True, exist_ok=True)
    write_json(work / "manifest.json", {**manifest, "hash": config_hash(manifest)})
    done = {int(p.name) for p in (work / "done").iterdir() if p.name.isdigit()}
    return work, done


def write_chunk(work: Path, chunk: int, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Write a chunk's tables, then its marker; return row counts."""
    for name, frame in tables.items():
        write_parquet(work / f"{name}.parquet" / f"part-{chunk:05d}.parquet", frame)
    with atomic_path(work / "done" / f"{chunk:05d}") as tmp:
        tmp.write_text(json.dumps({k: len(v) for k, v in tables.items()}))
    return {k: len(v) for k, v in tables.items()}


def finish(work: Path, out: Path, n_chunks: int, extra: dict[str, pd.DataFrame]) -> Path:
    """Build the output from the parts (all chunks must be done) and remove the work folder."""
    missing = [c for c in range(n_chunks) if not (work / "done" / f"{c:05d}").exists()]
    if missing:
        raise InputError(f"chunks {missing[:5]} of {str(work)!r} are not finished")
    for name, frame in extra.items():
        write_parquet(work / f"{name}.parquet", frame)
    if output_format(out) == "parquet":
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(work, out)
        shutil.rmtree(out / "done")
        return out
    import duckdb

    with atomic_path(out) as tmp:
        tmp.unlink()
        con = duckdb.connect(str(tmp))
        try:
            for name in (*TABLES, *extra):
                single = work / f"{name}.parquet"
                parts = sorted(single.glob("part-*.parquet")) if single.is_dir() else [single]
                files = ", ".join(f"'{p}'" for p in parts)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet([{files}])')
            con.execute("CHECKPOINT")
        finally:
            con.close()
    shutil.rmtree(work)
    return out


def read_tables(path: Path, names: tuple[str, ...] = TABLES) -> dict[str, pd.DataFrame]:
    """Tables of a finished output (DuckDB file or Parquet folder) by name."""
    if not path.exists():
        raise InputError(f"cohort output {str(path)!r} does not exist")
    if output_format(path) == "parquet":
        return {n: pd.read_parquet(path / f"{n}.parquet") for n in names
                if (path / f"{n}.parquet").exists()}
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        have = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        return {n: con.execute(f'SELECT * FROM "{n}"').df() for n in names if n in have}
    finally:
        con.close()
