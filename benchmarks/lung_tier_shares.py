"""Where the batched lung solver's CPU time goes, per implicit tier (Rodas4 and BDF).

On the first ``--n`` draws of ``lung_ensemble.py`` (rtol 1e-8, one thread), the members are
split into those the explicit tier finishes and those handed to the implicit tier
(``solve.solver_work``); each group is timed (CPU, best of 2). The explicit steps of the
handed members are costed at the explicit-only group's CPU time per Dormand–Prince step,
the rest of the handed group's time is the implicit tier's.

Run:  .venv/bin/python benchmarks/lung_tier_shares.py --n 1000   (~1 min; writes
      results/lung_tier_shares.json)
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numba
import numpy as np
from lung_ensemble import DAYS, draw, varied_parameters

from awaken.core.io import write_json
from awaken.lung import solve

RESULTS = Path(__file__).with_name("results") / "lung_tier_shares.json"


def cpu_seconds(params: np.ndarray, times: np.ndarray, tier: str) -> float:
    best = np.inf
    for _ in range(2):
        t0 = time.process_time()
        solve.simulate_batch(params, times, implicit=tier)
        best = min(best, time.process_time() - t0)
    return float(best)


def shares(params: np.ndarray, times: np.ndarray, tier: str) -> dict[str, float | int]:
    solve.simulate_batch(params[:20], times, implicit=tier)  # compile or load the cache
    w = solve.solver_work(params, times, implicit=tier)
    handed = (w[f"{tier}_steps"] > 0).to_numpy()
    explicit_only = cpu_seconds(params[~handed], times, tier)
    handed_s = cpu_seconds(params[handed], times, tier)
    per_dopri = explicit_only / w.loc[~handed, "dopri_steps"].sum()
    handed_explicit = per_dopri * w.loc[handed, "dopri_steps"].sum()
    implicit = handed_s - handed_explicit
    total = explicit_only + handed_s
    return {
        "members": len(params),
        "handed": int(handed.sum()),
        "stiff_after": solve.STIFF_AFTER[tier],
        "cpu_ms_per_member": 1e3 * total / len(params),
        "implicit_share": implicit / total,
        "explicit_share_of_handed_members": handed_explicit / total,
        "dopri_step_us": 1e6 * per_dopri,
        "implicit_step_us": 1e6 * implicit / w.loc[handed, f"{tier}_steps"].sum(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    numba.set_num_threads(1)
    params = draw(args.n, args.seed, varied_parameters())
    times = np.arange(0.0, DAYS + 1e-9)
    load = os.getloadavg()[0]
    result = {tier: shares(params, times, tier) for tier in solve.IMPLICIT_TIERS}
    result["load_average_1min"] = [load, os.getloadavg()[0]]
    write_json(args.out, result)
    for tier in solve.IMPLICIT_TIERS:
        print(tier, result[tier])


if __name__ == "__main__":
    main()
