"""Benchmark: the whole ``awaken cohort simulate`` command, source trees side by side.

Each tree (``--code NAME=SRC``, e.g. a worktree of an older commit) runs ``england-breast
--n N`` to a DuckDB file and to a Parquet folder in a fresh process (``PYTHONPATH=SRC``,
one numba thread, the default emulator), alternated ``--repeats`` times: wall and CPU
seconds (with the writer thread), the start-up (imports) inside it, peak resident memory and
the load average around each run. Writes ``benchmarks/results/cohort_command.json``.

    git worktree add --detach /tmp/base e66d8d8
    .venv/bin/python benchmarks/cohort_command.py --code base=/tmp/base/src --code new=src
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = """
import resource, sys, time
t = time.perf_counter()
from typer.testing import CliRunner
from awaken.cli.cohort import app
import awaken.cohort
start_up = time.perf_counter() - t
r = CliRunner().invoke(app, ["simulate", "--preset", "england-breast", "--n", sys.argv[1],
                             "--out", sys.argv[2]])
assert r.exit_code == 0, r.output
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, start_up,
      time.perf_counter() - t)
"""


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--code", action="append", default=[], help="NAME=SRC (repeatable)")
    args = ap.parse_args()
    codes = dict(c.split("=", 1) for c in args.code) or {"this": str(HERE.parent / "src")}
    runs = []
    for _ in range(args.repeats):
        for target in ("c.duckdb", "c"):
            for name, src in codes.items():
                with tempfile.TemporaryDirectory() as tmp:
                    load = os.getloadavg()[0]
                    cpu, t = _children_cpu(), time.perf_counter()
                    proc = subprocess.run(
                        [sys.executable, "-c", RUN, str(args.n), str(Path(tmp) / target)],
                        check=True, capture_output=True, text=True,
                        env={**os.environ, "PYTHONPATH": str(Path(src).resolve()),
                             "NUMBA_NUM_THREADS": "1"})
                    wall, cpu = time.perf_counter() - t, _children_cpu() - cpu
                rss, start_up, _ = map(float, proc.stdout.split()[-3:])
                run = {"code": name, "target": target, "wall": round(wall, 3),
                       "cpu": round(cpu, 3), "start_up": round(start_up, 3),
                       "rss_mib": round(rss), "load": [round(load, 2),
                                                       round(os.getloadavg()[0], 2)]}
                print(run, flush=True)
                runs.append(run)
    out = HERE / "results" / "cohort_command.json"
    out.write_text(json.dumps({"n": args.n, "codes": codes, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
