"""The awakening emulator: the only way the cohort sees the lung model.

Built once from ``awaken.lung.response.response_table(virus, host, vaccinated)`` (one row per
severity class: ``il6_peak``, ``il6_auc``, ``fold_change_day28``, ``extra_doublings``) for the
six strains and two hosts, with and without vaccination, and stored with the lung model's
fingerprint and its provenance. The kernel interpolates it between hosts by age (``human`` at
50 and below, ``human-65plus`` at 65 and above) and between unvaccinated and vaccinated rows
by the share of the vaccine's severe-disease protection that remains.

``extra_doublings`` are doublings of cells that divide at the lung model's rate (the human
host's ``g``: a doubling every ``doubling_days`` ~ 30 days), not at a human lesion's
(103-241 days). The kernel converts them through the time they stand for: a burst of
``x`` lung-model doublings is ``x * doubling_days`` days of proliferation, which gives a
lesion of doubling time ``Td`` ``x * doubling_days / Td`` doublings (``docs/cohort.md``,
"Pathways").

``source="fixture"`` reads a committed **fixture** instead (``data/response_fixture.csv``:
hand-set placeholder numbers in the same format, not model output), for tests that need a
table independent of the lung model; the provenance says which was used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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
BELOW_ROUND_OFF = 1e-6  # only values that would otherwise be refused are rounded with it
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
FIXTURE_DOUBLING_DAYS = 30.0  # the fixture stands for a lung model with ~30-day doublings
Source = Literal["auto", "lung", "fixture"]


@dataclass(frozen=True)
class Emulator:
    """The response table as an array ``(strain, host, vaccinated, severity, column)``.

    ``doubling_days``: doubling time of the lung model's awakened cells, the unit of its
    ``extra_doublings``.
    """

    values: np.ndarray
    source: str
    fingerprint: str
    provenance: str
    doubling_days: float

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
    # Below "no effect" by less than BELOW_ROUND_OFF (seen with an intervention on): round-off.
    t = np.where((t < 0.0) & (t > -BELOW_ROUND_OFF), 0.0, t)
    t[:, 2] = np.where((t[:, 2] < 1.0) & (t[:, 2] > 1.0 - BELOW_ROUND_OFF), 1.0, t[:, 2])
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


def _from_lung(response: ModuleType, values: np.ndarray,
               overrides: Mapping[str, float] | None = None) -> None:
    """Fill ``values`` from the lung model, through a cache keyed by everything it depends on.

    The key hashes the lung model's fingerprint and every parameter vector the response
    tables use (``response.response_key``), so a changed preset, fit or override rebuilds it.
    """
    import hashlib

    extra = {"overrides": dict(overrides)} if overrides else {}
    keys = [response.response_key(VIRUS[st], host, bool(v), **extra)
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
                table = response.response_table(VIRUS[strain], host, bool(v), **extra)
                values[s, h, v] = _check(table, f"lung response {VIRUS[strain]}/{host}")
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.save(handle, values)
    except OSError:
        pass  # a read-only cache only costs the rebuild next time


def lung_doubling_days(overrides: Mapping[str, float] | None = None) -> float:
    """Doubling time (days) of awakened cells in the lung model's adult human host.

    An override of ``g`` (the division rate) applies to every host, as in the responses.
    """
    from awaken.lung.presets import HOSTS as LUNG_HOSTS

    if overrides and "g" in overrides:
        return float(np.log(2.0) / overrides["g"])
    rates = {LUNG_HOSTS[h].values["g"] for h in HOSTS}
    if len(rates) != 1:
        raise InputError("the lung model's human hosts differ in the awakened-cell division "
                         f"rate g ({sorted(rates)}); the emulator converts with one rate")
    return float(np.log(2.0) / rates.pop())


def build_emulator(source: Source = "auto",
                   overrides: Mapping[str, float] | None = None) -> Emulator:
    """Build the table once: from the lung model, or from the fixture (see module doc).

    ``overrides`` (lung parameters by name, e.g. a posterior draw or an intervention's
    window) apply to every response of the lung model; the fixture takes none.
    """
    if source not in ("auto", "lung", "fixture"):
        raise unknown_choice("emulator source", source, ("auto", "lung", "fixture"))
    if overrides and source == "fixture":
        raise InputError("the fixture emulator takes no lung parameter overrides")
    from awaken.lung.codegen import stamped_fingerprint as fingerprint

    values = np.empty((len(STRAINS), len(HOSTS), 2, len(SEVERITIES), len(COLUMNS)))
    response = _lung_response() if source != "fixture" else None
    if source == "lung" or (source == "auto" and response is not None):
        if response is None:
            raise InputError("the lung model has no awaken.lung.response yet; use the "
                             "fixture (source='fixture')")
        _from_lung(response, values, overrides)
        used = "lung"
        provenance = "awaken.lung.response.response_table" + (
            "" if not overrides else " with " + ", ".join(
                f"{k}={v:.6g}" for k, v in sorted(overrides.items())))
        doubling = lung_doubling_days(overrides)
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
        doubling = FIXTURE_DOUBLING_DAYS
    values.setflags(write=False)
    return Emulator(values, used, fingerprint(), provenance, doubling)


def conversion_check(virus: str = "sars2-human-omicron", host: str = "human",
                     doubling_days: tuple[float, ...] = (103.0, 162.0, 241.0)) -> pd.DataFrame:
    """The time conversion of extra doublings against the lung model run at a lesion's rate.

    For each doubling time ``Td`` and severity class: the lung model's extra doublings (at
    its own division rate), the cohort's conversion (``x * lung doubling / Td``) and the
    lung model's extra doublings with the division rate ``g = ln 2 / Td``.
    """
    response = _lung_response()
    if response is None:
        raise InputError("the lung model has no awaken.lung.response yet")
    lung_td = lung_doubling_days()
    base = response.response_table(virus, host)
    rows = []
    for td in doubling_days:
        rerun = response.response_table(virus, host, overrides={"g": float(np.log(2.0) / td)})
        for sev, x, y in zip(base["severity"], base["extra_doublings"],
                             rerun["extra_doublings"], strict=True):
            rows.append({"doubling_days": td, "severity": sev, "lung_model": float(x),
                         "converted": float(x * lung_td / td), "rerun_at_td": float(y)})
    return pd.DataFrame(rows)
