"""The event-table schema: a cohort as five tables, loaded and validated at the edge.

``persons`` has one row per person; ``infections``, ``vaccinations``, ``metastases`` and
``deaths`` have one row per event. The tables are declared once in :mod:`awaken.core.schema`
(re-exported here, shared with the simulator); the loader checks every rule and names the
table, column and first offending row. See ``docs/schemas.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from awaken.core.errors import InputError
from awaken.core.io import atomic_path, write_table
from awaken.core.schema import (  # noqa: F401  (re-exported: awaken.epi.schema keeps working)
    CAUSES,
    EVENT_TABLES,
    PATHOGENS,
    RESULTS,
    SEXES,
    SITES,
    TABLES,
    Column,
    Kind,
)


def _empty(table: str) -> pd.DataFrame:
    cols = {}
    for c in TABLES[table]:
        if c.kind == "date":
            cols[c.name] = pd.Series([], dtype="datetime64[ns]")
        elif c.kind == "number":
            cols[c.name] = pd.Series([], dtype=float)
        else:
            cols[c.name] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)


def _where(table: str, frame: pd.DataFrame, pos: int) -> str:
    pid = frame["person_id"].iloc[pos] if "person_id" in frame.columns else None
    who = f", person_id={pid!r}" if pid is not None and not pd.isna(pid) else ""
    return f"table {table!r}, row {pos}{who}"


def _first(mask: np.ndarray | pd.Series) -> int | None:
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(idx[0]) if idx.size else None


def _coerce(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Check columns and convert their types; return a fresh frame."""
    frame = frame.reset_index(drop=True).copy()
    declared = {c.name: c for c in TABLES[table]}
    for col in TABLES[table]:
        if col.required and col.name not in frame.columns:
            have = ", ".join(map(str, frame.columns)) or "none"
            raise InputError(
                f"table {table!r} is missing column {col.name!r} ({col.description}); "
                f"columns found: {have}"
            )
    if table == "persons" and not {"birth_date", "age_at_entry"} & set(frame.columns):
        raise InputError("table 'persons' needs column 'birth_date' or 'age_at_entry'")
    for name in frame.columns:
        found = declared.get(name)
        if found is None:
            if table != "persons":
                continue  # extra columns in event tables are kept but not used
            found = Column(name, "number" if _is_numeric(frame[name]) else "text", "covariate",
                           required=False)
        frame[name] = _convert(table, frame, found)
    return frame


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _convert(table: str, frame: pd.DataFrame, col: Column) -> pd.Series:
    s = frame[col.name]
    missing = s.isna().to_numpy()
    if col.required or col.kind == "id":
        pos = _first(missing)
        if pos is not None:
            raise InputError(f"{_where(table, frame, pos)}: column {col.name!r} is empty; "
                             f"a value is required ({col.description})")
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s):
            out = pd.to_datetime(s)
        else:
            out = pd.to_datetime(s.astype(object).where(~missing, None), errors="coerce",
                                 format="ISO8601")
        pos = _first(out.isna().to_numpy() & ~missing)
        if pos is not None:
            raise InputError(f"{_where(table, frame, pos)}: column {col.name!r} has "
                             f"{s.iloc[pos]!r}, which is not a date; use YYYY-MM-DD")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.dt.normalize().astype("datetime64[ns]")
    if col.kind == "number":
        out = pd.to_numeric(s, errors="coerce")
        pos = _first(out.isna().to_numpy() & ~missing)
        if pos is not None:
            raise InputError(f"{_where(table, frame, pos)}: column {col.name!r} has "
                             f"{s.iloc[pos]!r}, which is not a number")
        return out.astype(float)
    if col.kind == "id":
        return s.map(_id_text).astype(object)
    out = s.map(_text).astype(object)
    if col.allowed is not None:
        bad = ~missing & ~out.isin(col.allowed).to_numpy()
        pos = _first(bad)
        if pos is not None:
            raise InputError(f"{_where(table, frame, pos)}: column {col.name!r} has "
                             f"{s.iloc[pos]!r}; allowed: {', '.join(col.allowed)}")
    return out


def _text(v: Any) -> object:  # a cell of any type
    return v if pd.isna(v) else str(v).strip()


def _id_text(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _check_persons(p: pd.DataFrame) -> None:
    dup = p["person_id"].duplicated().to_numpy()
    pos = _first(dup)
    if pos is not None:
        raise InputError(f"{_where('persons', p, pos)}: duplicate person_id; "
                         "each person has exactly one row")
    for col in ("entry_date", "diagnosis_date"):
        pos = _first((p[col] > p["end_date"]).to_numpy())
        if pos is not None:
            raise InputError(f"{_where('persons', p, pos)}: {col} {p[col].iloc[pos].date()} is "
                             f"after end_date {p['end_date'].iloc[pos].date()}")
    if "birth_date" in p.columns:
        pos = _first((p["birth_date"] > p["entry_date"]).to_numpy())
        if pos is not None:
            raise InputError(f"{_where('persons', p, pos)}: birth_date is after entry_date")
    if "age_at_entry" in p.columns:
        pos = _first(((p["age_at_entry"] < 0) | (p["age_at_entry"] > 130)).to_numpy())
        if pos is not None:
            raise InputError(f"{_where('persons', p, pos)}: age_at_entry "
                             f"{p['age_at_entry'].iloc[pos]} outside 0-130 years")
    if "birth_date" in p.columns and "age_at_entry" in p.columns:
        pos = _first((p["birth_date"].isna() & p["age_at_entry"].isna()).to_numpy())
        if pos is not None:
            raise InputError(f"{_where('persons', p, pos)}: both birth_date and age_at_entry "
                             "are empty; give one")


def _check_events(table: str, e: pd.DataFrame, persons: pd.DataFrame) -> None:
    end = persons.set_index("person_id")["end_date"]
    known = e["person_id"].isin(end.index).to_numpy()
    pos = _first(~known)
    if pos is not None:
        raise InputError(f"{_where(table, e, pos)}: unknown person_id (not in table 'persons')")
    after = (e["date"].to_numpy() > end.reindex(e["person_id"]).to_numpy())
    pos = _first(after)
    if pos is not None:
        pid = e["person_id"].iloc[pos]
        raise InputError(f"{_where(table, e, pos)}: date {e['date'].iloc[pos].date()} is after "
                         f"the person's end_date {end[pid].date()}; events must lie within "
                         "follow-up")
    if table == "deaths":
        pos = _first(e["person_id"].duplicated().to_numpy())
        if pos is not None:
            raise InputError(f"{_where(table, e, pos)}: a second death for the same person")


def validate_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Check and convert raw tables; return clean frames for all five tables."""
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise InputError(f"unknown table(s) {', '.join(sorted(unknown))}; "
                         f"tables are: {', '.join(TABLES)}")
    if "persons" not in tables:
        raise InputError("a cohort needs the table 'persons'")
    out = {"persons": _coerce("persons", tables["persons"])}
    _check_persons(out["persons"])
    for name in EVENT_TABLES:
        frame = tables.get(name)
        frame = _empty(name) if frame is None else _coerce(name, frame)
        _check_events(name, frame, out["persons"])
        out[name] = frame.sort_values(["person_id", "date"], kind="stable").reset_index(drop=True)
    return out


@dataclass(frozen=True)
class Cohort:
    """A validated cohort: five pandas tables following ``docs/schemas.md``.

    Build it with :func:`load_cohort` or :meth:`Cohort.from_frames`; treat the frames as
    read-only (analyses copy what they change).
    """

    persons: pd.DataFrame
    infections: pd.DataFrame
    vaccinations: pd.DataFrame
    metastases: pd.DataFrame
    deaths: pd.DataFrame

    @classmethod
    def from_frames(cls, **tables: pd.DataFrame) -> Cohort:
        """Validate raw tables given by name (``persons`` required, others optional)."""
        return cls(**validate_tables(tables))

    @property
    def covariates(self) -> tuple[str, ...]:
        """Extra columns of ``persons`` (beyond the declared ones), usable as covariates."""
        declared = {c.name for c in TABLES["persons"]}
        return tuple(c for c in self.persons.columns if c not in declared)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five tables by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def age_at(self, when: pd.Timestamp | str) -> pd.Series:
        """Age in years at a date, from ``birth_date`` or else from ``age_at_entry``."""
        when = pd.Timestamp(when)
        p = self.persons
        age = pd.Series(np.nan, index=p.index)
        if "age_at_entry" in p.columns:
            age = p["age_at_entry"] + (when - p["entry_date"]).dt.days / 365.25
        if "birth_date" in p.columns:
            from_birth = (when - p["birth_date"]).dt.days / 365.25
            age = from_birth.where(p["birth_date"].notna(), age)
        return age.astype(float)

    def summary(self) -> dict[str, int]:
        """Row counts by table."""
        return {name: len(frame) for name, frame in self.tables().items()}

    def to_duckdb(self, path: str | os.PathLike[str]) -> Path:
        """Write the five tables to a DuckDB file (one table per name), atomically."""
        import duckdb

        with atomic_path(path) as tmp:
            tmp.unlink()  # DuckDB refuses an existing empty file
            con = duckdb.connect(str(tmp))
            try:
                for name, frame in self.tables().items():
                    con.register("_frame", frame)
                    cols = ", ".join(
                        f'CAST("{c}" AS DATE) AS "{c}"'
                        if pd.api.types.is_datetime64_any_dtype(frame[c]) else f'"{c}"'
                        for c in frame.columns
                    )
                    con.execute(f'CREATE TABLE "{name}" AS SELECT {cols} FROM _frame')
                    con.unregister("_frame")
                con.execute("CHECKPOINT")
            finally:
                con.close()
        return Path(path)

    def to_folder(
        self, path: str | os.PathLike[str], fmt: Literal["csv", "parquet"] = "csv"
    ) -> Path:
        """Write one file per table (``persons.csv`` ...) into a folder, each atomically."""
        folder = Path(path)
        for name, frame in self.tables().items():
            out = frame.copy()
            if fmt == "csv":
                for c in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[c]):
                        out[c] = out[c].dt.strftime("%Y-%m-%d")
            write_table(folder / f"{name}.{fmt}", out)
        return folder


def _read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        found = [folder / f"{name}{suffix}" for suffix in (".csv", ".parquet")]
        found = [f for f in found if f.exists()]
        if len(found) > 1:
            raise InputError(f"folder {str(folder)!r} has both {found[0].name} and "
                             f"{found[1].name}; keep one")
        if not found:
            continue
        try:
            if found[0].suffix == ".csv":
                tables[name] = pd.read_csv(found[0], dtype={"person_id": str})
            else:
                tables[name] = pd.read_parquet(found[0])
        except Exception as exc:
            raise InputError(f"cannot read {str(found[0])!r}: {exc}") from exc
    return tables


def _read_duckdb(path: Path) -> dict[str, pd.DataFrame]:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise InputError(f"cannot open DuckDB file {str(path)!r}: {exc}") from exc
    try:
        names = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        return {n: con.execute(f'SELECT * FROM "{n}"').df() for n in TABLES if n in names}
    except duckdb.Error as exc:  # a file cut short opens, then fails on its first read
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read DuckDB file {str(path)!r} (truncated or corrupt?): "
                         f"{first}") from None
    finally:
        con.close()


def load_cohort(path: str | os.PathLike[str]) -> Cohort:
    """Load and validate a cohort from a folder of CSV/Parquet files or a DuckDB file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"cohort {str(p)!r} does not exist; give a folder of CSV/Parquet "
                         "files or a .duckdb file")
    if p.is_dir():
        tables = _read_folder(p)
        if "persons" not in tables:
            raise InputError(f"folder {str(p)!r} has no persons.csv or persons.parquet")
    elif p.suffix.lower() in (".duckdb", ".db"):
        tables = _read_duckdb(p)
        if "persons" not in tables:
            raise InputError(f"DuckDB file {str(p)!r} has no table 'persons'")
    else:
        raise InputError(f"cohort {str(p)!r}: give a folder or a .duckdb file")
    return Cohort.from_frames(**tables)


def schema_markdown() -> str:
    """The tables of :data:`TABLES` as Markdown (the generated part of ``docs/schemas.md``)."""
    lines: list[str] = []
    for table, cols in TABLES.items():
        lines += [f"### `{table}`", "", "| column | type | required | allowed values | meaning |",
                  "|---|---|---|---|---|"]
        for c in cols:
            allowed = ", ".join(f"`{a}`" for a in c.allowed) if c.allowed else ""
            lines.append(f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | "
                         f"{allowed} | {c.description} |")
        lines.append("")
    return "\n".join(lines)


BEGIN, END = "<!-- BEGIN GENERATED: tables -->", "<!-- END GENERATED: tables -->"
REGENERATE = 'python -c "from awaken.epi.schema import write_docs; write_docs()"'
NOTE = f"<!-- generated by `{REGENERATE}` from awaken.epi.schema.TABLES: do not edit -->"


def render_docs(text: str) -> str:
    """``text`` (``docs/schemas.md``) with its generated section replaced."""
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not (sep and sep2):
        raise InputError("docs/schemas.md has no generated tables section")
    return f"{head}{BEGIN}\n{NOTE}\n{schema_markdown().rstrip()}\n{END}{tail}"


def write_docs(path: str | os.PathLike[str] | None = None) -> Path:
    """Regenerate the tables section of ``docs/schemas.md`` (in a source checkout)."""
    doc = Path(path) if path else Path(__file__).resolve().parents[3] / "docs" / "schemas.md"
    text = render_docs(doc.read_text())
    with atomic_path(doc) as tmp:
        tmp.write_text(text)
    return doc
