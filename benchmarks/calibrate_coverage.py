"""Coverage of 95% intervals on synthetic data (known parameters -> data -> fit).

* Baccam (pooled), Laplace intervals, truth fixed at the published values.
* chia2025, ABC-SMC credible intervals, truth drawn from the prior in each replicate.

Usage: .venv/bin/python benchmarks/calibrate_coverage.py [REPLICATES]
Writes benchmarks/results/calibrate_coverage.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from awaken.calibrate.coverage import coverage, summary  # noqa: E402
from awaken.calibrate.problems import problem  # noqa: E402

OUT = Path(__file__).parent / "results" / "calibrate_coverage.json"


def main(replicates: int) -> None:
    results = {}
    for label, pr, kwargs in (
        ("baccam2006_laplace", problem("baccam2006"),
         {"method": "likelihood", "truth": "nominal", "n_starts": 3}),
        ("chia2025_abc", problem("chia2025"),
         {"method": "abc", "truth": "prior", "populations": 4, "particles": 200}),
    ):
        start = time.perf_counter()
        table = coverage(pr, replicates=replicates, seed=0, **kwargs)
        cov = summary(table)
        results[label] = {"seconds": time.perf_counter() - start, "replicates": replicates,
                          "overall": float(table["covered"].mean()),
                          "per_parameter": cov.to_dict(orient="records")}
        print(label, results[label]["overall"])
        print(cov.to_string(index=False))
    OUT.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
