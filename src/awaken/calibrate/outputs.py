"""A calibration run's folder: start, resume or replace it; its files written as one set.

A folder holds a *finished* fit once its manifest (``manifest.json``, written last by
:func:`finish`, with each file's size and SHA-256) exists. The rules:

- no ``--resume``: a folder with a finished fit or an ABC history is refused unless
  ``force`` (which first removes the old set and histories, so old and new files never mix);
- ``--resume`` with no history is refused; on a finished fit it is a no-op (the stored
  summary is returned unchanged); otherwise the ABC run continues from its last generation,
  bit-identical to an uninterrupted run (see :func:`awaken.calibrate.abcsmc.fit`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from awaken.core.errors import InputError
from awaken.core.io import MANIFEST, clear_manifest, write_manifest

HISTORY = "abc.db"
"""Each ABC fit's history (SQLite), beside its identity ``abc.json``."""
Start = Literal["fresh", "resume", "finished"]
"""How :func:`prepare` finds a folder: start afresh, resume a history, or nothing to do."""


def _manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}; remove it or use --force") from None
    if not isinstance(stored, dict):
        raise InputError(f"cannot read {path}: not a manifest; remove it or use --force")
    return stored


def is_finished(out: str | Path) -> bool:
    """``out`` holds a finished fit (its manifest exists)."""
    return (Path(out) / MANIFEST).is_file()


def prepare(out: str | Path, histories: Sequence[str], identity: Mapping[str, Any], *,
            resume: bool, force: bool, apply: bool = True) -> Start:
    """How a run into ``out`` starts; refuses what would lose or mix a fit.

    ``histories`` are the ABC history files relative to ``out``; ``identity`` what must match
    for ``--resume`` to accept a finished fit as this one (problem, particles, seed...).
    ``apply=False`` only checks (``force`` then removes nothing yet).
    """
    out = Path(out)
    if resume and force:
        raise InputError("--resume and --force exclude each other: resume keeps the fit in "
                         f"{out}, force replaces it")
    stored = _manifest(out)
    present = [h for h in histories if (out / h).exists()]
    if resume:
        if stored is not None:
            old = stored.get("identity", {})
            if {k: old.get(k) for k in identity} != dict(identity):
                raise InputError(f"cannot resume {out}: it holds a different finished fit "
                                 f"({old}); use --force to replace it")
            return "finished"
        if not present:
            raise InputError(f"--resume: nothing to resume in {out} (no ABC history "
                             f"{histories[0]}); run without --resume to start a fit")
        for rel in present:
            _readable(out / rel)
        return "resume"
    if stored is not None or present:
        what = "a finished fit" if stored is not None else "an unfinished fit (ABC history)"
        if not force:
            raise InputError(f"{out} already holds {what}: --resume continues it"
                             + (" (a no-op when finished)" if stored is not None else "")
                             + ", --force replaces it")
        if apply:
            _remove(out, stored, histories)
    return "fresh"


def _readable(db: Path) -> None:
    """``db`` opens as an SQLite database with tables (before any work is started)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as exc:
        raise InputError(f"cannot resume {db}: not a readable ABC history ({exc}); start "
                         "afresh with --force") from None
    if not tables:
        raise InputError(f"cannot resume {db}: not a readable ABC history (no tables); "
                         "start afresh with --force")


def _remove(out: Path, stored: Mapping[str, Any] | None, histories: Sequence[str]) -> None:
    listed = list((stored or {}).get("files", {}))
    clear_manifest(out)
    for rel in [*listed, *histories, *(str(Path(h).with_suffix(".json")) for h in histories)]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            (out / rel).unlink()


def finished_summary(out: str | Path) -> dict[str, Any]:
    """The summary of the finished fit in ``out`` (``--resume`` on it changes nothing)."""
    path = Path(out) / "summary.json"
    try:
        summary: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}; use --force to refit") from None
    return summary


def finish(out: str | Path, files: Sequence[str], identity: Mapping[str, Any],
           **provenance: Any) -> Path:
    """Write the manifest of ``files`` (paths relative to ``out``, all written): the set is
    complete once it exists."""
    out = Path(out)
    return write_manifest(out, {rel: out / rel for rel in files}, identity=dict(identity),
                          **provenance)


def folder_files(out: str | Path, folder: str) -> list[str]:
    """Every file under ``out/folder``, relative to ``out`` (a written sub-folder's set)."""
    root = Path(out)
    return sorted(str(p.relative_to(root)) for p in (root / folder).rglob("*") if p.is_file())


RESUMED_NOTE = ("resumed without the saved state of its last generation (abc.json): the "
                "random state and temperature ladder were re-initialised there, so the "
                "result differs from an uninterrupted run with the same seed")
"""Why a resumed ABC run records ``"reproducible": false``."""


__all__ = ["HISTORY", "RESUMED_NOTE", "Start", "finish", "finished_summary", "folder_files",
           "is_finished", "prepare"]
