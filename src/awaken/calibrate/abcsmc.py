"""ABC-SMC with pyABC: exact-likelihood ABC (stochastic acceptor with a temperature ladder).

The model returns the noise-free model values at the measurements; a stochastic kernel
scores them with the problem's own noise model (censoring included), and pyABC's
temperature schedule ends at T = 1, so the last population samples the Bayesian posterior
(Wilkinson 2013; Schälte & Hasenauer 2020) rather than an epsilon-approximation.

Each particle is simulated in every condition of the problem in one batched solve; the
particles of a generation run in parallel processes (a local Dask cluster, default), or on a
Dask cluster when a scheduler address is given. The history is an SQLite database: a run that was
interrupted resumes from its last complete generation, as if it had not stopped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from awaken.calibrate.fit_problem import Problem
from awaken.calibrate.outputs import RESUMED_NOTE
from awaken.calibrate.priors import Prior
from awaken.core import checks
from awaken.core.errors import InputError
from awaken.core.io import write_json

Progress = Callable[[int, int, dict[str, float]], None]
BATCH = 64  # particles per Dask task (measured: 8 was 2.4x slower per simulation)
MAX_POPULATIONS = 100
"""Most ABC generations a run may ask for (the temperature ladder reaches T = 1 by then)."""
MAX_PARTICLES = 100_000
"""Most particles per generation (each runs the whole problem; 1e5 is hours per generation)."""
_WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "passive"}


def _quiet() -> None:
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon",
                 "ABC.Acceptor", "ABC.Predictor", "ABC.Adaptation", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)


class _RandomState:
    """Draws from numpy's global generator (the one pyABC seeds)."""

    def random(self, n: int) -> np.ndarray:
        return np.random.random_sample(n)  # noqa: NPY002 (pyABC seeds the global state)


class ScaledPrior(pyabc.RVBase):
    """A problem prior as a pyABC random variable on the estimation scale."""

    def __init__(self, prior: Prior) -> None:
        self.prior = prior

    def copy(self) -> ScaledPrior:
        return ScaledPrior(self.prior)

    def rvs(self, *args: Any, **kwargs: Any) -> float:
        return float(self.prior.sample(_RandomState(), 1)[0])

    def pdf(self, x: float, *args: Any, **kwargs: Any) -> float:
        return float(np.exp(self.prior.logpdf(np.array([x]))[0]))

    def pmf(self, x: float, *args: Any, **kwargs: Any) -> float:
        return 0.0

    def cdf(self, x: float, *args: Any, **kwargs: Any) -> float:
        raise NotImplementedError("cdf is not needed by ABC-SMC")


class ProblemModel:
    """pyABC model: parameters (estimation scale) -> model values at the measurements."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem

    def __call__(self, par: dict[str, float]) -> dict[str, np.ndarray]:
        z = np.array([[par[k] for k in self.problem.free_ids]])
        return {"sims": self.problem.simulate(z)[0]}


class ProblemKernel(pyabc.StochasticKernel):
    """Log-likelihood of the data under the problem's noise model."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(ret_scale=pyabc.distance.SCALE_LOG, keys=["sims"])
        self.problem = problem

    def __call__(self, x: dict[str, Any], x_0: dict[str, Any], t: int | None = None,
                 par: dict[str, float] | None = None) -> float:
        if par is None:
            raise ValueError("pyABC called the kernel without parameters")
        z = np.array([[par[k] for k in self.problem.free_ids]])
        value = self.problem.loglik_from_sims(np.asarray(x["sims"])[None], z)[0]
        return float(value) if np.isfinite(value) else -1e300


@dataclass(frozen=True, eq=False)
class AbcFit:
    """The final population (estimation scale), its weights and how it was made."""

    problem: Problem
    z: np.ndarray
    weights: np.ndarray
    db: Path
    run_id: int
    meta: dict[str, Any] = field(default_factory=dict)

    def samples(self, n: int = 4000, seed: int = 0) -> np.ndarray:
        """Weighted resample of the particles (n, k)."""
        rng = np.random.default_rng(seed)
        return self.z[rng.choice(len(self.z), size=n, p=self.weights)]


class _Ladder(pyabc.Temperature):
    """pyABC's temperature ladder, planned over all ``populations`` generations.

    A fresh run is pyABC's own. On resume pyABC would plan the ladder over the remaining
    generations against absolute generation numbers (forcing T = 1 at once) and restart it
    from a prior-calibrated temperature; here it continues from the stored temperatures.
    """

    def __init__(self, populations: int) -> None:
        super().__init__()
        self.populations = populations
        self.kept: float | None = None

    def resume_from(self, history: Any) -> None:
        """Start from the temperatures of the stored generations."""
        pops = history.get_all_populations()
        self.temperatures = {int(t): float(e) for t, e in zip(pops["t"], pops["epsilon"],
                                                               strict=True) if t >= 0}

    def restore(self, temperatures: dict[str, float]) -> None:
        """Continue exactly: the saved ladder, including the next generation's temperature."""
        self.temperatures = {int(k): float(v) for k, v in temperatures.items()}
        self.kept = self.temperatures[max(self.temperatures)]

    def initialize(self, t: int, get_weighted_distances: Any, get_all_records: Any,
                   max_nr_populations: int, acceptor_config: dict[str, Any]) -> None:
        super().initialize(t, get_weighted_distances, get_all_records, self.populations,
                           acceptor_config)
        if self.kept is not None:  # what the uninterrupted run had chosen for generation t
            self.temperatures[t] = self.kept


def _sampler(n_procs: int | None, scheduler: str | None,
             timeout: float) -> tuple[Any, str, Any]:
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout=timeout)
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
        return (pyabc.sampler.DaskDistributedSampler(client, batch_size=BATCH),
                f"dask {scheduler}", client)
    procs = n_procs or os.cpu_count() or 1
    if procs == 1:
        return pyabc.sampler.SingleCoreSampler(), "single core", None
    # Local parallel runs use a Dask LocalCluster of spawned processes rather than pyABC's
    # fork-based samplers: forking after numba's GNU OpenMP threads have run kills workers.
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=procs, threads_per_worker=1, processes=True,
                           dashboard_address=None, worker_dashboard_address=None,
                           env=_WORKER_ENV, silence_logs=logging.ERROR)
    client = Client(cluster)
    return (pyabc.sampler.DaskDistributedSampler(client, batch_size=BATCH),
            f"{procs} local processes (dask LocalCluster)", _Closing(client, cluster))


class _Closing:
    """Closes a client and the local cluster it owns."""

    def __init__(self, client: Any, cluster: Any) -> None:
        self.client, self.cluster = client, cluster

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def fit(
    problem: Problem,
    *,
    populations: int = 8,
    particles: int = 200,
    seed: int = 0,
    db: str | Path | None = None,
    resume: bool = False,
    n_procs: int | None = 1,
    scheduler: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
    connect_timeout: float = 30.0,
) -> AbcFit:
    """ABC-SMC of ``problem``; the history goes to ``db`` (SQLite).

    ``resume`` continues the run stored in ``db`` up to ``populations`` generations. After
    each generation ``abc.json`` keeps what the next one starts from (NumPy's random state,
    the temperatures, the acceptor's pdf norms), so a resumed single-core run is identical to
    an uninterrupted one; without that state (killed between the two writes) it continues
    from the stored temperatures and records ``"reproducible": false`` with a note.
    ``client`` (a ``distributed.Client``) or ``scheduler`` (``tcp://host:port``) run the
    particles on Dask; otherwise ``n_procs`` local processes (None: all cores). The default,
    one process, is reproducible (same seed, same result) and was the fastest measured for
    these millisecond models (see benchmarks/README.md).
    """
    check_sizes(populations=populations, particles=particles, seed=seed)
    _quiet()
    db = Path(db) if db is not None else Path.cwd() / f"{problem.name}_abc.db"
    meta_path = db.with_suffix(".json")
    identity = {"problem": problem.name, "parameters": list(problem.free_ids),
                "particles": particles, "seed": seed}
    stored: dict[str, Any] = {}
    if resume:
        if not db.exists():
            raise InputError(f"cannot resume {db}: no ABC history there; start without "
                             "--resume")
        try:
            stored = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot resume {db}: its identity {meta_path.name} is "
                             f"unreadable ({exc}); start afresh with --force") from None
        if not isinstance(stored, dict) or {k: stored.get(k) for k in identity} != identity:
            raise InputError(f"cannot resume {db}: it holds a different fit "
                             f"({stored or 'no metadata'}); start afresh without --resume")
    elif db.exists():
        db.unlink()
    if client is not None:
        sampler, where, own = pyabc.sampler.DaskDistributedSampler(client, batch_size=BATCH), \
            "dask client", None
    else:
        sampler, where, own = _sampler(n_procs, scheduler, connect_timeout)
    prior = pyabc.Distribution(**{k: ScaledPrior(pr) for k, pr in
                                  zip(problem.free_ids, problem.priors, strict=True)})

    restore: dict[str, Any] = {}  # the saved state of the generation a resume starts with

    class _ABCSMC(pyabc.ABCSMC):
        def run_generation(self, t: int) -> dict[str, Any]:
            if restore.get("t") == t:
                np.random.set_state(_rng_state(restore["rng"]))  # noqa: NPY002
            ret = super().run_generation(t)
            if ret.get("successful"):  # what an identical continuation needs (kept in abc.json)
                write_json(meta_path, {**identity, "state": _save_state(t + 1, self)})
            if progress is not None:
                progress(t, int(self.max_t), {"temperature": float(self.eps(t)),
                                              "acceptance_rate":
                                                  float(ret.get("acceptance_rate", np.nan))})
            return ret

    abc = _ABCSMC(ProblemModel(problem), prior, ProblemKernel(problem), population_size=particles,
                  sampler=sampler, eps=_Ladder(populations),
                  acceptor=pyabc.StochasticAcceptor())
    url = f"sqlite:///{db}"
    started = time.perf_counter()
    np.random.seed(seed)  # noqa: NPY002 (pyABC draws from the global state)
    resumed_at = None
    try:
        if resume:
            history = _load(abc, db, url)
            resumed_at = int(history.max_t + 1)
            state = stored.get("state") or {}
            if state.get("t") == resumed_at and populations == state.get("populations"):
                restore.update(state)  # the run continues exactly where it stopped
                abc.eps.restore(state["temperatures"])
                abc.acceptor.pdf_norms = {int(k): float(v) for k, v in
                                          state["pdf_norms"].items()}
            else:
                abc.eps.resume_from(history)
            remaining = 0 if _finished(history) else populations - resumed_at
        else:
            db.parent.mkdir(parents=True, exist_ok=True)
            write_json(meta_path, identity)
            history = abc.new(url, {"sims": np.zeros(len(problem.measurements))})
            remaining = populations
        ran_resumed = resumed_at is not None and remaining > 0 and not restore
        if remaining > 0:
            history = abc.run(max_nr_populations=remaining)
    finally:
        if own is not None:
            with contextlib.suppress(Exception):
                own.close()
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    z = frame[list(problem.free_ids)].to_numpy(dtype=float)
    pops = history.get_all_populations()
    meta = {
        "method": "abc-smc (pyabc, stochastic acceptor, temperature ladder to T=1)",
        "pyabc": pyabc.__version__, "sampler": where, "seed": seed,
        "populations": int(history.max_t + 1), "particles": particles,
        "simulations": int(history.total_nr_simulations),
        "temperatures": [float(x) for x in pops["epsilon"].iloc[1:]],
        "seconds": round(time.perf_counter() - started, 2),
        "reproducible": where == "single core" and not ran_resumed,
        **({"resumed_at_generation": resumed_at, "note": RESUMED_NOTE} if ran_resumed else {}),
        "ess": float(1.0 / np.sum(np.asarray(weights) ** 2)),
    }
    return AbcFit(problem, z, np.asarray(weights, dtype=float), db, int(history.id), meta)


def check_sizes(*, populations: int, particles: int, seed: int) -> None:
    """The sizes an ABC-SMC run accepts (checked before any work)."""
    checks.count("populations", populations, 1, MAX_POPULATIONS)
    checks.count("particles", particles, 2, MAX_PARTICLES)
    checks.seed(seed)


def _load(abc: pyabc.ABCSMC, db: Path, url: str) -> Any:
    """The stored history to continue; a database pyABC cannot read is an input error."""
    try:
        runs = pyabc.History(url).all_runs()
        if not runs:
            raise InputError(f"cannot resume {db}: it holds no ABC run; start without --resume")
        history = abc.load(url, int(max(r.id for r in runs)))
        if history.max_t < 0:
            raise InputError(f"cannot resume {db}: it holds no complete generation; start "
                             "without --resume")
        return history
    except InputError:
        raise
    except Exception as exc:  # sqlalchemy/sqlite errors of a damaged file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot resume {db}: not a readable ABC history ({first}); "
                         "start afresh with --force") from None


def _save_state(t: int, abc: Any) -> dict[str, Any]:
    """The state generation ``t`` starts from: random state, temperatures, pdf norms."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()  # noqa: NPY002
    return {"t": t, "populations": int(abc.eps.populations),
            "rng": [name, [int(k) for k in keys], int(pos), int(has_gauss), float(gauss)],
            "temperatures": {str(k): float(v) for k, v in abc.eps.temperatures.items()},
            "pdf_norms": {str(k): float(v) for k, v in abc.acceptor.pdf_norms.items()}}


def _rng_state(saved: list[Any]) -> tuple[Any, ...]:
    name, keys, pos, has_gauss, gauss = saved
    return (name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss)


def _finished(history: Any) -> bool:
    """The stored ladder reached T = 1: pyABC stops there, so nothing is left to run."""
    eps = history.get_all_populations()["epsilon"]
    return bool(len(eps) and float(eps.iloc[-1]) <= 1.0)


def history_table(fit: AbcFit) -> pd.DataFrame:
    """One row per generation: temperature, particles, simulations, acceptance rate."""
    h = pyabc.History(f"sqlite:///{fit.db}", _id=fit.run_id)
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0]
    counts = h.get_nr_particles_per_population()
    return pd.DataFrame({
        "generation": pops["t"].to_numpy(),
        "temperature": pops["epsilon"].to_numpy(),
        "simulations": pops["samples"].to_numpy(),
        "particles": [int(counts[t]) for t in pops["t"]],
    })
