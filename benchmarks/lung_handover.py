"""The explicit-to-implicit hand-over of the batched lung solver: cost and error per setting.

On the first ``--n`` draws of ``lung_ensemble.py``, one thread, for each rtol (atol =
rtol/100) and each hand-over count (set as ``solve.STIFF_AFTER`` and ``STIFF_AFTER_LOOSE``):
CPU ms per member (best of 3), the median and 90th-percentile error against Rodas4 at
rtol 1e-11 (``lung_ensemble.full_error``), the mean
Dormand–Prince steps per member, the members handed over and their mean implicit steps
(``solve.solver_work``; counts do not depend on the load). ``--explicit-steps`` sets
``solve.EXPLICIT_STEPS`` (the explicit budget, which also bounds the pace test);
``--from-start`` adds a run with every member implicit from day 0.

Run:  .venv/bin/python benchmarks/lung_handover.py --n 1000        (~1-2 min; timing: hold
      the exclusive CPU lock) -> results/lung_handover.json
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numba
import numpy as np
from lung_ensemble import DAYS, draw, full_error, varied_parameters

from awaken.core.io import write_json
from awaken.lung import solve

RESULTS = Path(__file__).with_name("results") / "lung_handover.json"


def measure(params: np.ndarray, times: np.ndarray, ref: np.ndarray, rtol: float, tier: str,
            stiff_after: int, explicit_steps: int) -> dict[str, float | int | str | bool]:
    saved = dict(solve.STIFF_AFTER), dict(solve.STIFF_AFTER_LOOSE), solve.EXPLICIT_STEPS
    solve.STIFF_AFTER = {**solve.STIFF_AFTER, tier: stiff_after}
    solve.STIFF_AFTER_LOOSE = {**solve.STIFF_AFTER_LOOSE, tier: stiff_after}
    solve.EXPLICIT_STEPS = explicit_steps
    try:
        kw = {"rtol": rtol, "atol": rtol * 1e-2, "implicit": tier}
        solve.simulate_batch(params[:5], times, **kw)
        best = np.inf
        for _ in range(3):
            t0 = time.process_time()
            out = solve.simulate_batch(params, times, **kw)
            best = min(best, time.process_time() - t0)
        w = solve.solver_work(params, times, **kw)
    finally:
        solve.STIFF_AFTER, solve.STIFF_AFTER_LOOSE, solve.EXPLICIT_STEPS = saved
    err = full_error(out, ref)
    steps = w[f"{tier}_steps"]
    return {
        "tier": tier, "rtol": rtol, "stiff_after": stiff_after, "explicit_steps": explicit_steps,
        "cpu_ms_per_member": 1e3 * best / len(params),
        "median_error": float(np.median(err)), "p90_error": float(np.quantile(err, 0.9)),
        "dopri_steps_mean": float(w["dopri_steps"].mean()),
        "members_handed": int((steps > 0).sum()),
        "implicit_steps_per_handed": float(steps[steps > 0].mean()) if (steps > 0).any() else 0,
        "negative_states": bool((out < 0).any()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--rtol", type=float, nargs="+", default=[1e-6, 1e-7, 1e-8])
    ap.add_argument("--stiff-after", type=int, nargs="+", default=[50, 100, 200, 300, 500])
    ap.add_argument("--explicit-steps", type=int, nargs="+", default=[solve.EXPLICIT_STEPS])
    ap.add_argument("--tier", default="rodas", choices=sorted(solve.IMPLICIT_TIERS))
    ap.add_argument("--from-start", action="store_true", help="also: all implicit from day 0")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    numba.set_num_threads(1)
    params = draw(args.n, args.seed, varied_parameters())
    times = np.arange(0.0, DAYS + 1e-9)
    ref = solve.simulate_batch(params, times, rtol=1e-11, atol=1e-13, implicit="rodas")
    load = os.getloadavg()[0]
    rows = []
    for rtol in args.rtol:
        settings = [(s, e) for e in args.explicit_steps for s in args.stiff_after]
        for stiff_after, explicit_steps in settings + [(0, 0)] * args.from_start:
            rows.append(measure(params, times, ref, rtol, args.tier, stiff_after, explicit_steps))
            print({k: f"{v:.3g}" if isinstance(v, float) else v for k, v in rows[-1].items()},
                  flush=True)
    write_json(args.out, {"members": args.n, "rows": rows,
                          "load_average_1min": [load, os.getloadavg()[0]]})


if __name__ == "__main__":
    main()
