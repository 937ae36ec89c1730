"""Benchmark: the cohort microsimulation (one core), its scaling, memory and random numbers.

* ``england-breast`` 2020-2023 with the full model at ``--n`` (default 1,000,000): population
  sampling, the compiled kernel and the building of tables timed apart (best of
  ``--repeats``, after a warm-up), one process, one thread;
* the whole command ``awaken cohort simulate ... --out FILE.duckdb`` and ``--out FOLDER``
  (Parquet) in a fresh process (imports, numba cache load, the lung-model emulator found in
  its cache, output written), once each: wall and CPU seconds and the load average around it;
* cost growth: population + kernel at 1e4, 1e5, 1e6 (and ``--max-n``, default 1e7) persons;
* bytes per person held (population arrays and output buffers of a chunk) and the peak
  resident memory of the command writing Parquet and DuckDB at ``--memory-n`` (default 1e7);
* the draws: the Threefry kernel against numpy's Philox built per person from a key.

Writes ``benchmarks/results/cohort_simulate.json``.

    .venv/bin/python benchmarks/cohort_simulate.py
    .venv/bin/python benchmarks/cohort_simulate.py --n 200000 --max-n 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from awaken.cohort import build_emulator, build_model, load_config  # noqa: E402
from awaken.cohort import model as M  # noqa: E402
from awaken.cohort.population import sample_population  # noqa: E402
from awaken.cohort.rng import uniforms  # noqa: E402
from awaken.core import write_json  # noqa: E402

HERE = Path(__file__).resolve().parent


def _caps(n: int) -> list[int]:
    return [2 * n + 64, 8 * n + 64, n // 2 + 64, 4 * n + 64, 4 * n + 64]


def time_parts(n: int, repeats: int) -> dict[str, float]:
    """CPU seconds (one thread) for population, kernel and the Arrow tables a run writes,
    over ``n`` persons in 100,000-person chunks (best of ``repeats``), and the wall time."""
    cfg = load_config("england-breast", n=n, chunk_size=100_000)
    model = build_model(cfg, build_emulator("fixture"))
    M.simulate_chunk(model, 0, 100)  # warm-up (numba cache)
    best = {"population": np.inf, "kernel": np.inf, "tables": np.inf, "wall": np.inf}
    chunks = M.chunk_bounds(n, cfg.cohort.chunk_size)
    for _ in range(repeats):
        tp = tk = 0.0
        events = 0
        wall = time.perf_counter()
        for lo, hi in chunks:
            t = time.process_time()
            pop = sample_population(cfg, lo, hi)
            tp += time.process_time() - t
            t1 = time.process_time()
            *_, count = M._run_kernel(model, pop, _caps(len(pop)))
            tk += time.process_time() - t1
            events += int(count.sum())
        wall = time.perf_counter() - wall
        # tables: the chunk's Arrow tables minus population and kernel, on chunk 0
        lo, hi = chunks[0]
        t = time.process_time()
        M.chunk_tables(model, lo, hi)
        whole = time.process_time() - t
        t = time.process_time()
        M._run_kernel(model, sample_population(cfg, lo, hi), _caps(hi - lo))
        tables = max(0.0, whole - (time.process_time() - t)) * len(chunks)
        best = {k: min(best[k], v) for k, v in
                (("population", tp), ("kernel", tk), ("tables", tables), ("wall", wall))}
    best["events_recorded"] = events
    best["load_average"] = os.getloadavg()[0]
    return best


def time_command(n: int, target: str) -> dict[str, float]:
    """The whole CLI command in a fresh process: wall and CPU seconds (with its threads),
    peak resident memory, output size, and the load average around it.

    ``target`` is ``c.duckdb`` (DuckDB file) or ``c`` (Parquet folder)."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / target
        cmd = [sys.executable, "-c", RUN, str(n), str(out)]
        cpu = _children_cpu()
        t = time.perf_counter()
        proc = subprocess.run(cmd, check=True, capture_output=True, text=True,
                              env={**os.environ, "NUMBA_NUM_THREADS": "1"})
        wall = time.perf_counter() - t
        cpu = _children_cpu() - cpu
        size = sum(f.stat().st_size for f in out.rglob("*")) if out.is_dir() else (
            out.stat().st_size)
    peak, start_up, inner = proc.stdout.strip().splitlines()[-1].split()
    return {"seconds": wall, "cpu_seconds": cpu, "start_up_seconds": float(start_up),
            "inside_seconds": float(inner), "peak_rss_mib": float(peak),
            "output_mib": size / 2**20, "load_average": [load, os.getloadavg()[0]]}


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


# the command's own code path (awaken.cli), in a child whose peak memory is its own
RUN = """
import resource, sys, time
t = time.perf_counter()
from typer.testing import CliRunner
from awaken.cli.cohort import app
import awaken.cohort
start_up = time.perf_counter() - t
r = CliRunner().invoke(app, ["simulate", "--preset", "england-breast", "--n", sys.argv[1],
                             "--out", sys.argv[2]])  # the default emulator: the lung model's
assert r.exit_code == 0, r.output
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, start_up,
      time.perf_counter() - t)
"""


def bytes_per_person() -> dict[str, float]:
    cfg = load_config("england-breast", n=100_000)
    pop = sample_population(cfg, 0, 100_000)
    caps = _caps(100_000)
    cols = (M.K.TEST_COLS, M.K.VAX_COLS, M.K.MET_COLS, M.K.INF_COLS, M.K.LES_COLS)
    buffers = sum(c * k * 8 for c, k in zip(caps, cols, strict=True))
    return {"population": pop.nbytes() / 1e5, "kernel_buffers": buffers / 1e5}


def time_draws(n: int = 1_000_000) -> dict[str, float]:
    """ns per uniform: Threefry by key vs numpy Philox keyed per person (one draw each)."""
    ids = np.arange(n)
    uniforms(1, 2, ids[:10], 0)
    t = time.perf_counter()
    uniforms(1, 2, ids, 0)
    threefry = (time.perf_counter() - t) / n * 1e9
    m = 20_000
    t = time.perf_counter()
    for i in range(m):
        np.random.Generator(np.random.Philox(key=[1, 2], counter=[i, 0, 0, 0])).random()
    philox = (time.perf_counter() - t) / m * 1e9
    return {"threefry_ns": threefry, "numpy_philox_per_key_ns": philox}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-n", type=int, default=10_000_000)
    ap.add_argument("--memory-n", type=int, default=10_000_000)
    args = ap.parse_args()
    res: dict = {"n": args.n, "cpu": os.cpu_count()}
    res["parts"] = time_parts(args.n, args.repeats)
    p = res["parts"]
    print(f"{args.n:,} survivors 2020-2023, one core, CPU: population {p['population']:.2f} s, "
          f"kernel {p['kernel']:.2f} s, tables {p['tables']:.2f} s (load {p['load_average']:.1f})")
    res["command"] = {}
    build_emulator("auto")  # the command's emulator is built and cached before it is timed
    for label, n, target in (("duckdb", args.n, "c.duckdb"), ("parquet", args.n, "c"),
                             ("parquet_memory", args.memory_n, "c"),
                             ("duckdb_memory", args.memory_n, "c.duckdb")):
        c = res["command"][label] = time_command(n, target) | {"n": n}
        print(f"awaken cohort simulate --n {n:,} --out {target}: {c['seconds']:.1f} s wall, "
              f"{c['cpu_seconds']:.1f} s CPU (fresh process; start-up {c['start_up_seconds']:.1f} "
              f"s), peak RSS {c['peak_rss_mib']:.0f} MiB, output {c['output_mib']:.0f} MiB, "
              f"load {c['load_average']}")
    res["scaling"] = {}
    for n in [10**k for k in range(4, 8) if 10**k <= args.max_n]:
        q = time_parts(n, 1)
        res["scaling"][n] = q["population"] + q["kernel"]  # CPU seconds
        print(f"n = {n:>10,}: population + kernel {res['scaling'][n]:.3f} s "
              f"({res['scaling'][n] / n * 1e9:.0f} ns per person)")
    res["bytes_per_person"] = bytes_per_person()
    res["draws"] = time_draws()
    print(f"bytes per person: {res['bytes_per_person']}; draws: {res['draws']}")
    write_json(HERE / "results" / "cohort_simulate.json", res)


if __name__ == "__main__":
    main()
