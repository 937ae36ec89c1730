"""One cohort run: chunks of person ids simulated here or on Dask, stored, resumable."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import awaken
from awaken.cohort import storage
from awaken.cohort.config import Config
from awaken.cohort.emulator import Emulator, Source, build_emulator
from awaken.cohort.model import Model, build_model, chunk_bounds, chunk_tables
from awaken.core.errors import InputError

Progress = Callable[[int, int], None]
_WORKER_ENV = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OMP_WAIT_POLICY": "passive"}


@dataclass(frozen=True)
class RunResult:
    """What a run wrote and how long it took."""

    path: Path
    rows: dict[str, int]
    chunks_run: int
    chunks_skipped: int
    seconds: float
    emulator_source: str
    backend: str
    timings: dict[str, float] = field(default_factory=dict)


def _task(model: Model, chunk: int, lo: int, hi: int, work: str) -> tuple[int, dict[str, int]]:
    return chunk, storage.write_chunk(Path(work), chunk, chunk_tables(model, lo, hi))


def _manifest(cfg: Config, emulator: Emulator) -> dict[str, Any]:
    return {"config": cfg.model_dump(mode="json"),
            "emulator": {"source": emulator.source, "fingerprint": emulator.fingerprint,
                         "provenance": emulator.provenance},
            "awaken_version": awaken.__version__}


def _client(workers: int | None, scheduler: str | None) -> tuple[Any, Any, str]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=10), None, f"dask {scheduler}"
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, worker_dashboard_address=None,
                           env=_WORKER_ENV,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster, f"{workers} local processes (dask LocalCluster)"


def simulate(
    cfg: Config,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    emulator: Source | Emulator = "auto",
    progress: Progress | None = None,
) -> RunResult:
    """Simulate the configured cohort into ``out`` (``.duckdb`` file or Parquet folder).

    Chunks are fixed ranges of ``cfg.cohort.chunk_size`` person ids: the output is the same
    whatever ``workers`` or ``scheduler`` (one process by default).
    """
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    began = time.perf_counter()
    out = Path(out)
    emu = emulator if isinstance(emulator, Emulator) else build_emulator(emulator)
    model = build_model(cfg, emu)
    manifest = _manifest(cfg, emu)
    work, done = storage.prepare(out, manifest, resume, force)
    chunks = chunk_bounds(cfg.cohort.n, cfg.cohort.chunk_size)
    todo = [(c, lo, hi) for c, (lo, hi) in enumerate(chunks) if c not in done]
    finished = len(chunks) - len(todo)
    if progress:
        progress(finished, len(chunks))
    backend = "1 process"
    if todo and (scheduler or (workers or 1) > 1):
        client, cluster, backend = _client(workers, scheduler)
        try:
            from distributed import as_completed

            shared = client.scatter(model, broadcast=True)
            futures = [client.submit(_task, shared, c, lo, hi, str(work), pure=False)
                       for c, lo, hi in todo]
            for fut in as_completed(futures):
                fut.result()
                finished += 1
                if progress:
                    progress(finished, len(chunks))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        for c, lo, hi in todo:
            _task(model, c, lo, hi, str(work))
            finished += 1
            if progress:
                progress(finished, len(chunks))
    simulated = time.perf_counter() - began
    rows = _rows(work, len(chunks))
    run = pd.DataFrame([{"key": k, "value": v if isinstance(v, str) else json.dumps(v)}
                        for k, v in {**manifest, "rows": rows}.items()])
    storage.finish(work, out, len(chunks), {"run": run, "emulator": emu.frame()})
    total = time.perf_counter() - began
    return RunResult(out, rows, len(todo), len(chunks) - len(todo), total, emu.source, backend,
                     {"chunks_to_parquet": simulated, "build_output": total - simulated})


def _rows(work: Path, n_chunks: int) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in range(n_chunks):
        for k, v in json.loads((work / "done" / f"{c:05d}").read_text()).items():
            total[k] = total.get(k, 0) + v
    return total
