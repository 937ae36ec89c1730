"""The modular chia2025 calibration (issue 7, part 3): its figures and what it costs.

Usage: nice .venv/bin/python benchmarks/calibrate_chia2025_modular.py [OUT]
Runs what ``awaken calibrate chia2025-modular --out OUT`` runs (defaults: 8 generations,
300 particles per module, seed 0, one process), records wall and CPU time, and writes
benchmarks/results/calibrate_chia2025_modular.json (narrowing, predictive, roles, the
calibrated point against the hand-set default). ~15-20 CPU-minutes on this machine.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from awaken.calibrate.modular_run import run_modular  # noqa: E402

RESULT = Path(__file__).parent / "results" / "calibrate_chia2025_modular.json"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results/calibrate/chia2025-modular")
    start = time.perf_counter()
    summary = run_modular(out)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "command": f"awaken calibrate chia2025-modular --out {out}",
        "seconds_wall": round(time.perf_counter() - start, 1),
        "seconds_cpu": round(usage.ru_utime + usage.ru_stime, 1),
        **{k: summary[k] for k in ("narrowing", "predictive", "predictive_virus_at_median",
                                   "roles", "below_goal")},
        "narrowing_lung": {m: v["narrowing_lung"] for m, v in summary["modules"].items()},
        "simulations": {m: v["meta"]["simulations"] for m, v in summary["modules"].items()},
        "point": {k: summary["point"][k]["passed"] for k in ("calibrated", "default")},
        "calibrated_does_better": summary["point"]["calibrated_does_better"],
        "meta": summary["meta"],
    }
    RESULT.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps(result, indent=1, default=float))


if __name__ == "__main__":
    main()
