"""Where a run's tables go: a DuckDB file built chunk by chunk, or Parquet parts by chunk.

While a run is under way everything lives in ``OUT.partial/``. For a Parquet folder, every
chunk writes one Parquet file per table into ``<table>.parquet/part-NNNNN.parquet`` (each
written atomically) and then a marker ``done/NNNNN``; at the end the folder is renamed. For a
DuckDB file, the driver appends each chunk's tables to ``build.duckdb`` in chunk order, in
one transaction with the chunk's row counts (:class:`Build`); Dask workers write Parquet
parts as above, which the driver appends as soon as the chunks before them are in. At the
end the file is renamed. ``--resume`` skips finished chunks; an interrupted run leaves no
torn output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from awaken.cohort.model import TABLES
from awaken.core.errors import InputError
from awaken.core.io import atomic_path, cannot_write, write_json

if TYPE_CHECKING:  # pandas loads only for frames (a run writes Arrow tables)
    import pandas as pd


def output_format(out: Path) -> str:
    """``duckdb`` for a ``.duckdb`` file, ``parquet`` for a folder."""
    return "duckdb" if out.suffix.lower() in (".duckdb", ".db") else "parquet"


def partial_dir(out: Path) -> Path:
    """The work folder of a run that writes ``out``."""
    return out.with_name(out.name + ".partial")


def _arrow(frame: pd.DataFrame) -> pa.Table:
    import pandas as pd

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


def write_parquet(path: Path, frame: pd.DataFrame | pa.Table) -> None:
    """One table as Parquet (dates as DATE, text as strings), atomically.

    Only the categorical columns are dictionary-encoded: trying dictionaries on ids, days and
    measurements costs a third of the writing time and makes the files larger.
    """
    table = frame if isinstance(frame, pa.Table) else _arrow(frame)
    coded = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, use_dictionary=coded)


def config_hash(manifest: dict[str, Any]) -> str:
    """A hash of what determines a run's result (config and emulator)."""
    text = json.dumps({k: manifest[k] for k in ("config", "emulator")}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare(out: Path, manifest: dict[str, Any], resume: bool,
            force: bool) -> tuple[Path, dict[int, dict[str, int]]]:
    """Check the target and the work folder; return it and the row counts of the chunks
    finished as Parquet parts."""
    try:
        return _prepare(out, manifest, resume, force)
    except OSError as exc:  # a parent that is a file, a read-only place, a name too long
        raise cannot_write(out, exc) from None


def _prepare(out: Path, manifest: dict[str, Any], resume: bool,
             force: bool) -> tuple[Path, dict[int, dict[str, int]]]:
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
    return work, part_rows(work)


def part_rows(work: Path) -> dict[int, dict[str, int]]:
    """Row counts of the chunks whose Parquet parts are finished (their markers)."""
    return {int(p.name): json.loads(p.read_text()) for p in (work / "done").iterdir()
            if p.name.isdigit()}


def write_chunk(work: Path, chunk: int,
                tables: dict[str, pd.DataFrame] | dict[str, pa.Table]) -> dict[str, int]:
    """Write a chunk's tables, then its marker; return row counts."""
    for name, frame in tables.items():
        write_parquet(work / f"{name}.parquet" / f"part-{chunk:05d}.parquet", frame)
    with atomic_path(work / "done" / f"{chunk:05d}") as tmp:
        tmp.write_text(json.dumps({k: len(v) for k, v in tables.items()}))
    return {k: len(v) for k, v in tables.items()}


def finish(work: Path, out: Path, n_chunks: int, extra: dict[str, pa.Table]) -> Path:
    """Rename the work folder into the Parquet output (all chunks must be done)."""
    missing = [c for c in range(n_chunks) if not (work / "done" / f"{c:05d}").exists()]
    if missing:
        raise InputError(f"chunks {missing[:5]} of {str(work)!r} are not finished")
    for name, frame in extra.items():
        write_parquet(work / f"{name}.parquet", frame)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    os.replace(work, out)
    shutil.rmtree(out / "done")
    return out


class Build:
    """The DuckDB output being built in the work folder, one chunk after another.

    Chunks are appended in order (the tables' rows are then in chunk order, as a fresh run
    writes them), each with its row counts. Appends are committed every ``commit_persons``
    persons, and whenever the run stops (:meth:`close`): a commit re-compresses partly filled
    row groups (one per 100,000-person chunk doubled DuckDB's cost), and uncommitted appends
    are held in memory (~0.25 GB per 700,000 persons, measured). A killed process
    loses only the uncommitted chunks (DuckDB rolls them back; ``--resume`` redoes them).
    One DuckDB thread: the other core simulates the next chunk meanwhile, and the file is
    smaller than with several.
    """

    def __init__(self, work: Path, commit_persons: int = 500_000) -> None:
        import duckdb

        self.path = work / "build.duckdb"
        self.con = duckdb.connect(str(self.path))
        self.con.execute("SET threads = 1")
        self.con.execute("SET memory_limit = '256MB'")
        self.con.execute("CREATE TABLE IF NOT EXISTS _chunks (chunk INTEGER, rows VARCHAR)")
        self.commit_persons = commit_persons
        self.uncommitted = 0  # persons appended since the last commit
        self.open = False

    def chunks(self) -> dict[int, dict[str, int]]:
        """Row counts of the chunks appended so far (always chunks 0 .. k-1)."""
        rows = self.con.execute("SELECT chunk, rows FROM _chunks ORDER BY chunk").fetchall()
        return {int(c): json.loads(r) for c, r in rows}

    def append(self, chunk: int, tables: dict[str, pa.Table]) -> dict[str, int]:
        """Add a chunk's tables and its row counts (a failure rolls back to the last commit)."""
        have = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        counts = {k: v.num_rows for k, v in tables.items()}
        if not self.open:
            self.con.execute("BEGIN TRANSACTION")
            self.open = True
        try:
            for name, table in tables.items():
                self.con.register("_chunk", table)
                verb = f'INSERT INTO "{name}"' if name in have else f'CREATE TABLE "{name}" AS'
                self.con.execute(f"{verb} SELECT * FROM _chunk")
                self.con.unregister("_chunk")
            self.con.execute("INSERT INTO _chunks VALUES (?, ?)", [chunk, json.dumps(counts)])
        except BaseException:
            self.con.execute("ROLLBACK")
            self.open, self.uncommitted = False, 0
            raise
        self.uncommitted += counts["persons"]
        if self.uncommitted >= self.commit_persons:
            self.commit()
        return counts

    def commit(self) -> None:
        """Make the appended chunks permanent."""
        if self.open:
            self.con.execute("COMMIT")
            self.open, self.uncommitted = False, 0

    def append_part(self, work: Path, chunk: int) -> dict[str, int]:
        """Append a chunk written as Parquet parts (by a Dask worker), then delete them."""
        parts = {name: work / f"{name}.parquet" / f"part-{chunk:05d}.parquet" for name in TABLES}
        counts = self.append(chunk, {n: pq.read_table(p) for n, p in parts.items()})
        (work / "done" / f"{chunk:05d}").unlink()
        for p in parts.values():
            p.unlink()
        return counts

    def finish(self, work: Path, out: Path, n_chunks: int,
               extra: dict[str, pa.Table]) -> Path:
        """Add the run's own tables, close the file and move it onto ``out``."""
        self.commit()
        missing = sorted(set(range(n_chunks)) - set(self.chunks()))
        if missing:
            raise InputError(f"chunks {missing[:5]} of {str(work)!r} are not finished")
        self.con.execute("DROP TABLE _chunks")
        for name, frame in extra.items():
            self.con.register("_extra", frame)
            self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _extra')
            self.con.unregister("_extra")
        self.con.execute("CHECKPOINT")
        self.close()
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(self.path, out)
        shutil.rmtree(work)
        return out

    def close(self) -> None:
        """Commit what is appended (every appended chunk is whole) and close the file."""
        try:
            self.commit()
        finally:
            self.con.close()


def read_tables(path: Path, names: tuple[str, ...] = TABLES) -> dict[str, pd.DataFrame]:
    """Tables of a finished output (DuckDB file or Parquet folder) by name."""
    if not path.exists():
        raise InputError(f"cohort output {str(path)!r} does not exist")
    if output_format(path) == "parquet":
        import pandas as pd

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
