"""Shipped posterior draws of lung parameters, to carry calibration uncertainty downstream.

A draws file is a CSV: ``#``-comment lines of provenance (``# key: value``: command, seed,
date, model fingerprint...), then one column per lung parameter name and one row per
equally weighted posterior draw. :func:`posterior_draws` reads a shipped one by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from awaken.core.errors import InputError, unknown_choice
from awaken.core.io import atomic_path
from awaken.lung.model import PARAMETERS_BY_NAME

DATA = Path(__file__).with_name("data")
DRAWS: MappingProxyType[str, str] = MappingProxyType({"chia2025": "chia2025_posterior.csv"})
MAKE = {"chia2025": "awaken calibrate chia2025 --held-out none --out DIR, then copy "
                    "DIR/posterior_draws.csv to src/awaken/calibrate/data/chia2025_posterior.csv"}


def write_draws(path: str | Path, draws: pd.DataFrame, provenance: Mapping[str, object]) -> Path:
    """Write ``draws`` (lung parameter columns) with ``provenance`` comment lines, atomically."""
    _check_columns(draws, Path(path))
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for key, value in provenance.items():
            f.write(f"# {key}: {value}\n")
        draws.to_csv(f, index=False, float_format="%.6g")
    return Path(path)


def read_draws(path: str | Path) -> pd.DataFrame:
    """A draws file as a table; its provenance in ``.attrs["provenance"]``."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"posterior draws {path} not found")
    provenance = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].partition(":")
            provenance[key.strip()] = value.strip()
    try:
        frame = pd.read_csv(path, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"posterior draws {path}: not a CSV table ({exc})") from None
    _check_columns(frame, path)
    frame.attrs["provenance"] = provenance
    return frame


def posterior_draws(name: str, *, path: str | Path | None = None) -> pd.DataFrame:
    """Posterior draws of the named calibration: one row per draw, lung parameter columns.

    Use each row as lung parameter defaults (``awaken.lung.experiments.run_experiment(...,
    defaults=row)``) to carry the posterior into results. ``path`` reads another file.
    """
    if name not in DRAWS:
        raise unknown_choice("posterior draws", name, DRAWS)
    file = Path(path) if path is not None else DATA / DRAWS[name]
    if not file.exists():
        raise InputError(f"posterior draws {name!r}: {file} not found; make it with "
                         f"{MAKE[name]}")
    return read_draws(file)


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    unknown = [c for c in frame.columns if c not in PARAMETERS_BY_NAME]
    if unknown or frame.empty:
        raise InputError(f"posterior draws {path}: columns must be lung parameter names and "
                         f"there must be rows; unknown columns {unknown}, {len(frame)} rows")
    bad = frame.columns[~frame.apply(lambda c: pd.api.types.is_numeric_dtype(c)
                                     and bool(c.notna().all()))]
    if len(bad):
        raise InputError(f"posterior draws {path}: column(s) {list(bad)} must be numbers, "
                         "none missing")
