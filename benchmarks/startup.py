"""Start-up a user feels: warm wall-clock and CPU time of four short commands.

Each command runs as a user runs it (a new process, ``python -m awaken ...``), once to warm
the caches (compiled kernels, emulator tables), then ``--repeat`` times; the best and the
median wall time and the CPU time (user + system of the child) are recorded, and a table of
the medians is printed. With ``--src``
the same commands run against another source tree (e.g. an earlier commit exported with
``git archive``), side by side, as a ratio. Goals (issue 11): warm ``awaken --help`` under
0.3 s, warm ``awaken lung simulate`` (60 days) under 1 s.

Usage::

    .venv/bin/python benchmarks/startup.py                       # ~1 minute
    git archive 9911951 src | tar -x -C /tmp/before
    .venv/bin/python benchmarks/startup.py --src /tmp/before/src  # before / after
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GOALS = {"awaken --help": 0.3, "awaken lung simulate": 1.0}


def commands(tmp: Path) -> dict[str, list[str]]:
    """Label -> arguments after ``python -m awaken``."""
    return {
        "awaken --help": ["--help"],
        "awaken lung simulate": ["lung", "simulate", "--days", "60", "--out",
                                 str(tmp / "traj.csv")],
        "awaken epi cox (4,000 rows)": ["epi", "cox", "--data", str(tmp / "cox.csv"),
                                        "--stop", "time", "--event", "status",
                                        "--covariates", "x,age"],
        "awaken calibrate datasets": ["calibrate", "datasets"],
    }


def cox_data(path: Path, n: int = 4000, seed: int = 0) -> None:
    """A seeded 4,000-row survival table (one covariate with an effect, one without)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(0.5 * x))
    c = rng.exponential(2.0, size=n)
    pd.DataFrame({"time": np.minimum(t, c), "status": (t < c).astype(int), "x": x,
                  "age": rng.normal(60, 10, n)}).to_csv(path, index=False)


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one ``python -m awaken`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "awaken", *args], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"awaken {' '.join(args)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _stats(runs: list[tuple[float, float]]) -> dict[str, float]:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return {"wall_best_s": round(min(walls), 3),
            "wall_median_s": round(statistics.median(walls), 3),
            "cpu_best_s": round(min(cpus), 3), "cpu_median_s": round(statistics.median(cpus), 3)}


def measure(trees: dict[str, Path | None], repeat: int) -> dict[str, dict[str, dict]]:
    """``{tree: {command: timings}}``; the trees' runs alternate, so they share the load."""
    envs = {}
    for name, src in trees.items():
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        envs[name] = env
    out: dict[str, dict[str, dict]] = {name: {} for name in trees}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        cox_data(tmp / "cox.csv")
        for label, args in commands(tmp).items():
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for env in envs.values():
                run_once(args, env)  # warm: kernels and tables come from the caches
            for _ in range(repeat):
                for name, env in envs.items():
                    runs[name].append(run_once(args, env))
            for name in trees:
                out[name][label] = _stats(runs[name])
                t = out[name][label]
                print(f"{name:6s} {label:30s} wall best {t['wall_best_s']:6.2f} s, median "
                      f"{t['wall_median_s']:6.2f} s; CPU best {t['cpu_best_s']:6.2f} s",
                      file=sys.stderr)
    return out


def print_table(timed: dict[str, dict[str, dict]]) -> None:
    """Median wall and CPU per command, this tree beside the other, and the goal."""
    other = timed.get("other")
    head = "| command (warm) | wall median | CPU median |"
    if other:
        head += " wall median, other | CPU median, other |"
    print(head + " goal |")
    print("|---" * (head.count("|") ) + "|")
    for label, t in timed["this"].items():
        row = f"| `{label}` | {t['wall_median_s']:.2f} s | {t['cpu_median_s']:.2f} s |"
        if other:
            o = other[label]
            row += f" {o['wall_median_s']:.2f} s | {o['cpu_median_s']:.2f} s |"
        goal = GOALS.get(label)
        verdict = "—" if goal is None else (
            f"< {goal:g} s: {'met' if t['wall_median_s'] < goal else 'missed'} (wall)")
        print(f"{row} {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="another source tree to time beside this one")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup.json")
    opts = parser.parse_args()
    load_before = os.getloadavg()[0]
    trees: dict[str, Path | None] = {"this": None}
    if opts.src is not None:
        trees["other"] = opts.src
    timed = measure(trees, opts.repeat)
    now = timed["this"]
    result: dict[str, object] = {
        "command": "python benchmarks/startup.py" + (f" --src {opts.src}" if opts.src else ""),
        "repeat": opts.repeat, "cpus": os.cpu_count(),
        "load_average_1min": {"before": round(load_before, 2)}, "goals_s": GOALS,
        "this_tree": now,
    }
    if opts.src is not None:
        other = timed["other"]
        result["other_tree"] = {"src": str(opts.src), **other}
        result["ratio_other_over_this"] = {
            label: {k: round(other[label][k] / v, 2) for k, v in now[label].items() if v > 0}
            for label in now}
    result["load_average_1min"]["after"] = round(os.getloadavg()[0], 2)  # type: ignore[index]
    print_table(timed)
    from awaken.core import write_json

    write_json(opts.out, result)
    print(f"wrote {opts.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
