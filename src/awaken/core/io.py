"""Atomic output: write to a temporary file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awaken.core.errors import InputError

if TYPE_CHECKING:  # pandas and matplotlib load only when a table or figure is written
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

TABLE_SUFFIXES = (".csv", ".parquet")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    An interrupted write leaves the previous file (or none), never a torn one.
    """
    target = Path(path)
    try:
        if target.is_dir():
            raise InputError(f"cannot write {str(target)!r}: it is a folder; give a file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                                   dir=target.parent)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _default_mode())  # mkstemp makes 0600; follow the umask instead
        os.replace(tmp_path, target)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def cannot_write(path: str | os.PathLike[str], exc: OSError) -> InputError:
    """The one-line error for an output ``path`` the system refused (``exc``): a parent
    that is a file is named as such; otherwise the system's reason."""
    target = Path(path)
    for parent in target.parents:
        try:
            if parent.exists() and not parent.is_dir():
                return InputError(f"cannot write {str(target)!r}: {str(parent)!r} is a file, "
                                  "not a folder")
        except OSError:  # a name too long to look at: the system's reason below says so
            continue
    return InputError(f"cannot write {str(target)!r}: {exc.strerror or exc}")


def _default_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")
    return Path(path)


Columns = Mapping[str, "np.ndarray"]
"""A table as columns by name (1-D arrays of one length), written without pandas."""


def write_table(path: str | os.PathLike[str], frame: pd.DataFrame | Columns, *,
                units: Mapping[str, str] | None = None,
                provenance: Mapping[str, Any] | None = None) -> Path:
    """Write a table as CSV or Parquet (chosen by the file extension), atomically, with its
    metadata: each column's unit (``units``; a column not named there has none), the awaken
    version and ``provenance`` (setup, seed, ... as plain JSON values).

    Parquet keeps the metadata in the file (the schema's ``awaken`` key, and each field's
    ``unit``); CSV beside it, in ``FILE.csv-metadata.json``, which also records the table's
    SHA-256 so that a sidecar left from another write is told apart. :func:`read_table`
    and :func:`table_metadata` read both back. ``frame`` may be a DataFrame or
    :data:`Columns` (the same file, without loading pandas).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"cannot write {target.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    meta = _metadata(target.name, frame, units or {}, provenance or {})
    with atomic_path(target) as tmp:
        if suffix == ".csv":
            _write_csv(tmp, frame)
            meta["sha256"] = _sha256(tmp)
            write_json(sidecar(target), meta)  # first: the table's rename completes the pair
        else:
            _write_parquet(tmp, frame, meta)
    return target


def sidecar(path: str | os.PathLike[str]) -> Path:
    """The metadata file of the CSV table ``path``: ``FILE.csv-metadata.json``."""
    target = Path(path)
    return target.with_name(target.name + "-metadata.json")


def _dtypes(frame: pd.DataFrame | Columns) -> dict[str, str]:
    if isinstance(frame, Mapping):
        import numpy as np

        return {str(c): str(np.asarray(v).dtype) for c, v in frame.items()}
    return {str(c): str(t) for c, t in zip(frame.columns, frame.dtypes, strict=True)}


def _write_csv(path: Path, frame: pd.DataFrame | Columns) -> None:
    """pandas' ``to_csv(index=False)``; for :data:`Columns` the same bytes, by the csv module
    (shortest round-trip floats, NaN as an empty field)."""
    if not isinstance(frame, Mapping):
        frame.to_csv(path, index=False)
        return
    import csv

    import numpy as np

    def cells(values: np.ndarray) -> list[Any]:
        if values.dtype.kind == "f":
            return ["" if v != v else repr(v) for v in values.tolist()]
        return list(values.tolist())

    arrays = [np.asarray(v) for v in frame.values()]
    if any(a.ndim != 1 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError("table columns must be 1-D arrays of one length")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator=os.linesep)
        writer.writerow([str(c) for c in frame])
        writer.writerows(zip(*(cells(a) for a in arrays), strict=True))


def _metadata(name: str, frame: pd.DataFrame | Columns, units: Mapping[str, str],
              provenance: Mapping[str, Any]) -> dict[str, Any]:
    from awaken import __version__

    dtypes = _dtypes(frame)
    unknown = sorted(set(units) - set(dtypes))
    if unknown:
        raise ValueError(f"units given for columns the table lacks: {', '.join(unknown)}")
    columns = [{"name": c, "dtype": t, "unit": units.get(c)} for c, t in dtypes.items()]
    return {"table": name, "awaken": __version__, "columns": columns,
            "provenance": json.loads(json.dumps(dict(provenance)))}


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_parquet(path: Path, frame: pd.DataFrame | Columns, meta: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = (pa.table({str(c): v for c, v in frame.items()}) if isinstance(frame, Mapping)
             else pa.Table.from_pandas(frame, preserve_index=False))
    units = {c["name"]: c["unit"] for c in meta["columns"]}
    fields = [f.with_metadata({b"unit": units[f.name].encode()}) if units.get(f.name) else f
              for f in table.schema]
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                         METADATA_KEY: json.dumps(meta).encode()})
    pq.write_table(table.cast(schema), path)


METADATA_KEY = b"awaken"


def table_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata :func:`write_table` recorded for the table ``path`` (units per column,
    awaken version, provenance). A table without it, or whose CSV sidecar belongs to other
    contents, is an :class:`InputError`."""
    target = Path(path)
    if target.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            raw = (pq.read_schema(target).metadata or {}).get(METADATA_KEY)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {str(target)!r}: {exc}") from None
        if raw is None:
            raise InputError(f"{str(target)!r} has no awaken metadata")
        meta: dict[str, Any] = json.loads(raw)
        return meta
    side = sidecar(target)
    if not side.is_file():
        raise InputError(f"{str(target)!r} has no metadata file {side.name!r} beside it")
    meta = json.loads(side.read_text())
    if meta.get("sha256") != _sha256(target):
        raise InputError(f"{side.name!r} does not describe {target.name!r} as it is now (the "
                         "table was changed or rewritten without it)")
    return meta


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A table written by :func:`write_table`, its metadata in ``frame.attrs["awaken"]``
    and each column's unit in ``frame.attrs["units"]``."""
    import pandas as pd

    target = Path(path)
    meta = table_metadata(target)
    frame = pd.read_csv(target) if target.suffix.lower() == ".csv" else pd.read_parquet(target)
    frame.attrs.clear()
    frame.attrs["awaken"] = meta
    frame.attrs["units"] = {c["name"]: c["unit"] for c in meta["columns"]}
    return frame


def write_figure(path: str | os.PathLike[str], figure: Figure, *, dpi: int = 120) -> Path:
    """Write a :class:`~matplotlib.figure.Figure` atomically, in the format of the extension."""
    target = Path(path)
    with atomic_path(target) as tmp:
        figure.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".").lower() or "png")
    return target


def write_table_and_figure(path: str | os.PathLike[str], frame: pd.DataFrame | Columns,
                           figure: Figure | None, *, dpi: int = 120,
                           units: Mapping[str, str] | None = None,
                           provenance: Mapping[str, Any] | None = None) -> list[Path]:
    """A table and, if ``figure`` is given, its PNG (``path`` with ``.png``) as one set: the
    figure is rendered and both destinations checked before anything is written, so a
    failing plot, or a folder where the PNG goes, leaves neither file. Returns the paths."""
    import io

    target = Path(path)
    png = target.with_suffix(".png")
    data = b""
    if figure is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, dpi=dpi, format="png")
        data = buffer.getvalue()
        if png.is_dir():
            raise InputError(f"cannot write {str(png)!r}: it is a folder; give a file name")
    written = [write_table(target, frame, units=units, provenance=provenance)]
    if figure is not None:
        with atomic_path(png) as tmp:
            tmp.write_bytes(data)
        written.append(png)
    return written


MANIFEST = "manifest.json"


def clear_manifest(folder: str | os.PathLike[str]) -> None:
    """Remove ``folder``'s manifest before its files are rewritten (see :func:`write_manifest`).

    A folder without a manifest holds no complete run: an interrupted rewrite cannot pass
    for a finished one, and old and new files are never taken for one set.
    """
    try:
        (Path(folder) / MANIFEST).unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a file where the folder should be, a name too long ...
        raise cannot_write(Path(folder) / MANIFEST, exc) from None


def write_manifest(folder: str | os.PathLike[str], files: dict[str, Path],
                   **provenance: Any) -> Path:
    """Write ``manifest.json`` last: each file's name, size and SHA-256 (a CSV's metadata
    file too, as ``ROLE_metadata``), the awaken version and ``provenance`` (setup, seed,
    command...). The set is complete once it exists."""
    import hashlib

    from awaken import __version__

    files = dict(files)
    for role, path in list(files.items()):  # a CSV's metadata file belongs to the set
        if sidecar(path).is_file() and Path(path).suffix.lower() == ".csv":
            files[f"{role}_metadata"] = sidecar(path)
    entries = {}
    for role, path in files.items():
        data = Path(path).read_bytes()
        entries[role] = {"file": Path(path).name, "bytes": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()}
    return write_json(Path(folder) / MANIFEST,
                      {"awaken": __version__, **provenance, "files": entries})
