"""The whole ``awaken epi cox`` command against R's ``coxph`` fit, side by side.

Data: ``epi_cox.make_data`` with 1.4 million counting-process rows (~560,000 subjects, whole-day
times, a time-varying exposure, 5 covariates, Efron ties), written as CSV and Parquet. Timed:

* the command ``awaken epi cox --data ... --json`` as a user runs it (a new process: start-up,
  reading, validation, fit, output), wall-clock, best of 3, for each format;
* where its time goes, in a fresh process run as the command runs: start-up (Python,
  ``awaken.cli``, numba), reading the table (while a thread loads the Cox engine: numba's
  start-up, the cached kernels), what the engine took beyond the read, the fit (validation,
  sorting, Newton iterations, concordance) and the JSON; then the fit again, warm, split
  into its parts;
* R ``survival::coxph`` on the same CSV, timed with ``system.time`` around the fit alone
  (the data read before), best of 2, and R's whole script.

Coefficients of both are compared. Usage::

    .venv/bin/python benchmarks/epi_cli.py            # ~2 minutes, most of it R
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from epi_cox import COVARIATES, make_data  # noqa: E402

from awaken.core import write_json  # noqa: E402

HERE = Path(__file__).resolve().parent
N_ROWS = 1_400_000
AWAKEN = Path(sys.executable).parent / "awaken"

PHASES = r"""
import json, sys, time
marks = [(time.perf_counter(), time.process_time())]
def mark():
    marks.append((time.perf_counter(), time.process_time()))
import gc, threading
import awaken.cli.epi as cli
from awaken.core.cache import announce_compiling
announce_compiling()  # as the command: imports numba
mark()
from pathlib import Path
covs = sys.argv[2].split(",")
cols = ["start", "stop", "event", *covs]
cli._no_huge_pages()
engine = threading.Thread(target=cli._load_engine)
engine.start()
table = cli.read_numeric_columns(Path(sys.argv[1]), cols)
mark()
engine.join()
gc.freeze()
mark()
from awaken.epi.cox import fit_cox
fit = fit_cox(table, start="start", stop="stop", event="event", covariates=covs)
mark()
text = json.dumps(fit.to_dict())
mark()
# the fit again, warm, split into validation + sorting (the design), Newton, concordance
from awaken.epi import cox
mark()
threads = cox.default_threads()
design = cox._build_design(table, fit.spec, threads=threads)
mark()
beta = cox._newton(design, True, 30, 1e-9, fit.spec, threads)[0]
mark()
cox._concordance(design, beta, threads)
mark()
names = ["start_up", "read", "engine_beyond_read", "fit", "output", None,
         "warm_validation_and_sorting", "warm_newton", "warm_concordance"]
wall = {n: b[0] - a[0] for n, a, b in zip(names, marks, marks[1:]) if n}
cpu = {n: b[1] - a[1] for n, a, b in zip(names, marks, marks[1:]) if n}
print(json.dumps({"wall": wall, "cpu": cpu, "threads": threads}))
"""

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1])
read_s <- proc.time()[["elapsed"]] - t0
best <- Inf
for (i in seq_len(as.integer(args[2]))) {
  tm <- system.time(fit <- coxph(Surv(start, stop, event) ~ age + sex + x3 + x4 + exposed,
                                 data = d, ties = "efron"))
  best <- min(best, tm[["elapsed"]])
  cpu <- tm[["user.self"]] + tm[["sys.self"]]
}
cat("READ", read_s, "\n")
cat("FIT", best, "\n")
cat("CPU", cpu, "\n")
cat("COEF", sprintf("%.17g", coef(fit)), "\n")
"""


def _run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out


def _cpu_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def csv_readers(path: Path, columns: list[str], repeats: int = 5) -> dict[str, dict[str, float]]:
    """The model's columns read by the command (pyarrow into NumPy) and by pandas'
    ``read_csv`` (``usecols``, float64), alternated in one process so that both see the same
    load: best wall and CPU seconds of each; the values must agree exactly."""
    import pandas as pd

    from awaken.cli.epi import read_numeric_columns

    readers = {"command (pyarrow to NumPy)": lambda: read_numeric_columns(path, columns),
               "pandas read_csv": lambda: pd.read_csv(path, usecols=columns,
                                                      dtype=dict.fromkeys(columns, "float64"))}
    best = {k: {"wall_s": np.inf, "cpu_s": np.inf} for k in readers}
    tables: dict[str, object] = {}
    for _ in range(repeats):
        for name, read in readers.items():
            w, c = time.perf_counter(), time.process_time()
            tables[name] = read()
            w, c = time.perf_counter() - w, time.process_time() - c
            best[name] = {"wall_s": min(best[name]["wall_s"], w),
                          "cpu_s": min(best[name]["cpu_s"], c)}
    ours, theirs = tables.values()
    assert isinstance(ours, dict) and isinstance(theirs, pd.DataFrame)
    for c in columns:
        assert np.array_equal(ours[c], theirs[c].to_numpy(), equal_nan=True), c
    return best


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="awaken-epi-cli-"))
    frame = make_data(N_ROWS)
    paths = {"csv": work / "cohort.csv", "parquet": work / "cohort.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    covs = ",".join(COVARIATES)
    base = ["--start", "start", "--stop", "stop", "--event", "event", "--covariates", covs,
            "--json"]
    results: dict[str, object] = {"rows": len(frame), "events": int(frame["event"].sum()),
                                  "subjects": int(frame["id"].nunique())}
    results["csv_readers"] = csv_readers(paths["csv"], ["start", "stop", "event", *COVARIATES])
    results["csv_readers"]["load_average"] = os.getloadavg()[0]
    _run([str(AWAKEN), "epi", "cox", "--data", str(paths["parquet"]), *base])  # warm caches
    coef = None
    for fmt, path in paths.items():
        walls, cpus = [], []
        for _ in range(3):
            cpu0 = _cpu_children()
            wall, out = _run([str(AWAKEN), "epi", "cox", "--data", str(path), *base])
            walls.append(wall)
            cpus.append(_cpu_children() - cpu0)
            coef = json.loads(out.stdout)["coef"]
        phases = json.loads(_run([sys.executable, "-c", PHASES, str(path), covs])[1].stdout)
        results[fmt] = {"command_s": min(walls), "command_cpu_s": min(cpus),
                        "phases_s": phases["wall"], "phases_cpu_s": phases["cpu"],
                        "load_average": os.getloadavg()[0]}
    startup, _ = _run([sys.executable, "-c", "import awaken.cli"])
    results["python_and_cli_import_s"] = startup
    rscript = shutil.which("Rscript")
    if rscript:
        script = work / "fit.R"
        script.write_text(R_SCRIPT)
        wall, out = _run([rscript, str(script), str(paths["csv"]), "2"])
        grab = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line}
        r_coef = np.array(grab["COEF"], dtype=float)
        results["r"] = {"fit_s": float(grab["FIT"][0]), "fit_cpu_s": float(grab["CPU"][0]),
                        "read_s": float(grab["READ"][0]), "load_average": os.getloadavg()[0],
                        "script_s": wall,
                        "max_abs_coef_diff": float(np.max(np.abs(r_coef - np.array(coef))))}
    write_json(HERE / "results" / "epi_cli.json", results)
    print(json.dumps(results, indent=2))
    if "r" in results:
        r = results["r"]
        for fmt in paths:
            cmd = results[fmt]["command_s"]  # type: ignore[index]
            fit = results[fmt]["phases_s"]["fit"]  # type: ignore[index]
            cpu = results[fmt]["command_cpu_s"]  # type: ignore[index]
            print(f"{fmt}: command {cmd:.2f} s vs R fit {r['fit_s']:.2f} s "  # type: ignore[index]
                  f"-> {r['fit_s'] / cmd:.1f}x (CPU {cpu:.2f} s vs "
                  f"{r['fit_cpu_s']:.2f} s -> {r['fit_cpu_s'] / cpu:.1f}x); fit {fit:.2f} s -> "
                  f"{r['fit_s'] / fit:.1f}x")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
