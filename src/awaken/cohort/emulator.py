"""The awakening emulator: the only way the cohort sees the lung model.

Built once from ``awaken.lung.response.response_table(virus, host, vaccinated)`` (one row per
severity class: ``il6_peak``, ``il6_auc``, ``fold_change_day28``, ``extra_doublings``) for the
six strains and two hosts, with and without vaccination, and stored with the lung model's
fingerprint and its provenance. The kernel interpolates it between hosts by age (``human`` at
50 and below, ``human-65plus`` at 65 and above) and between unvaccinated and vaccinated rows
by the share of the vaccine's severe-disease protection that remains.

``extra_doublings`` are doublings of cells that divide at the lung model's rate (the human
host's ``g``: a doubling every ``doubling_days`` ~ 30 days), not at a human lesion's
(103-241 days). For pathway (b) the lung model is therefore re-run with the lesion's own
division rate ``g = ln 2 / Td`` at the doubling times of :data:`TD_GRID` (the defaults of the
cohort's subtypes and the ends of their ranges): ``lesion_doublings`` holds those extra
doublings, and :meth:`Emulator.doublings_at` interpolates them for the cohort's subtypes,
log-log (``docs/cohort.md``, "Converting the emulator's extra doublings"). The fixture has
no lung model to re-run: it converts through time, ``x * doubling_days / Td``.

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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from awaken.cohort.config import SEVERITIES
from awaken.cohort.severity import STRAINS
from awaken.core.errors import InputError, unknown_choice
from awaken.core.io import atomic_path

if TYPE_CHECKING:  # pandas loads only to read a table or to show one, not in a run
    import pandas as pd

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
TINY = 1e-12  # extra doublings below this are none (log-log interpolation)
TD_GRID = (30.0, 60.0, 103.0, 150.0, 162.0, 241.0, 500.0)
"""Lesion doubling times (days) at which the lung model is re-run for pathway (b): the
subtypes' defaults (``td_*``), the ends of their allowed ranges and 60 days between."""
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
    # (strain, host, vaccinated, severity, TD_GRID): extra doublings of a lesion of each
    # doubling time, from the lung model re-run at its rate (None: convert through time)
    lesion_doublings: np.ndarray | None = None

    def doublings_at(self, td: np.ndarray) -> np.ndarray:
        """Extra doublings of lesions of doubling times ``td`` (days), as an array
        ``(strain, host, vaccinated, severity, len(td))``: interpolated log-log (``ln x``
        linear in ``ln Td``: bursts fall as a power of ``Td``) between the re-runs of
        :data:`TD_GRID` (held at the ends outside it), or for the fixture
        ``extra_doublings * doubling_days / Td``."""
        td = np.asarray(td, dtype=float)
        if self.lesion_doublings is None:
            return self.values[..., 3, None] * self.doubling_days / td
        grid = np.log(np.array(TD_GRID))
        flat = np.log(np.maximum(self.lesion_doublings.reshape(-1, len(TD_GRID)), TINY))
        out = np.exp(np.stack([np.interp(np.log(td), grid, row) for row in flat]))
        out[out < 2.0 * TINY] = 0.0  # no burst stays no burst
        return out.reshape(*self.lesion_doublings.shape[:-1], td.size)

    def frame(self) -> pd.DataFrame:
        """The table in long form (one row per strain, host, vaccination and severity)."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def rows(self) -> list[dict[str, Any]]:
        """The rows of :meth:`frame` (a run stores them without pandas)."""
        rows = []
        for s, strain in enumerate(STRAINS):
            for h, host in enumerate(HOSTS):
                for v in (0, 1):
                    for c, sev in enumerate(SEVERITIES):
                        row = {"strain": strain, "virus": VIRUS[strain], "host": host,
                               "vaccinated": bool(v), "severity": sev,
                               **dict(zip(COLUMNS, self.values[s, h, v, c], strict=True))}
                        if self.lesion_doublings is not None:
                            row |= {f"lesion_doublings_td{td:g}": float(x) for td, x in zip(
                                TD_GRID, self.lesion_doublings[s, h, v, c], strict=True)}
                        rows.append(row)
        return rows


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


def _doublings(table: pd.DataFrame, where: str) -> np.ndarray:
    """The extra doublings of a re-run (the only column pathway (b) uses), by severity class.

    At a slow division rate the day-28 fold change can fall a hair below 1 (the awakened
    cells return to dormancy before they divide): that column is not used from a re-run.
    At such a rate the infection can also leave the awakened burden slightly *lower* than
    without it (its CD8 response kills more than the slow cells gain; seen in posterior draws,
    down to -0.005 doublings at Td 500 d): pathway (b) is acceleration, so a net loss counts as
    none (0), the same as the log-log interpolation would read it.
    """
    x = table.set_index("severity").loc[list(SEVERITIES), "extra_doublings"].to_numpy(float)
    if not np.isfinite(x).all():
        raise InputError(f"{where}: extra doublings must be finite")
    return np.maximum(np.where(np.abs(x) < ROUND_OFF, 0.0, x), 0.0)


def _fixture() -> pd.DataFrame:
    import pandas as pd

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


def _from_lung(response: ModuleType, values: np.ndarray, lesion: np.ndarray,
               overrides: Mapping[str, float] | None = None) -> Path | None:
    """Fill ``values`` and ``lesion`` (the re-runs at :data:`TD_GRID`) from the lung model,
    through a cache keyed by everything they depend on.

    The key hashes the lung model's fingerprint and every parameter vector the response
    tables use (``response.response_key``), and the grid of the re-runs (whose vectors are
    the same with ``g`` replaced), so a changed preset, fit, override or grid rebuilds it.
    """
    import hashlib

    extra = {"overrides": dict(overrides)} if overrides else {}
    keys = [response.response_key(VIRUS[st], host, bool(v), **extra)
            for st in STRAINS for host in HOSTS for v in (0, 1)]
    keys.append("lesion-rerun g=ln2/Td " + ",".join(f"{td:g}" for td in TD_GRID))
    key = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
    path = cache_dir() / f"{key}.npy"
    both = np.empty((*values.shape[:-1], values.shape[-1] + lesion.shape[-1]))
    if path.exists():
        cached = np.load(path)
        if cached.shape == both.shape:
            values[...] = cached[..., :values.shape[-1]]
            lesion[...] = cached[..., values.shape[-1]:]
            return path
    for s, strain in enumerate(STRAINS):
        for h, host in enumerate(HOSTS):
            for v in (0, 1):
                where = f"lung response {VIRUS[strain]}/{host}"
                table = response.response_table(VIRUS[strain], host, bool(v), **extra)
                values[s, h, v] = _check(table, where)
                for j, td in enumerate(TD_GRID):
                    rerun = {**(overrides or {}), "g": float(np.log(2.0) / td)}
                    table = response.response_table(VIRUS[strain], host, bool(v),
                                                    overrides=rerun)
                    lesion[s, h, v, :, j] = _doublings(table, f"{where} at Td {td:g} d")
    both[..., :values.shape[-1]] = values
    both[..., values.shape[-1]:] = lesion
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.save(handle, both)
    except OSError:
        return None  # a read-only cache only costs the rebuild next time
    return path


def _package_digest() -> str:
    """A hash of every file of the installed ``awaken`` package (code, presets, data)."""
    import hashlib

    import awaken

    root = Path(awaken.__file__).parent
    digest = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            digest.update(str(p.relative_to(root)).encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _stamp_path(overrides: Mapping[str, float] | None) -> Path:
    """Where a built lung table is found without importing the lung model: a file named by
    the package's digest and the overrides (everything the cache key is computed from)."""
    import hashlib
    import json

    text = _package_digest() + json.dumps(dict(overrides or {}), sort_keys=True)
    return cache_dir() / f"stamp-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"


def _provenance(overrides: Mapping[str, float] | None) -> str:
    return "awaken.lung.response.response_table" + (
        "" if not overrides else " with " + ", ".join(
            f"{k}={v:.6g}" for k, v in sorted(overrides.items())))


def _stamped(overrides: Mapping[str, float] | None) -> Emulator | None:
    """The lung table built before from these very package files, if its stamp and table
    are in the cache (start-up: no import of the lung solver, SciPy, to recompute keys)."""
    import json

    try:
        stamp = json.loads(_stamp_path(overrides).read_text())
        both = np.load(cache_dir() / stamp["table"])
    except (OSError, ValueError, KeyError):
        return None
    shape = (len(STRAINS), len(HOSTS), 2, len(SEVERITIES), len(COLUMNS) + len(TD_GRID))
    if both.shape != shape:
        return None
    values, lesion = both[..., :len(COLUMNS)].copy(), both[..., len(COLUMNS):].copy()
    values.setflags(write=False)
    lesion.setflags(write=False)
    return Emulator(values, "lung", str(stamp["fingerprint"]), _provenance(overrides),
                    float(stamp["doubling_days"]), lesion)


def _write_stamp(overrides: Mapping[str, float] | None, table: Path, emulator: Emulator) -> None:
    import json

    try:
        with atomic_path(_stamp_path(overrides)) as tmp:
            tmp.write_text(json.dumps({"table": table.name, "fingerprint": emulator.fingerprint,
                                       "doubling_days": emulator.doubling_days}))
    except OSError:
        pass


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
    if source != "fixture" and (quick := _stamped(overrides)) is not None:
        return quick
    from awaken.lung.codegen import stamped_fingerprint as fingerprint

    values = np.empty((len(STRAINS), len(HOSTS), 2, len(SEVERITIES), len(COLUMNS)))
    response = _lung_response() if source != "fixture" else None
    if source == "lung" or (source == "auto" and response is not None):
        if response is None:
            raise InputError("the lung model has no awaken.lung.response yet; use the "
                             "fixture (source='fixture')")
        lesion = np.empty((*values.shape[:-1], len(TD_GRID)))
        table = _from_lung(response, values, lesion, overrides)
        lesion.setflags(write=False)
        values.setflags(write=False)
        built = Emulator(values, "lung", fingerprint(), _provenance(overrides),
                         lung_doubling_days(overrides), lesion)
        if table is not None:
            _write_stamp(overrides, table, built)
        return built
    fixture = _fixture()
    for s, strain in enumerate(STRAINS):
        for h, host in enumerate(HOSTS):
            for v in (0, 1):
                sel = fixture[(fixture.virus == VIRUS[strain]) & (fixture.host == host)
                              & (fixture.vaccinated == bool(v))]
                values[s, h, v] = _check(sel, f"fixture {VIRUS[strain]}/{host}")
    values.setflags(write=False)
    return Emulator(values, "fixture", fingerprint(), "FIXTURE data/response_fixture.csv: "
                    "hand-set placeholders in the response_table format, not lung-model output",
                    FIXTURE_DOUBLING_DAYS)


def conversion_check(virus: str = "sars2-human-omicron", host: str = "human",
                     doubling_days: tuple[float, ...] = (103.0, 162.0, 241.0)) -> pd.DataFrame:
    """Extra doublings of a lesion of doubling time ``Td``: the lung model re-run at its rate
    against what the cohort uses and what the former conversion gave.

    For each ``Td`` and severity class (unvaccinated): the lung model's extra doublings at its
    own division rate (``lung_model``), the former time conversion ``x * lung doubling / Td``
    (``converted``), the lung model re-run with ``g = ln 2 / Td`` (``rerun_at_td``) and the
    emulator's value interpolated from the re-runs at :data:`TD_GRID` (``emulator``, equal to
    the re-run on the grid).
    """
    response = _lung_response()
    if response is None:
        raise InputError("the lung model has no awaken.lung.response yet")
    strain = next(s for s, name in VIRUS.items() if name == virus)
    emulator = build_emulator("lung")
    used = emulator.doublings_at(np.array(doubling_days))[
        STRAINS.index(strain), HOSTS.index(host), 0]
    lung_td = lung_doubling_days()
    base = response.response_table(virus, host)
    rows = []
    for j, td in enumerate(doubling_days):
        rerun = response.response_table(virus, host, overrides={"g": float(np.log(2.0) / td)})
        for c, (sev, x, y) in enumerate(zip(base["severity"], base["extra_doublings"],
                                            rerun["extra_doublings"], strict=True)):
            rows.append({"doubling_days": td, "severity": sev, "lung_model": float(x),
                         "converted": float(x * lung_td / td), "rerun_at_td": float(y),
                         "emulator": float(used[c, j])})
    import pandas as pd

    return pd.DataFrame(rows)
