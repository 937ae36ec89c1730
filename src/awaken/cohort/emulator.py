"""The awakening emulator: the only way the cohort sees the lung model.

Built once from ``awaken.lung.response.response_table(virus, host, vaccinated)`` (one row per
severity class: ``il6_peak``, ``il6_auc``, ``fold_change_day28``, ``extra_doublings``) for the
six strains and two hosts, with and without vaccination, and stored with the lung model's
fingerprint and its provenance. The kernel interpolates it between hosts by age (``human`` at
50 and below, ``human-65plus`` at 65 and above) and between unvaccinated and vaccinated rows
by the share of the vaccine's severe-disease protection that remains.

``source="fixture"`` reads a committed **fixture** instead (``data/response_fixture.csv``:
hand-set placeholder numbers in the same format, not model output), for tests that need a
table independent of the lung model; the provenance says which was used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Literal

import numpy as np
import pandas as pd

from awaken.cohort.config import SEVERITIES
from awaken.cohort.severity import STRAINS
from awaken.core.errors import InputError, unknown_choice
from awaken.core.io import atomic_path

COLUMNS = ("il6_peak", "il6_auc", "fold_change_day28", "extra_doublings")
ROUND_OFF = 1e-9
HOSTS = ("human", "human-65plus")
HOST_AGES = (50.0, 65.0)
VIRUS = {
    "sars2-wildtype": "sars2-human",
    "sars2-alpha": "sars2-human-alpha",
    "sars2-delta": "sars2-human-delta",
    "sars2-omicron": "sars2-human-omicron",
    "influenza": "flu-human",
    "rsv": "rsv-human",
}
Source = Literal["auto", "lung", "fixture"]


@dataclass(frozen=True)
class Emulator:
    """The response table as an array ``(strain, host, vaccinated, severity, column)``."""

    values: np.ndarray
    source: str
    fingerprint: str
    provenance: str

    def frame(self) -> pd.DataFrame:
        """The table in long form (one row per strain, host, vaccination and severity)."""
        rows = []
        for s, strain in enumerate(STRAINS):
            for h, host in enumerate(HOSTS):
                for v in (0, 1):
                    for c, sev in enumerate(SEVERITIES):
                        rows.append({"strain": strain, "virus": VIRUS[strain], "host": host,
                                     "vaccinated": bool(v), "severity": sev,
                                     **dict(zip(COLUMNS, self.values[s, h, v, c], strict=True))})
        return pd.DataFrame(rows)


def _check(table: pd.DataFrame, where: str) -> np.ndarray:
    missing = [c for c in ("severity", *COLUMNS) if c not in table.columns]
    if missing:
        raise InputError(f"{where}: response table lacks column(s) {', '.join(missing)}")
    if sorted(table["severity"]) != sorted(SEVERITIES):
        raise InputError(f"{where}: response table needs one row per severity class "
                         f"({', '.join(SEVERITIES)}); found {', '.join(map(str, table.severity))}")
    t = table.set_index("severity").loc[list(SEVERITIES), list(COLUMNS)].to_numpy(float)
    # Solver round-off around "no effect" (the upper-airway class) is not an effect.
    t = np.where(np.abs(t) < ROUND_OFF, 0.0, t)
    t[:, 2] = np.where(np.abs(t[:, 2] - 1.0) < ROUND_OFF, 1.0, t[:, 2])
    if not np.isfinite(t).all() or (t < 0).any() or (t[:, 2] < 1.0).any():
        raise InputError(f"{where}: response values must be finite and non-negative, with "
                         "fold_change_day28 >= 1")
    return t


def _fixture() -> pd.DataFrame:
    path = resources.files("awaken.cohort").joinpath("data", "response_fixture.csv")
    with resources.as_file(path) as p:
        return pd.read_csv(p, comment="#")


def _lung_response() -> ModuleType | None:
    """``awaken.lung.response`` if the lung model provides it, else None."""
    try:
        return importlib.import_module("awaken.lung.response")
    except ModuleNotFoundError as exc:
        if exc.name != "awaken.lung.response":
            raise
        return None


def cache_dir() -> Path:
    """Where built emulator tables are kept (see :func:`awaken.core.cache.cache_root`)."""
    from awaken.core.cache import cache_root

    return cache_root() / "emulator"


def _from_lung(response: ModuleType, values: np.ndarray) -> None:
    """Fill ``values`` from the lung model, through a cache keyed by everything it depends on.

    The key hashes the lung model's fingerprint and every parameter vector the response
    tables use (``response.response_key``), so a changed preset or fit rebuilds the table.
    """
    import hashlib

    keys = [response.response_key(VIRUS[st], host, bool(v))
            for st in STRAINS for host in HOSTS for v in (0, 1)]
    key = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
    path = cache_dir() / f"{key}.npy"
    if path.exists():
        cached = np.load(path)
        if cached.shape == values.shape:
            values[...] = cached
            return
    for s, strain in enumerate(STRAINS):
        for h, host in enumerate(HOSTS):
            for v in (0, 1):
                table = response.response_table(VIRUS[strain], host, bool(v))
                values[s, h, v] = _check(table, f"lung response {VIRUS[strain]}/{host}")
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.save(handle, values)
    except OSError:
        pass  # a read-only cache only costs the rebuild next time


def build_emulator(source: Source = "auto") -> Emulator:
    """Build the table once: from the lung model, or from the fixture (see module doc)."""
    if source not in ("auto", "lung", "fixture"):
        raise unknown_choice("emulator source", source, ("auto", "lung", "fixture"))
    from awaken.lung.codegen import stamped_fingerprint as fingerprint

    values = np.empty((len(STRAINS), len(HOSTS), 2, len(SEVERITIES), len(COLUMNS)))
    response = _lung_response() if source != "fixture" else None
    if source == "lung" or (source == "auto" and response is not None):
        if response is None:
            raise InputError("the lung model has no awaken.lung.response yet; use the "
                             "fixture (source='fixture')")
        _from_lung(response, values)
        used = "lung"
        provenance = "awaken.lung.response.response_table"
    else:
        fixture = _fixture()
        for s, strain in enumerate(STRAINS):
            for h, host in enumerate(HOSTS):
                for v in (0, 1):
                    sel = fixture[(fixture.virus == VIRUS[strain]) & (fixture.host == host)
                                  & (fixture.vaccinated == bool(v))]
                    values[s, h, v] = _check(sel, f"fixture {VIRUS[strain]}/{host}")
        used = "fixture"
        provenance = ("FIXTURE data/response_fixture.csv: hand-set placeholders in the "
                      "response_table format, not lung-model output")
    values.setflags(write=False)
    return Emulator(values, used, fingerprint(), provenance)
