"""Atomic output: write to a temporary file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awaken.core.errors import InputError

if TYPE_CHECKING:  # pandas and matplotlib load only when a table or figure is written
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
        raise InputError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _default_mode())  # mkstemp makes 0600; follow the umask instead
        os.replace(tmp_path, target)
    except OSError as exc:
        raise InputError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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


def write_table(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """Write a table as CSV or Parquet (chosen by the file extension), atomically."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"cannot write {target.name!r}: extension must be one of {', '.join(TABLE_SUFFIXES)}"
        )
    with atomic_path(target) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    return target


def write_figure(path: str | os.PathLike[str], figure: Figure, *, dpi: int = 120) -> Path:
    """Write a :class:`~matplotlib.figure.Figure` atomically, in the format of the extension."""
    target = Path(path)
    with atomic_path(target) as tmp:
        figure.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".").lower() or "png")
    return target


MANIFEST = "manifest.json"


def clear_manifest(folder: str | os.PathLike[str]) -> None:
    """Remove ``folder``'s manifest before its files are rewritten (see :func:`write_manifest`).

    A folder without a manifest holds no complete run: an interrupted rewrite cannot pass
    for a finished one, and old and new files are never taken for one set.
    """
    with contextlib.suppress(FileNotFoundError):
        (Path(folder) / MANIFEST).unlink()


def write_manifest(folder: str | os.PathLike[str], files: dict[str, Path],
                   **provenance: Any) -> Path:
    """Write ``manifest.json`` last: each file's name, size and SHA-256, the awaken version
    and ``provenance`` (setup, seed, command...). The set is complete once it exists."""
    import hashlib

    from awaken import __version__

    entries = {}
    for role, path in files.items():
        data = Path(path).read_bytes()
        entries[role] = {"file": Path(path).name, "bytes": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()}
    return write_json(Path(folder) / MANIFEST,
                      {"awaken": __version__, **provenance, "files": entries})
