"""Stochastic DCCs: whether and how many of a mouse's few dormant cells awaken is chance.

Method: hybrid tau-leaping (details and measurements: ``docs/stochastic.md``). Every
process whose ``change`` touches a DCC state (``dcc_dormant``, ``dcc_awake``) is an event
channel; all other states follow the ODE, coupled to each mouse's own DCC counts. Over a leap
``[t, t + tau]`` an adaptive Dormand–Prince 5(4) method integrates the ODE states, the DCC
states on their mean path, and per channel its integrated rate (rates from the generated
``rates``, clipped at 0) and its integrated hazard per cell of the state it consumes. The
leap is accepted if the expected change of each DCC count is small (``|mean|, sd <=
max(eps * count, 1)``, Cao–Gillespie–Petzold 2006), else shortened and re-integrated before
any random number is drawn. Events: cells present at the start leave by competing binomial
risks, arrivals within the leap may leave too (Poisson, capped by the arrivals), other
channels are Poisson; counts never go negative.

Why not exact SSA: an infected mouse holds ~1e5 dividing cells for weeks, i.e. millions of
events per mouse. Why integrated rates along the mean path: IL-6 rises to its peak within a
day and awakened cells compound within a leap; rates frozen at the leap's start bias the
mean by several per cent, these by < 0.3%. Per-cell hazards make the chance of no
awakening, ``exp(-D0 * int alpha dt)``, exact.

Reproducibility: mouse ``i`` draws from a generator seeded by
``awaken.core.rng.rng_stream(seed, "mouse", i)``; its path depends on (seed, i) only, not on
the number of threads, the batch split (``first_mouse``) or the other mice. Two setups run
with the same seed share random streams (common random numbers).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from awaken.core import checks
from awaken.core.errors import InputError, SolverError
from awaken.core.rng import rng_stream
from awaken.core.threads import prepare_parallel
from awaken.lung import _tauleap
from awaken.lung._generated import N_PROCESSES, N_STATES, initial_state
from awaken.lung.model import PARAMETER_INDEX, PROCESSES, STATE_IDS, WINDOWS
from awaken.lung.solve import MAX_DAYS, Setup, Trajectory, observe
from awaken.lung.status import Status, describe

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DCC_STATES: tuple[str, str] = ("dcc_dormant", "dcc_awake")
EPS = 0.02  # leap control: expected relative change of a DCC count per leap
TAU_MAX = 0.25  # longest leap (days)
RTOL = 1e-7
ATOL = 1e-9
MAX_STEPS = 5_000_000  # Dormand–Prince steps per mouse
QUANTILES = (0.05, 0.95)
OBSERVABLES = (
    "dcc_count", "dcc_dormant", "dcc_awake", "ki67_fraction", "awake_fraction", "p_no_awakening"
)
# Unit of each observable's summaries (mean, sd, q05, q95) in :meth:`MouseEnsemble.frame`.
OBSERVABLE_UNITS = {"dcc_count": "cells", "dcc_dormant": "cells", "dcc_awake": "cells",
                    "ki67_fraction": "1", "awake_fraction": "1", "p_no_awakening": "1",
                    "p_no_awakening_analytic": "1"}


@dataclass(frozen=True)
class Channels:
    """The event channels derived from the model declarations."""

    names: tuple[str, ...]  # process ids of the event channels
    nu: np.ndarray  # (n_processes, n_states): stoichiometry of every process
    nu_frozen: np.ndarray  # the same with the DCC columns zero (DCC counts held fixed)
    events: np.ndarray  # (n_events,) process index of each channel
    nu_ev: np.ndarray  # (n_events, n_states): change of each channel
    consumes: np.ndarray  # (n_events,) DCC state a channel removes cells from, or -1
    is_awakening: np.ndarray  # (n_events,) channel moves a cell from dormant to awake
    dcc: np.ndarray  # (2,) state indices of (dormant, awake)

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        """The tuple the compiled kernels take as ``model``."""
        return (
            self.nu, self.events, self.nu_ev, self.consumes, self.is_awakening, self.dcc,
        )


@functools.cache
def channels() -> Channels:
    """Split the declared processes into ODE processes and DCC event channels."""
    if len(PROCESSES) != N_PROCESSES or len(STATE_IDS) != N_STATES:
        raise SolverError("_generated.py is out of date; run `python -m awaken.lung.codegen`")
    dcc = np.array([STATE_IDS.index(s) for s in DCC_STATES], dtype=np.int64)
    nu = np.zeros((len(PROCESSES), len(STATE_IDS)))
    for j, proc in enumerate(PROCESSES):
        for sid, sign in proc.change:
            nu[j, STATE_IDS.index(sid)] += sign
    is_event = np.any(nu[:, dcc] != 0, axis=1)
    events = np.flatnonzero(is_event).astype(np.int64)
    nu_frozen = nu.copy()
    nu_frozen[:, dcc] = 0.0
    nu_ev = np.ascontiguousarray(nu[events])
    consumes = np.array(
        [next((d for d in dcc if row[d] < 0), -1) for row in nu_ev], dtype=np.int64
    )
    dormant, awake = dcc
    is_awakening = (nu_ev[:, dormant] < 0) & (nu_ev[:, awake] > 0)
    return Channels(
        tuple(PROCESSES[j].id for j in events), nu, nu_frozen, events, nu_ev,
        consumes, is_awakening, dcc,
    )


@dataclass(frozen=True)
class MouseEnsemble:
    """Per-mouse states over time, with mouse-to-mouse summaries.

    ``awakened[m, t]`` says whether an awakening event happened in mouse m by time t.
    ``hazard`` is the integrated awakening propensity with the DCC counts held at their
    initial values; ``analytic_valid`` says whether ``exp(-hazard)`` is exactly the chance of
    no awakening (no awakened cells at the start and no other DCC event possible before).
    """

    times: np.ndarray
    states: np.ndarray  # (n_mice, n_times, n_states)
    awakened: np.ndarray  # (n_mice, n_times) bool
    params: np.ndarray
    seed: int
    first_mouse: int
    hazard: np.ndarray
    analytic_valid: bool

    @property
    def n_mice(self) -> int:
        """Number of mice."""
        return int(self.states.shape[0])

    @property
    def mice(self) -> np.ndarray:
        """Mouse indices (the keys of their random streams)."""
        return np.arange(self.first_mouse, self.first_mouse + self.n_mice)

    @property
    def dcc_indices(self) -> tuple[int, int]:
        """State indices of (dormant, awake)."""
        return (STATE_IDS.index(DCC_STATES[0]), STATE_IDS.index(DCC_STATES[1]))

    def state(self, state_id: str) -> np.ndarray:
        """One state, shape (n_mice, n_times)."""
        return self.states[:, :, STATE_IDS.index(state_id)]

    @property
    def dormant(self) -> np.ndarray:
        """Dormant DCC counts (n_mice, n_times)."""
        return np.rint(self.state(DCC_STATES[0])).astype(np.int64)

    @property
    def awake(self) -> np.ndarray:
        """Awakened DCC counts (n_mice, n_times)."""
        return np.rint(self.state(DCC_STATES[1])).astype(np.int64)

    def values(self, observable: str) -> np.ndarray:
        """Per-mouse values of an observable (n_mice, n_times); NaN where undefined."""
        dormant, awake = self.dormant, self.awake
        if observable == "dcc_count":
            return (dormant + awake).astype(float)
        if observable == "dcc_dormant":
            return dormant.astype(float)
        if observable == "dcc_awake":
            return awake.astype(float)
        if observable in ("ki67_fraction", "awake_fraction"):
            counts = self.states.copy()
            counts[:, :, list(self.dcc_indices)] = np.stack([dormant, awake], axis=-1)
            v = np.stack([observe(self.times, c, self.params)[observable] for c in counts])
            return np.where(dormant + awake > 0, v, np.nan)
        if observable == "p_no_awakening":
            return (~self.awakened).astype(float)
        raise InputError(f"unknown observable {observable!r}; choose one of: {OBSERVABLES}")

    def p_no_awakening(self) -> np.ndarray:
        """Fraction of mice in which no cell had awakened by each time."""
        return 1.0 - self.awakened.mean(axis=0)

    def p_no_awakening_analytic(self) -> np.ndarray:
        """``exp(-hazard)``, or NaN where it is not the exact answer (see class docs)."""
        if not self.analytic_valid:
            return np.full(self.times.shape, np.nan)
        return np.exp(-self.hazard)

    def summary(self, observable: str) -> pd.DataFrame:
        """Mean, SD (mouse to mouse), 5% and 95% quantiles and n (mice with a value)."""
        v = self.values(observable)
        n = np.sum(~np.isnan(v), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(v, axis=0) / np.maximum(n, 1)
            dev = np.where(np.isnan(v), 0.0, v - mean) ** 2
            sd = np.sqrt(dev.sum(axis=0) / np.maximum(n - 1, 1))
        mean = np.where(n > 0, mean, np.nan)
        sd = np.where(n > 0, sd, np.nan)
        q = _nanquantiles(v, QUANTILES)
        return pd.DataFrame(
            {"time": self.times, "observable": observable, "mean": mean, "sd": sd,
             "q05": q[0], "q95": q[1], "n": n}
        )

    def frame(self) -> pd.DataFrame:
        """Tidy summaries: time, observable, mean, sd, q05, q95, n.

        ``p_no_awakening`` rows summarise the 0/1 indicator (its mean is the fraction);
        ``p_no_awakening_analytic`` rows carry the analytic value in ``mean``.
        """
        parts = [self.summary(o) for o in OBSERVABLES]
        parts.append(
            pd.DataFrame(
                {"time": self.times, "observable": "p_no_awakening_analytic",
                 "mean": self.p_no_awakening_analytic(), "sd": np.nan, "q05": np.nan,
                 "q95": np.nan, "n": 0}
            )
        )
        return pd.concat(parts, ignore_index=True)

    def mice_frame(self) -> pd.DataFrame:
        """One row per mouse and time: mouse, time, dcc_dormant, dcc_awake, awakened."""
        n_t = self.times.size
        return pd.DataFrame(
            {
                "mouse": np.repeat(self.mice, n_t),
                "time": np.tile(self.times, self.n_mice),
                "dcc_dormant": self.dormant.ravel(),
                "dcc_awake": self.awake.ravel(),
                "awakened": self.awakened.ravel(),
            }
        )


def _nanquantiles(v: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles over mice, NaN for times with no value (without warnings)."""
    out = np.full((len(qs), v.shape[1]), np.nan)
    ok = ~np.all(np.isnan(v), axis=0)
    if ok.any():
        out[:, ok] = np.nanquantile(v[:, ok], qs, axis=0)
    return out


def _grid(days: float, times: Sequence[float] | np.ndarray | None) -> np.ndarray:
    days = checks.days("days", days, MAX_DAYS)
    if times is None:
        return np.union1d(np.arange(0.0, days), [float(days)])
    grid = np.asarray(times, dtype=float)
    if grid.ndim != 1 or grid.size < 1 or not np.all(np.isfinite(grid)):
        raise InputError("output times must be a non-empty list of finite days")
    if grid[0] < 0 or np.any(np.diff(grid) <= 0) or grid[-1] > days:
        raise InputError(f"output times must increase strictly within [0, days={days:g}]")
    return grid


def _stops(params: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Output times merged with day 0 and the intervention window edges."""
    edges = [
        params[PARAMETER_INDEX[name]]
        for w in WINDOWS
        for name in (w.start, w.end)
        if 0.0 < params[PARAMETER_INDEX[name]] < grid[-1]
    ]
    stops = np.union1d(np.concatenate(([0.0], grid)), edges)
    return stops, np.isin(stops, grid)


def mouse_generators(seed: int, first_mouse: int, n_mice: int) -> np.ndarray:
    """Generator states (n_mice, 4) uint64 of mice first_mouse, ..., from their own streams."""
    states = np.empty((n_mice, 4), dtype=np.uint64)
    for m in range(n_mice):
        raw = rng_stream(seed, "mouse", first_mouse + m).bit_generator.random_raw(4)
        states[m] = raw if raw.any() else np.array([1, 0, 0, 0], dtype=np.uint64)
    return states


def _initial(params: np.ndarray, dcc: np.ndarray) -> np.ndarray:
    y0 = np.empty(N_STATES)
    initial_state(params, y0)
    y0[dcc] = np.rint(y0[dcc])  # cells are whole
    return y0


PROGRESS_BATCHES = 20  # batches of mice when progress is reported


def check_size(n_mice: int, n_times: int) -> None:
    """Refuse an ensemble whose paths (``n_mice`` x ``n_times`` states) exceed the memory
    limit (:func:`awaken.core.checks.fits_in_memory`); cheap, so callers check before work."""
    checks.fits_in_memory(f"{n_mice:,} mice x {n_times} output times", n_mice,
                          n_times * (N_STATES * 8 + 1))


def simulate_mice(
    setup: Setup | None = None,
    n_mice: int = 1000,
    days: float = 60.0,
    times: Sequence[float] | np.ndarray | None = None,
    seed: int = 0,
    *,
    first_mouse: int = 0,
    eps: float = EPS,
    tau_max: float = TAU_MAX,
    progress: Callable[[int, int], None] | None = None,
) -> MouseEnsemble:
    """Simulate mice ``first_mouse .. first_mouse + n_mice - 1`` (daily output by default).

    Mouse ``i`` gives the same path whatever ``n_mice``, ``first_mouse`` or thread count.
    ``progress(done, n_mice)``, if given, is called as batches of mice finish (the mice are
    then run in :data:`PROGRESS_BATCHES` batches; the paths are the same).
    """
    setup = setup or Setup()
    n_mice = checks.count("n_mice", n_mice, 1)
    seed = checks.seed(seed)
    first_mouse = checks.count("first_mouse", first_mouse, 0)
    if not (0.0 < eps < 1.0) or not (tau_max > 0.0):
        raise InputError(f"need 0 < eps < 1 and tau_max > 0 (got {eps}, {tau_max})")
    grid = _grid(days, times)
    check_size(n_mice, grid.size)
    params = setup.vector()
    ch = channels()
    y0 = _initial(params, ch.dcc)
    stops, is_output = _stops(params, grid)
    tuning = (float(eps), float(tau_max), RTOL, ATOL, MAX_STEPS)
    out = np.zeros((n_mice, grid.size, N_STATES))
    awakened = np.zeros((n_mice, grid.size), dtype=np.bool_)
    status = np.zeros(n_mice, dtype=np.int64)
    gens = mouse_generators(seed, first_mouse, n_mice)
    prepare_parallel()
    step = n_mice if progress is None else max(1, -(-n_mice // PROGRESS_BATCHES))
    for a in range(0, n_mice, step):
        b = min(a + step, n_mice)
        _tauleap.simulate_mice(params, y0, stops, is_output, gens[a:b], ch.kernel_args(),
                               tuning, out[a:b], awakened[a:b], status[a:b])
        if progress is not None:
            progress(b, n_mice)
    _raise_failures(status, first_mouse)
    hazard, valid = _awakening_hazard(params, y0, stops, is_output, tuning, ch)
    return MouseEnsemble(grid, out, awakened, params, seed, first_mouse, hazard, valid)


def _raise_failures(status: np.ndarray, first_mouse: int) -> None:
    bad = np.flatnonzero(status != Status.OK)
    if bad.size:
        raise SolverError(
            f"stochastic simulation failed ({describe(status[bad[0]])}) for {bad.size} mice, "
            f"first mouse {first_mouse + bad[0]}"
        )


def _awakening_hazard(
    params: np.ndarray,
    y0: np.ndarray,
    stops: np.ndarray,
    is_output: np.ndarray,
    tuning: tuple[float, float, float, float, int],
    ch: Channels,
) -> tuple[np.ndarray, bool]:
    """Cumulative awakening propensity with DCCs frozen at y0, and whether it is exact."""
    lam = np.zeros((int(is_output.sum()), ch.events.size))
    args = (params, y0, stops, is_output, ch.nu_frozen, ch.kernel_args(), tuning, lam)
    if _tauleap.frozen_hazard(*args):
        raise SolverError("ODE failed while integrating the awakening hazard")
    others = lam[-1, ~ch.is_awakening].sum() if lam.size else 0.0
    valid = bool(y0[ch.dcc[1]] == 0 and others == 0.0 and ch.is_awakening.any())
    return lam[:, ch.is_awakening].sum(axis=1), valid


def ode_agreement(ensemble: MouseEnsemble, ode: Trajectory) -> pd.DataFrame:
    """Ensemble mean vs the ODE at the ensemble's times.

    Columns: time, observable, mean, se (standard error of the mean), ode,
    rel_diff ((mean - ode) / ode) and z ((mean - ode) / se).
    """
    if not np.array_equal(ode.times, ensemble.times):
        raise InputError("the ODE trajectory must use the ensemble's output times")
    rows = []
    for obs, sid in (("dcc_dormant", DCC_STATES[0]), ("dcc_awake", DCC_STATES[1])):
        s = ensemble.summary(obs)
        ref = ode.state(sid)
        se = s["sd"].to_numpy() / np.sqrt(ensemble.n_mice)
        diff = s["mean"].to_numpy() - ref
        with np.errstate(invalid="ignore", divide="ignore"):
            rows.append(
                pd.DataFrame(
                    {"time": ensemble.times, "observable": obs, "mean": s["mean"], "se": se,
                     "ode": ref, "rel_diff": diff / ref, "z": diff / se}
                )
            )
    total = ode.state(DCC_STATES[0]) + ode.state(DCC_STATES[1])
    s = ensemble.summary("dcc_count")
    se = s["sd"].to_numpy() / np.sqrt(ensemble.n_mice)
    diff = s["mean"].to_numpy() - total
    with np.errstate(invalid="ignore", divide="ignore"):
        rows.append(
            pd.DataFrame(
                {"time": ensemble.times, "observable": "dcc_count", "mean": s["mean"], "se": se,
                 "ode": total, "rel_diff": diff / total, "z": diff / se}
            )
        )
    return pd.concat(rows, ignore_index=True)


def plot(
    ensemble: MouseEnsemble, path: str | Path, *, title: str = "", max_mice: int = 40
) -> Path:
    """PNG of :func:`figure`, written atomically."""
    from awaken.core.io import write_figure

    return write_figure(path, figure(ensemble, title=title, max_mice=max_mice))


def figure(ensemble: MouseEnsemble, *, title: str = "", max_mice: int = 40) -> Figure:
    """DCC counts, Ki67+ fraction and P(no awakening): mean, 5–95% band, some mice as lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 3.8), layout="tight")
    axes = fig.subplots(1, 3)
    t = ensemble.times
    for ax, obs, log in zip(
        axes, ("dcc_count", "ki67_fraction", "p_no_awakening"), (True, False, False),
        strict=True,
    ):
        v = ensemble.values(obs)
        s = ensemble.summary(obs)
        if obs != "p_no_awakening":
            for row in v[:max_mice]:
                ax.plot(t, row, color="0.6", lw=0.4, alpha=0.6)
            ax.fill_between(t, s["q05"], s["q95"], color="C0", alpha=0.25, label="5–95%")
            lo = (s["mean"] - s["sd"]).clip(lower=0 if not log else None)
            ax.plot(t, lo, color="C0", lw=0.8, ls=":", label="mean ± sd")
            ax.plot(t, s["mean"] + s["sd"], color="C0", lw=0.8, ls=":")
        ax.plot(t, s["mean"], color="C0", lw=2, label="mean")
        if obs == "p_no_awakening" and ensemble.analytic_valid:
            ax.plot(t, ensemble.p_no_awakening_analytic(), "k--", lw=1, label="analytic")
        if log:
            ax.set_yscale("symlog", linthresh=1.0)
        ax.set_xlabel("days after infection")
        ax.set_title(obs.replace("_", " "))
        ax.legend(fontsize=7)
    head = f"{title}: " if title else ""
    fig.suptitle(f"{head}{ensemble.n_mice} mice, seed {ensemble.seed}", fontsize=9)
    return fig
