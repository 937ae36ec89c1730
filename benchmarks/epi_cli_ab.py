"""The ``awaken epi cox`` command from two (or more) source trees, alternated, best of N.

For measuring one change against the tree before it on the same data as
``benchmarks/epi_cli.py`` (``make_data(1_400_000)``, CSV and Parquet), under the same load:
each round runs every tree on each format, as a new process. Usage::

    git archive COMMIT src | tar -x -C /tmp/before
    flock -x /tmp/awaken-cpu.lock .venv/bin/python benchmarks/epi_cli_ab.py 4 /tmp/before .
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from epi_cox import COVARIATES, make_data  # noqa: E402

N_ROWS = 1_400_000


def main() -> None:
    rounds, trees = int(sys.argv[1]), [Path(t).resolve() for t in sys.argv[2:]]
    work = Path(tempfile.mkdtemp(prefix="awaken-epi-ab-"))
    frame = make_data(N_ROWS)
    paths = {"csv": work / "cohort.csv", "parquet": work / "cohort.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    cmd = [sys.executable, "-m", "awaken", "epi", "cox", "--start", "start", "--stop", "stop",
           "--event", "event", "--covariates", ",".join(COVARIATES), "--json", "--data"]
    best: dict[tuple[Path, str], tuple[float, float]] = {}
    for _ in range(rounds):
        for tree in trees:
            for fmt, path in paths.items():
                env = dict(os.environ, PYTHONPATH=str(tree / "src"))
                u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall = time.perf_counter()
                subprocess.run([*cmd, str(path)], env=env, capture_output=True, check=True)
                wall = time.perf_counter() - wall
                u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime
                w, c = best.get((tree, fmt), (float("inf"), float("inf")))
                best[(tree, fmt)] = (min(w, wall), min(c, cpu))
    for (tree, fmt), (wall, cpu) in best.items():
        print(f"{str(tree):40s} {fmt:8s} wall {wall:.3f} s  cpu {cpu:.3f} s")
    print("load average", os.getloadavg())
    for path in paths.values():
        path.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
