"""Benchmark: Cox model on counting-process data, awaken vs R survival, lifelines, statsmodels.

Reproducible data (seeded): subjects followed up to 10 years in whole days (many tied event
times), each split into 1-4 (start, stop] rows with a time-varying exposure, 5 covariates,
Efron ties. awaken and R's ``coxph`` run at ``--rows`` (default 1,000,000); at the smaller
``--small`` sizes lifelines' ``CoxTimeVaryingFitter`` and statsmodels' ``PHReg`` join them.
Times are wall-clock seconds of the fit alone (R: ``system.time`` around ``coxph``, data read
beforehand), best of ``--repeats``. Coefficient agreement with awaken is checked in the same
run. Writes ``benchmarks/results/epi_cox.json``.

    .venv/bin/python benchmarks/epi_cox.py                 # full run (R, lifelines, statsmodels)
    .venv/bin/python benchmarks/epi_cox.py --rows 200000 --small 30000 --skip-lifelines
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from awaken.core import rng_stream, write_json
from awaken.epi import fit_cox

COVARIATES = ["age", "sex", "x3", "x4", "exposed"]
HERE = Path(__file__).resolve().parent


def make_data(n_rows: int, seed: int = 2025) -> pd.DataFrame:
    """Counting-process data with ``n_rows`` rows, whole-day times and a time-varying exposure."""
    rng = rng_stream(seed, "epi_cox_benchmark")
    n_sub = int(n_rows / 2.5) + 100
    age = np.round(rng.normal(60, 10, n_sub), 1)
    sex = rng.integers(0, 2, n_sub)
    x3 = np.round(rng.normal(0, 1, n_sub), 2)
    x4 = rng.integers(0, 2, n_sub)
    lp = 0.02 * (age - 60) + 0.5 * sex + 0.3 * x3 - 0.4 * x4
    t_event = rng.exponential(1.0 / (0.0004 * np.exp(lp)))
    t_censor = rng.uniform(30, 3650, n_sub)
    fu = np.maximum(np.ceil(np.minimum(t_event, t_censor)), 1).astype(np.int64)
    died = (t_event <= t_censor).astype(np.int64)
    k = np.minimum(rng.integers(1, 5, n_sub), fu)      # rows per subject
    infected_at = rng.integers(1, k + 1)               # row from which exposed (k: never)
    sub = np.repeat(np.arange(n_sub), k)
    j = np.arange(len(sub)) - np.repeat(np.cumsum(k) - k, k)
    kk = k[sub]
    start = np.round(fu[sub] * j / kk)
    stop = np.where(j == kk - 1, fu[sub], np.round(fu[sub] * (j + 1) / kk))
    exposed = (j >= infected_at[sub]).astype(np.int64)
    event = np.where(j == kk - 1, died[sub], 0)
    frame = pd.DataFrame({"id": sub, "start": start, "stop": stop, "event": event,
                          "age": age[sub], "sex": sex[sub], "x3": x3[sub], "x4": x4[sub],
                          "exposed": exposed})
    return frame.iloc[:n_rows].reset_index(drop=True)


def _fit(frame: pd.DataFrame) -> Any:
    return fit_cox(frame, start="start", stop="stop", event="event", covariates=COVARIATES,
                   ties="efron")


def time_awaken(frame: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """Best wall time over ``repeats`` fits (the kernels are already compiled)."""
    walls, cpus = [], []
    res = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = _fit(frame)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    assert res is not None
    return {"seconds": min(walls), "cpu_seconds": min(cpus), "median_seconds":
            float(np.median(walls)), "coef": res.coef.tolist(), "loglik": res.loglik[1],
            "iterations": res.iterations}


def compile_times() -> dict[str, float]:
    """First-call times in fresh processes: with an empty numba cache, and with the cache."""
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import time; "
            "from epi_cox import make_data, _fit; d=make_data(2000); t1=time.perf_counter(); "
            "_fit(d); print(time.perf_counter()-t1)")
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold_compile_seconds", "cached_first_call_seconds"):
            run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True)
            out[label] = float(run.stdout.strip().splitlines()[-1])
    return out


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = "numeric")
reps <- as.integer(args[2])
el <- numeric(reps); cpu <- numeric(reps)
for (i in seq_len(reps)) {
  tm <- system.time(fit <- coxph(Surv(start, stop, event) ~ age + sex + x3 + x4 + exposed,
                                 data = d, ties = "efron"))
  el[i] <- tm[["elapsed"]]; cpu[i] <- tm[["user.self"]] + tm[["sys.self"]]
}
cat(sprintf("ELAPSED %.17g\n", el), sep = ""); cat(sprintf("CPU %.17g\n", cpu), sep = "")
cat(sprintf("COEF %.17g\n", coef(fit)), sep = ""); cat(sprintf("LOGLIK %.17g\n", fit$loglik[2]))
cat(sprintf("VERSION %s\n", as.character(packageVersion("survival"))))
"""


def time_r(frame: pd.DataFrame, repeats: int, workdir: Path) -> dict[str, Any] | None:
    """R's coxph, timed inside R with system.time (data read from CSV beforehand)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    csv = workdir / f"cox_{len(frame)}.csv"
    if not csv.exists():
        frame.drop(columns="id").to_csv(csv, index=False)
    script = workdir / "fit.R"
    script.write_text(R_SCRIPT)
    run = subprocess.run([rscript, str(script), str(csv), str(repeats)], capture_output=True,
                         text=True, check=True)
    lines = run.stdout.splitlines()

    def grab(tag: str) -> list[str]:
        return [ln.split(" ", 1)[1] for ln in lines if ln.startswith(tag + " ")]

    elapsed = [float(v) for v in grab("ELAPSED")]
    cpu = [float(v) for v in grab("CPU")]
    return {"seconds": min(elapsed), "cpu_seconds": min(cpu), "median_seconds":
            float(np.median(elapsed)), "coef": [float(v) for v in grab("COEF")],
            "loglik": float(grab("LOGLIK")[0]), "survival": grab("VERSION")[0]}


def time_lifelines(frame: pd.DataFrame) -> dict[str, Any] | None:
    """lifelines' CoxTimeVaryingFitter (Efron ties), one fit."""
    try:
        from lifelines import CoxTimeVaryingFitter
    except ImportError:
        return None
    cols = ["id", "start", "stop", "event", *COVARIATES]
    fitter = CoxTimeVaryingFitter()
    t0 = time.perf_counter()
    fitter.fit(frame[cols], id_col="id", event_col="event", start_col="start",
               stop_col="stop", show_progress=False)
    wall = time.perf_counter() - t0
    coef = fitter.params_.reindex(COVARIATES).to_numpy()
    return {"seconds": wall, "coef": coef.tolist()}


def time_statsmodels(frame: pd.DataFrame) -> dict[str, Any] | None:
    """statsmodels' PHReg with entry times (Efron ties), one fit.

    PHReg counts a row entering at ``t`` as at risk at ``t``; R (and awaken) do not. Entry
    times are nudged up by 1e-7 days so that PHReg fits the same (start, stop] model.
    """
    try:
        from statsmodels.duration.hazard_regression import PHReg
    except ImportError:
        return None
    t0 = time.perf_counter()
    model = PHReg(frame["stop"].to_numpy(), frame[COVARIATES].to_numpy(),
                  status=frame["event"].to_numpy(), entry=frame["start"].to_numpy() + 1e-7,
                  ties="efron")
    fitted = model.fit()
    wall = time.perf_counter() - t0
    return {"seconds": wall, "coef": np.asarray(fitted.params).tolist()}


def run_size(n_rows: int, args: argparse.Namespace, workdir: Path,
             peers: bool) -> dict[str, Any]:
    """All tools at one size; ratios and coefficient differences relative to awaken."""
    frame = make_data(n_rows, args.seed)
    row: dict[str, Any] = {"rows": n_rows, "events": int(frame["event"].sum()),
                           "subjects": int(frame["id"].nunique()),
                           "distinct_event_times": int(frame.loc[frame["event"] == 1, "stop"]
                                                       .nunique())}
    tools: dict[str, Any] = {"awaken": time_awaken(frame, args.repeats)}
    print(f"[{n_rows:>9,} rows] awaken {tools['awaken']['seconds']:.3f} s", flush=True)
    if not args.skip_r:
        tools["R survival"] = time_r(frame, args.r_repeats, workdir)
        if tools["R survival"]:
            print(f"[{n_rows:>9,} rows] R      {tools['R survival']['seconds']:.3f} s",
                  flush=True)
    if peers and not args.skip_statsmodels:
        tools["statsmodels PHReg"] = time_statsmodels(frame)
        print(f"[{n_rows:>9,} rows] statsmodels done", flush=True)
    if peers and not args.skip_lifelines and n_rows <= args.lifelines_max_rows:
        tools["lifelines CoxTimeVaryingFitter"] = time_lifelines(frame)
        print(f"[{n_rows:>9,} rows] lifelines done", flush=True)
    ours = np.asarray(tools["awaken"]["coef"])
    for res in tools.values():
        if res is None:
            continue
        res["speedup_of_awaken"] = res["seconds"] / tools["awaken"]["seconds"]
        res["max_abs_coef_diff_vs_awaken"] = float(np.max(np.abs(np.asarray(res["coef"])
                                                                 - ours)))
    row["tools"] = {k: v for k, v in tools.items() if v is not None}
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    """Plain-text summary: seconds, how many times slower than awaken, coefficient agreement."""
    print(f"\n{'rows':>10}  {'tool':<32}{'seconds':>10}{'× awaken':>10}{'max|Δcoef|':>12}")
    for row in rows:
        for name, res in row["tools"].items():
            print(f"{row['rows']:>10,}  {name:<32}{res['seconds']:>10.3f}"
                  f"{res['speedup_of_awaken']:>10.1f}{res['max_abs_coef_diff_vs_awaken']:>12.1e}")


def main() -> None:
    """Parse options, run the sizes, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", default="30000,200000",
                        help="comma-separated sizes where lifelines/statsmodels also run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--r-repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--lifelines-max-rows", type=int, default=200_000)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-lifelines", action="store_true")
    parser.add_argument("--skip-statsmodels", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "epi_cox.json")
    args = parser.parse_args()

    compile_info = compile_times()
    print(f"numba: cold compile {compile_info['cold_compile_seconds']:.1f} s, first call with "
          f"cache {compile_info['cached_first_call_seconds']:.2f} s", flush=True)
    _fit(make_data(2000, args.seed))  # warm-up in this process
    small = [int(s) for s in args.small.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in small:
            rows.append(run_size(n, args, Path(tmp), peers=True))
        rows.append(run_size(args.rows, args, Path(tmp), peers=False))
    print_table(rows)
    result = {
        "benchmark": "Cox model, counting-process data, 5 covariates, Efron ties",
        "command": "python " + " ".join(["benchmarks/epi_cox.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "platform": sys.platform},
        "numba": compile_info,
        "sizes": rows,
    }
    write_json(args.out, json.loads(json.dumps(result)))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
