"""Baccam et al. 2006 fits: estimates vs published, intervals, and what each step costs.

Usage: .venv/bin/python benchmarks/calibrate_baccam.py [--quick]
Writes benchmarks/results/calibrate_baccam.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402

from awaken.calibrate import abcsmc, likelihood  # noqa: E402
from awaken.calibrate.posterior import Posterior, summarize  # noqa: E402
from awaken.calibrate.problems import problem  # noqa: E402
from awaken.calibrate.problems.baccam2006 import PUBLISHED  # noqa: E402

OUT = Path(__file__).parent / "results" / "calibrate_baccam.json"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def main(quick: bool) -> None:
    pr = problem("baccam2006")
    results: dict = {"machine_cores": os.cpu_count()}

    # cost of one likelihood evaluation: one at a time vs batched
    rng = np.random.default_rng(0)
    z = pr.prior_sample(rng, 1000)
    pr.loglik(z[:2])
    _, t1 = timed(lambda: [pr.loglik(z[i : i + 1]) for i in range(200)])
    _, tb = timed(pr.loglik, z)
    results["loglik_ms_per_set"] = {"one_at_a_time": 1e3 * t1 / 200, "batch_1000": tb}
    results["loglik_ms_per_set"]["batch_1000"] = 1e3 * tb / 1000

    # maximum likelihood, Laplace and profile intervals
    fit, seconds = timed(likelihood.fit, pr, n_starts=20, seed=0)
    table = fit.table().set_index("parameter")
    profiles = {pid: likelihood.profile(fit, pid, n_points=13)[1] for pid in pr.free_ids}
    laplace = Posterior.from_samples(pr, fit.samples(4000), method="laplace")
    derived = summarize(pr, laplace)["derived"]
    results["likelihood"] = {
        "seconds": seconds, "loglik": fit.loglik, "notes": list(fit.notes),
        "parameters": {
            pid: {"estimate": table.loc[pid, "estimate"],
                  "laplace_ci95": [table.loc[pid, "ci95_low"], table.loc[pid, "ci95_high"]],
                  "profile_ci95": list(profiles[pid]), "published": PUBLISHED.get(pid)}
            for pid in pr.free_ids
        },
        "derived": {k: {**v, "published": PUBLISHED.get(k)} for k, v in derived.items()},
    }

    # ABC-SMC, one and two processes
    runs = {}
    for procs in ((2,) if quick else (1, 2)):
        abc, seconds = timed(abcsmc.fit, pr, populations=8, particles=200 if quick else 500,
                             seed=0, n_procs=procs, db=f"/tmp/bench_baccam_{procs}.db")
        post = Posterior.from_samples(pr, abc.z, abc.weights, **abc.meta)
        s = summarize(pr, post)
        runs[f"{procs}_procs"] = {"seconds": seconds, "simulations": abc.meta["simulations"],
                                  "ms_per_simulation": 1e3 * seconds / abc.meta["simulations"],
                                  "ess": abc.meta["ess"], "parameters": s["parameters"],
                                  "derived": s["derived"]}
    results["abc"] = runs
    OUT.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main("--quick" in sys.argv)
