"""chia2025 ABC-SMC: wall time on this machine and how the fit predicts held-out targets.

Usage: .venv/bin/python benchmarks/calibrate_chia2025.py (1 and 2 local processes)
Writes benchmarks/results/calibrate_chia2025.json. Requirement: < 10 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from awaken.calibrate.workflow import run  # noqa: E402

OUT = Path(__file__).parent / "results" / "calibrate_chia2025.json"


def main() -> None:
    timings = {}
    for procs in (2, 1):  # the last run (1 process, reproducible) is the one reported
        start = time.perf_counter()
        summary = run("chia2025", f"/tmp/bench_chia2025_{procs}", method="abc",
                      populations=10, particles=1000, seed=0, n_procs=procs, force=True)
        timings[f"{procs}_procs"] = {"seconds_total": time.perf_counter() - start,
                                     "simulations": summary["meta"]["simulations"]}
    result = {
        "timings": timings, "meta": summary["meta"],
        "parameters": summary["parameters"], "derived": summary["derived"],
        "predictions": [{k: p[k] for k in ("target", "use", "low", "high", "median",
                                           "ci95_low", "ci95_high", "probability_met")}
                        for p in summary["predictions"]],
    }
    OUT.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps(result, indent=1, default=float))


if __name__ == "__main__":
    main()
