"""Deterministic solvers: one trajectory, and batched ensembles of parameter sets.

The batched solver integrates thousands of parameter sets at once with a compiled
Dormand–Prince 5(4) method. A member that, after ``STIFF_AFTER[tier]`` steps
(``STIFF_AFTER_LOOSE`` at loose tolerances), turns stiff
(Hairer's test) or keeps a pace that would exceed ``EXPLICIT_STEPS``, or that spends them, is
continued, from where it stopped, by a compiled implicit tier with the analytic Jacobian:
the L-stable Rosenbrock method Rodas4 (default; the more accurate per tolerance) or a
variable-order BDF reusing the Jacobian and its LU (``implicit="bdf"``; cheaper per step,
less accurate per tolerance: ``benchmarks/README.md``); if that fails, the member is
re-solved with SciPy's Radau. So the ensemble is stiff-capable. States never go negative.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeGuard

import numba
import numpy as np

from awaken.core import checks
from awaken.core.errors import InputError, SolverError, unknown_choice
from awaken.core.frozen import FrozenMap, freeze
from awaken.core.threads import prepare_parallel
from awaken.lung import _ensemble
from awaken.lung._generated import observe_series, rhs
from awaken.lung.interventions import KINDS, Intervention, check_no_overlap
from awaken.lung.model import (
    OBSERVABLE_IDS,
    PARAMETER_INDEX,
    PARAMETERS,
    PARAMETERS_BY_NAME,
    STATE_IDS,
    WINDOWS,
)
from awaken.lung.presets import host, severity, virus
from awaken.lung.severity import spread_for
from awaken.lung.status import Status

if TYPE_CHECKING:  # pandas loads when a table is made: one trajectory's command needs none
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

RTOL = 1e-8
ATOL = 1e-10
MAX_STEPS = 200_000  # steps per member (a count; the status is ``Status.STEP_LIMIT``)
PEAK_STEP = 0.05  # days: the output grid on which peak times are read (``peak_time``)
MAX_DAYS = 3650.0  # longest run (days) `simulate` and `simulate_mice` accept: ten years
PARALLEL_FROM = 16  # smaller batches run in the calling thread: no OpenMP spin-up or spinning
EXPLICIT_STEPS = 20_000  # explicit steps after which a member goes to the implicit tier
# Explicit steps before a member found stiff, or slow, may be handed over, per implicit tier,
# at rtol below LOOSE_RTOL and (STIFF_AFTER_LOOSE) at LOOSE_RTOL and looser: with the sparse LU
# and no subnormal states a Rodas4 step costs ~2 Dormand-Prince steps; 200 beat 500 by 10 %
# at rtol 1e-6 and 5 % at 1e-7, and lost by up to 9 % at 1e-8 (benchmarks/README.md, lung).
STIFF_AFTER = {"rodas": 500, "bdf": 500}
STIFF_AFTER_LOOSE = {"rodas": 200, "bdf": 500}
LOOSE_RTOL = 1e-7
CHUNK = 4  # members per work item: idle threads take the next chunk (dynamic schedule)
IMPLICIT = "rodas"  # the implicit tier: Rodas4 ("rodas") or variable-order BDF ("bdf")
IMPLICIT_TIERS = {"bdf": _ensemble.BDF, "rodas": _ensemble.RODAS}
_WINDOW_PARAMS = [(PARAMETER_INDEX[w.start], PARAMETER_INDEX[w.end]) for w in WINDOWS]


@dataclass(frozen=True)
class Setup:
    """A virus in a host, with interventions, explicit overrides and a severity class.

    ``severity`` (``upper`` … ``critical``, see ``presets.SEVERITIES``) applies to human
    viruses, whose infections start in the upper airway; empty keeps the preset's values.
    Immutable and hashable: ``overrides`` is kept as a read-only :class:`FrozenMap`.
    """

    virus: str = "iav-pr8"
    host: str = "mouse"
    interventions: tuple[Intervention, ...] = ()
    overrides: Mapping[str, float] = field(default_factory=FrozenMap)
    severity: str = ""

    def __post_init__(self) -> None:
        for name in ("virus", "host", "severity"):
            if not isinstance(getattr(self, name), str):
                raise InputError(f"Setup: {name}={getattr(self, name)!r} must be a preset name")
        virus(self.virus), host(self.host)  # unknown presets are refused here, with the list
        if self.severity:
            severity(self.severity)
        if isinstance(self.interventions, str | Intervention) or not all(
                isinstance(iv, Intervention) for iv in self.interventions):
            raise InputError("Setup: interventions must be a tuple of Intervention, e.g. "
                             "(Intervention.parse('il6_blockade:1-5:0.9'),)")
        if not isinstance(self.overrides, Mapping):
            raise InputError(f"Setup: overrides must map names to values, got "
                             f"{type(self.overrides).__name__}")
        object.__setattr__(self, "interventions", tuple(self.interventions))
        object.__setattr__(self, "overrides", freeze(self.overrides))

    def parameters(self) -> dict[str, float]:
        """All parameter values by name, validated against their declared ranges."""
        values = {p.name: p.value for p in PARAMETERS}
        values.update(virus(self.virus).values)
        values.update(host(self.host).values)
        if self.severity:
            values.update(severity(self.severity).values)
            values["spread"] = spread_for(self.virus, self.severity)
        check_no_overlap(self.interventions)
        for iv in self.interventions:
            values.update(iv.overrides())
        windowed = {edge: iv.kind for iv in self.interventions for edge in KINDS[iv.kind][:2]}
        for name, value in self.overrides.items():
            if name not in PARAMETERS_BY_NAME:
                raise InputError(
                    f"unknown parameter {name!r}; see `awaken lung parameters` for the list"
                )
            if name in windowed:
                raise InputError(f"{name} is set by the {windowed[name]} intervention; change "
                                 "its window there (KIND:START-END), not as an override")
            values[name] = value
        checked = {name: PARAMETERS_BY_NAME[name].check(v) for name, v in values.items()}
        for w in WINDOWS:
            if checked[w.end] < checked[w.start]:
                raise InputError(f"window {w.id}: {w.end}={checked[w.end]:g} is before "
                                 f"{w.start}={checked[w.start]:g}; the end must not come first")
        return checked

    def describe(self) -> dict[str, object]:
        """The setup as plain JSON values (provenance of output tables): presets,
        interventions as ``KIND:START-END:EFFICACY`` and overrides."""
        return {"virus": self.virus, "host": self.host, "severity": self.severity,
                "interventions": [f"{iv.kind}:{iv.start:.15g}-{iv.end:.15g}:{iv.efficacy:.15g}"
                                  for iv in self.interventions],
                "overrides": dict(self.overrides)}

    def vector(self) -> np.ndarray:
        """The parameter vector in declaration order."""
        values = self.parameters()
        return np.array([values[p.name] for p in PARAMETERS])


def parameter_vector(values: Mapping[str, float]) -> np.ndarray:
    """A parameter vector from a full or partial mapping (missing names take defaults)."""
    return Setup(overrides=values).vector()


@dataclass(frozen=True, eq=False)
class Trajectory:
    """States at the output times, with the derived observables (read-only arrays)."""

    times: np.ndarray
    states: np.ndarray  # (n_times, n_states)
    params: np.ndarray

    def __post_init__(self) -> None:
        for name in ("times", "states", "params"):
            array = np.array(getattr(self, name), dtype=float)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    def state(self, state_id: str) -> np.ndarray:
        """One state's time course."""
        return self.states[:, STATE_IDS.index(state_id)]

    def observables(self) -> pd.DataFrame:
        """The declared observables (``awaken.lung.model.OBSERVABLES``) with ``time``."""
        import pandas as pd

        table = pd.DataFrame(observe(self.times, self.states, self.params))
        table.insert(0, "time", self.times)
        with np.errstate(divide="ignore"):
            table.insert(5, "log10_virus", np.log10(np.maximum(table["virus"], 1e-300)))
        return table

    def columns(self) -> dict[str, np.ndarray]:
        """The columns of :meth:`frame` by name (``time``, then each state id), without
        pandas: :func:`awaken.core.io.write_table` writes them as they are."""
        return {"time": self.times, **{sid: self.states[:, k] for k, sid in enumerate(STATE_IDS)}}

    def frame(self) -> pd.DataFrame:
        """A table with a ``time`` column (days) and one column per state id."""
        import pandas as pd

        return pd.DataFrame(self.columns())

    def plot(self, axes: Sequence[Axes] | None = None, *, title: str = "") -> Figure:
        """Virus, IL-6, T cells and DCCs, one panel each (see
        :func:`awaken.lung.plots.trajectory_figure`); save with ``figure.savefig``."""
        from awaken.lung.plots import trajectory_figure

        return trajectory_figure(self.frame(), axes=axes, title=title)


def observe(times: np.ndarray, states: np.ndarray, params: np.ndarray) -> dict[str, np.ndarray]:
    """Every declared observable along one trajectory (states: (n_times, n_states))."""
    # writable copies: numba compiles read-only arrays (a Trajectory's) as another type
    times = np.array(times, dtype=float, order="C")
    out = np.zeros((times.size, len(OBSERVABLE_IDS)))
    observe_series(times, np.array(states, dtype=float, order="C"),
                   np.array(params, dtype=float), out)
    return {name: out[:, k] for k, name in enumerate(OBSERVABLE_IDS)}


def peak_time(values: np.ndarray, times: np.ndarray, until: float | None = None) -> np.ndarray:
    """The one peak-time rule: the output time of the maximum along the last axis.

    ``values`` (..., n_times) on the grid ``times``; only times ``<= until`` count (all when
    ``None``). The resolution is the grid's (experiments and calibration solve on a
    ``PEAK_STEP`` grid); a series with a NaN gives NaN; ties go to the earliest time.
    """
    times = np.asarray(times, dtype=float)
    last = times.size if until is None else int(np.searchsorted(times, until, side="right"))
    window = np.asarray(values, dtype=float)[..., :last]
    at = np.argmax(np.nan_to_num(window, nan=-np.inf), axis=-1)
    return np.where(np.isnan(window).any(axis=-1), np.nan, times[at])


def _check_times(times: np.ndarray) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)):
        raise InputError("output times must be a non-empty list of finite days")
    if times[0] < 0 or np.any(np.diff(times) <= 0):
        raise InputError("output times must start at day >= 0 and increase strictly")
    return times


def _stops(params: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per member: output times merged with window edges, padded to a common length."""
    t0, t_end = 0.0, times[-1]
    rows = []
    for row in params:
        edges = [row[i] for pair in _WINDOW_PARAMS for i in pair if t0 < row[i] < t_end]
        rows.append(np.union1d(np.concatenate(([t0], times)), edges))
    width = max(len(r) for r in rows)
    stops = np.full((len(rows), width), t_end)
    is_output = np.zeros((len(rows), width), dtype=np.bool_)
    for m, r in enumerate(rows):
        stops[m, : len(r)] = r
        is_output[m, : len(r)] = np.isin(r, times)
    return stops, is_output


def _breaks(params: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Per member and stop: is it a window edge (where the right-hand side jumps)?"""
    is_break = np.zeros(stops.shape, dtype=np.bool_)
    for m, p in enumerate(params):
        edges = [p[i] for pair in _WINDOW_PARAMS for i in pair]
        is_break[m] = np.isin(stops[m], edges)
    return is_break


def _describe(params: np.ndarray) -> str:
    changed = {prm.name: float(v) for prm, v in zip(PARAMETERS, params, strict=True)
               if v != prm.value}
    return ", ".join(f"{k}={v:g}" for k, v in changed.items()) or "all defaults"


ImplicitMethod = Literal["Radau", "BDF", "LSODA"]
_IMPLICIT: Mapping[str, ImplicitMethod] = {"Radau": "Radau", "BDF": "BDF", "LSODA": "LSODA"}


def solve_implicit(
    params: np.ndarray, times: np.ndarray, method: ImplicitMethod = "Radau"
) -> np.ndarray:
    """One parameter vector solved by SciPy's implicit ``method`` (``Radau``, ``BDF``,
    ``LSODA``), segment by segment between window edges.

    Public on purpose: the reference the compiled solver is tested and benchmarked against,
    and its last resort for members the compiled tiers cannot finish; slow (milliseconds
    to seconds per trajectory).
    """
    from scipy.integrate import solve_ivp  # the rare fallback: not loaded by every command

    times = _check_times(times)
    stops, is_output = _stops(params[None, :], times)
    stops, is_output = stops[0], is_output[0]
    y = np.empty(len(STATE_IDS))
    from awaken.lung._generated import initial_state

    initial_state(params, y)
    out = []
    if is_output[0]:
        out.append(y.copy())

    def f(t: float, x: np.ndarray) -> np.ndarray:
        dy = np.empty_like(x)
        rhs(t, x, params, dy)
        return dy

    for a, b, keep in zip(stops[:-1], stops[1:], is_output[1:], strict=True):
        if b > a:
            sol = solve_ivp(f, (float(a), float(b)), y, method=method, rtol=RTOL, atol=ATOL)
            if not sol.success:
                raise SolverError(
                    f"{method} failed ({sol.message}) for parameter set: {_describe(params)}"
                )
            y = np.maximum(sol.y[:, -1], 0.0)
        if keep:
            out.append(y.copy())
    return np.array(out[: len(times)])


def _integrate(
    params: np.ndarray, times: np.ndarray, rtol: float, atol: float, implicit: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(states, status, per-member work counters ``_ensemble.STATS``) of the compiled tiers."""
    implicit = IMPLICIT if implicit is None else implicit
    if implicit not in IMPLICIT_TIERS:
        raise unknown_choice("implicit tier", implicit, IMPLICIT_TIERS)
    params = np.ascontiguousarray(np.atleast_2d(params), dtype=float)
    if params.shape[1] != len(PARAMETERS):
        raise InputError(f"parameter sets need {len(PARAMETERS)} columns, got {params.shape[1]}")
    times = _check_times(np.asarray(times))
    stops, is_output = _stops(params, times)
    is_break = _breaks(params, stops)
    out = np.zeros((params.shape[0], times.size, len(STATE_IDS)))
    status = np.zeros(params.shape[0], dtype=np.int64)
    stats = np.zeros((params.shape[0], len(_ensemble.STATS)), dtype=np.int64)
    args = (
        params, stops, is_output, is_break, rtol, atol,
        (STIFF_AFTER_LOOSE if rtol >= LOOSE_RTOL else STIFF_AFTER)[implicit], EXPLICIT_STEPS,
        MAX_STEPS, IMPLICIT_TIERS[implicit],
    )
    if params.shape[0] >= PARALLEL_FROM:
        # Static scheduling gives each thread a fixed half: a thread sharing its core with
        # another process, or drawing the stiff members, then holds the others up.
        prepare_parallel()
        previous = numba.set_parallel_chunksize(CHUNK)
        try:
            _ensemble.integrate_batch(*args, out, status, stats)
        finally:
            numba.set_parallel_chunksize(previous)
    else:
        _ensemble.integrate_serial(*args, out, status, stats)
    return out, status, stats


ParameterSets: TypeAlias = "np.ndarray | pd.DataFrame | Sequence[Setup]"
"""Parameter sets for :func:`simulate_batch`: setups, a table with one column per parameter
name (missing parameters take their defaults) or an (n, n_params) array of vectors."""


def _is_table(sets: object) -> TypeGuard[pd.DataFrame]:
    """A DataFrame, told without importing pandas (a table exists only once it is loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(sets, pd.DataFrame)


def parameter_matrix(sets: ParameterSets) -> np.ndarray:
    """The (n, n_params) vectors of ``sets`` (see :data:`ParameterSets`).

    Setups and tables are validated against the declared ranges; an array is taken as it
    is (rows must already be valid vectors, see :func:`parameter_vector`).
    """
    if isinstance(sets, np.ndarray):  # a writable copy (kernels take no read-only arrays)
        return np.array(sets, dtype=float, ndmin=2, order="C")
    if isinstance(sets, Sequence) and all(isinstance(s, Setup) for s in sets):
        return np.array([s.vector() for s in sets]).reshape(len(sets), len(PARAMETERS))
    if _is_table(sets):
        unknown = [str(c) for c in sets.columns if c not in PARAMETERS_BY_NAME]
        if unknown:
            raise InputError(f"parameter table: unknown columns {unknown}; columns are "
                             "parameter names (see `awaken lung parameters`)")
        rows = sets.to_dict(orient="records")
        return np.array([parameter_vector({str(k): float(v) for k, v in row.items()})
                         for row in rows]).reshape(len(rows), len(PARAMETERS))
    raise InputError("parameter sets must be a sequence of Setup, a table with parameter-name "
                     "columns or an (n, n_params) array")


def simulate_batch(
    params: ParameterSets,
    times: Sequence[float] | np.ndarray,
    *,
    rtol: float = RTOL,
    atol: float = ATOL,
    implicit: str | None = None,
) -> np.ndarray:
    """Solve every parameter set; returns states (n, n_times, n_states).

    ``params``: setups, a table with one column per parameter name, or an (n, n_params)
    array of valid vectors (see :func:`parameter_matrix`). ``implicit`` picks the stiff tier
    (``IMPLICIT_TIERS``; default ``IMPLICIT``).
    """
    times = _check_times(np.asarray(times))
    params = parameter_matrix(params)
    out, status, _ = _integrate(params, times, rtol, atol, implicit)
    for m in np.flatnonzero(status != Status.OK):
        try:
            out[m] = solve_implicit(params[m], times)
        except SolverError as exc:
            raise SolverError(f"member {m}: {exc}") from None
    return out


def solver_work(
    params: np.ndarray,
    times: Sequence[float] | np.ndarray,
    *,
    rtol: float = RTOL,
    atol: float = ATOL,
    implicit: str | None = None,
) -> pd.DataFrame:
    """Per member, the compiled tiers' work: steps, rejections, right-hand-side calls,
    Jacobians and LUs (columns ``_ensemble.STATS``) and ``status`` (an
    :class:`~awaken.lung.status.Status` code: ``Status.OK`` when solved without SciPy).

    The counts do not depend on the machine's load: ``benchmarks/lung_profile.py``."""
    import pandas as pd

    _, status, stats = _integrate(params, np.asarray(times, dtype=float), rtol, atol, implicit)
    table = pd.DataFrame(stats, columns=list(_ensemble.STATS))
    table["status"] = status
    return table


def simulate(
    setup: Setup | None = None,
    days: float = 60.0,
    *,
    times: Sequence[float] | None = None,
    method: str = "dopri",
) -> Trajectory:
    """One deterministic trajectory from day 0 to ``days`` (daily output by default).

    ``method`` is ``"dopri"`` (compiled explicit, with an implicit fallback when stiff),
    or a SciPy implicit method: ``"Radau"``, ``"BDF"``, ``"LSODA"``.
    """
    setup = Setup() if setup is None else setup
    if not isinstance(setup, Setup):
        raise InputError(f"simulate needs a Setup, got {setup!r}; e.g. simulate(Setup("
                         f"{setup!r}))" if isinstance(setup, str) else
                         f"simulate needs a Setup, got {type(setup).__name__}")
    days = checks.days("days", days, MAX_DAYS)
    grid = _check_times(np.asarray(times if times is not None else np.arange(0.0, days + 1e-9)))
    params = setup.vector()
    for iv in setup.interventions:
        if iv.start >= grid[-1]:
            raise InputError(f"{iv.kind} starts on day {iv.start:g}, when the run has ended "
                             f"(day {grid[-1]:g}); simulate more days or move the window")
    if method == "dopri":
        states = simulate_batch(params[None, :], grid)[0]
    elif method in _IMPLICIT:
        states = solve_implicit(params, grid, _IMPLICIT[method])
    else:
        raise InputError(f"unknown method {method!r}; choose dopri, Radau, BDF or LSODA")
    return Trajectory(grid, states, params)


__all__ = [
    "KINDS",
    "Setup",
    "Trajectory",
    "observe",
    "ParameterSets",
    "parameter_matrix",
    "parameter_vector",
    "peak_time",
    "simulate",
    "simulate_batch",
    "solve_implicit",
    "solver_work",
]
