"""A run folder: each stage's result is one JSON file written atomically, so an interrupted
run leaves finished stages whole and ``--resume`` reuses them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from awaken.core.errors import InputError
from awaken.core.io import cannot_write, write_json

STAGES_DIR = "stages"


class Store:
    """Stage results under ``DIR/stages/NAME.json``, each tagged with the run's settings."""

    def __init__(self, out: Path, settings: dict[str, Any], *, resume: bool, force: bool):
        try:
            self._open(Path(out), settings, resume, force)
        except OSError as exc:  # a parent that is a file, a read-only place, a name too long
            raise cannot_write(out, exc) from None

    def _open(self, out: Path, settings: dict[str, Any], resume: bool, force: bool) -> None:
        if resume and force:
            raise InputError("give --resume or --force, not both")
        self.out = out
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"--out {str(self.out)!r} is a file; give a folder")
        self.settings = settings
        self.resume = resume
        stages = self.out / STAGES_DIR
        has_run = stages.is_dir() or (self.out / "claims.json").exists()
        if has_run and not (resume or force):
            raise InputError(f"{str(self.out)!r} already holds a reproduction; use --resume to "
                             "reuse its finished stages or --force to replace it")
        if force and stages.is_dir():
            shutil.rmtree(stages)
        stages.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.out / STAGES_DIR / f"{name}.json"

    def load(self, name: str) -> dict[str, Any] | None:
        """A finished stage's result when resuming, else ``None``."""
        p = self.path(name)
        if not (self.resume and p.exists()):
            return None
        saved = json.loads(p.read_text())
        if saved.get("settings") != self.settings:
            raise InputError(f"cannot resume {str(self.out)!r}: stage {name!r} was run with "
                             f"other settings ({saved.get('settings')}); use --force")
        return saved["result"]

    def save(self, name: str, result: dict[str, Any]) -> dict[str, Any]:
        write_json(self.path(name), {"settings": self.settings, "result": result})
        return result
